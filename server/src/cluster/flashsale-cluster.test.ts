/**
 * A flash sale across three real server processes on one PostgreSQL and one Redis (scripts/bench/lib/cluster-procs.ts):
 * 100 units, 1,200 checkout attempts by 1,200 guests spread over the nodes, some submitted twice at once on two nodes,
 * then every key retried on a third node. Exactly 100 sold, stock and the sale's remainder never seen below zero, one
 * order per idempotency key, and every order a buyer was told about is the one in the database. Also: per-buyer limits
 * (a flash sale's, a product's) hold when one buyer checks out with several keys on every node at once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterProcs, startClusterProcs } from '../../../scripts/bench/lib/cluster-procs';
import { pgUnavailable } from '../db/pg-testing';

const STOCK = 100;
const ATTEMPTS = 1200;
/** Checkouts in flight at once, over all nodes. */
const IN_FLIGHT = 48;

let cluster: ClusterProcs;
let db: pg.Client;

interface Reply {
  status: number;
  id?: string;
  text: string;
}

async function checkout(url: string, cookie: string, key: string, skuId: string, i: number): Promise<Reply> {
  const res = await fetch(`${url}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({
      idempotencyKey: key,
      items: [{ skuId, qty: 1 }],
      contact: { name: `买家${i}`, phone: `138${String(10_000_000 + i).slice(-8)}`, address: `上海市浦东新区世纪大道 ${i + 1} 号` },
    }),
  });
  const text = await res.text();
  return { status: res.status, text, ...(res.status < 300 ? { id: (JSON.parse(text) as { id: string }).id } : {}) };
}

/** Run `fn` for 0..n-1 with at most `width` calls in flight. */
async function pool(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

describe.skipIf(pgUnavailable() !== null)('flash sale over 3 nodes on PostgreSQL + Redis', () => {
  beforeAll(async () => {
    cluster = await startClusterProcs({ nodes: 3 });
    db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  }, 60_000);

  it('100 units, 1,200 attempts: exactly 100 sold, never below zero, one order per key (retried on another node)', {
    timeout: 120_000,
  }, async () => {
    // The sale starts on another node than the product was made on: both live in PostgreSQL.
    const { skuId, saleId } = await cluster.flashSale({ stock: STOCK, cap: STOCK, perBuyerLimit: 1, saleNode: 1 });

    // What any observer could see while the sale runs: the SKU's stock and the sale's remainder.
    let watching = true;
    let polls = 0;
    let minStock = Number.POSITIVE_INFINITY;
    let minRemaining = Number.POSITIVE_INFINITY;
    const watcher = (async () => {
      while (watching) {
        const r = await db.query<{ stock: number; remaining: number }>(
          'SELECT s.stock, f.remaining FROM skus s, flash_sales f WHERE s.id = $1 AND f.id = $2',
          [skuId, saleId],
        );
        minStock = Math.min(minStock, r.rows[0]!.stock);
        minRemaining = Math.min(minRemaining, r.rows[0]!.remaining);
        polls++;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const urls = cluster.nodes.map((n) => n.url);
    const buyers = Array.from({ length: ATTEMPTS }, (_, i) => ({
      cookie: cluster.guestCookie(),
      key: `flash-${i}-${Math.random().toString(36).slice(2, 10)}`,
      ids: new Set<string>(),
      firstStatus: 0,
    }));
    const createdOn = urls.map(() => 0);
    const unexpected: string[] = [];
    const record = (i: number, node: number, r: Reply) => {
      if (r.status === 201) createdOn[node]!++;
      if (r.id) buyers[i]!.ids.add(r.id);
      else if (r.status !== 409) unexpected.push(`${r.status} ${r.text}`);
    };
    const t0 = performance.now();
    await pool(ATTEMPTS, IN_FLIGHT, async (i) => {
      const b = buyers[i]!;
      const node = i % urls.length;
      // Every fifth buyer's checkout reaches two nodes at once (a double tap behind a load balancer).
      const twice = i % 5 === 0;
      const replies = await Promise.all([
        checkout(urls[node]!, b.cookie, b.key, skuId, i),
        ...(twice ? [checkout(urls[(node + 1) % urls.length]!, b.cookie, b.key, skuId, i)] : []),
      ]);
      for (const [k, r] of replies.entries()) record(i, (node + k) % urls.length, r);
      b.firstStatus = replies.some((r) => r.id) ? 200 : 409;
    });
    const seconds = (performance.now() - t0) / 1000;
    watching = false;
    await watcher;
    expect(unexpected.slice(0, 5)).toEqual([]);

    // Every key again, on a node that has not seen it: the same order, or still sold out.
    await pool(ATTEMPTS, IN_FLIGHT, async (i) => {
      const b = buyers[i]!;
      const r = await checkout(urls[(i + 2) % urls.length]!, b.cookie, b.key, skuId, i);
      if (b.firstStatus === 200) expect([r.status, r.id]).toEqual([200, [...b.ids][0]]);
      else expect(r.status).toBe(409);
      record(i, (i + 2) % urls.length, r);
    });
    expect(unexpected.slice(0, 5)).toEqual([]);

    for (const b of buyers) expect(b.ids.size).toBeLessThanOrEqual(1);
    const told = new Set(buyers.flatMap((b) => [...b.ids]));
    expect(told.size).toBe(STOCK);
    // Each node sold some of it.
    for (const n of createdOn) expect(n).toBeGreaterThan(0);

    const one = async <T>(sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows[0] as T;
    const orders = await db.query<{ id: string }>('SELECT id FROM orders');
    expect(new Set(orders.rows.map((r) => r.id))).toEqual(told);
    const sold = await one<{ n: string }>(
      `SELECT COALESCE(SUM(i.qty), 0) AS n FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE i.sku_id = $1 AND o.status NOT IN ('cancelled', 'refunded')`,
      [skuId],
    );
    expect(Number(sold.n)).toBe(STOCK);
    expect(await one('SELECT stock FROM skus WHERE id = $1', [skuId])).toEqual({ stock: 0 });
    expect(await one('SELECT remaining FROM flash_sales WHERE id = $1', [saleId])).toEqual({ remaining: 0 });
    expect((await db.query('SELECT buyer_id, idempotency_key FROM orders GROUP BY 1, 2 HAVING COUNT(*) > 1')).rows).toEqual([]);
    expect(polls).toBeGreaterThan(10);
    expect(minStock).toBeGreaterThanOrEqual(0);
    expect(minRemaining).toBeGreaterThanOrEqual(0);
    console.log(
      `[flash-cluster] ${ATTEMPTS} buyers (${ATTEMPTS + ATTEMPTS / 5} requests) in ${seconds.toFixed(2)} s over ${urls.length} nodes; ` +
        `orders made per node ${createdOn.join('/')}; ${polls} stock reads, min stock ${minStock}, min remaining ${minRemaining}`,
    );
  });

  it('per-buyer limits hold when one buyer checks out with different keys on every node at once', { timeout: 60_000 }, async () => {
    const create = async (title: string, perBuyerLimit: number | null) => {
      const p = await cluster.studio<{ skus: Array<{ id: string }> }>(0, '/api/studio/products', {
        title,
        currency: 'CNY',
        defaults: { listPriceMinor: 99900, stock: 500 },
        perBuyerLimit,
      });
      expect(p.status).toBe(201);
      return p.body.skus[0]!.id;
    };
    // One SKU limited by its flash sale, one by its product.
    const onSale = await create('限量联名手表', null);
    const sale = await cluster.studio<{ id: string }>(2, '/api/studio/flash-sales', {
      skuId: onSale,
      durationSec: 300,
      salePriceMinor: 49900,
      cap: 500,
      perBuyerLimit: 1,
    });
    expect(sale.status).toBe(201);
    const limited = await create('限量礼盒', 1);
    const urls = cluster.nodes.map((n) => n.url);
    const BUYERS = 30;
    const KEYS = 6;
    for (const skuId of [onSale, limited]) {
      const made: number[] = [];
      for (let b = 0; b < BUYERS; b += 10) {
        const wave = await Promise.all(
          Array.from({ length: Math.min(10, BUYERS - b) }, async (_, k) => {
            const cookie = cluster.guestCookie();
            const replies = await Promise.all(
              Array.from({ length: KEYS }, (_, j) =>
                checkout(urls[j % urls.length]!, cookie, `limit-${skuId}-${b + k}-${j}`, skuId, b + k),
              ),
            );
            for (const r of replies) if (r.status !== 201) expect(r.status, r.text).toBe(409);
            return replies.filter((r) => r.status === 201).length;
          }),
        );
        made.push(...wave);
      }
      const over = await db.query(
        `SELECT o.buyer_id, SUM(i.qty) AS n FROM orders o JOIN order_items i ON i.order_id = o.id
          WHERE i.sku_id = $1 GROUP BY o.buyer_id HAVING SUM(i.qty) > 1`,
        [skuId],
      );
      expect(over.rows, skuId === onSale ? 'flash-sale limit' : 'product limit').toEqual([]);
      expect(made).toEqual(Array.from({ length: BUYERS }, () => 1));
    }
  });
});
