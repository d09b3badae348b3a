/**
 * HLS from a published show, end to end on the server: real H.264 + Opus (ffmpeg test pattern) as the studio's
 * producers, the HLS recorder's PlainTransports and ffmpeg, the HTTP routes. Segments are checked with ffprobe and
 * decoded; ffmpeg is killed and the playlist continues; the end of the show closes the playlist as a VOD recording.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedH264, goLiveWithFeed, type H264Feed } from '../testing/h264-feed';
import { connectStudio, type TestClient, type TestServer, startTestServer, until } from '../testing/harness';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_BIN ?? 'ffmpeg';
const FFPROBE = process.env.FFPROBE_BIN ?? join(FFMPEG.includes('/') ? FFMPEG.replace(/ffmpeg$/, '') : '', 'ffprobe');

interface Segment {
  duration: number;
  uri: string;
}

function segments(playlist: string): Segment[] {
  const out: Segment[] = [];
  let duration: number | null = null;
  for (const raw of playlist.split('\n')) {
    const line = raw.trim();
    const m = /^#EXTINF:([\d.]+),/.exec(line);
    if (m) duration = Number(m[1]);
    else if (line && !line.startsWith('#') && duration !== null) {
      out.push({ duration, uri: line });
      duration = null;
    }
  }
  return out;
}

const discontinuities = (playlist: string) => playlist.split('#EXT-X-DISCONTINUITY').length - 1;

describe('HLS of a live show', () => {
  let server: TestServer;
  let studio: TestClient;
  let feed: H264Feed;
  let showId: string;
  const get = (path: string) => fetch(`${server.url}${path}`);

  beforeAll(async () => {
    server = await startTestServer({ ffmpegBin: FFMPEG });
    studio = await connectStudio(server);
    // The studio's producers, with real frames: published through PlainTransports instead of WebRTC (no browser here).
    ({ showId, feed } = await goLiveWithFeed(server, studio, 'HLS show'));
  }, 60_000);

  afterAll(async () => {
    feed?.stop();
    await studio?.close();
    await server?.close();
  }, 60_000);

  it('serves a playlist of 1–2 s segments with program date-times that ffprobe decodes', async () => {
    // HLS_RECORD is off: nothing records until someone asks for the playlist.
    expect(server.hls!.recorder(showId)).toBeUndefined();
    // The first request starts the recording and waits up to PLAYLIST_WAIT_MS for a segment; on a loaded machine ffmpeg
    // may take longer, and the answer is then a 503 with Retry-After, which a player honours, as this test does.
    let first = await get(`/hls/${showId}/index.m3u8`);
    const deadline = Date.now() + 30_000;
    while (first.status === 503 && Date.now() < deadline) {
      expect(first.headers.get('retry-after')).toBe('2');
      await new Promise((r) => setTimeout(r, 2_000));
      first = await get(`/hls/${showId}/index.m3u8`);
    }
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    expect(first.headers.get('cache-control')).toContain('no-cache');
    let text = '';
    await until(
      async () => {
        text = await (await get(`/hls/${showId}/index.m3u8`)).text();
        return segments(text).length >= 4;
      },
      20_000,
      'four segments',
    );
    expect(text).toContain('#EXT-X-PROGRAM-DATE-TIME:');
    expect(text).not.toContain('#EXT-X-ENDLIST');
    const segs = segments(text);
    // The first segment starts wherever ffmpeg found its first key frame; the others are cut on requested ones.
    for (const s of segs.slice(1)) {
      expect(s.duration).toBeGreaterThanOrEqual(0.9);
      expect(s.duration).toBeLessThanOrEqual(2.1);
    }
    const seg = segs[1]!;
    const res = await get(`/hls/${showId}/${seg.uri}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp2t');
    const file = join(server.dataDir, 'hls', showId, seg.uri);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const probe = await run(FFPROBE, ['-v', 'error', '-show_streams', '-of', 'json', file]);
    const streams = (JSON.parse(probe.stdout) as { streams: { codec_name: string; width?: number }[] }).streams;
    expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(streams.find((s) => s.codec_name === 'h264')?.width).toBe(320);
    const decode = await run(FFMPEG, ['-v', 'error', '-i', file, '-f', 'null', '-']);
    expect(decode.stderr).toBe('');
  }, 40_000);

  it('restarts a killed ffmpeg and the playlist goes on', async () => {
    const rec = server.hls!.recorder(showId)!;
    const playlistBefore = await (await get(`/hls/${showId}/index.m3u8`)).text();
    const before = segments(playlistBefore).length;
    const spawned = rec.spawned;
    rec.process!.kill('SIGKILL');
    await until(() => rec.spawned > spawned, 5000, 'ffmpeg restarted');
    let text = '';
    await until(
      async () => {
        text = await (await get(`/hls/${showId}/index.m3u8`)).text();
        return segments(text).length >= before + 3;
      },
      20_000,
      'segments after the restart',
    );
    // The restarted ffmpeg's timestamps start over: players are told so.
    expect(discontinuities(text)).toBe(discontinuities(playlistBefore) + 1);
    // Nothing written before the kill was lost.
    for (const s of segments(text)) expect(existsSync(join(server.dataDir, 'hls', showId, s.uri))).toBe(true);
  }, 40_000);

  it('answers bad paths with 400 and unknown shows or segments with 404', async () => {
    for (const path of [
      `/hls/${showId}/seg-1.ts`,
      `/hls/${showId}/..%2F..%2Fstorecast.sqlite`,
      `/hls/${showId}/index.m3u8%00`,
      `/hls/${showId}/seg-00001.ts.bak`,
      '/hls/bad!id/index.m3u8',
      `/hls/..%2F${showId}/index.m3u8`,
    ]) {
      expect((await get(path)).status, path).toBe(400);
    }
    expect((await get('/hls/noSuchShow1/index.m3u8')).status).toBe(404);
    expect((await get(`/hls/${showId}/seg-99999.ts`)).status).toBe(404);
    expect((await get(`/hls/${showId}/../../storecast.sqlite`)).status).toBeGreaterThanOrEqual(400);
  });

  it('serves the show state with the pinned products', async () => {
    const res = await get(`/hls/${showId}/state.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { show: { id: string; status: string }; overlays: unknown[] };
    expect(body.show).toMatchObject({ id: showId, status: 'live' });
    expect(body.overlays).toEqual([]);
  });

  it('keeps the segments when the show ends and closes the playlist as VOD', async () => {
    await studio.rpc.request('show.end', { showId });
    await until(() => !server.hls!.recorder(showId), 5000, 'recorder gone');
    let text = '';
    await until(
      async () => {
        text = await (await get(`/hls/${showId}/index.m3u8`)).text();
        return text.includes('#EXT-X-ENDLIST');
      },
      8000,
      'ENDLIST',
    );
    const segs = segments(text);
    expect(segs.length).toBeGreaterThanOrEqual(6);
    expect((await get(`/hls/${showId}/${segs[0]!.uri}`)).status).toBe(200);
  }, 20_000);
});

describe('HLS recording of every live show (HLS_RECORD=on)', () => {
  let server: TestServer;
  let studio: TestClient;
  const feeds: H264Feed[] = [];
  let showId: string;
  const playlist = () => fetch(`${server.url}/hls/${showId}/index.m3u8`).then((r) => r.text());

  /** Publish real media as the studio's producers (PlainTransports: no browser here). */
  async function publish(): Promise<H264Feed> {
    const room = server.rooms.get(showId)!;
    const feed = await feedH264(room.router);
    feeds.push(feed);
    for (const p of [feed.video, feed.audio]) {
      room.studio!.producers.set(p.id, p as never);
      p.observer.once('close', () => room.studio?.producers.delete(p.id));
    }
    room.onNewProducer();
    return feed;
  }

  beforeAll(async () => {
    server = await startTestServer({ ffmpegBin: FFMPEG, hlsRecord: true });
    studio = await connectStudio(server);
    ({
      show: { id: showId },
    } = await studio.rpc.request('show.open', { title: 'Recorded show' }));
    await studio.rpc.request('show.goLive', { showId });
  }, 60_000);

  afterAll(async () => {
    for (const f of feeds) f.stop();
    await studio?.close();
    await server?.close();
  }, 60_000);

  it('records from the first frame, pauses while the studio is gone, resumes when it publishes again', async () => {
    await publish();
    // Nobody asked for the playlist: the recording starts by itself.
    await until(() => server.hls!.recorder(showId)?.process != null, 10_000, 'recording started');
    await until(() => existsSync(join(server.dataDir, 'hls', showId, 'index.m3u8')), 15_000, 'playlist written');
    let text = '';
    await until(
      async () => {
        text = await playlist();
        return segments(text).length >= 2;
      },
      15_000,
      'two segments',
    );

    // The studio's producers close (it disconnected): recording stops, the playlist stays open.
    feeds[0]!.stop();
    await until(() => server.hls!.recorder(showId)?.running === false, 8000, 'recording stopped');
    const paused = await playlist();
    expect(paused).not.toContain('#EXT-X-ENDLIST');

    // It publishes again: the same playlist goes on after a discontinuity.
    await publish();
    await until(
      async () => {
        text = await playlist();
        return segments(text).length >= segments(paused).length + 2;
      },
      20_000,
      'segments after republish',
    );
    expect(discontinuities(text)).toBe(discontinuities(paused) + 1);
    expect(text.startsWith(paused.slice(0, paused.lastIndexOf('.ts') + 3))).toBe(true);

    await studio.rpc.request('show.end', { showId });
    await until(
      async () => {
        text = await playlist();
        return text.includes('#EXT-X-ENDLIST');
      },
      10_000,
      'ENDLIST',
    );
    for (const s of segments(text)) expect(existsSync(join(server.dataDir, 'hls', showId, s.uri))).toBe(true);
  }, 90_000);
});
