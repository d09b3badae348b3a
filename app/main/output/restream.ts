/**
 * Restream targets: the stored list (`output-settings.json`, stream keys included, never logged or returned) and one
 * `TargetRunner` per enabled target while restreaming — its own ffmpeg process (FLV over RTMP(S)) and status, retried
 * with exponential backoff (joining the stream again at the next video keyframe) when refused or dropped.
 */
import { readFile, rename } from 'node:fs/promises';
import {
  type OutputError,
  OutputSettingsFile,
  type RestreamTargetView,
  type StoredRestreamTarget,
  type TargetStatus,
} from '../../../shared/protocol/host';
import { type EncodeOptions, restreamArgs, rtmpPublishUrl } from './args';
import type { FfmpegResolution } from './ffmpeg';
import type { MkvTrack } from './mkv-stream';
import { nowMs, type OutputLogger, Tap } from './program-stream';
import { FfmpegSink, type SinkExit, type SinkProgress } from './sink';

export interface RetryPolicy {
  /** First retry delay; doubled per consecutive failure (± 20 % jitter) up to maxMs. */
  baseMs: number;
  maxMs: number;
  /** Consecutive failures after which a target is marked failed and no longer retried. */
  maxAttempts: number;
  /** A target live for this long counts as recovered (its failure count resets). */
  stableMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 30_000, maxAttempts: 8, stableMs: 10_000 };

/** What a runner needs of the output service: the binary, the session's tracks, and the stream to tap. */
export interface OutputHost {
  readonly log: OutputLogger;
  readonly encode: EncodeOptions;
  readonly maxQueuedBytes: number;
  ffmpegNow(): FfmpegResolution;
  sessionTracks(): MkvTrack[] | null;
  attach(tap: Tap): void;
  detach(tap: Tap): void;
}

/** The stored targets; an unreadable file is moved aside to `.bak` (never overwritten) and the list starts empty. */
export async function loadTargets(settingsFile: string, log: OutputLogger): Promise<StoredRestreamTarget[]> {
  let text: string;
  try {
    text = await readFile(settingsFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const parsed = OutputSettingsFile.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.targets;
  } catch {
    // fall through
  }
  const bak = `${settingsFile}.bak`;
  await rename(settingsFile, bak);
  log.warn(`output settings ${settingsFile} are invalid; starting without restream targets (old file kept as ${bak})`);
  return [];
}

function keyHint(key: string): string {
  return key.length === 0 ? '' : key.length <= 4 ? '•'.repeat(key.length) : `…${key.slice(-4)}`;
}

export function targetView(t: StoredRestreamTarget): RestreamTargetView {
  return {
    id: t.id,
    name: t.name,
    platform: t.platform,
    url: t.url,
    enabled: t.enabled,
    hasKey: t.streamKey.length > 0,
    keyHint: keyHint(t.streamKey),
  };
}

export class TargetRunner {
  status: TargetStatus;
  private tap: Tap | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stableTimer: ReturnType<typeof setTimeout> | null = null;
  private samples: { t: number; bytes: number }[] = [];
  private stopped = false;

  constructor(
    readonly target: StoredRestreamTarget,
    private readonly svc: OutputHost,
    private readonly retry: RetryPolicy,
  ) {
    this.status = { id: target.id, state: 'connecting', kbps: 0, attempt: 0, retryAt: null, liveSince: null, error: null };
  }

  get secrets(): string[] {
    return [this.target.streamKey, rtmpPublishUrl(this.target.url, this.target.streamKey)].filter((s) => s.length > 0);
  }

  /** Spawn ffmpeg (needs the stream's tracks, so it waits for the init segment). */
  start(): void {
    if (this.stopped) return;
    const ff = this.svc.ffmpegNow();
    if (!ff.ok) {
      this.status = { ...this.status, state: 'failed', kbps: 0, retryAt: null, error: { code: 'no_ffmpeg', message: ff.message } };
      return;
    }
    const tracks = this.svc.sessionTracks();
    this.status = { ...this.status, state: 'connecting', kbps: 0, retryAt: null, liveSince: null };
    if (!tracks) return; // started again once the init segment arrives
    this.samples = [];
    const sink = new FfmpegSink({
      bin: ff.path,
      args: restreamArgs(tracks, rtmpPublishUrl(this.target.url, this.target.streamKey), this.svc.encode),
      secrets: this.secrets,
      maxQueuedBytes: this.svc.maxQueuedBytes,
      kind: 'restream',
      onProgress: (p) => this.onProgress(p),
      onExit: (e) => this.onExit(sink, e),
    });
    this.tap = new Tap(sink);
    this.svc.attach(this.tap);
  }

  /** The session's init segment arrived: spawn the process that was waiting for it. */
  onTracks(): void {
    if (!this.tap && this.status.state === 'connecting') this.start();
  }

  private onProgress(p: SinkProgress): void {
    const t = nowMs();
    this.samples.push({ t, bytes: p.bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 3000) this.samples.shift();
    const first = this.samples[0]!;
    const kbps = t > first.t ? Math.round(((p.bytes - first.bytes) * 8) / (t - first.t)) : 0;
    if (p.bytes > 0 && this.status.state === 'connecting') {
      this.status = { ...this.status, state: 'live', liveSince: t, error: null };
      this.svc.log.info(`restream "${this.target.name}" live`);
      this.stableTimer = setTimeout(() => {
        this.status = { ...this.status, attempt: 0 };
      }, this.retry.stableMs);
    }
    this.status = { ...this.status, kbps: Math.max(0, kbps) };
  }

  private onExit(sink: FfmpegSink, exit: SinkExit): void {
    if (this.tap?.sink === sink) {
      this.svc.detach(this.tap);
      this.tap = null;
    }
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = null;
    if (this.stopped) return;
    const wasLive = this.status.state === 'live';
    const error: OutputError = exit.error ?? { code: 'dropped', message: 'the connection ended' };
    const finalError = wasLive && error.code === 'ffmpeg' ? { ...error, code: 'dropped' as const } : error;
    const attempt = this.status.attempt + 1;
    this.svc.log.warn(`restream "${this.target.name}" ${wasLive ? 'dropped' : 'failed'} (${finalError.code}), attempt ${attempt}`);
    if (attempt >= this.retry.maxAttempts || finalError.code === 'no_ffmpeg') {
      this.status = { ...this.status, state: 'failed', kbps: 0, attempt, retryAt: null, liveSince: null, error: finalError };
      return;
    }
    const delay = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
    this.status = {
      ...this.status,
      state: 'retrying',
      kbps: 0,
      attempt,
      retryAt: nowMs() + Math.round(delay),
      liveSince: null,
      error: finalError,
    };
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.start();
    }, delay);
  }

  /** Stop for good (restream stopped, target removed / disabled / edited). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.retryTimer = null;
    this.stableTimer = null;
    const tap = this.tap;
    this.tap = null;
    if (tap) {
      this.svc.detach(tap);
      await tap.sink.end(3000);
    }
  }
}
