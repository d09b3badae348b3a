/**
 * Clips: one MP4 per explanation segment, the recording's whole segments that cover it (so it starts on a key frame
 * and ends before one) joined by ffmpeg with stream copy — no re-encode. Files live in `<hls dir>/clips/`:
 * `<clipId>.job.json` is written (atomically) before ffmpeg starts and removed once `<clipId>.mp4` is in place
 * (written to a temp name and renamed), so a crash leaves either a finished clip or a job that the next request runs
 * again; asking twice runs one ffmpeg (the second waits for the first) and a finished clip is never made again.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../log';

const run = promisify(execFile);
const CLIP_TIMEOUT_MS = 60_000;

export interface ClipJob {
  clipId: number;
  /** Segment files (names inside the show's HLS folder), in order. */
  segments: string[];
  /** Seconds the segments last together. */
  duration: number;
}

export class ClipMaker {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly opts: { ffmpegBin: string; log: Logger }) {}

  static clipsDir(showDir: string): string {
    return join(showDir, 'clips');
  }

  /** The clip's MP4 path once made (made now if needed). Throws when ffmpeg fails. */
  clip(showDir: string, job: ClipJob): Promise<string> {
    const dir = ClipMaker.clipsDir(showDir);
    const out = join(dir, `${job.clipId}.mp4`);
    if (existsSync(out)) return Promise.resolve(out);
    const running = this.inflight.get(out);
    if (running) return running;
    const p = this.make(showDir, dir, out, job).finally(() => this.inflight.delete(out));
    this.inflight.set(out, p);
    return p;
  }

  private async make(showDir: string, dir: string, out: string, job: ClipJob): Promise<string> {
    mkdirSync(dir, { recursive: true });
    const jobFile = join(dir, `${job.clipId}.job.json`);
    const jobTmp = `${jobFile}.tmp`;
    writeFileSync(jobTmp, `${JSON.stringify({ ...job, at: Date.now() })}\n`);
    renameSync(jobTmp, jobFile);
    const tmp = join(dir, `${job.clipId}.part.mp4`);
    const inputs = job.segments.map((s) => join(showDir, s));
    // biome-ignore format: one ffmpeg option per line pair
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-i', `concat:${inputs.join('|')}`,
      '-map', '0:v:0', '-map', '0:a:0?',
      '-c', 'copy', '-bsf:a', 'aac_adtstoasc',
      '-movflags', '+faststart',
      '-f', 'mp4', tmp,
    ];
    const started = Date.now();
    try {
      await run(this.opts.ffmpegBin, args, { timeout: CLIP_TIMEOUT_MS });
      if (!statSync(tmp).isFile()) throw new Error('ffmpeg wrote no clip');
      renameSync(tmp, out);
      rmSync(jobFile, { force: true });
      this.opts.log.info({ clipId: job.clipId, segments: job.segments.length, ms: Date.now() - started }, 'replay clip made');
      return out;
    } catch (err) {
      rmSync(tmp, { force: true });
      this.opts.log.error({ err, clipId: job.clipId }, 'replay clip failed');
      throw err;
    }
  }
}
