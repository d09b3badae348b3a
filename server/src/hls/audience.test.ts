/**
 * HLS viewers in the show's audience: the tracker on a fake clock (one count per key, the TTL, the per-address cap,
 * the move to WebRTC), then on a real server: HLS pages polling state.json are counted in the count the studio and
 * the WebRTC viewers are told, and a page that returns to WebRTC with its key is never counted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HlsShowState } from '../../../shared/protocol/hls';
import { connect, publishShow, type TestClient, type TestServer, startTestServer, until } from '../testing/harness';
import { HLS_VIEWER_TTL_MS, HlsAudience } from './audience';

const KEY1 = 'viewer-key-000000000001';
const KEY2 = 'viewer-key-000000000002';
const KEY3 = 'viewer-key-000000000003';

describe('HlsAudience', () => {
  let now = 0;
  const changes: [string, number][] = [];
  const make = (perAddress = 0) =>
    new HlsAudience({ perAddress, onChange: (showId, count) => changes.push([showId, count]), now: () => now });

  it('counts a key once per show and forgets it a TTL after its last poll', () => {
    const a = make();
    a.seen('s1', KEY1, '10.0.0.1');
    now += 2000;
    a.seen('s1', KEY1, '10.0.0.1');
    a.seen('s1', KEY2, '10.0.0.2');
    a.seen('s2', KEY1, '10.0.0.1');
    expect([a.count('s1'), a.count('s2')]).toEqual([2, 1]);
    now += HLS_VIEWER_TTL_MS - 1;
    a.sweep();
    expect(a.count('s1')).toBe(2);
    now += 2001;
    a.sweep();
    expect([a.count('s1'), a.count('s2')]).toEqual([0, 0]);
    expect(changes.at(-1)).toEqual(['s2', 0]);
    a.close();
  });

  it('caps the keys one address has counted per show (IPv6 by /64)', () => {
    const a = make(2);
    a.seen('s1', KEY1, '2001:db8::1');
    a.seen('s1', KEY2, '2001:db8::2');
    a.seen('s1', KEY3, '2001:db8::3');
    expect(a.count('s1')).toBe(2);
    a.seen('s1', KEY3, '2001:db9::3');
    expect(a.count('s1')).toBe(3);
    a.close();
  });

  it('a key that moved to WebRTC stops counting at once, and a late poll does not bring it back', () => {
    const a = make();
    a.seen('s1', KEY1, '10.0.0.1');
    a.movedToWebRtc('s1', KEY1);
    expect(a.count('s1')).toBe(0);
    a.seen('s1', KEY1, '10.0.0.1');
    expect(a.count('s1')).toBe(0);
    // Still polling a TTL later: the WebRTC join did not last (the page is back on HLS), so it counts again.
    now += HLS_VIEWER_TTL_MS;
    a.seen('s1', KEY1, '10.0.0.1');
    expect(a.count('s1')).toBe(1);
    a.close();
  });
});

describe('HLS viewers in a live show’s viewer count', () => {
  let server: TestServer;
  let studio: TestClient;
  let showId: string;
  const clients: TestClient[] = [];
  const poll = async (key?: string) => {
    const res = await fetch(`${server.url}/hls/${showId}/state.json${key ? `?viewer=${key}` : ''}`);
    expect(res.status).toBe(200);
    return HlsShowState.parse(await res.json());
  };
  const lastCount = (c: TestClient) =>
    (c.received.filter((r) => r.method === 'viewers.count').at(-1)?.data as { count: number } | undefined)?.count;

  beforeAll(async () => {
    server = await startTestServer();
    ({ studio, showId } = await publishShow(server, { title: 'HLS audience' }));
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) await c.close();
    await studio?.close();
    await server?.close();
  });

  it('counts HLS pages with the WebRTC viewers, once each, and drops a page that stopped polling', async () => {
    const webrtc = await connect(server);
    clients.push(webrtc);
    const joined = await webrtc.rpc.request('viewer.join', { showId });
    expect(joined.viewerCount).toBe(1);
    await poll(KEY1);
    await poll(KEY1);
    const state = await poll(KEY2);
    expect(state.viewerCount).toBe(3);
    // A poll without a key (an old page) is not counted; a malformed key is refused.
    expect((await poll()).viewerCount).toBe(3);
    expect((await fetch(`${server.url}/hls/${showId}/state.json?viewer=short`)).status).toBe(400);
    await until(() => lastCount(studio) === 3 && lastCount(webrtc) === 3, 3000, 'the studio and the WebRTC viewer see 3');

    // KEY1's page returns to WebRTC: one seat more, one HLS viewer less, at once; its next poll changes nothing.
    const back = await connect(server);
    clients.push(back);
    const rejoined = await back.rpc.request('viewer.join', { showId, hlsViewer: KEY1 });
    expect(rejoined.viewerCount).toBe(3);
    expect((await poll(KEY1)).viewerCount).toBe(3);
    expect(server.rooms.get(showId)!.audience).toBe(3);

    // KEY2 stops polling: gone within the TTL (plus the sweep).
    const t0 = Date.now();
    await until(() => lastCount(studio) === 2, HLS_VIEWER_TTL_MS + 3000, 'the silent HLS page dropped');
    expect(Date.now() - t0).toBeGreaterThan(HLS_VIEWER_TTL_MS - 2500);
  }, 30_000);
});
