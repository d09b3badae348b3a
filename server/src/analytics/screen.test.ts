/**
 * The studio's big screen read (`GET /api/analytics/shows/:id/screen`): a scripted show — viewer events over HTTP, a
 * pin, a flash sale, a giveaway, real orders paid through the sandbox — gives exactly the expected per-minute trend,
 * markers and per-product rows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SellingScreen } from '../../../shared/analytics/screen';
import type { EngagementEvent } from '../../../shared/protocol/engagement';
import {
  type AnalyticsHarness,
  type Client,
  liveShow,
  MIN,
  payOrder,
  placeOrder,
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

async function buy(c: Client, showId: string, skuId: string, qty: number, key: string, paid = true): Promise<void> {
  const o = await placeOrder(c, showId, skuId, qty, key);
  if (paid) await payOrder(c, o.id);
}

describe('selling big screen', () => {
  it('gives the per-minute trend, the markers and the per-product rows of a scripted show', async () => {
    h = await startAnalyticsHarness({ start: T0 - MIN });
    const a = await product(h, 'A', 10000, 10);
    const b = await product(h, 'B', 5000, 5);
    const showId = await liveShow(h, [a.id, b.id]);
    const at = (t: number) => h.setNow(T0 + t);
    const v1 = new Viewer(h, 'viewer-one');
    const v2 = new Viewer(h, 'viewer-two');

    at(0);
    await v1.send(showId, [[0, 'enter']]);
    at(5 * S);
    h.analytics.showLog.onOverlay(showId, {
      type: 'product.pin',
      id: 'pin-a',
      at: T0 + 5 * S,
      product: { productId: a.id, name: 'A', priceMinor: 10000, currency: 'CNY' },
    });
    at(30 * S);
    await v1.send(showId, [
      [10 * S, 'impression', a.id],
      [20 * S, 'click', a.id],
    ]);
    // Minute 0: 2 × A paid.
    await buy(v1.client, showId, a.skuId, 2, 'order-one');
    at(70 * S);
    await v2.send(showId, [
      [70 * S, 'enter'],
      [72 * S, 'impression', b.id],
      [74 * S, 'click', b.id],
    ]);
    at(75 * S);
    const sale = await h.studio('/api/studio/flash-sales', {
      method: 'POST',
      body: JSON.stringify({ skuId: b.skuId, durationSec: 60, salePriceMinor: 4000, cap: 2 }),
    });
    expect(sale.status).toBe(201);
    // Minute 1: 1 × B at the flash-sale price, paid.
    at(80 * S);
    await buy(v2.client, showId, b.skuId, 1, 'order-two');
    at(130 * S);
    h.analytics.showLog.onEngagement(showId, { type: 'giveaway.started', giveaway: { id: 'giveaway-1' } } as unknown as EngagementEvent);
    at(150 * S);
    await v1.send(showId, [[150 * S, 'leave']]);
    await v2.send(showId, [[150 * S, 'alive']]);
    // Minute 3: an unpaid order counts nowhere.
    at(190 * S);
    await buy(new Viewer(h, 'viewer-three').client, showId, a.skuId, 1, 'order-three', false);

    const res = await h.studio(`/api/analytics/shows/${showId}/screen`);
    expect(res.status).toBe(200);
    const screen = (await res.json()) as SellingScreen;
    expect(screen.now).toBe(T0 + 190 * S);
    expect(screen.currency).toBe('CNY');
    expect(screen.metrics.online).toEqual({ current: 1, peak: 2 });
    expect(screen.metrics.itemsSold).toBe(3);
    expect(screen.metrics.gmv).toEqual([{ currency: 'CNY', grossMinor: 24000, netMinor: 24000, gpmMinor: 12_000_000 }]);
    // Viewer one is in 0–150 s; viewer two from 70 s and still online (heard from 40 s ago), so through minute 3.
    expect(screen.minutes).toEqual([
      { minute: T0, viewers: 1, gmvMinor: 20000, orders: 1 },
      { minute: T0 + MIN, viewers: 2, gmvMinor: 4000, orders: 1 },
      { minute: T0 + 2 * MIN, viewers: 2, gmvMinor: 0, orders: 0 },
      { minute: T0 + 3 * MIN, viewers: 1, gmvMinor: 0, orders: 0 },
    ]);
    expect(screen.markers).toEqual([
      { at: T0 + 5 * S, kind: 'pin', productId: a.id },
      { at: T0 + 75 * S, kind: 'sale', productId: b.id },
      { at: T0 + 130 * S, kind: 'giveaway', productId: null },
    ]);
    expect(screen.products).toEqual([
      { productId: a.id, impressions: 1, clicks: 1, orders: 1, units: 2, gmvMinor: 20000, currency: 'CNY' },
      { productId: b.id, impressions: 1, clicks: 1, orders: 1, units: 1, gmvMinor: 4000, currency: 'CNY' },
    ]);
  });

  it('refuses without a studio token or staff session, and answers 404 for an unknown show', async () => {
    h = await startAnalyticsHarness({ start: T0 });
    const showId = await liveShow(h, []);
    expect((await fetch(`${h.url}/api/analytics/shows/${showId}/screen`)).status).toBe(401);
    expect((await h.studio('/api/analytics/shows/no-such-show/screen')).status).toBe(404);
  });

  it('lets the studio page, served from another origin, read it with its bearer token', async () => {
    h = await startAnalyticsHarness({ start: T0 });
    const showId = await liveShow(h, []);
    const url = `${h.url}/api/analytics/shows/${showId}/screen`;
    const pre = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:1', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization');
    const res = await h.studio(`/api/analytics/shows/${showId}/screen`, { headers: { origin: 'http://127.0.0.1:1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    // The other reads stay same-origin (the moderator pane is served by this server).
    const metrics = await h.studio(`/api/analytics/shows/${showId}/metrics`, { headers: { origin: 'http://127.0.0.1:1' } });
    expect(metrics.headers.get('access-control-allow-origin')).toBeNull();
  });
});
