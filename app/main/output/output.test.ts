/**
 * Output service with real ffmpeg: program streams made by ffmpeg in the shape MediaRecorder produces (live Matroska,
 * H.264 + Opus) are fed through the same entry point the host channel uses (`chunk()`), and the results are checked
 * with ffprobe and a full decode. Restream goes to an RTMP server on loopback (`ffmpeg -listen 1`).
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OUTPUT_STREAM } from '../../../shared/protocol/host';
import { MkvStreamSplitter } from './mkv-stream';
import { OutputService, type OutputServiceOptions } from './service';
import { chunks, decodeAll, FFMPEG, ffprobe, freePort, makeProgramMkv, rtmpListener, sleep, waitFor } from './test-media';

let media: string;
let program: Buffer; // 6 s, keyframe every second
let dir: string;
const logs: string[] = [];
const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
const services: OutputService[] = [];

beforeAll(async () => {
  media = await mkdtemp(join(tmpdir(), 'storecast-media-'));
  program = await makeProgramMkv(join(media, 'program.mkv'), 6);
}, 120_000);
afterAll(async () => {
  await rm(media, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storecast-output-'));
  logs.length = 0;
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function service(over: Partial<OutputServiceOptions> = {}): Promise<OutputService> {
  const svc = await OutputService.create({
    recordingsDir: join(dir, 'recordings'),
    settingsFile: join(dir, 'output-settings.json'),
    log,
    ffmpeg: () => ({ ok: true, path: FFMPEG, source: 'env' }),
    ...over,
  });
  services.push(svc);
  return svc;
}

/** Feed the program like the renderer does: ~250 ms chunks, paced at `speed`× real time. */
async function feed(svc: OutputService, sessionId: string, bytes: Buffer, opts: { from?: number; speed?: number; seconds?: number } = {}) {
  const parts = chunks(bytes, Math.ceil(bytes.length / ((opts.seconds ?? 6) * 4)));
  let seq = opts.from ?? 0;
  for (const part of parts) {
    const ack = svc.chunk({ sessionId, seq }, part);
    expect(ack).toMatchObject({ ok: true, seq });
    seq++;
    if (opts.speed) await sleep(250 / opts.speed);
  }
  return seq;
}

describe('mkv splitter', () => {
  it('finds the init segment, the tracks and video keyframes in a live Matroska stream cut anywhere', () => {
    const splitter = new MkvStreamSplitter();
    const events = chunks(program, 4099).flatMap((c) => splitter.push(c));
    const init = events.find((e) => e.kind === 'init');
    expect(init && init.kind === 'init' && init.tracks.map((t) => `${t.type}:${t.codecId}`)).toEqual([
      'video:V_MPEG4/ISO/AVC',
      'audio:A_OPUS',
    ]);
    const keyframes = events.filter((e) => e.kind === 'element' && e.block?.track === 1 && e.block.keyframe);
    expect(keyframes.length).toBe(6); // one per second (gop 30 at 30 fps)
    expect(splitter.totalBytes).toBe(program.length);
  });

  it('rejects a stream that is not Matroska', () => {
    expect(() => new MkvStreamSplitter().push(Buffer.from('GIF89a not a matroska stream'))).toThrow(/EBML/);
  });
});

describe('recording', () => {
  it('records the program to a fragmented MP4 with H.264 + AAC (ffprobe) and reports size and time', async () => {
    const svc = await service();
    const { sessionId } = svc.begin('video/x-matroska;codecs=avc1,opus');
    const started = await svc.startRecording(sessionId);
    expect(started.recording?.state).toBe('starting');
    await feed(svc, sessionId, program);
    await waitFor(() => svc.state().recording?.state === 'recording', 20_000, 'recording state');
    const stopped = await svc.stopRecording();
    expect(stopped.recording).toMatchObject({ state: 'stopped', error: null });
    const file = stopped.recording!.file;
    expect(file.startsWith(join(dir, 'recordings'))).toBe(true);
    expect(file).toMatch(/Storecast-\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.mp4$/);
    const probe = await ffprobe(file);
    expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    expect(Number(probe.format.duration)).toBeGreaterThan(5);
    await decodeAll(file);
    expect((await stat(file)).size).toBeGreaterThan(100_000);
    expect(stopped.recording!.bytes).toBeGreaterThan(100_000);
    await svc.end(sessionId);
    expect(svc.state().session).toBeNull();
  });

  it('leaves a playable file when ffmpeg is killed (kill -9) mid-recording', async () => {
    const svc = await service();
    const { sessionId } = svc.begin('video/webm;codecs=h264,opus');
    const file = (await svc.startRecording(sessionId)).recording!.file;
    // keep feeding in real time; once ffmpeg has written a few fragments, kill it hard
    const feeding = feed(svc, sessionId, program, { speed: 1 });
    await waitFor(() => (svc.state().recording?.mediaMs ?? 0) > 1500, 20_000, 'fragments on disk');
    const pid = svc.recordingPid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const rec = await waitFor(
      () => {
        const r = svc.state().recording;
        return r && r.state !== 'recording' && r.state !== 'starting' ? r : null;
      },
      10_000,
      'recording end',
    );
    expect(rec.state).toBe('error'); // it did not stop by request: the UI says so
    await feeding;
    const probe = await ffprobe(file);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Number(probe.format.duration)).toBeGreaterThan(1);
    await decodeAll(file);
  });

  it('encodes video with x264 when the program is not H.264 (VP8 fallback) and adds silence when there is no audio', async () => {
    const vp8 = await makeProgramMkv(join(dir, 'vp8.webm'), 3, { vp8: true, audio: false });
    const svc = await service();
    const { sessionId } = svc.begin('video/webm;codecs=vp8');
    await svc.startRecording(sessionId);
    await feed(svc, sessionId, vp8, { seconds: 3 });
    const stopped = await svc.stopRecording();
    expect(stopped.recording?.state).toBe('stopped');
    const probe = await ffprobe(stopped.recording!.file);
    expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    expect(Number(probe.format.duration)).toBeGreaterThan(2);
  });

  it('reports a missing ffmpeg and an unwritable recordings folder as clear errors', async () => {
    const none = await service({ ffmpeg: () => ({ ok: false, message: 'ffmpeg was not found' }) });
    expect(none.state().ffmpeg).toEqual({ ok: false, message: 'ffmpeg was not found' });
    const a = none.begin('video/webm');
    expect((await none.startRecording(a.sessionId)).recording).toMatchObject({ state: 'error', error: { code: 'no_ffmpeg' } });

    await writeFile(join(dir, 'not-a-dir'), 'x');
    const blocked = await service({ recordingsDir: join(dir, 'not-a-dir', 'recordings') });
    const b = blocked.begin('video/webm');
    const st = await blocked.startRecording(b.sessionId);
    expect(st.recording).toMatchObject({ state: 'error', error: { code: 'disk' } });
    expect(st.recording!.error!.message).toMatch(/recordings folder/);
  });

  it('ends the session on out-of-order or garbage chunks, with the reason in the ack', async () => {
    const svc = await service();
    const { sessionId } = svc.begin('video/webm');
    expect(svc.chunk({ sessionId, seq: 1 }, Buffer.alloc(10))).toMatchObject({ ok: false, error: { code: 'input' } });
    expect(svc.state().session).toBeNull();
    const s2 = svc.begin('video/webm');
    expect(svc.chunk({ sessionId: s2.sessionId, seq: 0 }, Buffer.from('definitely not matroska'))).toMatchObject({ ok: false });
    expect(() => svc.begin('image/png')).toThrow(/unsupported/);
    const s3 = svc.begin('video/webm');
    expect(svc.chunk({ sessionId: s3.sessionId, seq: 0 }, Buffer.alloc(OUTPUT_STREAM.maxChunkBytes + 1))).toMatchObject({ ok: false });
  });
});

describe('restream', () => {
  it('stores targets with their keys (0600, atomic) and only ever returns a hint of the key', async () => {
    const svc = await service();
    const st = await svc.saveTarget({
      name: 'Bilibili',
      platform: 'bilibili',
      url: 'rtmp://live-push.example.com/live-bvc/',
      enabled: true,
      streamKey: '?streamname=live_1_2&key=s3cr3tKEY',
    });
    const t = st.targets[0]!;
    expect(t).toMatchObject({ name: 'Bilibili', hasKey: true, keyHint: '…tKEY' });
    expect(JSON.stringify(st)).not.toContain('s3cr3tKEY');
    const file = join(dir, 'output-settings.json');
    expect(JSON.parse(await readFile(file, 'utf8')).targets[0].streamKey).toBe('?streamname=live_1_2&key=s3cr3tKEY');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // editing without a key keeps the key
    await svc.saveTarget({ id: t.id, name: 'B站', platform: 'bilibili', url: 'rtmp://live-push.example.com/live-bvc/', enabled: false });
    const again = await service();
    expect(again.state().targets[0]).toMatchObject({ id: t.id, name: 'B站', enabled: false, hasKey: true });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await again.removeTarget(t.id);
    expect((await service()).state().targets).toEqual([]);
  });

  it('restreams to an RTMP server on loopback (H.264 + AAC in FLV, ffprobe) while recording', async () => {
    const port = await freePort();
    const out = join(dir, 'received.flv');
    const server = rtmpListener(port, 'live', 'streamKEY123', out);
    try {
      await sleep(500); // let the listener bind
      const svc = await service();
      await svc.saveTarget({
        name: 'Local',
        platform: 'custom',
        url: `rtmp://127.0.0.1:${port}/live`,
        enabled: true,
        streamKey: 'streamKEY123',
      });
      const { sessionId } = svc.begin('video/x-matroska;codecs=avc1,opus');
      await svc.startRecording(sessionId);
      const st = await svc.startRestream(sessionId);
      expect(st.restreaming).toBe(true);
      expect(st.targetStatus[0]?.state).toBe('connecting');
      await feed(svc, sessionId, program, { speed: 2 });
      const live = await waitFor(() => svc.state().targetStatus.find((t) => t.state === 'live'), 20_000, 'target live');
      expect(live.liveSince).not.toBeNull();
      await waitFor(() => (svc.state().targetStatus[0]?.kbps ?? 0) > 0, 10_000, 'bitrate');
      await svc.end(sessionId);
      expect(await Promise.race([server.done, sleep(15_000).then(() => 'timeout')])).toBe(0);
      const probe = await ffprobe(out);
      expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
      expect(Number(probe.format.duration)).toBeGreaterThan(3);
      const rec = svc.state().recording!;
      expect(rec.state).toBe('stopped');
      expect(Number((await ffprobe(rec.file)).format.duration)).toBeGreaterThan(5);
      expect(logs.join('\n')).not.toContain('streamKEY123');
    } finally {
      server.kill();
    }
  });

  it('a refused target retries with backoff and then fails, while the recording keeps going', async () => {
    const port = await freePort(); // nothing listens there
    const svc = await service({ retry: { baseMs: 200, maxMs: 400, maxAttempts: 3 } });
    await svc.saveTarget({ name: 'Down', platform: 'custom', url: `rtmp://127.0.0.1:${port}/live`, enabled: true, streamKey: 'nobodyKEY' });
    const { sessionId } = svc.begin('video/x-matroska;codecs=avc1,opus');
    await svc.startRecording(sessionId);
    await svc.startRestream(sessionId);
    const seen = new Set<string>();
    const feeding = feed(svc, sessionId, program, { speed: 1.5 });
    const failed = await waitFor(
      () => {
        const t = svc.state().targetStatus[0];
        if (t) seen.add(t.state);
        return t?.state === 'failed' ? t : null;
      },
      30_000,
      'target failed',
    );
    expect(seen.has('retrying')).toBe(true);
    expect(failed).toMatchObject({ attempt: 3, error: { code: 'refused' } });
    expect(failed.error!.message).not.toContain('nobodyKEY');
    expect(svc.state().recording?.state).toBe('recording');
    await feeding;
    const stopped = await svc.stopRecording();
    expect(stopped.recording?.state).toBe('stopped');
    expect(Number((await ffprobe(stopped.recording!.file)).format.duration)).toBeGreaterThan(5);
    expect(logs.join('\n')).not.toContain('nobodyKEY');
  });

  it('a target that drops reconnects at the next keyframe once the server is back', async () => {
    const port = await freePort();
    const first = join(dir, 'first.flv');
    const second = join(dir, 'second.flv');
    let server = rtmpListener(port, 'live', 'k3y', first);
    const long = await makeProgramMkv(join(dir, 'long.mkv'), 12);
    try {
      await sleep(500);
      const svc = await service({ retry: { baseMs: 300, maxMs: 600, maxAttempts: 20 } });
      await svc.saveTarget({ name: 'Flaky', platform: 'custom', url: `rtmp://127.0.0.1:${port}/live`, enabled: true, streamKey: 'k3y' });
      const { sessionId } = svc.begin('video/x-matroska;codecs=avc1,opus');
      await svc.startRestream(sessionId);
      // the program keeps flowing (like the studio's) while the server goes away and comes back
      const parts = chunks(long, Math.ceil(long.length / 48));
      const feeding = (async () => {
        for (let seq = 0; seq < parts.length; seq++) {
          svc.chunk({ sessionId, seq }, parts[seq]!);
          await sleep(250);
        }
      })();
      await waitFor(() => svc.state().targetStatus[0]?.state === 'live', 15_000, 'first live');
      server.kill(); // the server goes away mid-stream
      await server.done;
      await waitFor(() => svc.state().targetStatus[0]?.state === 'retrying', 15_000, 'retrying');
      expect(svc.state().targetStatus[0]?.error?.code).toMatch(/dropped|refused/);
      server = rtmpListener(port, 'live', 'k3y', second);
      await waitFor(() => svc.state().targetStatus[0]?.state === 'live', 15_000, 'live again');
      await feeding;
      await svc.end(sessionId);
      await Promise.race([server.done, sleep(10_000)]);
      const probe = await ffprobe(second);
      expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(Number(probe.format.duration)).toBeGreaterThan(1);
      await decodeAll(second);
    } finally {
      server.kill();
    }
  });
});

describe('ffmpeg messages', () => {
  it('are tidied and never carry a secret', async () => {
    const { redact, tidyLine, classifyFailure } = await import('./sink');
    expect(tidyLine('[tcp @ 0x5626962d9cc0] Connection to tcp://127.0.0.1:40023?tcp_nodelay=0 failed: Connection refused')).toBe(
      'Connection to tcp://127.0.0.1:40023 failed: Connection refused',
    );
    expect(redact('rtmp://h/live/abc%3Fkey: I/O error', ['abc?key'])).toBe('rtmp://h/live/***: I/O error');
    expect(classifyFailure('rtmp://h/live/***: No space left on device', 'recording')).toBe('disk');
    expect(classifyFailure('Server error: Unauthorized', 'restream')).toBe('rejected');
    expect(classifyFailure('Connection refused', 'restream')).toBe('refused');
  });
});
