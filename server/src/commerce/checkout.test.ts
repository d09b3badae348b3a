import { afterEach, describe, expect, it } from 'vitest';
import type { OrderView } from '../../../shared/commerce/orders';
import type { CommerceEvent } from '../../../shared/commerce/events';
import { ShowRepository } from '../db/shows';
import { DEFAULT_BUYER_LIMITS, NO_BUYER_LIMITS } from './limits';
import { Buyer, contact, type Harness, payViaSandbox, startHarness } from './testing';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

interface ErrorBody {
  error: { code: string; message: string; reason?: string; issues?: unknown[] };
}

async function product(
  harness: Harness,
  body: object,
): Promise<{ id: string; skus: Array<{ id: string; options: object; stock: number }> }> {
  const res = await harness.studio('/api/studio/products', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as never;
}

const simple = (stock: number, extra: object = {}) => ({
  title: '限量球鞋',
  currency: 'CNY',
  defaults: { listPriceMinor: 99900, livePriceMinor: 79900, stock },
  ...extra,
});

async function stockOf(harness: Harness, skuId: string): Promise<number> {
  return (await harness.core.store.inventory.getSku(skuId))!.stock;
}

describe('checkout race', () => {
  it('1,000 buyers racing for 100 units over HTTP: exactly 100 sold, stock 0, retries never duplicate', async () => {
    // All buyers share the loopback address: per-client limits (hoarding.test.ts) would stop the race.
    h = await startHarness({ realClock: true, buyerLimits: NO_BUYER_LIMITS });
    const p = await product(h, simple(100));
    const skuId = p.skus[0]!.id;
    let minStockSeen = Number.POSITIVE_INFINITY;
    h.core.events.on('stock.changed', (e) => {
      minStockSeen = Math.min(minStockSeen, e.stock);
    });
    const buyers = Array.from({ length: 1000 }, () => new Buyer(h.url));
    for (let i = 0; i < buyers.length; i += 100) {
      await Promise.all(buyers.slice(i, i + 100).map((b) => b.request('POST', '/api/session')));
    }
    expect(buyers.every((b) => b.cookie.startsWith('sc_buyer='))).toBe(true);
    // Every buyer fires its order; every 5th fires the same request twice (a client retry racing the original).
    const attempts = buyers.flatMap((b, i) => {
      const body = { idempotencyKey: `race-key-${i}`, items: [{ skuId, qty: 1 }], contact: contact(i) };
      const one = () => b.json<OrderView & ErrorBody>('POST', '/api/orders', body).then((r) => ({ i, ...r }));
      return i % 5 === 0 ? [one(), one()] : [one()];
    });
    const results = await Promise.all(attempts);
    const created = results.filter((r) => r.status === 201);
    const replayed = results.filter((r) => r.status === 200);
    const rejected = results.filter((r) => r.status === 409);
    expect(created.length).toBe(100);
    expect(rejected.every((r) => r.body.error.reason === 'SOLD_OUT')).toBe(true);
    expect(created.length + replayed.length + rejected.length).toBe(results.length);
    // A replay returns the very order its twin created.
    for (const r of replayed) {
      const twin = created.find((c) => c.i === r.i);
      expect(twin?.body.id).toBe(r.body.id);
      expect(r.res.headers.get('idempotent-replayed')).toBe('true');
    }
    expect(new Set(created.map((c) => c.body.id)).size).toBe(100);
    expect(new Set(created.map((c) => c.i)).size).toBe(100);
    expect(await stockOf(h, skuId)).toBe(0);
    expect(minStockSeen).toBe(0);
    const sold = (await h.core.store.orders.list({ limit: 10_000 })).length;
    expect(sold).toBe(100);
    // Retrying later (after sell-out) still returns the original order, never a new one or an error.
    const winner = created[0]!;
    const again = await buyers[winner.i]!.json<OrderView>('POST', '/api/orders', {
      idempotencyKey: `race-key-${winner.i}`,
      items: [{ skuId, qty: 1 }],
      contact: contact(winner.i),
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(winner.body.id);
  }, 60_000);
});

describe('checkout rules', () => {
  it('prices on the server (client-sent prices ignored) and validates input without changing state', async () => {
    // One session sends more bad orders than it may send a minute.
    h = await startHarness({ buyerLimits: { ...DEFAULT_BUYER_LIMITS, ordersPerSessionPerMinute: 0 } });
    const p = await product(h, simple(10));
    const skuId = p.skus[0]!.id;
    const b = new Buyer(h.url);
    const ok = await b.json<OrderView>('POST', '/api/orders', {
      idempotencyKey: 'price-test-1',
      items: [{ skuId, qty: 2, unitPriceMinor: 1, priceMinor: 1 }],
      contact: contact(1),
      totalMinor: 2,
    });
    expect(ok.status).toBe(201);
    expect(ok.body.totalMinor).toBe(2 * 79900);
    expect(ok.body.items[0]!.unitPriceMinor).toBe(79900);
    expect(await stockOf(h, skuId)).toBe(8);

    const bad: Array<[object, number, string]> = [
      [{ idempotencyKey: 'bad-1aaaa', items: [{ skuId, qty: -1 }], contact: contact(2) }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'bad-2aaaa', items: [{ skuId, qty: 0 }], contact: contact(2) }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'bad-3aaaa', items: [{ skuId, qty: 1.5 }], contact: contact(2) }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'bad-4aaaa', items: [{ skuId, qty: 100 }], contact: contact(2) }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'bad-5aaaa', items: [{ skuId: 's_doesnotexist', qty: 1 }], contact: contact(2) }, 404, 'NOT_FOUND'],
      [{ idempotencyKey: 'bad-6aaaa', items: [{ skuId: 'nonsense', qty: 1 }], contact: contact(2) }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'bad-7aaaa', items: [], contact: contact(2) }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'short', items: [{ skuId, qty: 1 }], contact: contact(2) }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'bad-8aaaa', items: [{ skuId, qty: 1 }], contact: { ...contact(2), phone: '12345' } }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'bad-9aaaa', items: [{ skuId, qty: 1 }], contact: { ...contact(2), phone: '12812345678' } }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'bad-10aaa', items: [{ skuId, qty: 1 }], contact: { ...contact(2), name: '  ' } }, 400, 'BAD_REQUEST'],
      [{ idempotencyKey: 'bad-11aaa', items: [{ skuId, qty: 1 }], contact: { ...contact(2), address: 'x' } }, 400, 'BAD_REQUEST'],
      [
        {
          idempotencyKey: 'bad-12aaa',
          items: [
            { skuId, qty: 1 },
            { skuId, qty: 1 },
          ],
          contact: contact(2),
        },
        400,
        'BAD_REQUEST',
      ],
      [{ idempotencyKey: 'bad-13aaa', items: [{ skuId, qty: 9 }], contact: contact(2) }, 409, 'CONFLICT'],
      [{ idempotencyKey: 'bad-14aaa', items: [{ skuId, qty: 1 }], contact: contact(2), showId: 'nosuchshow' }, 404, 'NOT_FOUND'],
    ];
    for (const [body, status, code] of bad) {
      const r = await b.json<ErrorBody>('POST', '/api/orders', body);
      expect([JSON.stringify(body), r.status, r.body.error.code]).toEqual([JSON.stringify(body), status, code]);
    }
    const malformed = await fetch(`${h.url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"items":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).error.code).toBe('BAD_REQUEST');
    expect(await stockOf(h, skuId)).toBe(8);
    expect((await h.core.store.orders.list({ limit: 100 })).length).toBe(1);
  });

  it('accepts zh-CN mobile formats and E.164, normalising them', async () => {
    // One session holds five unpaid orders.
    h = await startHarness({ buyerLimits: { ...DEFAULT_BUYER_LIMITS, maxUnpaidOrders: 0 } });
    const p = await product(h, simple(10));
    const b = new Buyer(h.url);
    const phones: Array<[string, string]> = [
      ['+86 138 1234 5678', '13812345678'],
      ['8613912345678', '13912345678'],
      ['159-1234-5678', '15912345678'],
      ['+1 (415) 555-0123', '+14155550123'],
      ['+447911123456', '+447911123456'],
    ];
    for (const [i, [input, normal]] of phones.entries()) {
      const r = await b.json<OrderView>('POST', '/api/orders', {
        idempotencyKey: `phone-key-${i}`,
        items: [{ skuId: p.skus[0]!.id, qty: 1 }],
        contact: { ...contact(i), phone: input },
      });
      expect(r.status).toBe(201);
      expect((await h.core.store.orders.getOrder(r.body.id))!.contactPhone).toBe(normal);
    }
  });

  it('reusing an idempotency key for a different order is a conflict', async () => {
    h = await startHarness();
    const p = await product(h, simple(10));
    const b = new Buyer(h.url);
    const body = { idempotencyKey: 'reused-key-1', items: [{ skuId: p.skus[0]!.id, qty: 1 }], contact: contact(1) };
    expect((await b.json('POST', '/api/orders', body)).status).toBe(201);
    const r = await b.json<ErrorBody>('POST', '/api/orders', { ...body, items: [{ skuId: p.skus[0]!.id, qty: 2 }] });
    expect(r.status).toBe(409);
    expect(r.body.error.reason).toBe('IDEMPOTENCY_MISMATCH');
    expect(await stockOf(h, p.skus[0]!.id)).toBe(9);
    // The same key from another buyer is another buyer's checkout.
    expect((await new Buyer(h.url).json('POST', '/api/orders', body)).status).toBe(201);
  });

  it('enforces the per-buyer limit across orders and SKUs of a product', async () => {
    h = await startHarness();
    const p = await product(h, {
      ...simple(0),
      attributes: [{ name: '尺码', values: ['40', '42'] }],
      defaults: { listPriceMinor: 1000, stock: 50 },
      perBuyerLimit: 2,
    });
    const [a, c] = p.skus;
    const b = new Buyer(h.url);
    const order = (key: string, items: object[]) =>
      b.json<ErrorBody & OrderView>('POST', '/api/orders', { idempotencyKey: key, items, contact: contact(1) });
    expect((await order('limit-key-1', [{ skuId: a!.id, qty: 1 }])).status).toBe(201);
    const over = await order('limit-key-2', [{ skuId: c!.id, qty: 2 }]);
    expect(over.status).toBe(409);
    expect(over.body.error.reason).toBe('LIMIT_EXCEEDED');
    expect((await order('limit-key-3', [{ skuId: c!.id, qty: 1 }])).status).toBe(201);
    expect((await order('limit-key-4', [{ skuId: a!.id, qty: 1 }])).body.error.reason).toBe('LIMIT_EXCEEDED');
    expect((await stockOf(h, a!.id)) + (await stockOf(h, c!.id))).toBe(98);
    // Cancelling frees the allowance and the units.
    const mine = await b.json<{ orders: OrderView[] }>('GET', '/api/orders');
    const cancelled = await b.json<OrderView>('POST', `/api/orders/${mine.body.orders[0]!.id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await stockOf(h, a!.id)) + (await stockOf(h, c!.id))).toBe(99);
    expect((await order('limit-key-5', [{ skuId: a!.id, qty: 1 }])).status).toBe(201);
    // Another buyer has their own allowance.
    const other = await new Buyer(h.url).json('POST', '/api/orders', {
      idempotencyKey: 'limit-key-1',
      items: [{ skuId: a!.id, qty: 2 }],
      contact: contact(2),
    });
    expect(other.status).toBe(201);
  });

  it('a buyer sees only their own orders', async () => {
    h = await startHarness();
    const p = await product(h, simple(10));
    const alice = new Buyer(h.url);
    const bob = new Buyer(h.url);
    const a = await alice.json<OrderView>('POST', '/api/orders', {
      idempotencyKey: 'alice-key-1',
      items: [{ skuId: p.skus[0]!.id, qty: 1 }],
      contact: contact(1),
    });
    await bob.json('POST', '/api/orders', {
      idempotencyKey: 'bob-key-001',
      items: [{ skuId: p.skus[0]!.id, qty: 1 }],
      contact: contact(2),
    });
    const aliceList = await alice.json<{ orders: OrderView[] }>('GET', '/api/orders');
    expect(aliceList.body.orders.map((o) => o.id)).toEqual([a.body.id]);
    expect(aliceList.body.orders[0]!.contact.phone).toBe('138****0001');
    expect((await bob.json('GET', `/api/orders/${a.body.id}`)).status).toBe(404);
    expect((await bob.json('POST', `/api/orders/${a.body.id}/cancel`)).status).toBe(404);
    expect((await bob.json('POST', `/api/orders/${a.body.id}/pay`, {})).status).toBe(404);
    const anonymous = new Buyer(h.url);
    expect((await anonymous.json<{ orders: unknown[] }>('GET', '/api/orders')).body.orders).toEqual([]);
    expect((await anonymous.json('GET', `/api/orders/${a.body.id}`)).status).toBe(404);
    // A forged cookie is no session.
    const forger = new Buyer(h.url);
    forger.cookie = `${alice.cookie.slice(0, -3)}abc`;
    expect((await forger.json<{ orders: unknown[] }>('GET', '/api/orders')).body.orders).toEqual([]);
    expect((await h.core.store.orders.getOrder(a.body.id))!.status).toBe('pending_payment');
  });

  it('sets an HttpOnly, SameSite=Lax signed session cookie', async () => {
    h = await startHarness();
    const res = await fetch(`${h.url}/api/session`, { method: 'POST' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sc_buyer=b_[A-Za-z0-9_-]{16}\.[A-Za-z0-9+/_-]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
  });

  it('expired reservations return their stock (sweeper and check on access)', async () => {
    h = await startHarness({ reservationMs: 60_000 });
    const p = await product(h, simple(3));
    const skuId = p.skus[0]!.id;
    const b = new Buyer(h.url);
    const o1 = await b.json<OrderView>('POST', '/api/orders', {
      idempotencyKey: 'expire-key-1',
      items: [{ skuId, qty: 2 }],
      contact: contact(1),
    });
    const o2 = await new Buyer(h.url).json<OrderView>('POST', '/api/orders', {
      idempotencyKey: 'expire-key-2',
      items: [{ skuId, qty: 1 }],
      contact: contact(2),
    });
    expect(await stockOf(h, skuId)).toBe(0);
    h.advance(59_000);
    await h.core.runMaintenance();
    expect(await stockOf(h, skuId)).toBe(0);
    h.advance(2_000);
    // Check on access: a new buyer finds the SKU sold out, the lapsed reservations are released and the order succeeds.
    const late = await new Buyer(h.url).json<OrderView>('POST', '/api/orders', {
      idempotencyKey: 'expire-key-3',
      items: [{ skuId, qty: 3 }],
      contact: contact(3),
    });
    expect(late.status).toBe(201);
    expect(await stockOf(h, skuId)).toBe(0);
    const gone = await b.json<OrderView>('GET', `/api/orders/${o1.body.id}`);
    expect(gone.body.status).toBe('cancelled');
    expect(gone.body.events!.at(-1)).toMatchObject({
      from: 'pending_payment',
      to: 'cancelled',
      actor: 'system',
      note: 'reservation expired',
    });
    expect((await h.core.store.orders.getOrder(o2.body.id))!.status).toBe('cancelled');
    // Paying an expired order is refused.
    const pay = await b.json<ErrorBody>('POST', `/api/orders/${o1.body.id}/pay`, {});
    expect(pay.status).toBe(409);
    expect(pay.body.error.reason).toBe('ORDER_EXPIRED');
    // The sweeper releases the last one too.
    h.advance(61_000);
    expect(await h.core.orders.expireDue()).toBe(1);
    expect(await stockOf(h, skuId)).toBe(3);
  });
});

describe('flash sales', () => {
  it('sale price and cap apply while the countdown runs, then the live price returns', async () => {
    const events: CommerceEvent[] = [];
    h = await startHarness({ onEvent: (e) => events.push(e) });
    const p = await product(h, simple(10));
    const skuId = p.skus[0]!.id;
    const bad = await h.studio('/api/studio/flash-sales', {
      method: 'POST',
      body: JSON.stringify({ skuId, durationSec: 5, salePriceMinor: 100, cap: 3 }),
    });
    expect(bad.status).toBe(400);
    const tooMany = await h.studio('/api/studio/flash-sales', {
      method: 'POST',
      body: JSON.stringify({ skuId, durationSec: 60, salePriceMinor: 100, cap: 11 }),
    });
    expect(tooMany.status).toBe(409);
    const res = await h.studio('/api/studio/flash-sales', {
      method: 'POST',
      body: JSON.stringify({ skuId, durationSec: 60, salePriceMinor: 9900, cap: 3, perBuyerLimit: 2 }),
    });
    expect(res.status).toBe(201);
    const sale = (await res.json()) as { id: string; endsAt: number; remaining: number };
    expect(sale.remaining).toBe(3);
    expect(events.some((e) => e.type === 'sale.started')).toBe(true);
    const again = await h.studio('/api/studio/flash-sales', {
      method: 'POST',
      body: JSON.stringify({ skuId, durationSec: 60, salePriceMinor: 1, cap: 1 }),
    });
    expect(((await again.json()) as ErrorBody).error.reason).toBe('SALE_ACTIVE');

    const view = (await (await fetch(`${h.url}/api/products/${p.id}`)).json()) as { skus: unknown[] };
    expect(view.skus[0]).toMatchObject({ priceMinor: 9900, available: 3, sale: { id: sale.id, remaining: 3 } });

    const b1 = new Buyer(h.url);
    const o1 = await b1.json<OrderView>('POST', '/api/orders', {
      idempotencyKey: 'sale-key-01',
      items: [{ skuId, qty: 2 }],
      contact: contact(1),
    });
    expect(o1.body.totalMinor).toBe(19800);
    expect(o1.body.items[0]!.flashSaleId).toBe(sale.id);
    const limit = await b1.json<ErrorBody>('POST', '/api/orders', {
      idempotencyKey: 'sale-key-02',
      items: [{ skuId, qty: 1 }],
      contact: contact(1),
    });
    expect(limit.body.error.reason).toBe('LIMIT_EXCEEDED');
    const b2 = new Buyer(h.url);
    const short = await b2.json<ErrorBody>('POST', '/api/orders', {
      idempotencyKey: 'sale-key-03',
      items: [{ skuId, qty: 2 }],
      contact: contact(2),
    });
    expect(short.body.error.reason).toBe('INSUFFICIENT_STOCK');
    expect(
      (await b2.json('POST', '/api/orders', { idempotencyKey: 'sale-key-04', items: [{ skuId, qty: 1 }], contact: contact(2) })).status,
    ).toBe(201);
    const soldOut = await new Buyer(h.url).json<ErrorBody>('POST', '/api/orders', {
      idempotencyKey: 'sale-key-05',
      items: [{ skuId, qty: 1 }],
      contact: contact(3),
    });
    expect(soldOut.body.error.reason).toBe('SOLD_OUT');
    expect(await stockOf(h, skuId)).toBe(7);
    expect(events.filter((e) => e.type === 'stock.changed').at(-1)).toMatchObject({ skuId, stock: 7, saleRemaining: 0 });

    // Countdown over: the sale ends and the live price applies to the remaining stock.
    h.advance(61_000);
    await h.core.runMaintenance();
    expect(events.some((e) => e.type === 'sale.ended' && e.reason === 'expired')).toBe(true);
    const after = await new Buyer(h.url).json<OrderView>('POST', '/api/orders', {
      idempotencyKey: 'sale-key-06',
      items: [{ skuId, qty: 1 }],
      contact: contact(4),
    });
    expect(after.body.items[0]).toMatchObject({ unitPriceMinor: 79900, flashSaleId: null });
    expect(await stockOf(h, skuId)).toBe(6);
  });

  it('an expired reservation returns units to a running sale', async () => {
    h = await startHarness({ reservationMs: 30_000 });
    const p = await product(h, simple(10));
    const skuId = p.skus[0]!.id;
    await h.studio('/api/studio/flash-sales', {
      method: 'POST',
      body: JSON.stringify({ skuId, durationSec: 300, salePriceMinor: 1000, cap: 2, perBuyerLimit: null }),
    });
    await new Buyer(h.url).json('POST', '/api/orders', { idempotencyKey: 'sale-exp-01', items: [{ skuId, qty: 2 }], contact: contact(1) });
    expect((await h.core.store.inventory.getActiveSale(skuId))!.remaining).toBe(0);
    h.advance(31_000);
    expect(await h.core.orders.expireDue()).toBe(1);
    expect((await h.core.store.inventory.getActiveSale(skuId))!.remaining).toBe(2);
    expect(await stockOf(h, skuId)).toBe(10);
  });
});

describe('orders (studio)', () => {
  it('ships and completes through the state machine; lists are masked and filterable', async () => {
    h = await startHarness();
    const show = new ShowRepository(h.db).create('周五直播');
    const p = await product(h, simple(20));
    const skuId = p.skus[0]!.id;
    const buyers = [new Buyer(h.url), new Buyer(h.url), new Buyer(h.url)];
    const orders: OrderView[] = [];
    for (const [i, b] of buyers.entries()) {
      const r = await b.json<OrderView>('POST', '/api/orders', {
        idempotencyKey: `studio-key-${i}`,
        items: [{ skuId, qty: 1 }],
        contact: {
          name: ['张三', 'Alice Smith', '李四'][i],
          phone: ['13812345678', '+14155550123', '13900001111'][i],
          address: '北京市朝阳区建国路 88 号 SOHO 现代城',
        },
        ...(i < 2 ? { showId: show.id } : {}),
      });
      expect(r.status).toBe(201);
      orders.push(r.body);
      h.advance(1000);
    }
    expect((await fetch(`${h.url}/api/studio/orders`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/studio/orders`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);

    const list = async (q: string) =>
      (await (await h.studio(`/api/studio/orders${q}`)).json()) as { orders: OrderView[]; nextCursor: string | null };
    const all = await list('');
    expect(all.orders.map((o) => o.id)).toEqual(orders.map((o) => o.id).reverse());
    expect(all.orders.map((o) => o.contact.phone)).toEqual(['139****1111', '+141****0123', '138****5678']);
    expect(all.orders[2]!.contact).toEqual({ name: '张*', phone: '138****5678', address: '北京市朝阳区****' });
    expect((await list(`?showId=${show.id}`)).orders.length).toBe(2);
    expect((await list('?q=Alice')).orders.map((o) => o.id)).toEqual([orders[1]!.id]);
    expect((await list('?q=1381234')).orders.map((o) => o.id)).toEqual([orders[0]!.id]);
    expect((await list('?q=限量')).orders.length).toBe(3);
    expect((await list(`?from=${orders[1]!.createdAt}`)).orders.length).toBe(2);
    expect((await list(`?to=${orders[1]!.createdAt}`)).orders.length).toBe(1);
    const page1 = await list('?limit=2');
    expect(page1.orders.length).toBe(2);
    const page2 = await list(`?limit=2&cursor=${page1.nextCursor}`);
    expect(page2.orders.map((o) => o.id)).toEqual([orders[0]!.id]);
    expect(page2.nextCursor).toBeNull();
    expect((await h.studio('/api/studio/orders?status=bogus')).status).toBe(400);

    const target = orders[0]!.id;
    const ship = (body: object) => h.studio(`/api/studio/orders/${target}/ship`, { method: 'POST', body: JSON.stringify(body) });
    const early = await ship({ carrier: '顺丰', trackingNo: 'SF1234567890' });
    expect(early.status).toBe(409);
    expect(((await early.json()) as ErrorBody).error.reason).toBe('INVALID_TRANSITION');

    await payViaSandbox(h, buyers[0]!, target);
    expect((await list('?status=paid')).orders.map((o) => o.id)).toEqual([target]);
    expect((await ship({ carrier: '顺丰', trackingNo: '!!' })).status).toBe(400);
    const shipped = (await (await ship({ carrier: '顺丰', trackingNo: 'SF1234567890' })).json()) as OrderView;
    expect(shipped).toMatchObject({ status: 'shipped', carrier: '顺丰', trackingNo: 'SF1234567890' });
    const done = await h.studio(`/api/studio/orders/${target}/complete`, { method: 'POST' });
    expect(((await done.json()) as OrderView).status).toBe('completed');
    expect((await h.studio(`/api/studio/orders/${target}/complete`, { method: 'POST' })).status).toBe(409);

    const detail = (await (await h.studio(`/api/studio/orders/${target}`)).json()) as OrderView;
    expect(detail.contact).toEqual({ name: '张三', phone: '13812345678', address: '北京市朝阳区建国路 88 号 SOHO 现代城' });
    expect(detail.events!.map((e) => `${e.from}>${e.to}:${e.actor}`)).toEqual([
      'null>pending_payment:buyer',
      'pending_payment>paid:provider',
      'paid>shipped:studio',
      'shipped>completed:studio',
    ]);
    // The database itself refuses a transition outside the table.
    expect(() => h.db.prepare(`UPDATE orders SET status = 'pending_payment' WHERE id = ?`).run(target)).toThrow(/transition not allowed/);

    const csv = await (await h.studio('/api/studio/orders.csv')).text();
    expect(csv).toContain('138****5678');
    expect(csv).not.toContain('13812345678');
    const full = await (await h.studio('/api/studio/orders.csv?contact=full')).text();
    expect(full).toContain('13812345678');
    expect(full.split('\r\n').filter(Boolean).length).toBe(4);
  });
});
