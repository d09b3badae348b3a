/**
 * The selling data on the real server: pins sent by a real WebRTC studio peer (werift) over the overlay DataChannel
 * reach the show event log through the room's hook; viewer batches to POST /api/events and the metrics read with
 * the studio token go through the server's own wiring.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShowLogEntry } from '../../../shared/analytics/events';
import type { ShowMetrics } from '../../../shared/analytics/metrics';
import { realtimeUrl } from '../../../shared/protocol/realtime';
import { SCTP_CAPS } from '../testing/fixtures';
import { RtClient } from '../realtime/testing';
import { connectStudio, type TestServer, startTestServer, until } from '../testing/harness';
import { openOverlayChannel } from '../testing/overlay-peer';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const auth = () => ({ authorization: `Bearer ${server.studioToken}` });

async function log(showId: string): Promise<ShowLogEntry[]> {
  const res = await fetch(`${server.url}/api/analytics/shows/${showId}/log`, { headers: auth() });
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: ShowLogEntry[] }).entries;
}

describe('selling data on the real server', () => {
  it('logs the studio pins from the overlay channel and counts viewer batches', async () => {
    const studio = await connectStudio(server);
    const { show } = await studio.rpc.request('show.open', { title: 'Analytics show' });
    await studio.rpc.request('show.goLive', { showId: show.id });
    const send = await studio.rpc.request('transport.create', { direction: 'send', sctpCapabilities: SCTP_CAPS });
    const { pc, dc } = await openOverlayChannel(studio, send);
    try {
      const at = Date.now();
      const product = { productId: 'p-scarf', name: 'Silk scarf', priceMinor: 12900, currency: 'CNY' };
      dc.send(JSON.stringify({ type: 'product.pin', id: 'trig-0001', at, mediaTime: at - 30, product }));
      dc.send(JSON.stringify({ type: 'product.unpin', id: 'trig-0002', at: at + 1, productId: 'p-scarf' }));
      const room = server.rooms.get(show.id)!;
      await until(() => room.overlays.length === 0, 5000, 'unpinned');
      await until(() => server.db.prepare('SELECT count(*) FROM show_event_log').pluck().get() === 3, 5000, 'log flushed');
      expect((await log(show.id)).map((e) => [e.kind, e.productId, e.mediaTime - at, e.mediaClock])).toEqual([
        ['explain.start', 'p-scarf', 0, 'studio'],
        ['card.shown', 'p-scarf', -30, 'frame'],
        ['explain.end', 'p-scarf', 1, 'studio'],
      ]);
    } finally {
      pc.close();
    }

    const batch = {
      showId: show.id,
      viewerId: 'wired-viewer',
      batchId: 'wired-0001',
      mode: 'live',
      sentAt: Date.now(),
      events: [{ seq: 0, kind: 'enter', at: Date.now() }],
    };
    const posted = await fetch(`${server.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(batch),
    });
    expect(posted.status).toBe(200);
    expect(posted.headers.get('set-cookie')).toMatch(/^sc_viewer=/);
    const res = await fetch(`${server.url}/api/analytics/shows/${show.id}/metrics`, { headers: auth() });
    const m = (await res.json()) as ShowMetrics;
    expect(m.live).toMatchObject({ views: 1, uniqueViewers: 1 });
    expect(m.online.current).toBe(1);

    // Chat and likes in the show's realtime room are counted per minute through the hub's observer.
    const rt = await RtClient.connect(realtimeUrl(server.url, show.id));
    try {
      await rt.hello({ token: server.studioToken });
      expect((await rt.request('chat.send', { text: 'welcome everyone' })).accepted).toBe(true);
      await rt.request('like', { count: 3 });
      const after = (await (
        await fetch(`${server.url}/api/analytics/shows/${show.id}/metrics`, { headers: auth() })
      ).json()) as ShowMetrics;
      expect([after.chats, after.likes]).toEqual([1, 3]);
      expect(after.perMinute.reduce((n, p) => n + p.likes, 0)).toBe(3);
    } finally {
      rt.close();
    }
  });
});
