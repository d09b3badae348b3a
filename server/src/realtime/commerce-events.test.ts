/**
 * Commerce events on the realtime plane, with the real commerce core emitting them (wired as app.ts wires it): stock
 * coalesced per SKU, flash sales after the stock that preceded them, "just bought" in the show it was bought from, an
 * order's status to its buyer's sockets and to staff only, and a slow socket shed exactly as for chat.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommerceEvent } from '../../../shared/commerce/events';
import { REALTIME_CLOSE } from '../../../shared/protocol/realtime';
import { RtClient, sleep, startRealtimeServer, type TestServer, until } from './testing';

let server: TestServer | null = null;
const clients: RtClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

async function join(s: TestServer, opts: { cookie?: string; token?: string; showId?: string } = {}) {
  const c = await RtClient.connect(s.wsUrl(opts.showId), opts.cookie ? { cookie: opts.cookie } : {});
  clients.push(c);
  await c.hello(opts.token ? { token: opts.token } : {});
  return c;
}

const commerceOf = (c: RtClient): CommerceEvent[] => c.items().flatMap((i) => (i.k === 'commerce' ? [i.event] : []));
const stockOf = (c: RtClient, skuId: string) =>
  commerceOf(c).flatMap((e) => (e.type === 'stock.changed' && e.skuId === skuId ? [e.stock] : []));

async function shop(config: Parameters<typeof startRealtimeServer>[0] = {}) {
  server = await startRealtimeServer({ withCommerce: true, ...config });
  const s = server;
  const product = await s.commerce!.catalog.create({
    title: '羊绒混纺围巾',
    currency: 'CNY',
    attributes: [{ name: '颜色', values: ['驼色', '墨绿'] }],
    defaults: { listPriceMinor: 39900, livePriceMinor: 29900, stock: 40 },
  });
  return { s, product, skus: product.skus.map((k) => k.id) };
}

function buyer(s: TestServer) {
  const id = `b_${randomBytes(12).toString('base64url')}`;
  return { id, cookie: `sc_buyer=${encodeURIComponent(s.buyers.sign(id))}` };
}

describe('commerce events on the realtime socket', () => {
  it('stock is coalesced per SKU (the latest value per batch) and a flash sale never overtakes it', async () => {
    const { s, product, skus } = await shop();
    const [a, b] = skus as [string, string];
    const viewer = await join(s, { cookie: s.guestCookie() });
    const other = await join(s, { cookie: s.guestCookie(), showId: s.shows.create('Another show').id });
    // 200 stock changes of one SKU and one of another within one batch window.
    for (let n = 1; n <= 200; n++) await s.commerce!.catalog.updateSku(a, { stock: n });
    await s.commerce!.catalog.updateSku(b, { stock: 7 });
    await viewer.waitFor(() => stockOf(viewer, a).includes(200) && stockOf(viewer, b).includes(7), 2000, 'stock');
    expect(stockOf(viewer, a).length).toBeLessThanOrEqual(3);
    expect(stockOf(viewer, a).at(-1)).toBe(200);
    // Stock is shop-wide: another show's page hears it too.
    await other.waitFor(() => stockOf(other, a).includes(200), 2000, 'stock in another show');

    // Stock changes then a sale on the same SKU in one window: the page sees the stock first.
    for (let n = 50; n <= 60; n++) await s.commerce!.catalog.updateSku(a, { stock: n });
    const sale = await s.commerce!.sales.start({ skuId: a, durationSec: 60, salePriceMinor: 100, cap: 10 });
    await viewer.waitFor(() => commerceOf(viewer).some((e) => e.type === 'sale.started'), 2000, 'sale started');
    const events = commerceOf(viewer);
    const started = events.findIndex((e) => e.type === 'sale.started');
    const last60 = events.findIndex((e) => e.type === 'stock.changed' && e.skuId === a && e.stock === 60);
    expect(last60).toBeGreaterThanOrEqual(0);
    expect(last60).toBeLessThan(started);
    expect(events[started]).toMatchObject({ type: 'sale.started', sale: { id: sale.id, productId: product.id } });
  });

  it('an order’s status goes to its buyer’s sockets (any show) and to staff, never to other viewers', async () => {
    const { s, skus } = await shop();
    const me = buyer(s);
    const mine = await join(s, { cookie: me.cookie });
    const mineElsewhere = await join(s, { cookie: me.cookie, showId: s.shows.create('Another show').id });
    const stranger = await join(s, { cookie: s.guestCookie() });
    const owner = await join(s, { token: s.studioToken });
    const placed = await s.commerce!.orders.place(me.id, {
      idempotencyKey: 'order-key-0001',
      items: [{ skuId: skus[0]!, qty: 1 }],
      contact: { name: '王小明', phone: '13812345678', address: '上海市徐汇区漕溪北路 100 号' },
      showId: s.showId,
    });
    const orderId = placed.order.id;
    await s.commerce!.orders.cancelByBuyer(me.id, orderId);
    for (const c of [mine, mineElsewhere]) {
      await c.waitFor(() => c.orderUpdates.some((u) => u.status === 'cancelled'), 2000, 'order updates');
      expect(c.orderUpdates.map((u) => [u.orderId, u.status])).toEqual([
        [orderId, 'pending_payment'],
        [orderId, 'cancelled'],
      ]);
    }
    await owner.waitFor(
      () => commerceOf(owner).some((e) => e.type === 'order.status' && e.status === 'cancelled'),
      2000,
      'staff order status',
    );
    await sleep(300);
    expect(stranger.orderUpdates).toEqual([]);
    for (const c of [mine, stranger]) expect(commerceOf(c).filter((e) => e.type === 'order.status')).toEqual([]);
  });

  it('“just bought”: the ticker event and a purchase notice in the show it was bought from; staff elsewhere', async () => {
    const { s, product, skus } = await shop();
    const otherShow = s.shows.create('Another show').id;
    const here = await join(s, { cookie: s.guestCookie() });
    const elsewhere = await join(s, { cookie: s.guestCookie(), showId: otherShow });
    const staffElsewhere = await join(s, { token: s.studioToken, showId: otherShow });
    const paid: CommerceEvent = {
      type: 'order.paid',
      orderId: 'o_abcdefghijkl',
      showId: s.showId,
      buyer: '张*',
      items: [{ skuId: skus[0]!, productId: product.id, title: '羊绒混纺围巾', qty: 2 }],
      totalMinor: 59800,
      currency: 'CNY',
      paidAt: Date.now(),
    };
    s.realtime.publishCommerce(paid);
    await here.waitFor(() => here.items().some((i) => i.k === 'notice' && i.notice.type === 'purchase'), 2000, 'purchase notice');
    expect(commerceOf(here)).toEqual([paid]);
    expect(here.items().find((i) => i.k === 'notice')).toMatchObject({ notice: { type: 'purchase', buyer: '张*', qty: 2 } });
    await staffElsewhere.waitFor(() => commerceOf(staffElsewhere).length > 0, 2000, 'staff elsewhere');
    await sleep(300);
    expect(commerceOf(elsewhere)).toEqual([]);
    expect(elsewhere.items().some((i) => i.k === 'notice')).toBe(false);
  });
});

describe('commerce events and slow clients', () => {
  it('a slow socket gets stock in its sampled batches (coalesced), then is shed as for chat', async () => {
    const { s, skus } = await shop({
      config: {
        batchMs: 50,
        chatPerBatch: 1000,
        softBufferBytes: 64 * 1024,
        hardBufferBytes: 100 * 1024,
        hardBufferMs: 1000,
        lagTimeoutMs: 600_000,
        maxBufferBytes: 256 * 1024 * 1024,
      },
    });
    const sku = skus[0]!;
    const slow = await join(s, { cookie: s.guestCookie() });
    const fast = await join(s, { cookie: s.guestCookie() });
    const sender = await join(s, { token: s.studioToken });
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const text = '测'.repeat(110);
    let stock = 0;
    let updates = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && s.realtime.stats().closedSlow === 0) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => sender.request('chat.send', { text: `${text}${stock}-${i}` })));
      for (let k = 0; k < 20; k++) {
        await s.commerce!.catalog.updateSku(sku, { stock: ++stock });
        updates++;
      }
      await sleep(10);
    }
    expect(s.realtime.stats().closedSlow).toBe(1);
    // The fast socket ends on the latest stock, having received far fewer stock items than changes.
    await fast.waitFor(() => stockOf(fast, sku).at(-1) === stock, 10_000, 'latest stock on the fast client');
    expect(stockOf(fast, sku).length).toBeLessThan(updates / 5);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const code = await slow.waitClosed(15_000);
    expect([REALTIME_CLOSE.TOO_SLOW, 1006]).toContain(code);
    // While it lagged it still got stock (state, not chatter) in sampled batches without chat.
    const sampled = slow.batches.filter((b) => b.batch.sampled);
    expect(sampled.length).toBeGreaterThan(0);
    expect(sampled.every((b) => b.batch.items.every((i) => i.k !== 'chat'))).toBe(true);
    expect(sampled.some((b) => b.batch.items.some((i) => i.k === 'commerce' && i.event.type === 'stock.changed'))).toBe(true);
    await until(() => s.realtime.stats().connections === 2, 5000, 'server dropped the slow socket');
  }, 60_000);
});
