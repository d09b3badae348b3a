/**
 * Test helpers for the output service: real media made by ffmpeg (the same Matroska H.264 + Opus shape MediaRecorder
 * produces), ffprobe, and a loopback RTMP server (`ffmpeg -listen 1`). Used by the output tests only.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const FFMPEG = process.env.FFMPEG_BIN || 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_BIN || FFMPEG.replace(/ffmpeg(\.exe)?$/, 'ffprobe$1');

/** `seconds` of test pattern + tone as live Matroska (unknown-size clusters), H.264 (keyframe every `gop` frames) + Opus. */
export async function makeProgramMkv(
  file: string,
  seconds: number,
  opts: { gop?: number; audio?: boolean; vp8?: boolean } = {},
): Promise<Buffer> {
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'];
  if (opts.audio !== false) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(seconds));
  if (opts.vp8) args.push('-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '800k', '-g', String(opts.gop ?? 30));
  else args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(opts.gop ?? 30), '-bf', '0');
  if (opts.audio !== false) args.push('-c:a', 'libopus', '-b:a', '96k');
  args.push('-f', 'matroska', '-live', '1', '-y', file);
  await run(FFMPEG, args);
  return readFile(file);
}

export interface ProbeResult {
  streams: { codec_type: string; codec_name: string }[];
  format: { duration?: string; format_name: string };
}

export async function ffprobe(file: string): Promise<ProbeResult> {
  const { stdout } = await run(FFPROBE, [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type,codec_name:format=duration,format_name',
    '-of',
    'json',
    file,
  ]);
  return JSON.parse(stdout) as ProbeResult;
}

/** Decode the whole file (errors → rejects): proves the media is playable, not just that headers parse. */
export async function decodeAll(file: string): Promise<void> {
  await run(FFMPEG, ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A one-shot RTMP server on loopback that stores what it receives in `outFile` (copy, no re-encode). */
export function rtmpListener(port: number, app: string, key: string, outFile: string): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(
    FFMPEG,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-listen',
      '1',
      '-i',
      `rtmp://127.0.0.1:${port}/${app}/${key}`,
      '-c',
      'copy',
      '-f',
      'flv',
      '-y',
      outFile,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { done, kill: () => child.kill('SIGKILL') };
}

/** Split `bytes` in chunks of about `size` (like MediaRecorder timeslices, boundaries anywhere). */
export function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs: number, what: string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
