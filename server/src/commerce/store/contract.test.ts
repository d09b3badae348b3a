/**
 * One contract for the commerce store, run on both engines through the real HTTP routes and services: SQLite (the
 * default) and PostgreSQL (a throwaway cluster; skipped with a message only when its binaries are absent).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderList, OrderView } from '../../../../shared/commerce/orders';
import { ShowRepository } from '../../db/shows';
import { postgresSuite } from '../../db/pg-suite';
import { migratePostgres, openPostgresPool } from '../../db/postgres';
import { NO_BUYER_LIMITS } from '../limits';
import { Buyer, contact, type Harness, payViaSandbox, startHarness } from '../testing';
import { createPostgresStore } from './postgres/index';

type ErrorBody = { error: { code: string; reason?: string } };

const pgSuite = postgresSuite('the commerce store contract');
const unavailable = pgSuite.unavailable;

const engines: Array<{ name: string; skip: boolean; start: () => Promise<Harness> }> = [
  { name: 'sqlite', skip: false, start: () => startHarness({ realClock: true, buyerLimits: NO_BUYER_LIMITS }) },
  {
    name: 'postgres',
    skip: unavailable !== null,
    async start() {
      const url = await pgSuite.createDatabase('contract');
      const pool = openPostgresPool(url, 8);
      await migratePostgres(pool);
      return startHarness({
        realClock: true,
        buyerLimits: NO_BUYER_LIMITS,
        storeFor: (db) => {
          const shows = new ShowRepository(db);
          return createPostgresStore(pool, { status: (id) => shows.get(id)?.status ?? null });
        },
      });
    },
  },
];

describe.each(engines)('commerce store contract: $name', { timeout: 60_000 }, ({ skip, start }) => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  async function product(stock: number): Promise<string> {
    const res = await h.studio('/api/studio/products', {
      method: 'POST',
      body: JSON.stringify({ title: '限量球鞋', currency: 'CNY', defaults: { listPriceMinor: 99900, livePriceMinor: 79900, stock } }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { skus: Array<{ id: string }> }).skus[0]!.id;
  }
  const stockOf = async (skuId: string) => (await h.core.store.inventory.getSku(skuId))!.stock;
  const order = (b: Buyer, key: string, skuId: string, qty = 1, i = 0) =>
    b.json<OrderView & ErrorBody>('POST', '/api/orders', { idempotencyKey: key, items: [{ skuId, qty }], contact: contact(i) });

  it.skipIf(skip)('checks out: server prices, stock taken, the order listed for its buyer and the studio', async () => {
    h = await start();
    const skuId = await product(5);
    const b = new Buyer(h.url);
    const r = await order(b, 'contract-checkout-1', skuId, 2);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'pending_payment', totalMinor: 2 * 79900, currency: 'CNY' });
    expect(await stockOf(skuId)).toBe(3);
    const mine = await b.json<{ orders: OrderView[] }>('GET', '/api/orders');
    expect(mine.body.orders.map((o) => o.id)).toEqual([r.body.id]);
    const detail = (await (await h.studio(`/api/studio/orders/${r.body.id}`)).json()) as OrderView;
    expect(detail.items).toMatchObject([{ skuId, qty: 2, unitPriceMinor: 79900 }]);
    expect(detail.events?.map((e) => e.to)).toEqual(['pending_payment']);
  });

  it.skipIf(skip)('stock never goes below zero under concurrent attempts: exactly the stock is sold', async () => {
    h = await start();
    const skuId = await product(40);
    let minStock = Number.POSITIVE_INFINITY;
    h.core.events.on('stock.changed', (e) => {
      minStock = Math.min(minStock, e.stock);
    });
    const buyers = Array.from({ length: 150 }, () => new Buyer(h.url));
    await Promise.all(buyers.map((b) => b.request('POST', '/api/session')));
    const results = await Promise.all(buyers.map((b, i) => order(b, `contract-race-${i}`, skuId, 1, i)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(40);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.reason === 'SOLD_OUT')).toBe(true);
    expect(results.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);
    expect(await stockOf(skuId)).toBe(0);
    expect(minStock).toBe(0);
    expect(await h.core.store.inventory.takeStock(skuId, 1)).toBeNull();
    expect(await h.core.store.inventory.adjustStock(skuId, -1)).toBe(false);
    expect((await h.core.store.orders.list({ limit: 1000 })).length).toBe(40);
  });

  it.skipIf(skip)('one order per idempotency key, also when the same request races itself', async () => {
    h = await start();
    const skuId = await product(50);
    const b = new Buyer(h.url);
    await b.request('POST', '/api/session');
    const same = await Promise.all(Array.from({ length: 8 }, () => order(b, 'contract-idem-1', skuId)));
    expect(same.filter((r) => r.status === 201)).toHaveLength(1);
    expect(same.filter((r) => r.status === 200)).toHaveLength(7);
    expect(new Set(same.map((r) => r.body.id)).size).toBe(1);
    expect(await stockOf(skuId)).toBe(49);
    const changed = await order(b, 'contract-idem-1', skuId, 2);
    expect(changed.status).toBe(409);
    expect(changed.body.error.reason).toBe('IDEMPOTENCY_MISMATCH');
    expect(await stockOf(skuId)).toBe(49);
    // The same key of another buyer is another order.
    expect((await order(new Buyer(h.url), 'contract-idem-1', skuId)).status).toBe(201);
  });

  it.skipIf(skip)('lists the coupons whose window closed in a time range, not those ended by hand or open-ended', async () => {
    h = await start();
    const showId = new ShowRepository(h.db).create('Coupon windows').id;
    const base = { showId, kind: 'amount' as const, value: 500, currency: 'CNY', minSpend: null, quantity: null, createdBy: 'studio' };
    const add = (id: string, endsAt: number | null, endedAt: number | null = null) =>
      h.core.store.coupons.insert({ ...base, id, title: id, createdAt: 1_000, endsAt, endedAt });
    await add('cp_before', 5_000);
    await add('cp_in_a', 6_000);
    await add('cp_in_b', 7_000);
    await add('cp_by_hand', 6_500, 6_200);
    await add('cp_after', 8_000);
    await add('cp_open', null);
    expect((await h.core.store.coupons.lapsedBetween(5_000, 7_000)).map((c) => c.id)).toEqual(['cp_in_a', 'cp_in_b']);
    expect(await h.core.store.coupons.lapsedBetween(8_000, 9_000)).toEqual([]);
  });

  it.skipIf(skip)('a provider event id is applied once, in the transaction that pays the order; the outbox delivers it', async () => {
    h = await start();
    const skuId = await product(3);
    const b = new Buyer(h.url);
    const o = await order(b, 'contract-pay-1', skuId);
    const paymentId = await payViaSandbox(h, b, o.body.id);
    // The sandbox wrote its notification to the outbox with the ledger change and delivered it over HTTP.
    const deadline = Date.now() + 10_000;
    while ((await h.core.store.orders.getOrder(o.body.id))!.status !== 'paid') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    const payment = (await h.core.store.payments.get(paymentId))!;
    const rows = await h.core.store.outbox.forRef(payment.providerRef!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ attempts: 1, gaveUpAt: null });
    expect(rows[0]!.deliveredAt).not.toBeNull();
    const eventId = (JSON.parse(rows[0]!.body) as { id: string }).id;
    expect(await h.core.store.webhooks.get('sandbox', eventId)).toMatchObject({ outcome: 'paid', paymentId });
    // The same id again — twice at once — changes nothing.
    const evt = { eventId, type: 'payment.succeeded', kind: 'payment.succeeded' as const, paymentId, providerRef: payment.providerRef! };
    const again = await Promise.all([h.core.payments.apply('sandbox', evt, '{}'), h.core.payments.apply('sandbox', evt, '{}')]);
    expect(again.map((a) => a.outcome)).toEqual(['duplicate', 'duplicate']);
    expect((await h.core.store.orders.listEvents(o.body.id)).map((e) => e.to)).toEqual(['pending_payment', 'paid']);
    expect(await h.core.store.webhooks.count('sandbox')).toBe(1);
  });

  it.skipIf(skip)('lists orders for the studio newest first, filtered and paged by cursor', async () => {
    h = await start();
    const skuId = await product(20);
    const b = new Buyer(h.url);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await order(b, `contract-list-${i}`, skuId, 1, i)).body.id);
    await h.studio(`/api/studio/orders/${ids[1]}/cancel`, { method: 'POST' });
    const list = async (q: string) => (await (await h.studio(`/api/studio/orders?${q}`)).json()) as OrderList;
    const first = await list('limit=2');
    expect(first.orders.map((o) => o.id)).toEqual([ids[4], ids[3]]);
    const second = await list(`limit=2&cursor=${first.nextCursor}`);
    expect(second.orders.map((o) => o.id)).toEqual([ids[2], ids[1]]);
    expect((await list('status=cancelled')).orders.map((o) => o.id)).toEqual([ids[1]]);
    expect((await list(`q=${encodeURIComponent('买家3')}`)).orders.map((o) => o.id)).toEqual([ids[3]]);
    expect((await list('q=%E9%99%90%E9%87%8F')).orders).toHaveLength(5);
    expect(await stockOf(skuId)).toBe(16);
  });
});
