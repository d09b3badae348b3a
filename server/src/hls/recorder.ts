/**
 * One show's HLS recording: while the studio publishes, a PlainTransport per kind consumes its video (one simulcast
 * layer) and audio and sends them as RTP to an ffmpeg process that writes HLS into the show's folder. Key frames
 * are requested every KEY_FRAME_INTERVAL_MS so segments start on them (the video is copied, never re-encoded).
 *
 * The recorder never touches the live WebRTC path: its consumers are the only thing it adds to the router, and a
 * failing ffmpeg (crash, full disk) is restarted with backoff while viewers keep watching. A stopped session (the
 * studio's producers closed) leaves the playlist open; `finalize()` closes it (EXT-X-ENDLIST) when the show ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from '../log';
import { buildSdp, ffmpegArgs, freeRtpPort, freeUdpPort, KEY_FRAME_INTERVAL_MS, PLAYLIST_FILE, type SdpStream } from './ffmpeg-input';

export const RESTART_DELAYS_MS = [500, 1000, 2000, 5000, 10_000, 30_000];
/** A run this long resets the backoff. */
const STABLE_RUN_MS = 30_000;
/** How long a stopping ffmpeg may take to write its last segment before it is killed. */
const STOP_GRACE_MS = 3000;
const STDERR_TAIL = 4000;
const DISK_FULL_RE = /No space left on device/i;
/**
 * Below this much free space the recording pauses (ffmpeg's HLS muxer does not stop on a failed write: it goes on
 * with empty segments and an empty playlist). Checked before ffmpeg starts and every DISK_CHECK_MS while it runs.
 */
export const MIN_FREE_BYTES = 8 * 1024 * 1024;
const DISK_CHECK_MS = 2000;

export interface RecorderMedia {
  router: types.Router;
  video: types.Producer;
  audio: types.Producer | null;
}

export interface RecorderOptions {
  showId: string;
  dir: string;
  ffmpegBin: string;
  log: Logger;
}

interface Session {
  transports: types.PlainTransport[];
  video: types.Consumer;
  streams: SdpStream[];
  copyVideo: boolean;
  proc: ChildProcess | null;
  exited: Promise<void>;
  keyTimer: ReturnType<typeof setInterval>;
  restartTimer: ReturnType<typeof setTimeout> | null;
  diskTimer: ReturnType<typeof setInterval> | null;
  attempts: number;
  stopping: boolean;
  diskFull: boolean;
}

export type RecorderProblem = 'disk-full' | 'ffmpeg-failed' | 'ffmpeg-missing' | null;

export class HlsRecorder {
  private session: Session | null = null;
  private starting: Promise<void> | null = null;
  /** The last session's end: a new one waits for it (two ffmpegs must never write one playlist). */
  private stopped: Promise<void> = Promise.resolve();
  private _problem: RecorderProblem = null;
  /** ffmpeg processes started (tests read it to see a restart). */
  spawned = 0;

  constructor(private readonly opts: RecorderOptions) {}

  get running(): boolean {
    return this.session !== null || this.starting !== null;
  }
  get problem(): RecorderProblem {
    return this._problem;
  }
  /** The live ffmpeg process (tests kill it). */
  get process(): ChildProcess | null {
    return this.session?.proc ?? null;
  }
  get playlistPath(): string {
    return join(this.opts.dir, PLAYLIST_FILE);
  }

  /** Start recording this media (no-op while a session runs or starts). */
  start(media: RecorderMedia): Promise<void> {
    if (this.session || this.starting) return this.starting ?? Promise.resolve();
    this.starting = this.open(media)
      .catch((err: unknown) => {
        this.opts.log.error({ err }, 'HLS recording could not start; live viewers are not affected');
      })
      .finally(() => {
        this.starting = null;
      });
    return this.starting;
  }

  private async open({ router, video, audio }: RecorderMedia): Promise<void> {
    await this.stopped;
    if (router.closed || video.closed) return; // the studio left meanwhile: its next publish starts a session
    mkdirSync(this.opts.dir, { recursive: true });
    const transports: types.PlainTransport[] = [];
    try {
      const streams: SdpStream[] = [];
      const used = new Set<number>();
      const consumers: types.Consumer[] = [];
      for (const producer of audio ? [video, audio] : [video]) {
        const rtpPort = await freeRtpPort(used);
        used.add(rtpPort).add(rtpPort + 1);
        const transport = await router.createPlainTransport({
          listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
          rtcpMux: false,
          comedia: false,
        });
        transports.push(transport);
        // mediasoup's sender reports go to a port nobody reads: ffmpeg re-times a stream when the first one arrives,
        // a visible backwards jump in the segments. Both streams start together (resumed at once), so their RTP
        // timestamps keep them in sync without it.
        await transport.connect({ ip: '127.0.0.1', port: rtpPort, rtcpPort: await freeUdpPort() });
        const layers = producer.rtpParameters.encodings?.length ?? 1;
        const consumer = await transport.consume({
          producerId: producer.id,
          rtpCapabilities: router.rtpCapabilities,
          paused: true,
          // The middle simulcast layer: enough for a phone, a third of the top layer's bitrate to write.
          ...(producer.kind === 'video' && layers > 1 ? { preferredLayers: { spatialLayer: Math.min(1, layers - 1) } } : {}),
        });
        consumers.push(consumer);
        const codec = consumer.rtpParameters.codecs[0];
        if (!codec) throw new Error(`no codec to record for ${producer.kind}`);
        streams.push({ kind: producer.kind, rtpPort, codec });
      }
      if (router.closed || video.closed) throw new Error('the studio stopped publishing');
      const videoConsumer = consumers[0]!;
      const session: Session = {
        transports,
        video: videoConsumer,
        streams,
        copyVideo: streams[0]!.codec.mimeType.toLowerCase() === 'video/h264',
        proc: null,
        exited: Promise.resolve(),
        keyTimer: setInterval(() => void videoConsumer.requestKeyFrame().catch(() => undefined), KEY_FRAME_INTERVAL_MS),
        restartTimer: null,
        diskTimer: null,
        attempts: 0,
        stopping: false,
        diskFull: false,
      };
      this.session = session;
      for (const c of consumers) {
        c.on('producerclose', () => void this.stop('the studio stopped publishing'));
        c.on('transportclose', () => void this.stop('the router closed'));
      }
      session.diskTimer = setInterval(() => void this.checkDisk(session), DISK_CHECK_MS);
      await this.launch(session);
      await Promise.all(consumers.map((c) => c.resume()));
      await videoConsumer.requestKeyFrame();
      this.opts.log.info({ streams: streams.map((s) => s.kind), copyVideo: session.copyVideo }, 'HLS recording started');
    } catch (err) {
      for (const t of transports) t.close();
      if (this.session?.transports === transports) this.session = null;
      throw err;
    }
  }

  private spawnFfmpeg(session: Session): void {
    const { opts } = this;
    const args = ffmpegArgs(opts.dir, { hasAudio: session.streams.length > 1, copyVideo: session.copyVideo });
    const proc = spawn(opts.ffmpegBin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.spawned++;
    session.proc = proc;
    const startedAt = Date.now();
    let stderr = '';
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
      // ffmpeg's HLS muxer goes on after a failed write (empty segments, an empty playlist): end it, so the full disk
      // is reported and retried with backoff instead.
      if (DISK_FULL_RE.test(chunk) && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    });
    proc.stdin?.on('error', () => undefined); // an ffmpeg that died before reading the SDP
    proc.stdin?.end(buildSdp(session.streams));
    session.exited = new Promise((resolve) => {
      proc.once('error', (err: Error) => {
        stderr += `\n${err.message}`;
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') this._problem = 'ffmpeg-missing';
      });
      proc.once('close', (code, signal) => {
        resolve();
        if (session.proc === proc) session.proc = null;
        if (session.stopping || this.session !== session) return;
        if (Date.now() - startedAt > STABLE_RUN_MS) session.attempts = 0;
        if (session.diskFull || DISK_FULL_RE.test(stderr)) {
          this.pauseForDisk(session);
          return;
        }
        const delay = this.nextDelay(session);
        if (this._problem !== 'ffmpeg-missing') {
          this._problem = 'ffmpeg-failed';
          opts.log.warn({ code, signal, stderr: stderr.trim().slice(-500), retryMs: delay }, 'HLS ffmpeg exited; restarting');
        } else {
          opts.log.error({ ffmpegBin: opts.ffmpegBin, retryMs: delay }, 'HLS recording needs ffmpeg: FFMPEG_BIN not found');
        }
        this.retry(session, delay);
      });
    });
    proc.once('spawn', () => {
      if (this._problem !== null) opts.log.info({ was: this._problem }, 'HLS recording resumed');
      this._problem = null;
    });
  }

  private nextDelay(session: Session): number {
    const delay = RESTART_DELAYS_MS[Math.min(session.attempts, RESTART_DELAYS_MS.length - 1)]!;
    session.attempts++;
    return delay;
  }

  private retry(session: Session, delay: number): void {
    session.restartTimer = setTimeout(() => {
      session.restartTimer = null;
      void this.launch(session).then(() => session.video.requestKeyFrame().catch(() => undefined));
    }, delay);
  }

  /** Start ffmpeg if the disk has room, else report the full disk and try again later. */
  private async launch(session: Session): Promise<void> {
    const free = await freeBytes(this.opts.dir);
    if (this.session !== session || session.stopping || session.proc) return;
    if (free !== null && free < MIN_FREE_BYTES) {
      this.pauseForDisk(session);
      return;
    }
    session.diskFull = false;
    this.spawnFfmpeg(session);
  }

  private pauseForDisk(session: Session): void {
    const delay = this.nextDelay(session);
    if (this._problem !== 'disk-full') {
      this.opts.log.error(
        { dir: this.opts.dir, minFreeBytes: MIN_FREE_BYTES, retryMs: delay },
        'HLS recording paused: the disk is full (live viewers are not affected); retrying',
      );
    }
    this._problem = 'disk-full';
    this.retry(session, delay);
  }

  /** While ffmpeg runs: too little room left → end it (it would write empty files) and wait for space. */
  private async checkDisk(session: Session): Promise<void> {
    const free = await freeBytes(this.opts.dir);
    const proc = session.proc;
    if (free === null || free >= MIN_FREE_BYTES || !proc || proc.exitCode !== null || proc.signalCode !== null) return;
    session.diskFull = true;
    proc.kill('SIGKILL');
  }

  /** End the session: ffmpeg finishes its last segment (SIGINT), the transports close. The playlist stays open. */
  async stop(why: string): Promise<void> {
    if (this.starting) await this.starting;
    const session = this.session;
    if (!session) return this.stopped;
    this.session = null;
    this.stopped = this.close(session, why);
    return this.stopped;
  }

  private async close(session: Session, why: string): Promise<void> {
    session.stopping = true;
    clearInterval(session.keyTimer);
    if (session.diskTimer) clearInterval(session.diskTimer);
    if (session.restartTimer) clearTimeout(session.restartTimer);
    for (const t of session.transports) t.close();
    const proc = session.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGINT');
      const killer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
      await session.exited;
      clearTimeout(killer);
    }
    this.opts.log.info({ why }, 'HLS recording stopped');
  }

  /** The show ended: close the playlist so it is a VOD recording (idempotent). */
  finalize(): void {
    finalizePlaylist(this.playlistPath, this.opts.log);
  }
}

async function freeBytes(dir: string): Promise<number | null> {
  try {
    const st = await statfs(dir);
    return st.bavail * st.bsize;
  } catch {
    return null;
  }
}

/** Append EXT-X-ENDLIST to a playlist that has segments and lacks it. */
export function finalizePlaylist(path: string, log: Logger): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  if (text.includes('#EXT-X-ENDLIST')) return true;
  if (!text.includes('#EXTINF')) return false;
  try {
    appendFileSync(path, `${text.endsWith('\n') ? '' : '\n'}#EXT-X-ENDLIST\n`);
    return true;
  } catch (err) {
    log.error({ err, path }, 'cannot close the HLS playlist');
    return false;
  }
}
