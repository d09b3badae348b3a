/**
 * The replay in cluster mode: a real redis-server and two Storecast servers. The studio publishes to A, which records
 * the show (HLS_RECORD=on, a real H.264 feed) and holds its database row and event log; B has none of it. Every
 * replay and recording request asked of B is answered as A answers it (B forwards to A, found through the registry):
 * the manifest, a clip (whole and by range), the playlist and a segment. Not forwarded: a show no node holds (404),
 * a request another node already forwarded (404, no loop), state.json (its viewer count stays with A's pages).
 * A Redis restarted without persistence forgets where the show is until A next answers its replay. With A gone, B
 * says so (503 + Retry-After) instead of "not found".
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverlayTrigger } from '../../../shared/protocol/overlay';
import { ReplayManifest } from '../../../shared/replay/manifest';
import { startClusterNode, startTestRedis, type TestRedis } from '../cluster/testing';
import { goLiveWithFeed, type H264Feed } from '../testing/h264-feed';
import { connectStudio, sleep, type TestClient, type TestServer, until } from '../testing/harness';
import { FORWARDED_HEADER } from './forward';

const SECRET = 'replay-cluster-secret-0123456789';
const FFMPEG = process.env.FFMPEG_BIN ?? 'ffmpeg';

describe('replay in cluster mode (redis + 2 servers)', () => {
  let redis: TestRedis;
  let a: TestServer;
  let b: TestServer;
  let studio: TestClient;
  let feed: H264Feed;
  let showId: string;

  const startNode = (nodeId: string, record: boolean) => startClusterNode(redis, nodeId, SECRET, { ffmpegBin: FFMPEG, hlsRecord: record });

  beforeAll(async () => {
    redis = await startTestRedis();
    a = await startNode('node-a', true);
    b = await startNode('node-b', false);
    studio = await connectStudio(a);
    ({ showId, feed } = await goLiveWithFeed(a, studio, 'Replay across nodes'));
    await until(async () => (await b.cluster!.registry.home(showId)) === 'node-a', 4000, 'the show’s home recorded');
    await until(() => existsSync(a.hls!.playlistPath(showId)), 20_000, 'recording started');
    await sleep(2500);
    const overlay = (t: object) => a.analytics.showLog.onOverlay(showId, { at: Date.now(), ...t } as OverlayTrigger);
    overlay({ id: 'rc-1', type: 'product.pin', product: { productId: 'prod-a', name: 'Tea set', priceMinor: 12900, currency: 'CNY' } });
    await sleep(3000);
    overlay({ id: 'rc-2', type: 'product.unpin', productId: 'prod-a' });
    await sleep(2000);
    await studio.rpc.request('show.end', { showId });
    await until(async () => (await fetch(`${a.url}/api/replay/${showId}`)).status === 200, 20_000, 'replay ready on A');
  }, 90_000);

  afterAll(async () => {
    feed?.stop();
    await studio?.close().catch(() => undefined);
    try {
      await b?.close();
      await a?.close();
    } finally {
      await redis?.stop();
    }
  }, 60_000);

  const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());

  it('answers the manifest and a clip of a show recorded on another node', async () => {
    expect(b.shows.get(showId)).toBeNull();
    const [ra, rb] = await Promise.all([fetch(`${a.url}/api/replay/${showId}`), fetch(`${b.url}/api/replay/${showId}`)]);
    expect(rb.status).toBe(200);
    expect(rb.headers.get('access-control-allow-origin')).toBe('*');
    const [ma, mb] = [ReplayManifest.parse(await ra.json()), ReplayManifest.parse(await rb.json())];
    expect(mb).toEqual(ma);
    expect(mb.show.status).toBe('ended');
    expect(mb.chapters.map((c) => c.productId)).toEqual(['prod-a']);

    const clipUrl = mb.chapters[0]!.clipUrl!;
    const viaB = await fetch(`${b.url}${clipUrl}`);
    expect([viaB.status, viaB.headers.get('content-type'), viaB.headers.get('accept-ranges')]).toEqual([200, 'video/mp4', 'bytes']);
    const clip = await bytes(viaB);
    expect(clip.length).toBeGreaterThan(1000);
    expect(clip.equals(await bytes(await fetch(`${a.url}${clipUrl}`)))).toBe(true);
    // Seeking: a byte range passes through.
    const part = await fetch(`${b.url}${clipUrl}`, { headers: { range: 'bytes=100-199' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes 100-199/${clip.length}`]);
    expect((await bytes(part)).equals(clip.subarray(100, 200))).toBe(true);
  });

  it('answers the recording’s playlist and segments through another node', async () => {
    const playlist = await fetch(`${b.url}/hls/${showId}/index.m3u8`);
    expect([playlist.status, playlist.headers.get('content-type')]).toEqual([200, 'application/vnd.apple.mpegurl']);
    const text = await playlist.text();
    expect(text).toBe(await (await fetch(`${a.url}/hls/${showId}/index.m3u8`)).text());
    expect(text).toContain('#EXT-X-ENDLIST');
    const seg = /^seg-\d{5}\.ts$/m.exec(text)![0];
    const viaB = await fetch(`${b.url}/hls/${showId}/${seg}`);
    expect([viaB.status, viaB.headers.get('content-type')]).toEqual([200, 'video/mp2t']);
    expect((await bytes(viaB)).equals(await bytes(await fetch(`${a.url}/hls/${showId}/${seg}`)))).toBe(true);
  });

  it('forwards nothing else: unknown shows, already forwarded requests, state.json', async () => {
    const code = async (url: string, init?: RequestInit) => {
      const r = await fetch(url, init);
      return [r.status, ((await r.json()) as { error: { code: string } }).error.code];
    };
    expect(await code(`${b.url}/api/replay/nosuchshow`)).toEqual([404, 'NOT_FOUND']);
    expect(await code(`${b.url}/hls/nosuchshow/index.m3u8`)).toEqual([404, 'NOT_FOUND']);
    expect(await code(`${b.url}/api/replay/${showId}`, { headers: { [FORWARDED_HEADER]: '1' } })).toEqual([404, 'NOT_FOUND']);
    expect(await code(`${b.url}/hls/${showId}/state.json`)).toEqual([404, 'NOT_FOUND']);
    // Bad input is refused where it arrives.
    expect(await code(`${b.url}/api/replay/${showId}/clips/abc.mp4`)).toEqual([400, 'BAD_REQUEST']);
  });

  it('finds the recording again after Redis restarted without persistence', async () => {
    await redis.stop();
    await redis.start();
    await until(
      async () => a.cluster!.ready && b.cluster!.ready && (await b.cluster!.registry.node('node-a')) !== null,
      15_000,
      'both nodes registered again',
    );
    // The home record went with Redis; the next replay request A answers records it again.
    expect((await fetch(`${b.url}/api/replay/${showId}`)).status).toBe(404);
    expect((await fetch(`${a.url}/api/replay/${showId}`)).status).toBe(200);
    await until(async () => (await fetch(`${b.url}/api/replay/${showId}`)).status === 200, 4000, 'B forwards again');
  });

  it('says the recording node is away (503) once it left the cluster', async () => {
    await a.close();
    const res = await fetch(`${b.url}/api/replay/${showId}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
  });
});
