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
  attempts: number;
  stopping: boolean;
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
        attempts: 0,
        stopping: false,
      };
      this.session = session;
      for (const c of consumers) {
        c.on('producerclose', () => void this.stop('the studio stopped publishing'));
        c.on('transportclose', () => void this.stop('the router closed'));
      }
      this.spawnFfmpeg(session);
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
        const delay = RESTART_DELAYS_MS[Math.min(session.attempts, RESTART_DELAYS_MS.length - 1)]!;
        session.attempts++;
        if (/No space left on device/i.test(stderr)) {
          this._problem = 'disk-full';
          opts.log.error(
            { dir: opts.dir, retryMs: delay },
            'HLS recording stopped: the disk is full (live viewers are not affected); retrying',
          );
        } else if (this._problem !== 'ffmpeg-missing') {
          this._problem = 'ffmpeg-failed';
          opts.log.warn({ code, signal, stderr: stderr.trim().slice(-500), retryMs: delay }, 'HLS ffmpeg exited; restarting');
        } else {
          opts.log.error({ ffmpegBin: opts.ffmpegBin, retryMs: delay }, 'HLS recording needs ffmpeg: FFMPEG_BIN not found');
        }
        session.restartTimer = setTimeout(() => {
          session.restartTimer = null;
          if (this.session !== session || session.stopping) return;
          this.spawnFfmpeg(session);
          void session.video.requestKeyFrame().catch(() => undefined);
        }, delay);
      });
    });
    proc.once('spawn', () => {
      if (this._problem === 'ffmpeg-failed' || this._problem === 'ffmpeg-missing') this._problem = null;
    });
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
