/**
 * kill -9 of one node of three (real server processes on one PostgreSQL and one Redis) during a flash sale with
 * payments in flight, then that node restarted: every payment the sandbox approved before the kill is paid, no
 * idempotency key has two orders, stock plus live orders is the initial stock (and the sale's remainder plus its
 * live orders its cap). Buyers whose requests died with the node retry the same keys on another node.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterProcs, startClusterProcs } from '../../../scripts/bench/lib/cluster-procs';
import { pgUnavailable } from '../db/pg-testing';

const BUYERS = 90;
const INITIAL_STOCK = 100;
const SALE_CAP = 60;
/** Approvals start together once this many buyers hold a pay page. */
const GATE_AT = 30;
/** Buyers who approve as soon as they can. */
const EARLY_PAYERS = 12;
/** The victim dies once this many orders are paid… */
const EARLY_PAID = 5;
/** …and this many of its approvals are recorded by the sandbox but not yet applied to their orders. */
const KILL_WITH_IN_FLIGHT = 1;
const VICTIM = 1;

let cluster: ClusterProcs;
let db: pg.Client;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Attempt {
  cookie: string;
  key: string;
  node: number;
  orderIds: string[];
  /** The approve POST was answered 303: the sandbox recorded the payment as succeeded. */
  approved: boolean;
}

interface Rush {
  approved: number;
  readyToPay: number;
  gate: Promise<void>;
  open: () => void;
}

const contact = (i: number) => ({
  name: `买家${i}`,
  phone: `138${String(10_000_000 + i).slice(-8)}`,
  address: `上海市静安区南京西路 ${i + 1} 号`,
});

async function post<T>(url: string, cookie: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function shop(skuId: string, i: number, a: Attempt, rush: Rush): Promise<void> {
  await sleep(Math.floor(Math.random() * 1500));
  const url = cluster.nodes[a.node]!.url;
  const order = { idempotencyKey: a.key, items: [{ skuId, qty: 1 }], contact: contact(i) };
  // Every third buyer's checkout also reaches the next node (a double tap behind a load balancer).
  const targets = i % 3 === 0 ? [url, cluster.nodes[(a.node + 1) % cluster.nodes.length]!.url] : [url];
  const replies = await Promise.all(targets.map((u) => post<{ id: string }>(`${u}/api/orders`, a.cookie, order)));
  for (const r of replies) {
    if (r.status === 200 || r.status === 201) a.orderIds.push(r.body.id);
    else expect(r.status).toBe(409); // sold out
  }
  const orderId = a.orderIds[0];
  if (!orderId) return;
  const pay = await post<{ action: { url: string } }>(`${url}/api/orders/${orderId}/pay`, a.cookie, {});
  expect(pay.status).toBe(200);
  expect(pay.body.action.url.startsWith(url)).toBe(true);
  if (++rush.readyToPay === GATE_AT) rush.open();
  if (i >= EARLY_PAYERS) await rush.gate;
  const decided = await fetch(`${pay.body.action.url}/approve`, { method: 'POST', redirect: 'manual' });
  expect(decided.status).toBe(303);
  a.approved = true;
  rush.approved++;
}

describe.skipIf(pgUnavailable() !== null)('kill -9 of a node during a flash sale (3 nodes, PostgreSQL + Redis)', () => {
  beforeAll(async () => {
    cluster = await startClusterProcs({ nodes: 3, env: { PAYMENTS_RECONCILE_AFTER_SEC: '1' } });
    db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  }, 60_000);

  it('after the restart every approved payment is paid, one order per key, stock + live orders = initial stock', {
    timeout: 150_000,
  }, async () => {
    const { skuId, saleId } = await cluster.flashSale({ stock: INITIAL_STOCK, cap: SALE_CAP, perBuyerLimit: 1, saleNode: 2 });

    const victim = cluster.nodes[VICTIM]!;
    const attempts: Attempt[] = Array.from({ length: BUYERS }, (_, i) => ({
      cookie: cluster.guestCookie(),
      key: `crash-${randomBytes(8).toString('hex')}`,
      node: i % cluster.nodes.length,
      orderIds: [],
      approved: false,
    }));
    let open = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const rush: Rush = { approved: 0, readyToPay: 0, gate, open };
    const rushing = Promise.allSettled(attempts.map((a, i) => shop(skuId, i, a, rush)));

    // The kill is timed from the database: the sandbox commits an approval before its notification reaches the node
    // that took the payment; the victim dies once some orders are paid and some of its approvals are not yet applied.
    const inFlightSql = `SELECT COUNT(*)::int AS n FROM sandbox_ledger l
        JOIN payments p ON p.provider = 'sandbox' AND p.provider_ref = l.ref JOIN orders o ON o.id = p.order_id
       WHERE l.status = 'succeeded' AND o.status <> 'paid' AND l.notify_url LIKE $1`;
    const count = async (sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(sql, params)).rows[0]!.n;
    const paidSql = `SELECT COUNT(*)::int AS n FROM orders WHERE status = 'paid'`;
    const watchSql = `SELECT (${paidSql}) AS paid, (${inFlightSql}) AS n`;
    let inFlightAtKill = -1;
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const w = (await db.query<{ paid: number; n: number }>(watchSql, [`${victim.url}/%`])).rows[0]!;
      if (w.paid >= EARLY_PAID && w.n >= KILL_WITH_IN_FLIGHT) {
        await cluster.kill(VICTIM);
        inFlightAtKill = await count(inFlightSql, [`${victim.url}/%`]);
        break;
      }
    }
    if (inFlightAtKill < 0) await cluster.kill(VICTIM);
    // Buyers still waiting for the gate go on (the gate may not fill once the victim's buyers are cut off).
    rush.open();
    expect(inFlightAtKill, 'the kill found approvals in flight').toBeGreaterThanOrEqual(KILL_WITH_IN_FLIGHT);
    const outcomes = await rushing;
    const cutOff = outcomes.filter((o) => o.status === 'rejected');
    for (const o of cutOff) expect(String((o as PromiseRejectedResult).reason)).toMatch(/fetch failed|ECONNRE|socket|other side closed/i);
    for (const a of attempts) expect(new Set(a.orderIds).size).toBeLessThanOrEqual(1);
    const approved = attempts.filter((a) => a.approved);

    // Buyers who got no answer from the dead node retry the same key on a live one.
    const live = (i: number) => (i === VICTIM ? (VICTIM + 1) % cluster.nodes.length : i);
    for (const [i, a] of attempts.entries()) {
      if (a.orderIds.length > 0) continue;
      const r = await post<{ id: string }>(`${cluster.nodes[live(a.node)]!.url}/api/orders`, a.cookie, {
        idempotencyKey: a.key,
        items: [{ skuId, qty: 1 }],
        contact: contact(i),
      });
      expect([200, 201, 409], JSON.stringify(r.body)).toContain(r.status);
      if (r.status !== 409) a.orderIds.push(r.body.id);
    }

    await cluster.start(VICTIM);
    // …and every buyer with an order gets it back from the restarted node too.
    for (const [i, a] of attempts.entries()) {
      if (a.orderIds.length === 0) continue;
      const r = await post<{ id: string }>(`${victim.url}/api/orders`, a.cookie, {
        idempotencyKey: a.key,
        items: [{ skuId, qty: 1 }],
        contact: contact(i),
      });
      expect([r.status, r.body.id]).toEqual([200, a.orderIds[0]]);
    }

    // Approvals whose notification died with the node arrive from the outbox or from reconciliation.
    const unsettledSql = `SELECT COUNT(*)::int AS n FROM sandbox_ledger l JOIN payments p ON p.provider = 'sandbox' AND p.provider_ref = l.ref
        JOIN orders o ON o.id = p.order_id WHERE l.status = 'succeeded' AND (p.status <> 'succeeded' OR o.status <> 'paid')`;
    const settleBy = Date.now() + 30_000;
    while ((await count(unsettledSql)) > 0 && Date.now() < settleBy) await sleep(200);
    expect(await count(unsettledSql), victim.output()).toBe(0);

    const status = async (id: string) =>
      (await db.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [id])).rows[0]?.status;
    for (const a of approved) expect(await status(a.orderIds[0]!)).toBe('paid');
    const paid = await count(paidSql);
    expect(paid).toBeGreaterThanOrEqual(approved.length);
    expect((await db.query('SELECT buyer_id, idempotency_key FROM orders GROUP BY 1, 2 HAVING COUNT(*) > 1')).rows).toEqual([]);
    expect((await db.query(`SELECT order_id FROM payments WHERE status = 'succeeded' GROUP BY order_id HAVING COUNT(*) > 1`)).rows).toEqual(
      [],
    );

    const liveOrder = `o.status NOT IN ('cancelled', 'refunded')`;
    const stock = await count('SELECT stock AS n FROM skus WHERE id = $1', [skuId]);
    const held = await count(
      `SELECT COALESCE(SUM(i.qty), 0)::int AS n FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.sku_id = $1 AND ${liveOrder}`,
      [skuId],
    );
    expect(stock + held).toBe(INITIAL_STOCK);
    const remaining = await count('SELECT remaining AS n FROM flash_sales WHERE id = $1', [saleId]);
    const onSale = await count(
      `SELECT COALESCE(SUM(i.qty), 0)::int AS n FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.flash_sale_id = $1 AND ${liveOrder}`,
      [saleId],
    );
    expect(remaining + onSale).toBe(SALE_CAP);
    // Every order a buyer was told about exists, and no order exists that no buyer was told about.
    const told = new Set(attempts.flatMap((a) => a.orderIds));
    const all = await db.query<{ id: string }>(
      'SELECT DISTINCT o.id FROM orders o JOIN order_items i ON i.order_id = o.id WHERE i.sku_id = $1',
      [skuId],
    );
    expect(new Set(all.rows.map((r) => r.id))).toEqual(told);
    console.log(
      `[crash-cluster] killed ${victim.id} with ${inFlightAtKill} of its approvals in flight, ${approved.length} approvals answered ` +
        `(${cutOff.length} buyers cut off); ${told.size} orders, ${paid} paid, stock ${stock}, sale remaining ${remaining}`,
    );
  });
});
