/**
 * Bad viewer-event input: forged viewer ids, replayed batches, unknown / ended shows, products outside the show,
 * skewed clocks, oversized and too frequent batches — each refused or clamped with a clear error and never counted
 * twice; and nothing of it is written on the request path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ANALYTICS_LIMITS } from '../../../shared/analytics/events';
import { type AnalyticsHarness, liveShow, MIN, product, S, startAnalyticsHarness, T0, Viewer } from './testing';

let h: AnalyticsHarness;
afterEach(async () => {
  await h?.close();
});

async function setup(opts: { batchesPerIpPerMinute?: number } = {}) {
  h = await startAnalyticsHarness({ start: T0, ...opts });
  const a = await product(h, 'A', 10000, 10);
  const other = await product(h, 'Not in the show', 100, 1);
  const showId = await liveShow(h, [a.id]);
  return { a, other, showId };
}

const rows = (table: string) => (h.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number) ?? 0;
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

describe('viewer events: bad input', () => {
  it('refuses events for another viewer id (forged), whether the sender has a viewer cookie or not', async () => {
    const { showId } = await setup();
    const owner = new Viewer(h, 'viewer-owner');
    expect((await owner.send(showId, [[0, 'enter']])).status).toBe(200);
    // Another device, without a cookie, claims the owner's id.
    const thief = new Viewer(h, 'viewer-owner');
    const stolen = await thief.send(showId, [[0, 'enter']]);
    expect(stolen.status).toBe(403);
    expect(errorOf(stolen.body).code).toBe('FORBIDDEN');
    // A device with its own cookie sends under the owner's id.
    const other = new Viewer(h, 'viewer-other');
    expect((await other.send(showId, [[0, 'enter']])).status).toBe(200);
    const forged = await other.post({
      showId,
      viewerId: 'viewer-owner',
      batchId: 'forged-batch',
      mode: 'live',
      sentAt: T0,
      events: [{ seq: 0, kind: 'enter', at: T0 }],
    });
    expect(forged.status).toBe(403);
    expect(errorOf(forged.body).message).toMatch(/another viewer/);
    const m = (await h.analytics.metrics(showId))!;
    expect(m.live).toMatchObject({ views: 2, uniqueViewers: 2 });
  });

  it('counts a replayed or duplicated batch once (waiting in the buffer or already stored)', async () => {
    const { showId, a } = await setup();
    const v = new Viewer(h, 'viewer-dup');
    const batch = {
      showId,
      viewerId: 'viewer-dup',
      batchId: 'batch-0001',
      mode: 'live',
      sentAt: T0,
      events: [
        { seq: 0, kind: 'enter', at: T0 },
        { seq: 1, kind: 'impression', at: T0, productId: a.id },
      ],
    };
    expect((await v.post(batch)).body).toEqual({ accepted: 2, duplicate: false, clamped: 0 });
    expect((await v.post(batch)).body).toEqual({ accepted: 0, duplicate: true, clamped: 0 });
    await h.analytics.buffer.flush();
    expect((await v.post(batch)).body).toEqual({ accepted: 0, duplicate: true, clamped: 0 });
    // The same seq twice inside one batch is a client bug, refused as a whole.
    const twice = await v.post({ ...batch, batchId: 'batch-0002', events: [batch.events[0], batch.events[0]] });
    expect(twice.status).toBe(400);
    await h.analytics.buffer.flush();
    expect(rows('viewer_events')).toBe(2);
    const m = (await h.analytics.metrics(showId))!;
    expect(m.live.views).toBe(1);
    expect(m.funnel.impressionUv).toBe(1);
    expect((await h.analytics.store.minutes(showId)).map((r) => [r.kind, r.count])).toEqual([
      ['enter', 1],
      ['impression', 1],
    ]);
  });

  it('refuses events for unknown shows, live events for ended shows and replay events for unfinished ones', async () => {
    const { showId } = await setup();
    const v = new Viewer(h, 'viewer-shows');
    const unknown = await v.send('no-such-show', [[0, 'enter']]);
    expect([unknown.status, errorOf(unknown.body).code]).toEqual([404, 'NOT_FOUND']);
    const replay = await new Viewer(h, 'viewer-replay', 'replay').send(showId, [[0, 'enter']]);
    expect([replay.status, errorOf(replay.body).code]).toEqual([409, 'BAD_STATE']);
    h.shows.markEnded(showId, T0 + MIN);
    const late = await v.send(showId, [[0, 'enter']]);
    expect([late.status, errorOf(late.body).code]).toEqual([409, 'BAD_STATE']);
    expect(errorOf(late.body).message).toMatch(/ended/);
    await h.analytics.buffer.flush();
    expect(rows('viewer_events')).toBe(0);
  });

  it('refuses products neither in the lineup nor pinned, and product events without a product', async () => {
    const { showId, other, a } = await setup();
    const v = new Viewer(h, 'viewer-products');
    const outside = await v.send(showId, [
      [0, 'enter'],
      [S, 'click', other.id],
    ]);
    expect([outside.status, errorOf(outside.body).code]).toEqual([400, 'BAD_REQUEST']);
    expect(errorOf(outside.body).message).toContain(other.id);
    const none = await v.send(showId, [[0, 'impression']]);
    expect(none.status).toBe(400);
    await h.analytics.buffer.flush();
    expect(rows('viewer_events')).toBe(0);
    // Added to the lineup a moment ago: accepted although the lineup was read (and cached) before.
    const added = await product(h, 'Added', 100, 1);
    h.setNow(T0 + 2 * S);
    const put = await h.studio(`/api/studio/shows/${showId}/lineup`, {
      method: 'PUT',
      body: JSON.stringify({ productIds: [a.id, added.id] }),
    });
    expect(put.status).toBe(200);
    expect((await v.send(showId, [[0, 'impression', added.id]])).status).toBe(200);
    // Once the studio pins it (a show may pin catalog products outside its lineup), it is the show's product.
    h.analytics.showLog.onOverlay(showId, {
      type: 'product.pin',
      id: 'pin-other-1',
      at: T0,
      product: { productId: other.id, name: 'Other', priceMinor: 100, currency: 'CNY' },
    });
    expect((await v.send(showId, [[S, 'click', other.id]])).status).toBe(200);
  });

  it('puts skewed client clocks on the server clock and clamps times it cannot place', async () => {
    const { showId } = await setup();
    h.setNow(T0 + 10 * MIN);
    // A device whose clock is an hour ahead: its times are shifted by its own skew, nothing is clamped.
    const ahead = new Viewer(h, 'viewer-ahead');
    expect((await ahead.send(showId, [[9 * MIN, 'enter']], 60 * MIN)).body).toEqual({ accepted: 1, duplicate: false, clamped: 0 });
    // Times far from the batch's own clock (the epoch; the future) are clamped into [now − 5 min, now].
    const wild = new Viewer(h, 'viewer-wild');
    const r = await wild.post({
      showId,
      viewerId: 'viewer-wild',
      batchId: 'wild-0001',
      mode: 'live',
      sentAt: T0 + 10 * MIN,
      events: [
        { seq: 0, kind: 'enter', at: 0 },
        { seq: 1, kind: 'leave', at: T0 + 99 * MIN },
      ],
    });
    expect(r.body).toEqual({ accepted: 2, duplicate: false, clamped: 2 });
    await h.analytics.buffer.flush();
    const stored = h.db.prepare(`SELECT viewer_id AS v, kind, at FROM viewer_events ORDER BY viewer_id, seq`).all();
    expect(stored).toEqual([
      { v: 'viewer-ahead', kind: 'enter', at: T0 + 9 * MIN },
      { v: 'viewer-wild', kind: 'enter', at: T0 + 10 * MIN - ANALYTICS_LIMITS.maxClockSkewMs },
      { v: 'viewer-wild', kind: 'leave', at: T0 + 10 * MIN },
    ]);
  });

  it('refuses oversized batches: too many events, too many bytes', async () => {
    const { showId } = await setup();
    const v = new Viewer(h, 'viewer-big');
    const many = Array.from({ length: ANALYTICS_LIMITS.maxEventsPerBatch + 1 }, () => [0, 'alive'] as [number, 'alive']);
    const tooMany = await v.send(showId, many);
    expect([tooMany.status, errorOf(tooMany.body).code]).toEqual([413, 'TOO_LARGE']);
    const res = await v.client.request('POST', '/api/events', JSON.stringify({ showId, pad: 'x'.repeat(ANALYTICS_LIMITS.maxBodyBytes) }));
    expect(res.status).toBe(413);
    await h.analytics.buffer.flush();
    expect(rows('viewer_events')).toBe(0);
  });

  it('rate-limits batches per client address with Retry-After', async () => {
    const { showId } = await setup({ batchesPerIpPerMinute: 3 });
    const v = new Viewer(h, 'viewer-fast');
    for (let i = 0; i < 3; i++) expect((await v.send(showId, [[0, 'alive']])).status).toBe(200);
    const res = await v.client.request('POST', '/api/events', {
      showId,
      viewerId: 'viewer-fast',
      batchId: 'fast-9999',
      mode: 'live',
      sentAt: T0,
      events: [{ seq: 0, kind: 'alive', at: T0 }],
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });

  it('accepts sendBeacon text/plain bodies and refuses malformed ones', async () => {
    const { showId } = await setup();
    const v = new Viewer(h, 'viewer-beacon');
    const body = JSON.stringify({
      showId,
      viewerId: 'viewer-beacon',
      batchId: 'beacon-001',
      mode: 'live',
      sentAt: T0,
      events: [{ seq: 0, kind: 'leave', at: T0 }],
    });
    const ok = await v.client.request('POST', '/api/events', body, { 'content-type': 'text/plain;charset=UTF-8' });
    expect(ok.status).toBe(200);
    const bad = await v.client.request('POST', '/api/events', '{not json', { 'content-type': 'text/plain;charset=UTF-8' });
    expect(bad.status).toBe(400);
  });

  it('writes nothing on the request paths: viewer batches and checkout events wait for the flush', async () => {
    const { showId, a } = await setup();
    h.analytics.showLog.onOverlay(showId, { type: 'product.unpin', id: 'unpin-0001', at: T0, productId: a.id });
    const v = new Viewer(h, 'viewer-hot');
    await v.send(showId, [[0, 'enter']]);
    // A stock change that sells out (the checkout path) is logged, but only at the flush.
    expect((await h.studio(`/api/studio/skus/${a.skuId}`, { method: 'PATCH', body: JSON.stringify({ stock: 0 }) })).status).toBe(200);
    expect([rows('viewer_events'), rows('show_event_log'), rows('show_minutes')]).toEqual([0, 0, 0]);
    await h.analytics.buffer.flush();
    expect([rows('viewer_events'), rows('show_event_log'), rows('show_minutes')]).toEqual([1, 1, 1]);
  });

  it('serves metrics and the log only to staff and the studio', async () => {
    const { showId } = await setup();
    expect((await fetch(`${h.url}/api/analytics/shows/${showId}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/analytics/shows/${showId}/log`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await h.studio(`/api/analytics/shows/${showId}/metrics`)).status).toBe(200);
    expect((await h.studio('/api/analytics/shows/unknown-show/metrics')).status).toBe(404);
  });
});
