/**
 * Checkout batches on PostgreSQL (./batch.ts): one batch of checkouts costs two round trips whatever its size, and
 * gives exactly what running its checkouts one by one gives — stock and sale caps, per-buyer limits within the batch,
 * one order per idempotency key — and a key committed elsewhere meanwhile undoes the batch and runs it the plain way.
 */
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ShowRepository } from '../../../db/shows';
import { postgresSuite } from '../../../db/pg-suite';
import { migratePostgres, openPostgresPool } from '../../../db/postgres';
import { orderedCommercePublisher } from '../../core';
import { NO_BUYER_LIMITS } from '../../limits';
import { contact, type Harness, startHarness } from '../../testing';
import { readSql } from './batch-sql';
import { createPostgresStore } from './index';

const pgSuite = postgresSuite('checkout batch tests');
/** An order written straight into the table (another node's, or history). */
const INSERT_ORDER = `INSERT INTO orders (id, buyer_id, idempotency_key, request_hash, status, currency, total, contact_name, contact_phone,
  contact_address, created_at, expires_at)`;
const unavailable = pgSuite.unavailable;

describe.skipIf(unavailable !== null)('checkout batches on PostgreSQL', { timeout: 60_000 }, () => {
  let h: Harness;
  let url: string;
  /** Statements sent on the store's pooled clients. */
  let statements: string[];
  afterEach(async () => {
    await h?.close();
  });

  async function start(): Promise<void> {
    url = await pgSuite.createDatabase('batch');
    const pool = openPostgresPool(url, 4);
    await migratePostgres(pool);
    statements = [];
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        statements.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
        return query(...args);
      };
    });
    h = await startHarness({
      realClock: true,
      buyerLimits: NO_BUYER_LIMITS,
      storeFor: (db) => {
        const shows = new ShowRepository(db);
        return createPostgresStore(pool, { status: (id) => shows.get(id)?.status ?? null });
      },
    });
  }

  async function product(stock: number, perBuyerLimit: number | null = null): Promise<string> {
    const p = await h.core.catalog.create({
      title: '限量球鞋',
      currency: 'CNY',
      defaults: { listPriceMinor: 99900, livePriceMinor: 79900, stock },
      perBuyerLimit,
    });
    return p.skus[0]!.id;
  }
  const place = (buyer: string, key: string, skuId: string, qty = 1) =>
    h.core.orders.place(buyer, { idempotencyKey: `checkout-${key}`, items: [{ skuId, qty }], contact: contact(1) }).then(
      (r) => ({ ok: true as const, id: r.order.id, created: r.created }),
      (err: { reason?: string; message?: string }) => ({ ok: false as const, reason: err.reason ?? err.message }),
    );
  const stockOf = async (skuId: string) => (await h.core.store.inventory.getSku(skuId))!.stock;

  it('60 checkouts of one hot SKU in one batch cost two round trips, not a dozen each', async () => {
    await start();
    const skuId = await product(100);
    statements.length = 0;
    const placed = await Promise.all(Array.from({ length: 60 }, (_, i) => place(`buyer-${i}`, `k-${i}`, skuId)));
    expect(placed.filter((p) => !p.ok || !p.created)).toEqual([]);
    expect(statements.length).toBeLessThanOrEqual(2);
    expect(await stockOf(skuId)).toBe(40);
    const orders = await h.core.store.orders.list({ limit: 100 });
    expect(orders).toHaveLength(60);
    expect((await h.core.store.orders.listEvents(placed[0]!.ok ? placed[0]!.id : '')).map((e) => e.to)).toEqual(['pending_payment']);
    expect(await h.core.store.orders.getItems(orders[0]!.id)).toMatchObject([{ skuId, qty: 1, unitPrice: 79900 }]);
  });

  it("routing new orders' status events to their buyers reads nothing back", async () => {
    await start();
    const skuId = await product(100);
    const routed: Array<[string, string | undefined]> = [];
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const publish = orderedCommercePublisher(
      (id) => h.core.orders.routeOf(id),
      (e, route) => {
        if (e.type === 'order.status') routed.push([e.orderId, route?.buyerId]);
      },
      quiet,
    );
    h.core.events.on('*', publish);
    statements.length = 0;
    const placed = await Promise.all(Array.from({ length: 20 }, (_, i) => place(`buyer-${i}`, `r-${i}`, skuId)));
    await vi.waitFor(() => expect(routed).toHaveLength(20));
    expect(routed).toEqual(placed.map((p, i) => [p.ok ? p.id : '', `buyer-${i}`]));
    expect(statements.length).toBeLessThanOrEqual(2);
  });

  it('within one batch: per-buyer limits, one order per key, the sale cap and the stock hold as one by one', async () => {
    await start();
    const skuId = await product(10, 3);
    const sale = await h.core.sales.start({ skuId, durationSec: 60, salePriceMinor: 59900, cap: 6, perBuyerLimit: 2 });
    const stock: number[] = [];
    h.core.events.on('stock.changed', (e) => stock.push(e.stock));
    const placed = await Promise.all([
      place('a', 'a-1', skuId),
      place('a', 'a-1', skuId), // the same request twice: one order
      place('a', 'a-2', skuId),
      place('a', 'a-3', skuId), // over the sale's limit of 2
      place('b', 'b-1', skuId, 2),
      place('b', 'b-2', skuId), // over the sale's limit of 2
      place('c', 'c-1', skuId),
      place('d', 'd-1', skuId),
      place('e', 'e-1', skuId), // the sale's 6 units are gone
    ]);
    expect(placed.map((p) => (p.ok ? (p.created ? 'created' : 'replayed') : p.reason))).toEqual([
      'created',
      'replayed',
      'created',
      'LIMIT_EXCEEDED',
      'created',
      'LIMIT_EXCEEDED',
      'created',
      'created',
      'SOLD_OUT',
    ]);
    expect(placed[1]).toEqual({ ...placed[0], created: false });
    expect(stock).toEqual([9, 8, 6, 5, 4]);
    expect(await stockOf(skuId)).toBe(4);
    expect((await h.core.store.inventory.getSale(sale.id))!.remaining).toBe(0);
    // A later batch sees what this one committed: a's key replays, a is at the sale's limit.
    const again = await Promise.all([place('a', 'a-1', skuId), place('a', 'a-4', skuId)]);
    expect(again[0]).toEqual({ ...placed[0], created: false });
    expect(again[1]).toMatchObject({ ok: false });
  });

  it('a checkout with a coupon runs after the batch in a savepoint, on the stock the batch left', async () => {
    await start();
    const skuId = await product(4);
    const shows = new ShowRepository(h.db);
    const showId = shows.create('Live show').id;
    shows.markLive(showId);
    const coupon = await h.core.coupons.create(showId, { title: '立减', kind: 'amount', value: 1000, currency: 'CNY' }, 'owner');
    await h.core.coupons.claim('c', coupon.id);
    const stock: number[] = [];
    h.core.events.on('stock.changed', (e) => stock.push(e.stock));
    const withCoupon = h.core.orders.place('c', {
      idempotencyKey: 'checkout-c-1',
      items: [{ skuId, qty: 1 }],
      contact: contact(1),
      couponId: coupon.id,
      showId,
    });
    const others = await Promise.all([place('a', 'a-1', skuId), place('b', 'b-1', skuId), place('d', 'd-1', skuId)]);
    const c = await withCoupon;
    expect(others.every((o) => o.ok && o.created)).toBe(true);
    expect(c.order).toMatchObject({ totalMinor: 79900 - 1000, discount: { couponId: coupon.id, amountMinor: 1000 } });
    // The coupon's checkout ran last, on what the batch's write left.
    expect(stock).toEqual([3, 2, 1, 0]);
    expect(await stockOf(skuId)).toBe(0);
    expect((await h.core.store.coupons.getClaim(coupon.id, 'c'))?.orderId).toBe(c.order.id);
  });

  it("the read under the hot rows' locks starts from the buyers' own orders, however many lines the product has", async () => {
    await start();
    const skuId = await product(100_000, 5);
    const sale = await h.core.sales.start({ skuId, durationSec: 60, salePriceMinor: 59900, cap: 100_000, perBuyerLimit: 5 });
    const productId = (await h.core.store.inventory.getSku(skuId))!.productId;
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      // A sale's tables grow faster than autovacuum analyzes them: the planner works from what it last saw.
      await db.query('ALTER TABLE orders SET (autovacuum_enabled = false); ALTER TABLE order_items SET (autovacuum_enabled = false)');
      await db.query(
        `${INSERT_ORDER}
         SELECT 'o' || g, 'buyer-' || (g % 3000), 'k' || g, 'h', 'pending_payment', 'CNY', 1, 'n', 'p', 'a', 0, 9e12 FROM generate_series(1, 6000) g;
         INSERT INTO order_items (order_id, line, sku_id, product_id, title, options, qty, unit_price, list_price, flash_sale_id)
         SELECT 'o' || g, 0, $$${skuId}$$, $$${productId}$$, 't', '{}', 1, 1, 1, $$${sale.id}$$ FROM generate_series(1, 6000) g`,
      );
      const buyers = Array.from({ length: 16 }, (_, i) => `buyer-${i * 7}`);
      const sql = readSql(
        [skuId],
        buyers.map((b, i) => [b, `new-${i}`]),
        buyers,
      );
      const plan = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).not.toMatch(/Seq Scan on (orders|order_items)/);
      // Each buyer holds two orders of one unit: the read counts them, as the checkout's limits need.
      const { rows } = await db.query<{ pq: Array<{ b: string; n: number }>; sq: unknown[]; unpaid: unknown[] }>(sql);
      expect(rows[0]!.pq.map((r) => [r.b, r.n]).sort()).toEqual(buyers.map((b) => [b, 2]).sort());
      expect(rows[0]!.sq).toHaveLength(16);
      expect(rows[0]!.unpaid).toHaveLength(32);
    } finally {
      await db.end();
    }
  });

  it('a key committed by another connection meanwhile undoes the batch, which then runs the plain way', async () => {
    await start();
    const skuId = await product(5);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `${INSERT_ORDER} VALUES ('o_elsewhere', 'x', 'checkout-x-1', 'another request', 'pending_payment', 'CNY', 1,
           'n', 'p', 'a', 0, 0)`,
      );
      const placing = Promise.all([place('x', 'x-1', skuId), place('y', 'y-1', skuId)]);
      // Until the other transaction ends, the batch's insert waits on its key.
      for (let i = 0; ; i++) {
        const { rows } = await other.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query NOT LIKE '%pg_stat_activity%'`,
        );
        if (rows.length) break;
        expect(i).toBeLessThan(200);
        await new Promise((r) => setTimeout(r, 25));
      }
      await other.query('COMMIT');
      const [x, y] = await placing;
      expect(x).toEqual({ ok: false, reason: 'IDEMPOTENCY_MISMATCH' });
      expect(y).toMatchObject({ ok: true, created: true });
      expect(await stockOf(skuId)).toBe(4);
    } finally {
      await other.end();
    }
  });
});
