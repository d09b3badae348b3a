/**
 * A full disk under the HLS recording: the show's HLS folder is a 256 KB tmpfs (mounted by the test, root needed;
 * unmounted afterwards, also on failure). The recorder reports the full disk as an error and keeps checking, the live
 * show is untouched (room open, show live, studio session answering), and with room again the recording resumes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../log';
import { goLiveWithFeed, type H264Feed } from '../testing/h264-feed';
import { connectStudio, type TestClient, type TestServer, startTestServer, until } from '../testing/harness';

describe('HLS recording on a full disk', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'storecast-hls-disk-'));
  const hlsDir = join(dataDir, 'hls');
  let mounted = false;
  let server: TestServer;
  let studio: TestClient;
  let feed: H264Feed;
  let showId: string;
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
        done();
      },
    }),
  ) as unknown as Logger;

  beforeAll(async () => {
    mkdirSync(hlsDir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', hlsDir], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`this test mounts a 256 KB tmpfs as the HLS folder and needs root: ${String(err)}`);
    }
    mounted = true;
    server = await startTestServer({ dataDir, ffmpegBin: process.env.FFMPEG_BIN ?? 'ffmpeg', hlsRecord: true }, { logger });
    studio = await connectStudio(server);
    ({ showId, feed } = await goLiveWithFeed(server, studio, 'Full disk'));
  }, 60_000);

  afterAll(async () => {
    feed?.stop();
    await studio?.close();
    await server?.close();
    if (mounted) execFileSync('umount', ['-l', hlsDir], { stdio: 'pipe' });
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('reports the full disk, keeps the live show going, and records once there is room again', async () => {
    await until(() => server.hls!.recorder(showId)?.problem === 'disk-full', 20_000, 'disk full reported');
    expect(lines.some((l) => l.level === 50 && /disk is full/.test(l.msg))).toBe(true);

    const room = server.rooms.get(showId)!;
    expect(room.closed).toBe(false);
    expect(room.show.status).toBe('live');
    expect(feed.video.closed).toBe(false);
    await until(async () => ((await feed.video.getStats())[0]?.score ?? 0) > 0, 10_000, 'studio media flowing');
    await studio.rpc.request('ping', {});

    // Room again (the operator freed space): the recording resumes by itself.
    execFileSync('mount', ['-o', 'remount,size=64m', hlsDir], { stdio: 'pipe' });
    await until(() => server.hls!.recorder(showId)?.problem === null, 40_000, 'recording resumed');
    const res = await fetch(`${server.url}/hls/${showId}/index.m3u8`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('#EXTINF');
  }, 90_000);
});
