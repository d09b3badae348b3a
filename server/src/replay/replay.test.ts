/**
 * The replay on the server, end to end: a show recorded (HLS_RECORD=on) from a real H.264 + Opus feed, two
 * explanations pinned at known times, the show ended. The manifest's chapters last as long as the explanations did
 * and fall inside the recording; a chapter's clip is an MP4 (stream copy) whose length ffprobe reads as its
 * explanation's ± one GOP (1 s), made once; bad requests get clear 4xx answers.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverlayTrigger } from '../../../shared/protocol/overlay';
import { ReplayManifest } from '../../../shared/replay/manifest';
import { goLiveWithFeed, type H264Feed } from '../testing/h264-feed';
import { connectStudio, sleep, type TestClient, type TestServer, startTestServer, until } from '../testing/harness';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_BIN ?? 'ffmpeg';
const FFPROBE = process.env.FFPROBE_BIN ?? join(FFMPEG.includes('/') ? FFMPEG.replace(/ffmpeg$/, '') : '', 'ffprobe');
/** The feed's key-frame interval (h264-feed.ts: -g 30 at 30 fps). */
const GOP_S = 1;

describe('replay of a recorded show', () => {
  let server: TestServer;
  let studio: TestClient;
  let feed: H264Feed;
  let showId: string;
  const pins: { productId: string; from: number; to: number }[] = [];
  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

  beforeAll(async () => {
    server = await startTestServer({ ffmpegBin: FFMPEG, hlsRecord: true });
    studio = await connectStudio(server);
    ({ showId, feed } = await goLiveWithFeed(server, studio, 'Replay show'));
    await until(() => existsSync(server.hls!.playlistPath(showId)), 20_000, 'recording started');
    await sleep(2500);
    let n = 0;
    const overlay = (t: object) =>
      server.analytics.showLog.onOverlay(showId, { id: `replay-t${++n}`, at: Date.now(), ...t } as OverlayTrigger);
    for (const [productId, ms] of [
      ['prod-a', 4000],
      ['prod-b', 3000],
    ] as const) {
      const from = Date.now();
      overlay({ type: 'product.pin', product: { productId, name: `Name ${productId}`, priceMinor: 1999, currency: 'CNY' } });
      await sleep(ms);
      overlay({ type: 'product.unpin', productId });
      pins.push({ productId, from, to: Date.now() });
      await sleep(500);
    }
    await sleep(2000);
    await studio.rpc.request('show.end', { showId });
    await until(async () => (await get(`/api/replay/${showId}`)).status === 200, 20_000, 'replay ready');
  }, 90_000);

  afterAll(async () => {
    feed?.stop();
    await studio?.close();
    await server?.close();
  }, 60_000);

  it('lists one chapter per explanation, as long as the explanation, inside the recording', async () => {
    const res = await get(`/api/replay/${showId}`);
    expect(res.status).toBe(200);
    const m = ReplayManifest.parse(await res.json());
    expect(m.show.status).toBe('ended');
    expect(m.playlistUrl).toBe(`/hls/${showId}/index.m3u8`);
    expect(m.chapters.map((c) => c.productId)).toEqual(['prod-a', 'prod-b']);
    for (const [i, c] of m.chapters.entries()) {
      const pin = pins[i]!;
      expect(c.name).toBe(`Name ${pin.productId}`);
      expect(c.open).toBe(false);
      expect(Math.abs(c.end - c.start - (pin.to - pin.from) / 1000)).toBeLessThan(0.5);
      expect(c.start).toBeGreaterThan(0);
      expect(c.end).toBeLessThanOrEqual(m.duration);
      expect(c.clipUrl).toBe(`/api/replay/${showId}/clips/${c.clipId}.mp4`);
    }
    // The gap between the explanations is kept on the recording's clock.
    const gap = (pins[1]!.from - pins[0]!.from) / 1000;
    expect(Math.abs(m.chapters[1]!.start - m.chapters[0]!.start - gap)).toBeLessThan(0.5);
    // The timeline was saved beside the recording once the show had ended.
    expect(existsSync(join(server.hls!.dir(showId), 'replay.json'))).toBe(true);
  });

  it('makes a clip per explanation by stream copy, as long as it ± one GOP, once', async () => {
    const m = ReplayManifest.parse(await (await get(`/api/replay/${showId}`)).json());
    for (const c of m.chapters) {
      const [a, b] = await Promise.all([get(c.clipUrl!), get(c.clipUrl!)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.headers.get('content-type')).toBe('video/mp4');
      const bytes = Buffer.from(await a.arrayBuffer());
      expect(Buffer.from(await b.arrayBuffer()).equals(bytes)).toBe(true);
      const file = join(server.hls!.dir(showId), 'clips', `${c.clipId}.mp4`);
      const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file]);
      const probe = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_name: string }[] };
      expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      const duration = Number(probe.format.duration);
      expect(Math.abs(duration - (c.end - c.start))).toBeLessThanOrEqual(GOP_S + 0.1);
      // Ranges for seeking.
      const part = await get(c.clipUrl!, { headers: { range: 'bytes=0-99' } });
      expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes 0-99/${bytes.length}`]);
      expect((await part.arrayBuffer()).byteLength).toBe(100);
    }
    // Jobs are gone once their clips are in place.
    expect(readdirSync(join(server.hls!.dir(showId), 'clips')).sort()).toEqual(m.chapters.map((c) => `${c.clipId}.mp4`).sort());
  });

  it('answers bad requests with clear 4xx errors', async () => {
    const code = async (path: string) => {
      const r = await get(path);
      const body = (await r.json()) as { error: { code: string } };
      return [r.status, body.error.code];
    };
    expect(await code('/api/replay/nosuchshow')).toEqual([404, 'NOT_FOUND']);
    expect(await code('/api/replay/bad!id')).toEqual([400, 'BAD_REQUEST']);
    // A show that was never recorded.
    const other = server.shows.create('not recorded', Date.now());
    expect(await code(`/api/replay/${other.id}`)).toEqual([404, 'NOT_FOUND']);
    expect(await code(`/api/replay/${other.id}/clips/1.mp4`)).toEqual([404, 'NOT_FOUND']);
    // No such explanation in this show (another show's, or none at all), and malformed clip names.
    expect(await code(`/api/replay/${showId}/clips/999.mp4`)).toEqual([404, 'NOT_FOUND']);
    expect(await code(`/api/replay/${showId}/clips/abc.mp4`)).toEqual([400, 'BAD_REQUEST']);
    expect(await code(`/api/replay/${showId}/clips/..%2Findex.m3u8`)).toEqual([400, 'BAD_REQUEST']);
  });
});
