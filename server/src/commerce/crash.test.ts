/**
 * kill -9 of the real server during a flash sale with payments in flight, then a restart on the same data dir:
 * every paid order is still paid, no idempotency key has two orders, stock plus live orders is the initial stock.
 * Runs the built server (`node dist/server/main.mjs`, `npm run build` first) as a child process and reads the
 * SQLite file read-only; the buyers are plain HTTP clients (guest sessions, idempotency keys, the sandbox pay page).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderView } from '../../../shared/commerce/orders';
import { DATABASE_FILE } from '../app';
import { Buyer, contact, freePort } from './testing';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'dist/server/main.mjs');
const BUYERS = 80;
const INITIAL_STOCK = 100;
const SALE_CAP = 60;
/** Approvals start together once this many buyers hold a pay page. */
const GATE_AT = 30;
/** Buyers who approve as soon as they can (the answered approvals before the kill). */
const EARLY_PAYERS = 10;
/** The server is killed once this many approvals are recorded by the sandbox but not yet applied to their orders. */
const KILL_WITH_IN_FLIGHT = 3;
/** …and once this many orders are paid. */
const EARLY_PAID = 5;

/** Runs in a worker thread: polls the live database and SIGKILLs the server at the chosen moment. */
const KILLER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
const inFlight = db.prepare(\`SELECT COUNT(*) AS n FROM sandbox_ledger l JOIN payments p ON p.provider = 'sandbox' AND p.provider_ref = l.ref
  JOIN orders o ON o.id = p.order_id WHERE l.status = 'succeeded' AND o.status != 'paid'\`).pluck();
const paid = db.prepare(\`SELECT COUNT(*) FROM orders WHERE status = 'paid'\`).pluck();
const end = Date.now() + workerData.timeoutMs;
const pause = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  if (Date.now() > end) { parentPort.postMessage({ timeout: true }); break; }
  if (paid.get() >= workerData.paid && inFlight.get() >= workerData.inFlight) {
    process.kill(workerData.pid, 'SIGKILL');
    // Read after the kill: what the dead process left behind.
    setTimeout(() => { parentPort.postMessage({ inFlight: inFlight.get() }); db.close(); }, 200);
    break;
  }
  Atomics.wait(pause, 0, 0, 0.2);
}
`;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Server {
  proc: ChildProcess;
  exited: Promise<void>;
  log: () => string;
}

function startServer(dataDir: string, port: number): Server {
  const proc = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      RTC_PORT: '0',
      MEDIASOUP_WORKERS: '1',
      SEED_DEMO: '1',
      LOG_LEVEL: 'warn',
      NO_PRETTY_LOGS: '1',
      PAYMENTS_RECONCILE_AFTER_SEC: '1',
      // Every buyer here comes from 127.0.0.1: the anti-hoarding limits would refuse most of them.
      SESSIONS_PER_IP_PER_MINUTE: '0',
      ORDERS_PER_IP_PER_MINUTE: '0',
      ORDERS_PER_SESSION_PER_MINUTE: '0',
      MAX_UNPAID_ORDERS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  });
  return { proc, exited, log: () => out };
}

async function waitReady(url: string, server: Server): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    if (server.proc.exitCode !== null) throw new Error(`server exited (${server.proc.exitCode}):\n${server.log()}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > end) throw new Error(`server not ready after 20 s:\n${server.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One buyer's view of what happened: what the server answered before the kill. */
interface Attempt {
  buyer: Buyer;
  key: string;
  /** Order ids the server returned for this key (one per answered request). */
  orderIds: string[];
  /** The approve POST was answered 303: the sandbox recorded the payment as succeeded. */
  approved: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Shared by the buyers: approvals wait for `open`, so many are in flight together when the server dies. */
interface Rush {
  approved: number;
  readyToPay: number;
  gate: Promise<void>;
  open: () => void;
}

async function shop(url: string, skuId: string, i: number, a: Attempt, rush: Rush): Promise<void> {
  await sleep(Math.floor(Math.random() * 1500));
  const s = await a.buyer.request('POST', '/api/session', {});
  expect(s.status).toBe(200);
  const body = { idempotencyKey: a.key, items: [{ skuId, qty: 1 }], contact: contact(i) };
  // Every third buyer double-submits the same checkout (a double tap, a retry after a timeout).
  const tries = i % 3 === 0 ? 2 : 1;
  const replies = await Promise.all(Array.from({ length: tries }, () => a.buyer.json<OrderView>('POST', '/api/orders', body)));
  for (const r of replies) {
    if (r.status === 200 || r.status === 201) a.orderIds.push(r.body.id);
    else expect(r.status).toBe(409); // sold out
  }
  const orderId = a.orderIds[0];
  if (!orderId) return;
  const pay = await a.buyer.json<{ action: { url: string } }>('POST', `/api/orders/${orderId}/pay`, {});
  expect(pay.status).toBe(200);
  expect(pay.body.action.url.startsWith(url)).toBe(true);
  // The first buyers pay at once; the others wait so that their approvals are in flight together.
  if (++rush.readyToPay === GATE_AT) rush.open();
  if (i >= EARLY_PAYERS) await rush.gate;
  const decided = await fetch(`${pay.body.action.url}/approve`, { method: 'POST', redirect: 'manual' });
  expect(decided.status).toBe(303);
  a.approved = true;
  rush.approved++;
}

describe('kill -9 during a flash sale', () => {
  it('after a restart every paid order is paid, no key has two orders, stock + live orders = initial stock', {
    timeout: 60_000,
  }, async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-crash-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;

    const first = startServer(dataDir, port);
    await waitReady(url, first);
    const token = readFileSync(join(dataDir, 'studio-token'), 'utf8').trim();
    const studio = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      return (await res.json()) as T;
    };
    const product = await studio<{ skus: Array<{ id: string }> }>('/api/studio/products', {
      title: '限量联名球鞋',
      currency: 'CNY',
      defaults: { listPriceMinor: 129900, stock: INITIAL_STOCK },
    });
    const skuId = product.skus[0]!.id;
    const sale = await studio<{ id: string }>('/api/studio/flash-sales', {
      skuId,
      durationSec: 300,
      salePriceMinor: 59900,
      cap: SALE_CAP,
      perBuyerLimit: 1,
    });

    // The rush: buyers start over 1.5 s; approvals go out together once 30 buyers hold a pay page, and the server dies
    // as the first few are answered — with orders still being placed and the other approvals' webhooks in flight.
    const attempts: Attempt[] = Array.from({ length: BUYERS }, () => ({
      buyer: new Buyer(url),
      key: `crash-${randomBytes(8).toString('hex')}`,
      orderIds: [],
      approved: false,
    }));
    let open = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const done: Rush = { approved: 0, readyToPay: 0, gate, open };
    const rushing = Promise.allSettled(attempts.map((a, i) => shop(url, skuId, i, a, done)));
    // The kill is timed from the database: a worker thread watches the sandbox's ledger, where an approval is committed
    // before its webhook is sent, and kills the server once some approvals were applied and others are in flight.
    const killer = new Worker(KILLER, {
      eval: true,
      workerData: {
        sqlite: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: join(dataDir, DATABASE_FILE),
        pid: first.proc.pid,
        paid: EARLY_PAID,
        inFlight: KILL_WITH_IN_FLIGHT,
        timeoutMs: 20_000,
      },
    });
    const killed = await new Promise<{ inFlight: number } | { timeout: true }>((resolve, reject) => {
      killer.once('message', resolve);
      killer.once('error', reject);
    });
    if ('timeout' in killed) first.proc.kill('SIGKILL');
    await first.exited;
    expect(killed, 'the kill found approvals in flight').toHaveProperty('inFlight');
    const inFlightAtKill = 'inFlight' in killed ? killed.inFlight : 0;
    const outcomes = await rushing;
    // Some requests were cut off by the kill: the crash happened mid-way, not after the rush.
    const cutOff = outcomes.filter((o) => o.status === 'rejected');
    for (const o of cutOff) expect(String((o as PromiseRejectedResult).reason)).toMatch(/fetch failed|ECONNRE|socket|other side closed/i);
    expect(attempts.filter((a) => !a.approved).length).toBeGreaterThan(0);
    // Retries answered before the kill named the same order.
    for (const a of attempts) expect(new Set(a.orderIds).size).toBeLessThanOrEqual(1);

    const answeredBeforeKill = attempts.filter((a) => a.orderIds.length > 0).length;
    const second = startServer(dataDir, port);
    await waitReady(url, second);

    // Each buyer who saw no answer retries its checkout with the same key (the session cookie survives the restart).
    for (const [i, a] of attempts.entries()) {
      if (a.orderIds.length > 0) continue;
      const r = await a.buyer.json<OrderView>('POST', '/api/orders', {
        idempotencyKey: a.key,
        items: [{ skuId, qty: 1 }],
        contact: contact(i),
      });
      expect([200, 201, 409]).toContain(r.status);
      if (r.status !== 409) a.orderIds.push(r.body.id);
    }
    // …and a buyer who had an answer gets the same order back.
    for (const [i, a] of attempts.entries()) {
      if (a.orderIds.length === 0) continue;
      const r = await a.buyer.json<OrderView>('POST', '/api/orders', {
        idempotencyKey: a.key,
        items: [{ skuId, qty: 1 }],
        contact: contact(i),
      });
      expect([r.status, r.body.id]).toEqual([200, a.orderIds[0]]);
    }

    const db = new BetterSqlite3(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
    cleanups.push(() => db.close());
    // Approvals whose webhook died with the process arrive from the outbox or reconciliation.
    const unsettled = db.prepare<[], { n: number }>(
      `SELECT COUNT(*) AS n FROM sandbox_ledger l JOIN payments p ON p.provider = 'sandbox' AND p.provider_ref = l.ref
         JOIN orders o ON o.id = p.order_id WHERE l.status = 'succeeded' AND (p.status != 'succeeded' OR o.status != 'paid')`,
    );
    const end = Date.now() + 15_000;
    while (unsettled.get()!.n > 0 && Date.now() < end) await sleep(100);
    expect(unsettled.get()!.n, second.log()).toBe(0);

    const status = db.prepare<[string], { status: string }>('SELECT status FROM orders WHERE id = ?');
    for (const a of attempts) if (a.approved) expect(status.get(a.orderIds[0]!)?.status).toBe('paid');
    const paid = (db.prepare(`SELECT COUNT(*) AS n FROM orders WHERE status = 'paid'`).get() as { n: number }).n;
    expect(paid).toBeGreaterThanOrEqual(done.approved);
    expect(db.prepare('SELECT buyer_id, idempotency_key, COUNT(*) AS n FROM orders GROUP BY idempotency_key HAVING n > 1').all()).toEqual(
      [],
    );
    // One paid payment per order at most.
    expect(
      db.prepare(`SELECT order_id, COUNT(*) AS n FROM payments WHERE status = 'succeeded' GROUP BY order_id HAVING n > 1`).all(),
    ).toEqual([]);

    const live = `o.status NOT IN ('cancelled', 'refunded')`;
    const { stock } = db.prepare<[string], { stock: number }>('SELECT stock FROM skus WHERE id = ?').get(skuId)!;
    const held = db
      .prepare<[string], { n: number }>(
        `SELECT COALESCE(SUM(i.qty), 0) AS n FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.sku_id = ? AND ${live}`,
      )
      .get(skuId)!.n;
    expect(stock + held).toBe(INITIAL_STOCK);
    const { remaining } = db.prepare<[string], { remaining: number }>('SELECT remaining FROM flash_sales WHERE id = ?').get(sale.id)!;
    const onSale = db
      .prepare<[string], { n: number }>(
        `SELECT COALESCE(SUM(i.qty), 0) AS n FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.flash_sale_id = ? AND ${live}`,
      )
      .get(sale.id)!.n;
    expect(remaining + onSale).toBe(SALE_CAP);
    // Every order the buyers were told about exists, and no order exists that no buyer asked for.
    const told = new Set(attempts.flatMap((a) => a.orderIds));
    const all = db
      .prepare<[string], { id: string }>('SELECT o.id FROM orders o JOIN order_items i ON i.order_id = o.id WHERE i.sku_id = ?')
      .all(skuId);
    expect(new Set(all.map((r) => r.id))).toEqual(told);
    console.log(
      `[crash] killed after ${done.approved} approvals (${cutOff.length} buyers cut off, ${answeredBeforeKill} orders answered before the kill); ` +
        `${told.size} orders, ${paid} paid (${inFlightAtKill} approvals in flight at the kill), stock ${stock}, sale remaining ${remaining}`,
    );
  });
});
