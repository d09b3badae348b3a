import { afterEach, describe, expect, it } from 'vitest';
import type { BuyerCoupon, Quote } from '../../../shared/commerce/coupons';
import type { OrderView } from '../../../shared/commerce/orders';
import { RpcError } from '../../../shared/protocol/rpc';
import { RtClient, startRealtimeServer, type TestServer } from '../realtime/testing';

let server: TestServer | null = null;
const clients: RtClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

interface ErrorBody {
  error: { code: string; reason?: string; message: string };
}

/** A buyer: one guest cookie for both the realtime socket and the shop's HTTP API. */
async function buyer(s: TestServer) {
  const cookie = s.guestCookie();
  const ws = await RtClient.connect(s.wsUrl(), { cookie });
  clients.push(ws);
  await ws.hello();
  const http = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(s.url + path, {
      method,
      headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  return { ws, http };
}

async function studio(s: TestServer) {
  const c = await RtClient.connect(s.wsUrl());
  clients.push(c);
  await c.hello({ token: s.studioToken });
  return c;
}

async function rpcError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError) return err.code;
    throw err;
  }
  throw new Error('expected the request to fail');
}

/** One product, live price 79.90 CNY, stock 20. */
async function product(s: TestServer): Promise<string> {
  const res = await fetch(`${s.url}/api/studio/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.studioToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: '保温杯', currency: 'CNY', defaults: { listPriceMinor: 9900, livePriceMinor: 7990, stock: 20 } }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { skus: { id: string }[] }).skus[0]!.id;
}

const contact = { name: '张三', phone: '13812345678', address: '上海市浦东新区世纪大道 1 号' };
const stock = async (s: TestServer, skuId: string) => (await s.commerce!.store.inventory.getSku(skuId))!.stock;
const orderCount = async (s: TestServer) => (await s.commerce!.store.orders.list({ limit: 500 })).length;

describe('live-only coupons', () => {
  it('claimed once per buyer, priced by the server at checkout, recorded with the order, idempotent, returned on cancel', async () => {
    const s = await startRealtimeServer({ withCommerce: true });
    s.shows.markLive(s.showId);
    const skuId = await product(s);
    const host = await studio(s);
    const a = await buyer(s);
    const b = await buyer(s);
    const { coupon } = await host.request('coupon.create', {
      title: '直播间专享',
      kind: 'amount',
      value: 2000,
      currency: 'CNY',
      minSpendMinor: 10000,
    });
    expect(coupon).toMatchObject({ status: 'active', claimed: 0, used: 0 });
    await a.ws.waitFor(() => a.ws.items().some((i) => i.k === 'engage' && i.event.type === 'coupon.available'), 3000, 'coupon notice');

    expect(await a.ws.request('coupon.claim', { couponId: coupon.id })).toMatchObject({ already: false, coupon: { claimed: 1 } });
    expect(await a.ws.request('coupon.claim', { couponId: coupon.id })).toMatchObject({ already: true, coupon: { claimed: 1 } });
    const wallet = await a.http<{ coupons: BuyerCoupon[] }>('GET', `/api/coupons?showId=${s.showId}`);
    expect(wallet.body.coupons).toEqual([expect.objectContaining({ usable: true, usedOrderId: null })]);

    // Below the minimum spend (one unit = 79.90 < 100.00): refused, nothing reserved.
    const order = (key: string, qty: number, extra: object = {}) => ({
      idempotencyKey: key,
      items: [{ skuId, qty, unitPriceMinor: 1 }],
      contact,
      showId: s.showId,
      couponId: coupon.id,
      totalMinor: 1,
      discountMinor: 999_999,
      ...extra,
    });
    const low = await a.http<ErrorBody>('POST', '/api/orders', order('coupon-low-1', 1));
    expect([low.status, low.body.error.reason]).toEqual([409, 'COUPON_MIN_SPEND']);
    // A buyer who never claimed it cannot use it.
    const other = await b.http<ErrorBody>('POST', '/api/orders', order('coupon-b-1', 2));
    expect([other.status, other.body.error.reason]).toEqual([409, 'COUPON_UNAVAILABLE']);
    expect(await stock(s, skuId)).toBe(20);
    expect(await orderCount(s)).toBe(0);

    // The quote and the order agree; client-sent totals are ignored.
    const quote = await a.http<Quote>('POST', '/api/checkout/quote', { items: [{ skuId, qty: 2 }], couponId: coupon.id, showId: s.showId });
    expect(quote.body).toMatchObject({ subtotalMinor: 15980, discountMinor: 2000, totalMinor: 13980, couponError: null });
    const placed = await a.http<OrderView>('POST', '/api/orders', order('coupon-ok-1', 2));
    expect(placed.status).toBe(201);
    expect(placed.body.totalMinor).toBe(13980);
    expect(placed.body.discount).toEqual({ couponId: coupon.id, title: '直播间专享', amountMinor: 2000 });
    expect(await stock(s, skuId)).toBe(18);
    // A retry with the same key is the same order and does not use the coupon twice.
    const retry = await a.http<OrderView>('POST', '/api/orders', order('coupon-ok-1', 2));
    expect([retry.status, retry.body.id, retry.body.totalMinor]).toEqual([200, placed.body.id, 13980]);
    const used = await a.http<ErrorBody>('POST', '/api/orders', order('coupon-ok-2', 2));
    expect([used.status, used.body.error.reason]).toEqual([409, 'COUPON_USED']);
    expect(await orderCount(s)).toBe(1);
    expect(await s.commerce!.coupons.get(coupon.id)).toMatchObject({ used: 1 });
    const detail = await a.http<OrderView>('GET', `/api/orders/${placed.body.id}`);
    expect(detail.body.discount?.amountMinor).toBe(2000);

    // Cancelling the unpaid order gives the coupon back; it can be used again.
    expect((await a.http<OrderView>('POST', `/api/orders/${placed.body.id}/cancel`)).status).toBe(200);
    expect(await s.commerce!.coupons.get(coupon.id)).toMatchObject({ used: 0 });
    const again = await a.http<OrderView>('POST', '/api/orders', order('coupon-ok-3', 3));
    expect([again.status, again.body.totalMinor]).toEqual([201, 3 * 7990 - 2000]);

    // Only while the show is live: claims and checkouts with the coupon stop when it ends.
    const c2 = (await host.request('coupon.create', { title: '九折', kind: 'percent', value: 10, currency: 'CNY' })).coupon;
    await b.ws.request('coupon.claim', { couponId: c2.id });
    s.shows.markEnded(s.showId);
    expect(await rpcError(a.ws.request('coupon.claim', { couponId: c2.id }))).toBe('CONFLICT');
    const after = await b.http<ErrorBody>('POST', '/api/orders', order('coupon-end-1', 1, { couponId: c2.id }));
    expect([after.status, after.body.error.reason]).toEqual([409, 'COUPON_UNAVAILABLE']);
    // Without the coupon the same buyer still checks out at the server's price.
    const plain = await b.http<OrderView>('POST', '/api/orders', order('coupon-end-2', 1, { couponId: undefined }));
    expect([plain.status, plain.body.totalMinor, plain.body.discount]).toEqual([201, 7990, null]);
  });

  it('an expired unpaid order returns its coupon; percent discounts round down; quantity runs out', async () => {
    let offset = 0;
    const s = await startRealtimeServer({ withCommerce: true, clock: () => Date.now() + offset });
    s.shows.markLive(s.showId);
    const skuId = await product(s);
    const host = await studio(s);
    const a = await buyer(s);
    const b = await buyer(s);
    const { coupon } = await host.request('coupon.create', { title: '85折', kind: 'percent', value: 15, currency: 'CNY', quantity: 1 });
    await a.ws.request('coupon.claim', { couponId: coupon.id });
    expect(await rpcError(b.ws.request('coupon.claim', { couponId: coupon.id }))).toBe('CONFLICT'); // COUPON_GONE
    const placed = await a.http<OrderView>('POST', '/api/orders', {
      idempotencyKey: 'pct-order-1',
      items: [{ skuId, qty: 1 }],
      contact,
      couponId: coupon.id,
    });
    expect(placed.body.totalMinor).toBe(7990 - Math.floor((7990 * 15) / 100));
    offset += 16 * 60_000;
    expect(await s.commerce!.orders.expireDue()).toBe(1);
    expect(await s.commerce!.coupons.get(coupon.id)).toMatchObject({ used: 0 });
    const wallet = await a.http<{ coupons: BuyerCoupon[] }>('GET', '/api/coupons');
    expect(wallet.body.coupons[0]).toMatchObject({ usable: true, usedOrderId: null });
  });

  it('bad inputs and wrong roles get 4xx and change nothing', async () => {
    const s = await startRealtimeServer({ withCommerce: true });
    const host = await studio(s);
    const a = await buyer(s);
    const valid = { title: 'x', kind: 'amount', value: 100, currency: 'CNY' } as const;
    expect(await rpcError(host.request('coupon.create', valid))).toBe('BAD_STATE'); // not live
    s.shows.markLive(s.showId);
    expect(await rpcError(a.ws.request('coupon.create', valid))).toBe('FORBIDDEN');
    for (const bad of [
      { ...valid, kind: 'percent', value: 95 },
      { ...valid, value: 0 },
      { ...valid, value: 1.5 },
      { ...valid, currency: 'yuan' },
      { ...valid, title: '' },
      { ...valid, minSpendMinor: 50 }, // minimum spend must be above the amount off
      { ...valid, durationSec: 1 },
    ]) {
      expect(await rpcError(host.request('coupon.create', bad as never))).toBe('BAD_REQUEST');
    }
    expect(await s.commerce!.coupons.listForShow(s.showId)).toEqual([]);
    expect(await rpcError(a.ws.request('coupon.claim', { couponId: 'cp_doesnotexist' }))).toBe('NOT_FOUND');
    expect(await rpcError(a.ws.request('coupon.claim', { couponId: 'nonsense' }))).toBe('BAD_REQUEST');
    const { coupon } = await host.request('coupon.create', valid);
    expect(await rpcError(host.request('coupon.claim', { couponId: coupon.id }))).toBe('FORBIDDEN');
    const bad = await a.http<ErrorBody>('POST', '/api/orders', {
      idempotencyKey: 'bad-coupon-1',
      items: [{ skuId: 's_doesnotexist', qty: 1 }],
      contact,
      couponId: '../etc',
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    const badQuote = await a.http<ErrorBody>('POST', '/api/checkout/quote', { items: [], couponId: coupon.id });
    expect(badQuote.status).toBe(400);
    expect(await orderCount(s)).toBe(0);
  });
});
