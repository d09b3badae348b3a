/**
 * Order hoarding: one client must not be able to reserve a flash sale's stock with throwaway guest sessions and
 * unpaid orders. Sessions and orders are rate-limited per address and per session (429 RATE_LIMITED + Retry-After,
 * nothing changed), a session holds a bounded number of unpaid orders, and flash-sale reservations lapse early.
 */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderView } from '../../../shared/commerce/orders';
import { loadConfig } from '../config';
import { commercePlugin } from './index';
import { DEFAULT_BUYER_LIMITS, NO_BUYER_LIMITS } from './limits';
import { Buyer, contact, freePort, type Harness, payViaSandbox, startHarness } from './testing';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

interface ErrorBody {
  error: { code: string; message: string; reason?: string };
}

async function sku(harness: Harness, stock: number, perBuyerLimit?: number): Promise<string> {
  const p = await harness.core.catalog.create({
    title: '限量球鞋',
    currency: 'CNY',
    defaults: { listPriceMinor: 99900, livePriceMinor: 79900, stock },
    ...(perBuyerLimit ? { perBuyerLimit } : {}),
  });
  return p.skus[0]!.id;
}

const orderBody = (key: string, skuId: string, i = 0) => ({ idempotencyKey: key, items: [{ skuId, qty: 1 }], contact: contact(i) });
const stockOf = async (harness: Harness, skuId: string) => (await harness.core.store.inventory.getSku(skuId))!.stock;
const orderCount = async (harness: Harness) => (await harness.core.store.orders.list({ limit: 10_000 })).length;

function expectLimited(r: { status: number; body: ErrorBody; res: Response }, reason?: string): void {
  expect([r.status, r.body.error.code, r.body.error.reason]).toEqual([429, 'RATE_LIMITED', reason]);
  const after = Number(r.res.headers.get('retry-after'));
  expect(after).toBeGreaterThan(0);
  expect(r.body.error.message).toMatch(/try again in \d+ s|pay or cancel/);
}

describe('guest sessions per client address', () => {
  it('new sessions from one address beyond the limit (60 a minute) get 429 with Retry-After', async () => {
    h = await startHarness();
    const max = DEFAULT_BUYER_LIMITS.sessionsPerIpPerMinute;
    const buyers = Array.from({ length: max + 10 }, () => new Buyer(h.url));
    const results = [];
    for (const b of buyers) results.push(await b.json<ErrorBody>('POST', '/api/session'));
    expect(results.slice(0, max).map((r) => r.status)).toEqual(Array(max).fill(200));
    for (const r of results.slice(max)) expectLimited(r);
    expect(buyers.slice(max).every((b) => b.cookie === '')).toBe(true);
    // A buyer who has a session keeps it: confirming it is not a new session and is never refused.
    expect((await buyers[0]!.json('POST', '/api/session')).status).toBe(200);
    // An order without a session would create one: refused too, and nothing is reserved.
    const skuId = await sku(h, 10);
    expectLimited(await new Buyer(h.url).json<ErrorBody>('POST', '/api/orders', orderBody('no-session-1', skuId)));
    expect([await stockOf(h, skuId), await orderCount(h)]).toEqual([10, 0]);
    // A buyer with a session still orders.
    expect((await buyers[1]!.json('POST', '/api/orders', orderBody('has-session-1', skuId))).status).toBe(201);
  });

  it('a forged X-Forwarded-For does not escape the limit unless TRUST_PROXY says to believe it', async () => {
    h = await startHarness({ buyerLimits: { ...NO_BUYER_LIMITS, sessionsPerIpPerMinute: 3 } });
    const forged = (i: number) => fetch(`${h.url}/api/session`, { method: 'POST', headers: { 'x-forwarded-for': `198.51.100.${i}` } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await forged(i)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    await h.close();

    // Behind a trusted proxy every client is counted on its own address.
    h = await startHarness({ buyerLimits: { ...NO_BUYER_LIMITS, sessionsPerIpPerMinute: 3 }, trustProxy: true });
    const behind = [];
    for (let i = 0; i < 5; i++) behind.push((await forged(i)).status);
    expect(behind).toEqual([200, 200, 200, 200, 200]);
    for (let i = 0; i < 3; i++) expect((await forged(7)).status).toBe(200);
    expect((await forged(7)).status).toBe(429);
  });
});

describe('refusals are not server errors', () => {
  it('429s are logged as completed requests, never at warn or error level', async () => {
    h = await startHarness({ buyerLimits: { ...NO_BUYER_LIMITS, sessionsPerIpPerMinute: 1, maxUnpaidOrders: 1 } });
    // The same core behind a fastify that logs like the server does (pino JSON lines).
    const lines: Array<{ level: number; msg: string; res?: { statusCode: number } }> = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
        done();
      },
    });
    const app = Fastify({ logger: { level: 'info', stream } });
    await app.register(commercePlugin, { core: h.core });
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${port}`;
      const skuId = await sku(h, 10);
      const b = new Buyer(url);
      expect((await b.json('POST', '/api/orders', orderBody('logged-1', skuId))).status).toBe(201);
      expectLimited(await b.json<ErrorBody>('POST', '/api/orders', orderBody('logged-2', skuId)), 'UNPAID_LIMIT');
      expectLimited(await new Buyer(url).json<ErrorBody>('POST', '/api/session'));
    } finally {
      await app.close();
    }
    expect(lines.filter((l) => l.res?.statusCode === 429)).toHaveLength(2);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});

describe('orders per client', () => {
  it('per address: the order attempts over the limit are refused before anything is reserved', async () => {
    h = await startHarness({ buyerLimits: { ...NO_BUYER_LIMITS, ordersPerIpPerMinute: 5 } });
    const skuId = await sku(h, 100);
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await new Buyer(h.url).json('POST', '/api/orders', orderBody(`ip-limit-${i}`, skuId, i))).status);
    expect(statuses).toEqual(Array(5).fill(201));
    expectLimited(await new Buyer(h.url).json<ErrorBody>('POST', '/api/orders', orderBody('ip-limit-x', skuId)));
    expect([await stockOf(h, skuId), await orderCount(h)]).toEqual([95, 5]);
  });

  it('per session: one session gets its limit, another session from the same address still orders', async () => {
    h = await startHarness({ buyerLimits: { ...NO_BUYER_LIMITS, ordersPerSessionPerMinute: 3 } });
    const skuId = await sku(h, 100);
    const a = new Buyer(h.url);
    await a.request('POST', '/api/session');
    for (let i = 0; i < 3; i++) expect((await a.json('POST', '/api/orders', orderBody(`sess-limit-${i}`, skuId))).status).toBe(201);
    expectLimited(await a.json<ErrorBody>('POST', '/api/orders', orderBody('sess-limit-x', skuId)));
    expect((await new Buyer(h.url).json('POST', '/api/orders', orderBody('sess-other-1', skuId))).status).toBe(201);
    expect(await stockOf(h, skuId)).toBe(96);
  });
});

describe('unpaid orders per guest session', () => {
  it('a session holding the maximum of unpaid orders cannot reserve more until it pays, cancels or one lapses', async () => {
    const max = DEFAULT_BUYER_LIMITS.maxUnpaidOrders;
    h = await startHarness({ buyerLimits: { ...NO_BUYER_LIMITS, maxUnpaidOrders: max } });
    const skuId = await sku(h, 100);
    const b = new Buyer(h.url);
    const placed: OrderView[] = [];
    for (let i = 0; i < max; i++) {
      const r = await b.json<OrderView>('POST', '/api/orders', orderBody(`unpaid-${i}`, skuId));
      expect(r.status).toBe(201);
      placed.push(r.body);
    }
    const refused = await b.json<ErrorBody>('POST', '/api/orders', orderBody('unpaid-x', skuId));
    expectLimited(refused, 'UNPAID_LIMIT');
    // Retry-After: when the oldest reservation lapses (15 min).
    expect(Number(refused.res.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect([await stockOf(h, skuId), await orderCount(h)]).toEqual([100 - max, max]);
    // A retry of an order it already has is that order, not a new one.
    const replay = await b.json<OrderView>('POST', '/api/orders', orderBody('unpaid-0', skuId));
    expect([replay.status, replay.body.id]).toEqual([200, placed[0]!.id]);
    // Other sessions are not affected.
    expect((await new Buyer(h.url).json('POST', '/api/orders', orderBody('unpaid-other', skuId))).status).toBe(201);

    // Paying one frees a slot.
    await payViaSandbox(h, b, placed[0]!.id);
    expect((await h.core.store.orders.getOrder(placed[0]!.id))!.status).toBe('paid');
    expect((await b.json('POST', '/api/orders', orderBody('unpaid-after-pay', skuId))).status).toBe(201);
    expect((await b.json('POST', '/api/orders', orderBody('unpaid-y', skuId))).status).toBe(429);
    // Cancelling one frees a slot.
    expect((await b.json('POST', `/api/orders/${placed[1]!.id}/cancel`)).status).toBe(200);
    expect((await b.json('POST', '/api/orders', orderBody('unpaid-after-cancel', skuId))).status).toBe(201);
    expect((await b.json('POST', '/api/orders', orderBody('unpaid-z', skuId))).status).toBe(429);
    // Lapsed reservations no longer count (even before the sweeper runs).
    h.advance(15 * 60_000 + 1);
    expect((await b.json('POST', '/api/orders', orderBody('unpaid-after-lapse', skuId))).status).toBe(201);
  });
});

describe('flash-sale reservation window', () => {
  it('an order with flash-sale units lapses after the short window and the sweeper returns them to the running sale; a normal order keeps its 15 min', async () => {
    h = await startHarness({ flashSaleReservationMs: 2 * 60_000 });
    const flashSku = await sku(h, 10);
    const plainSku = await sku(h, 10);
    const sale = await h.core.sales.start({ skuId: flashSku, durationSec: 300, salePriceMinor: 100, cap: 5, perBuyerLimit: 2 });
    const b = new Buyer(h.url);
    const flash = await b.json<OrderView>('POST', '/api/orders', orderBody('flash-window-1', flashSku));
    const plain = await b.json<OrderView>('POST', '/api/orders', orderBody('plain-window-1', plainSku));
    expect([flash.status, plain.status]).toEqual([201, 201]);
    expect(flash.body.items[0]!.flashSaleId).toBe(sale.id);
    expect(flash.body.expiresAt - flash.body.createdAt).toBe(2 * 60_000);
    expect(plain.body.expiresAt - plain.body.createdAt).toBe(15 * 60_000);
    expect((await h.core.store.inventory.getSale(sale.id))!.remaining).toBe(4);
    expect(await stockOf(h, flashSku)).toBe(9);

    h.advance(2 * 60_000 - 1_000);
    await h.core.runMaintenance();
    expect((await h.core.store.orders.getOrder(flash.body.id))!.status).toBe('pending_payment');
    h.advance(2_000);
    await h.core.runMaintenance();
    expect((await h.core.store.orders.getOrder(flash.body.id))!.status).toBe('cancelled');
    expect((await h.core.store.orders.getOrder(plain.body.id))!.status).toBe('pending_payment');
    // Returned while the sale still runs: another buyer gets them at the sale price.
    expect(await h.core.store.inventory.getSale(sale.id)).toMatchObject({ status: 'active', remaining: 5 });
    expect(await stockOf(h, flashSku)).toBe(10);
  });

  it('never outlasts the normal reservation', async () => {
    h = await startHarness({ reservationMs: 60_000, flashSaleReservationMs: 5 * 60_000 });
    const flashSku = await sku(h, 10);
    await h.core.sales.start({ skuId: flashSku, durationSec: 300, salePriceMinor: 100, cap: 5 });
    const r = await new Buyer(h.url).json<OrderView>('POST', '/api/orders', orderBody('flash-cap-1', flashSku));
    expect(r.body.expiresAt - r.body.createdAt).toBe(60_000);
  });
});

describe('configuration', () => {
  it('reads the limits, the flash-sale window and TRUST_PROXY from the environment', () => {
    const c = loadConfig({
      FLASH_SALE_RESERVATION_SECONDS: '90',
      SESSIONS_PER_IP_PER_MINUTE: '0',
      ORDERS_PER_IP_PER_MINUTE: '500',
      ORDERS_PER_SESSION_PER_MINUTE: '4',
      MAX_UNPAID_ORDERS: '1',
      TRUST_PROXY: '2',
    });
    expect(c).toMatchObject({
      flashSaleReservationSeconds: 90,
      sessionsPerIpPerMinute: 0,
      ordersPerIpPerMinute: 500,
      ordersPerSessionPerMinute: 4,
      maxUnpaidOrders: 1,
      trustProxy: 2,
    });
    expect(loadConfig({})).toMatchObject({ flashSaleReservationSeconds: 180, trustProxy: false, ...DEFAULT_BUYER_LIMITS });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
    expect(() => loadConfig({ FLASH_SALE_RESERVATION_SECONDS: '1' })).toThrow(/FLASH_SALE_RESERVATION_SECONDS/);
    expect(() => loadConfig({ MAX_UNPAID_ORDERS: '-1' })).toThrow(/MAX_UNPAID_ORDERS/);
  });
});
