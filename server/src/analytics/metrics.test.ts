/**
 * A scripted show — known viewer events over HTTP, pins from the studio's overlay channel, real orders paid through
 * the sandbox — gives exactly the expected number for every metric, the expected show event log and the expected
 * per-explanation rows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ShowLogEntry } from '../../../shared/analytics/events';
import type { ShowMetrics } from '../../../shared/analytics/metrics';
import type { SegmentRow } from '../../../shared/analytics/segments';
import {
  type AnalyticsHarness,
  Client,
  liveShow,
  MIN,
  payOrder as pay,
  placeOrder as order,
  product,
  S,
  startAnalyticsHarness,
  T0,
  Viewer,
} from './testing';

let h: AnalyticsHarness;
afterEach(async () => {
  await h?.close();
});

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function pin(id: string, productId: string, studioAt: number, mediaTime?: number) {
  return {
    type: 'product.pin' as const,
    id,
    at: studioAt,
    ...(mediaTime !== undefined ? { mediaTime } : {}),
    product: { productId, name: productId, priceMinor: 100, currency: 'CNY' },
  };
}

describe('selling metrics of a scripted show', () => {
  it('gives exactly the expected number for every metric, event log entry and explanation row', async () => {
    h = await startAnalyticsHarness({ start: T0 - MIN });
    const a = await product(h, 'A', 10000, 10);
    const b = await product(h, 'B', 5000, 5);
    const showId = await liveShow(h, [a.id, b.id]);
    const at = (t: number) => h.setNow(T0 + t);
    // The studio's clock runs 2 s ahead of the server's.
    const studio = (t: number) => T0 + t + 2 * S;
    const v1 = new Viewer(h, 'viewer-one');
    const v2 = new Viewer(h, 'viewer-two');
    const v3 = new Viewer(h, 'viewer-three');

    at(0);
    expect((await v1.send(showId, [[0, 'enter']])).body).toEqual({ accepted: 1, duplicate: false, clamped: 0 });
    at(5 * S);
    h.analytics.showLog.onOverlay(showId, pin('pin-a-1', a.id, studio(5 * S), studio(5 * S) - 40));
    at(30 * S);
    await v1.send(showId, [
      [10 * S, 'impression', a.id],
      [20 * S, 'click', a.id],
      [25 * S, 'cart.add', a.id],
      [30 * S, 'checkout.start', a.id],
    ]);
    // Viewer one buys 2 × A (paid) and later 1 × A (left unpaid).
    const o1 = await order(v1.client, showId, a.skuId, 2, 'order-one');
    await pay(v1.client, o1.id);
    at(60 * S);
    await v2.send(showId, [[60 * S, 'enter']]);
    at(75 * S);
    h.analytics.showLog.onOverlay(showId, pin('pin-b-1', b.id, studio(75 * S)));
    // The same trigger again (a studio that resent it after a reconnect) is logged once.
    h.analytics.showLog.onOverlay(showId, pin('pin-b-1', b.id, studio(75 * S)));
    at(90 * S);
    await v2.send(showId, [
      [70 * S, 'impression', a.id],
      [80 * S, 'impression', b.id],
      [90 * S, 'click', b.id],
    ]);
    // Viewer two buys 1 × B, pays, and gets it refunded later.
    const o2 = await order(v2.client, showId, b.skuId, 1, 'order-two');
    await pay(v2.client, o2.id);
    at(180 * S);
    await v3.send(showId, [
      [120 * S, 'enter'],
      [130 * S, 'impression', a.id],
      [180 * S, 'leave'],
    ]);
    h.analytics.countEngagement(showId, 'like', 5);
    h.analytics.countEngagement(showId, 'chat', 2);
    h.analytics.countEngagement(showId, 'follow', 1);
    // The periodic flush (every second in the server) runs; the next price comparison is timed from here on.
    await h.analytics.buffer.flush();
    at(200 * S);
    // A price change of A (the studio edits its live price) lands in the log.
    const patched = await h.studio(`/api/studio/skus/${a.skuId}`, { method: 'PATCH', body: JSON.stringify({ livePriceMinor: 9000 }) });
    expect(patched.status).toBe(200);
    at(240 * S);
    await v3.send(showId, [[240 * S, 'enter']]);
    at(300 * S);
    await v2.send(showId, [[300 * S, 'alive']]);
    at(320 * S);
    const mid = (await h.analytics.metrics(showId))!;
    // Viewer two (alive 20 s ago) and viewer three (entered 80 s ago) are online; viewer one, last heard of at 30 s,
    // counts as gone until its `leave` at 600 s arrives (then its visit spans 0–600 s and the peak becomes 3).
    expect(mid.online).toEqual({ current: 2, peak: 2 });
    at(360 * S);
    await v3.send(showId, [[360 * S, 'leave']]);
    h.analytics.countEngagement(showId, 'chat', 1);
    at(400 * S);
    h.analytics.showLog.onOverlay(showId, { type: 'product.unpin', id: 'unpin-a-1', at: studio(400 * S), productId: a.id });
    at(500 * S);
    await order(v1.client, showId, a.skuId, 1, 'order-three');
    // B sells out: the studio sets its stock to 0.
    expect((await h.studio(`/api/studio/skus/${b.skuId}`, { method: 'PATCH', body: JSON.stringify({ stock: 0 }) })).status).toBe(200);
    at(600 * S);
    await v1.send(showId, [[600 * S, 'leave']]);
    at(700 * S);
    expect(
      (await h.studio(`/api/studio/orders/${o2.id}/refund`, { method: 'POST', body: JSON.stringify({ reason: 'changed mind' }) })).status,
    ).toBe(200);
    await until(async () => (await h.core.store.orders.getOrder(o2.id))?.refundedAt != null);
    // Someone who never watched orders 1 × A (unpaid): an order of the show, but no clicking viewer's.
    at(1100 * S);
    await order(new Client(h.url), showId, a.skuId, 1, 'order-four');
    at(1200 * S);
    h.shows.markEnded(showId, T0 + 1200 * S);
    // A replay viewer watches 25 minutes of a 20-minute show: its watch time is capped at the show's length.
    const r1 = new Viewer(h, 'replay-viewer', 'replay');
    at(2000 * S);
    await r1.send(showId, [[2000 * S, 'enter']]);
    at(3500 * S);
    await r1.send(showId, [
      [2100 * S, 'impression', a.id],
      [3500 * S, 'leave'],
    ]);

    const res = await h.studio(`/api/analytics/shows/${showId}/metrics`);
    expect(res.status).toBe(200);
    const m = (await res.json()) as ShowMetrics;
    expect(m).toEqual({
      showLengthMs: 1200 * S,
      online: { current: 0, peak: 3 },
      // Visits: one, two, three (twice); watch 600 s + 240 s + (60 s + 120 s) over 3 viewers.
      live: { views: 4, uniqueViewers: 3, avgWatchMs: 340 * S },
      replay: { views: 1, uniqueViewers: 1, avgWatchMs: 1200 * S },
      funnel: { enteredUv: 4, impressionUv: 4, clickUv: 2, cartUv: 1, checkoutUv: 1, ordersCreated: 4, ordersPaid: 2 },
      ctr: 0.5,
      // Both clicking viewers ordered (joined through their buyer cookies); the fourth order's buyer never clicked.
      clickToOrder: 1,
      // 2 × 100.00 + 1 × 50.00 paid; the refunded 50.00 is out of the net. GPM = 25000 × 1000 ÷ 5 views.
      gmv: [{ currency: 'CNY', grossMinor: 25000, netMinor: 20000, gpmMinor: 5_000_000 }],
      itemsSold: 3,
      payingBuyers: 2,
      newFollowers: 1,
      likes: 5,
      chats: 3,
      perMinute: [
        { minute: T0 + 3 * MIN, likes: 5, chats: 2 },
        { minute: T0 + 6 * MIN, likes: 0, chats: 1 },
      ],
    } satisfies ShowMetrics);

    const logRes = await h.studio(`/api/analytics/shows/${showId}/log`);
    const { entries } = (await logRes.json()) as { entries: ShowLogEntry[] };
    expect(entries.map((e) => [e.seq, e.kind, e.productId, e.at - T0, e.mediaTime - T0, e.mediaClock])).toEqual([
      [1, 'explain.start', a.id, 5 * S, 7 * S, 'studio'],
      [2, 'card.shown', a.id, 5 * S, 7 * S - 40, 'frame'],
      [3, 'explain.start', b.id, 75 * S, 77 * S, 'studio'],
      // Server-side events are put on the studio's clock (+2 s).
      [4, 'price.changed', a.id, 200 * S, 202 * S, 'server'],
      [5, 'explain.end', a.id, 400 * S, 402 * S, 'studio'],
      [6, 'sold.out', b.id, 500 * S, 502 * S, 'server'],
    ]);
    expect(entries[3]!.data).toMatchObject({ priceMinor: [9000], before: [10000] });
    expect(entries[4]!.data).toMatchObject({ reason: 'unpin' });

    // Questions asked during the show (the realtime room's table): at 100 s (answered), 350 s, 450 s (answered).
    const ask = h.db.prepare(
      `INSERT INTO realtime_questions (id, show_id, asker_key, asker_public, asker_name, text, status, answer, created_at, answered_at)
       VALUES (?, ?, 'k', 'p', 'n', 'q?', ?, ?, ?, ?)`,
    );
    ask.run('q1', showId, 'answered', 'yes', T0 + 100 * S, T0 + 150 * S);
    ask.run('q2', showId, 'unanswered', null, T0 + 350 * S, null);
    ask.run('q3', showId, 'answered', 'no', T0 + 450 * S, T0 + 460 * S);
    const segRes = await h.studio(`/api/analytics/shows/${showId}/segments`);
    expect(segRes.status).toBe(200);
    const { segments } = (await segRes.json()) as { segments: SegmentRow[] };
    expect(segments).toEqual([
      {
        productId: a.id,
        start: T0 + 5 * S,
        end: T0 + 400 * S,
        mediaStart: T0 + 7 * S,
        mediaEnd: T0 + 402 * S,
        open: false,
        // Viewers one, two and three were all in during 5–400 s; all saw A, viewer one clicked and bought 2.
        viewers: 3,
        impressions: 3,
        impressionUv: 3,
        clicks: 1,
        clickUv: 1,
        ctr: 1 / 3,
        orders: 1,
        paid: 1,
        units: 2,
        gmv: [{ currency: 'CNY', minor: 20000, gpmMinor: 6_666_666 }],
        questionsAsked: 2,
        questionsAnswered: 1,
        // The unpaid order of A at 500 s came within 5 minutes of the end.
        ordersAfter: 1,
      },
      {
        productId: b.id,
        start: T0 + 75 * S,
        end: T0 + 1200 * S,
        mediaStart: T0 + 77 * S,
        mediaEnd: null,
        open: true,
        viewers: 3,
        impressions: 1,
        impressionUv: 1,
        clicks: 1,
        clickUv: 1,
        ctr: 1,
        orders: 1,
        paid: 1,
        units: 1,
        gmv: [{ currency: 'CNY', minor: 5000, gpmMinor: 1_666_666 }],
        questionsAsked: 3,
        questionsAnswered: 2,
        ordersAfter: 0,
      },
    ] satisfies SegmentRow[]);
  });
});
