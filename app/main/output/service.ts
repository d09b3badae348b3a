/**
 * Output service (main process): recording and restreaming of the program — the sessions and the outputs' lifecycle.
 *
 * The renderer encodes the program once with MediaRecorder (Matroska/WebM, H.264 + Opus) and streams the chunks here
 * (host stream channel). This service splits the stream at element boundaries (mkv-stream.ts) and fans it out to one
 * ffmpeg process per output: the recording (fragmented MP4 in the recordings folder) and each enabled restream target
 * (FLV over RTMP(S)). Outputs are independent: a target that is refused or drops retries with exponential backoff
 * (joining the stream again at the next video keyframe) while the recording and the other targets keep running.
 * Stream keys live in `output-settings.json` (atomic writes, mode 0600) and never appear in logs or messages.
 *
 * Beside it: `program-stream.ts` (session, taps, fan-out), `recording.ts` (the recording's process and status),
 * `restream.ts` (stored targets, one retrying runner per target).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  OUTPUT_STREAM,
  type OutputChunkAck,
  type OutputChunkHeader,
  type OutputError,
  type OutputSettingsFile,
  type OutputState,
  type RecordingStatus,
  type RestreamTargetInput,
  type StoredRestreamTarget,
} from '../../../shared/protocol/host';
import { RpcError } from '../../../shared/protocol/rpc';
import { writeJsonAtomic } from '../atomic';
import { DEFAULT_ENCODE, type EncodeOptions } from './args';
import { type FfmpegResolution, resolveFfmpeg } from './ffmpeg';
import { type MkvEvent, MkvStreamError, MkvStreamSplitter, type MkvTrack } from './mkv-stream';
import { fanOut, nowMs, type OutputLogger, type Session, type Tap } from './program-stream';
import { finishRecording, type Recording, recordingName, recordingTap } from './recording';
import { DEFAULT_RETRY, loadTargets, type RetryPolicy, TargetRunner, targetView } from './restream';

export interface OutputServiceOptions {
  recordingsDir: string;
  /** `output-settings.json` (restream targets + keys). */
  settingsFile: string;
  log: OutputLogger;
  ffmpeg?: () => FfmpegResolution;
  retry?: Partial<RetryPolicy>;
  idleTimeoutMs?: number;
  /** Bytes allowed to queue on one sink's stdin. */
  maxQueuedBytes?: number;
  encode?: EncodeOptions;
  /** Clock for file names (tests). */
  now?: () => Date;
}

export class OutputService {
  readonly log: OutputLogger;
  readonly encode: EncodeOptions;
  readonly maxQueuedBytes: number;
  private readonly retry: RetryPolicy;
  private readonly idleTimeoutMs: number;
  private targets: StoredRestreamTarget[] = [];
  private session: Session | null = null;
  private recording: Recording | null = null;
  private runners = new Map<string, TargetRunner>();
  private restreaming = false;
  private readonly taps = new Set<Tap>();
  private writeChain: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: OutputServiceOptions) {
    this.log = opts.log;
    this.encode = opts.encode ?? DEFAULT_ENCODE;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 32 * 1024 * 1024;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.idleTimeoutMs = opts.idleTimeoutMs ?? OUTPUT_STREAM.idleTimeoutMs;
  }

  static async create(opts: OutputServiceOptions): Promise<OutputService> {
    const svc = new OutputService(opts);
    svc.targets = await loadTargets(opts.settingsFile, opts.log);
    return svc;
  }

  ffmpegNow(): FfmpegResolution {
    return (this.opts.ffmpeg ?? resolveFfmpeg)();
  }

  sessionTracks(): MkvTrack[] | null {
    return this.session?.init ? this.session.tracks : null;
  }

  attach(tap: Tap): void {
    this.taps.add(tap);
  }

  detach(tap: Tap): void {
    this.taps.delete(tap);
  }

  state(): OutputState {
    const ff = this.ffmpegNow();
    const s = this.session;
    const video = s?.tracks.find((t) => t.type === 'video');
    return {
      ffmpeg: ff.ok ? { ok: true, path: ff.path, source: ff.source } : { ok: false, message: ff.message },
      recordingsDir: this.opts.recordingsDir,
      session: s ? { id: s.id, startedAt: s.startedAt, receivedBytes: s.splitter.totalBytes, videoCodec: video?.codecId ?? null } : null,
      recording: this.recording ? { ...this.recording.status } : null,
      restreaming: this.restreaming,
      targets: this.targets.map(targetView),
      targetStatus: [...this.runners.values()].map((r) => ({ ...r.status })),
    };
  }

  // ---- session (program stream) -------------------------------------------------------------------------------

  begin(mimeType: string): { sessionId: string } {
    if (this.session) throw new RpcError('BAD_STATE', 'an output session is already running');
    if (!/^(video|audio)\/(webm|x-matroska)\b/i.test(mimeType)) {
      throw new RpcError('BAD_REQUEST', `unsupported program stream type "${mimeType}" (expected WebM or Matroska)`);
    }
    const id = randomBytes(16).toString('hex');
    const session: Session = {
      id,
      startedAt: nowMs(),
      mimeType,
      splitter: new MkvStreamSplitter(),
      nextSeq: 0,
      init: null,
      tracks: [],
      videoTrack: null,
      clusterPrefix: [],
      lastChunkAt: nowMs(),
      idleTimer: setInterval(() => {
        if (this.session === session && nowMs() - session.lastChunkAt > this.idleTimeoutMs) {
          this.log.warn('program stream stopped arriving; ending the output session');
          void this.endSession(session, { code: 'input', message: 'the program stream from the studio stopped arriving' });
        }
      }, 1000),
    };
    session.idleTimer.unref?.();
    this.session = session;
    this.log.info(`output session started (${mimeType})`);
    return { sessionId: id };
  }

  private requireSession(sessionId: string): Session {
    const s = this.session;
    if (!s || s.id !== sessionId) throw new RpcError('BAD_STATE', 'no such output session (it ended)');
    return s;
  }

  /** One chunk of the program stream (in order). Never throws: a bad chunk ends the session and the ack says why. */
  chunk(header: OutputChunkHeader, bytes: Uint8Array): OutputChunkAck {
    const s = this.session;
    const fail = (error: OutputError): OutputChunkAck => ({ sessionId: header.sessionId, seq: header.seq, ok: false, error });
    if (!s || s.id !== header.sessionId) return fail({ code: 'input', message: 'the output session is not running' });
    if (bytes.byteLength > OUTPUT_STREAM.maxChunkBytes) {
      void this.endSession(s, { code: 'input', message: 'program stream chunk too large' });
      return fail({ code: 'input', message: 'program stream chunk too large' });
    }
    if (header.seq !== s.nextSeq) {
      const error: OutputError = { code: 'input', message: `program stream chunk out of order (got ${header.seq}, expected ${s.nextSeq})` };
      void this.endSession(s, error);
      return fail(error);
    }
    s.nextSeq++;
    s.lastChunkAt = nowMs();
    let events: MkvEvent[];
    try {
      events = s.splitter.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (err) {
      const error: OutputError = { code: 'input', message: err instanceof MkvStreamError ? err.message : String(err) };
      void this.endSession(s, error);
      return fail(error);
    }
    for (const ev of events) this.route(s, ev);
    return { sessionId: s.id, seq: header.seq, ok: true, error: null };
  }

  private route(s: Session, ev: MkvEvent): void {
    if (ev.kind === 'init') {
      s.init = ev.bytes;
      s.tracks = ev.tracks;
      s.videoTrack = ev.tracks.find((t) => t.type === 'video')?.number ?? null;
      if (s.videoTrack === null) {
        void this.endSession(s, { code: 'input', message: 'the program stream has no video track' });
        return;
      }
      if (this.recording && !this.recording.tap && this.recording.status.state === 'starting') this.spawnRecording();
      for (const r of this.runners.values()) r.onTracks();
      return;
    }
    fanOut(s, ev, this.taps);
  }

  async end(sessionId: string): Promise<OutputState> {
    const s = this.requireSession(sessionId);
    await this.endSession(s, null);
    return this.state();
  }

  private async endSession(s: Session, error: OutputError | null): Promise<void> {
    if (this.session !== s) return;
    this.session = null;
    clearInterval(s.idleTimer);
    this.log.info(`output session ended${error ? ` (${error.code}: ${error.message})` : ''}`);
    await Promise.all([this.finishRecording(error), this.stopRunners()]);
    this.restreaming = false;
  }

  // ---- recording ----------------------------------------------------------------------------------------------

  async startRecording(sessionId: string): Promise<OutputState> {
    this.requireSession(sessionId);
    const st = this.recording?.status.state;
    if (st === 'starting' || st === 'recording' || st === 'stopping') throw new RpcError('BAD_STATE', 'already recording');
    const file = join(this.opts.recordingsDir, recordingName(this.opts.now?.() ?? new Date()));
    const status: RecordingStatus = { state: 'starting', file, startedAt: nowMs(), endedAt: null, bytes: 0, mediaMs: 0, error: null };
    this.recording = { status, tap: null };
    const ff = this.ffmpegNow();
    if (!ff.ok) {
      this.recording.status = { ...status, state: 'error', endedAt: nowMs(), error: { code: 'no_ffmpeg', message: ff.message } };
      return this.state();
    }
    try {
      await mkdir(this.opts.recordingsDir, { recursive: true });
    } catch (err) {
      this.recording.status = {
        ...status,
        state: 'error',
        endedAt: nowMs(),
        error: { code: 'disk', message: `cannot create the recordings folder: ${(err as Error).message}` },
      };
      return this.state();
    }
    if (this.session?.init) this.spawnRecording();
    this.log.info(`recording to ${file}`);
    return this.state();
  }

  private spawnRecording(): void {
    const rec = this.recording;
    const tracks = this.sessionTracks();
    const ff = this.ffmpegNow();
    if (!rec || !tracks) return;
    if (!ff.ok) {
      rec.status = { ...rec.status, state: 'error', endedAt: nowMs(), error: { code: 'no_ffmpeg', message: ff.message } };
      return;
    }
    rec.tap = recordingTap(rec, {
      bin: ff.path,
      tracks,
      encode: this.encode,
      maxQueuedBytes: this.maxQueuedBytes,
      log: this.log,
      current: () => this.recording,
      detach: (tap) => this.detach(tap),
    });
    this.attach(rec.tap);
  }

  async stopRecording(): Promise<OutputState> {
    await this.finishRecording(null);
    return this.state();
  }

  private finishRecording(reason: OutputError | null): Promise<void> {
    return finishRecording(this.recording, reason, (tap) => this.detach(tap));
  }

  // ---- restream -----------------------------------------------------------------------------------------------

  async startRestream(sessionId: string): Promise<OutputState> {
    this.requireSession(sessionId);
    if (this.restreaming) throw new RpcError('BAD_STATE', 'already restreaming');
    const enabled = this.targets.filter((t) => t.enabled);
    if (enabled.length === 0) throw new RpcError('BAD_STATE', 'no restream target is enabled');
    this.restreaming = true;
    for (const t of enabled) this.startRunner(t);
    return this.state();
  }

  private startRunner(t: StoredRestreamTarget): void {
    const runner = new TargetRunner(t, this, this.retry);
    this.runners.set(t.id, runner);
    runner.start();
  }

  async stopRestream(): Promise<OutputState> {
    await this.stopRunners();
    this.restreaming = false;
    return this.state();
  }

  private async stopRunners(): Promise<void> {
    const runners = [...this.runners.values()];
    this.runners.clear();
    await Promise.all(runners.map((r) => r.stop()));
  }

  // ---- targets ------------------------------------------------------------------------------------------------

  private persistTargets(next: StoredRestreamTarget[]): Promise<void> {
    const value: OutputSettingsFile = { version: 1, targets: next };
    const write = this.writeChain.then(() => writeJsonAtomic(this.opts.settingsFile, value));
    this.writeChain = write.catch(() => {});
    return write;
  }

  async saveTarget(input: RestreamTargetInput): Promise<OutputState> {
    const existing = input.id ? this.targets.find((t) => t.id === input.id) : undefined;
    if (input.id && !existing) throw new RpcError('NOT_FOUND', 'no such restream target');
    if (!existing && this.targets.length >= 20) throw new RpcError('BAD_REQUEST', 'at most 20 restream targets');
    const target: StoredRestreamTarget = {
      id: existing?.id ?? randomBytes(9).toString('base64url'),
      name: input.name,
      platform: input.platform,
      url: input.url,
      enabled: input.enabled,
      streamKey: input.streamKey ?? existing?.streamKey ?? '',
    };
    const next = existing ? this.targets.map((t) => (t.id === target.id ? target : t)) : [...this.targets, target];
    await this.persistTargets(next); // a failed write changes nothing (→ INTERNAL)
    this.targets = next;
    // A running target picks up its new settings (or stops when disabled).
    if (this.restreaming) {
      const runner = this.runners.get(target.id);
      if (runner) {
        this.runners.delete(target.id);
        await runner.stop();
      }
      if (target.enabled) this.startRunner(target);
    }
    return this.state();
  }

  async removeTarget(id: string): Promise<OutputState> {
    if (!this.targets.some((t) => t.id === id)) throw new RpcError('NOT_FOUND', 'no such restream target');
    const next = this.targets.filter((t) => t.id !== id);
    await this.persistTargets(next);
    this.targets = next;
    const runner = this.runners.get(id);
    if (runner) {
      this.runners.delete(id);
      await runner.stop();
    }
    if (this.restreaming && this.runners.size === 0) this.restreaming = false;
    return this.state();
  }

  /** Process id of the recording's ffmpeg (diagnostics and crash tests). */
  recordingPid(): number | null {
    return this.recording?.tap?.sink.pid ?? null;
  }

  /** Stop everything (studio closing): the recording is finalized. */
  async close(): Promise<void> {
    if (this.session) await this.endSession(this.session, null);
    await this.finishRecording(null);
    await this.stopRunners();
    await this.writeChain;
  }
}
