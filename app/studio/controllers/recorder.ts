/**
 * Output controller (renderer side of recording + restream). The program (canvas video + mixed audio, from the
 * `programMedia` seam) is encoded once by MediaRecorder — Matroska/WebM with H.264 + Opus where supported — in short
 * timeslices, and the chunks go to the main process over the host's program-stream channel, in order, with at most
 * OUTPUT_STREAM.maxInFlightBytes unacknowledged. Main runs ffmpeg for the recording and every restream target; this
 * controller starts/stops them, polls their status into its own small store, and turns failures into UI errors.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { OUTPUT_STREAM, type OutputError, type OutputState, type RestreamTargetInput } from '../../../shared/protocol/host';
import { RpcError } from '../../../shared/protocol/rpc';
import type { HostBridge } from '../host-bridge';

/** MediaRecorder types in order of preference: H.264 can be copied by ffmpeg (no second encode); VP8/VP9 are re-encoded. */
export const RECORDER_MIME_TYPES = [
  'video/x-matroska;codecs=avc1,opus',
  'video/webm;codecs=h264,opus',
  'video/webm;codecs=avc1,opus',
  'video/webm;codecs=vp8,opus',
  'video/webm;codecs=vp9,opus',
  'video/webm',
] as const;

export function pickRecorderMimeType(isTypeSupported: (type: string) => boolean): string | null {
  for (const t of RECORDER_MIME_TYPES) {
    try {
      if (isTypeSupported(t)) return t;
    } catch {
      // some engines throw on unknown types
    }
  }
  return null;
}

/** A failure to show: i18n key under `output.errors.*` plus the technical detail. */
export interface OutputProblem {
  key: string;
  detail?: string;
}

export type EncoderState = 'idle' | 'starting' | 'running' | 'stopping';

export interface OutputViewState {
  /** Last state reported by main (null until the first answer). */
  main: OutputState | null;
  encoder: EncoderState;
  mimeType: string | null;
  /** Which action is in progress (buttons disabled meanwhile). */
  pending: 'record' | 'restream' | 'targets' | null;
  problem: OutputProblem | null;
}
export type OutputStore = StoreApi<OutputViewState>;

/** Derived: the recording is running (or starting / finishing). */
export const selectRecordingActive = (s: OutputViewState) => {
  const st = s.main?.recording?.state;
  return st === 'starting' || st === 'recording' || st === 'stopping';
};
export const selectRestreaming = (s: OutputViewState) => s.main?.restreaming ?? false;

export interface OutputControllerOptions {
  /** MediaRecorder timeslice (ms). */
  timesliceMs?: number;
  /** Video bitrate for the encode (bit/s), read when a session starts. */
  videoBitsPerSecond?: () => number;
  /** Poll interval of the status while something runs (ms). */
  pollMs?: number;
  /** Most bytes waiting in the renderer before the session is given up (host too slow). */
  maxQueuedBytes?: number;
}

interface Session {
  id: string;
  recorder: MediaRecorder;
  seq: number;
  queue: Blob[];
  queuedBytes: number;
  inFlight: Map<number, { bytes: number; done: Promise<void> }>;
  inFlightBytes: number;
  pumping: Promise<void> | null;
  failed: boolean;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class OutputController {
  readonly store: OutputStore = createStore<OutputViewState>()(() => ({
    main: null,
    encoder: 'idle',
    mimeType: null,
    pending: null,
    problem: null,
  }));
  private session: Session | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private readonly timesliceMs: number;
  private readonly pollMs: number;
  private readonly maxQueuedBytes: number;

  constructor(
    private readonly host: HostBridge,
    /** The program: canvas video track + mixed audio track (the compositor's seam). */
    private readonly programMedia: () => MediaStream,
    private readonly opts: OutputControllerOptions = {},
  ) {
    this.timesliceMs = opts.timesliceMs ?? 250;
    this.pollMs = opts.pollMs ?? 1000;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 64 * 1024 * 1024;
  }

  /** Load the state once (targets, ffmpeg availability). */
  async start(): Promise<void> {
    await this.refresh();
  }

  async refresh(): Promise<OutputState | null> {
    try {
      const main = await this.host.call('output.getState', {});
      this.apply(main);
      return main;
    } catch (err) {
      this.fail('hostLink', describe(err));
      return null;
    }
  }

  private apply(main: OutputState): void {
    this.store.setState({ main });
    // The recording ended on its own (disk error…) and nothing else uses the stream: stop encoding.
    const st = this.store.getState();
    if (this.session && st.pending === null && st.encoder === 'running' && !selectRecordingActive(st) && !selectRestreaming(st)) {
      void this.endSessionIfIdle();
    }
    const running = main.session !== null || main.restreaming || main.recording?.state === 'stopping';
    if (running && !this.pollTimer) {
      this.pollTimer = setInterval(() => void this.refresh(), this.pollMs);
    } else if (!running && this.pollTimer && !this.session) {
      clearInterval(this.pollTimer);
      this.pollTimer = null;
    }
  }

  private fail(key: string, detail?: string): void {
    this.store.setState({ problem: { key, ...(detail ? { detail } : {}) } });
  }

  dismissProblem(): void {
    this.store.setState({ problem: null });
  }

  // ---- recording / restream ---------------------------------------------------------------------------------

  async startRecording(): Promise<void> {
    await this.run('record', async () => {
      const sessionId = await this.ensureSession();
      this.apply(await this.host.call('output.startRecording', { sessionId }));
    });
  }

  async stopRecording(): Promise<void> {
    await this.run('record', async () => {
      this.apply(await this.host.call('output.stopRecording', {}));
      await this.endSessionIfIdle();
    });
  }

  async startRestream(): Promise<void> {
    await this.run('restream', async () => {
      const sessionId = await this.ensureSession();
      try {
        this.apply(await this.host.call('output.startRestream', { sessionId }));
      } catch (err) {
        await this.endSessionIfIdle();
        throw err;
      }
    });
  }

  async stopRestream(): Promise<void> {
    await this.run('restream', async () => {
      this.apply(await this.host.call('output.stopRestream', {}));
      await this.endSessionIfIdle();
    });
  }

  async saveTarget(target: RestreamTargetInput): Promise<boolean> {
    return this.run('targets', async () => {
      this.apply(await this.host.call('output.saveTarget', { target }));
    });
  }

  async removeTarget(id: string): Promise<boolean> {
    return this.run('targets', async () => {
      this.apply(await this.host.call('output.removeTarget', { id }));
    });
  }

  async openFolder(): Promise<void> {
    try {
      const { opened } = await this.host.call('output.openFolder', {});
      if (!opened) this.fail('openFolder', this.store.getState().main?.recordingsDir);
    } catch (err) {
      this.fail('openFolder', describe(err));
    }
  }

  private async run(pending: OutputViewState['pending'], fn: () => Promise<void>): Promise<boolean> {
    this.store.setState({ pending, problem: null });
    try {
      await fn();
      return true;
    } catch (err) {
      if (err instanceof OutputStartError) this.fail(err.key, err.detail);
      else if (err instanceof RpcError && err.code === 'DISCONNECTED') this.fail('hostLink', err.message);
      else this.fail('action', describe(err));
      await this.refresh();
      return false;
    } finally {
      this.store.setState({ pending: null });
    }
  }

  // ---- the program stream -----------------------------------------------------------------------------------

  /** Start MediaRecorder + the main-side session if none runs; returns the session id. */
  private async ensureSession(): Promise<string> {
    if (this.session && !this.session.failed) return this.session.id;
    const main = await this.refresh();
    if (main && !main.ffmpeg.ok) throw new OutputStartError('no_ffmpeg', main.ffmpeg.message);
    if (typeof MediaRecorder === 'undefined') throw new OutputStartError('noEncoder');
    const mimeType = pickRecorderMimeType((t) => MediaRecorder.isTypeSupported(t));
    if (!mimeType) throw new OutputStartError('noEncoder');
    const stream = this.programMedia();
    if (stream.getVideoTracks().length === 0) throw new OutputStartError('noProgram');
    this.store.setState({ encoder: 'starting', mimeType });
    const { sessionId } = await this.host.call('output.begin', { mimeType });
    let recorder: MediaRecorder;
    try {
      const options: MediaRecorderOptions & { videoKeyFrameIntervalDuration?: number } = {
        mimeType,
        videoBitsPerSecond: this.opts.videoBitsPerSecond?.() ?? 4_500_000,
        audioBitsPerSecond: 128_000,
        // A keyframe every 2 s: what RTMP platforms ask for, and where a reconnecting target rejoins.
        videoKeyFrameIntervalDuration: 2000,
      };
      recorder = new MediaRecorder(stream, options);
    } catch (err) {
      await this.host.call('output.end', { sessionId }).catch(() => {});
      this.store.setState({ encoder: 'idle' });
      throw new OutputStartError('noEncoder', describe(err));
    }
    const session: Session = {
      id: sessionId,
      recorder,
      seq: 0,
      queue: [],
      queuedBytes: 0,
      inFlight: new Map(),
      inFlightBytes: 0,
      pumping: null,
      failed: false,
    };
    recorder.ondataavailable = (ev) => {
      if (session.failed || ev.data.size === 0) return;
      session.queue.push(ev.data);
      session.queuedBytes += ev.data.size;
      if (session.queuedBytes > this.maxQueuedBytes) {
        void this.abortSession(session, 'hostSlow');
        return;
      }
      this.pump(session);
    };
    recorder.onerror = (ev) => {
      const error = (ev as Event & { error?: DOMException }).error;
      void this.abortSession(session, 'encoderFailed', error?.message);
    };
    this.session = session;
    recorder.start(this.timesliceMs);
    this.store.setState({ encoder: 'running' });
    if (!this.pollTimer) this.pollTimer = setInterval(() => void this.refresh(), this.pollMs);
    return sessionId;
  }

  private pump(s: Session): void {
    if (s.pumping) return;
    s.pumping = (async () => {
      while (s.queue.length > 0 && !s.failed) {
        const blob = s.queue.shift()!;
        s.queuedBytes -= blob.size;
        const bytes = new Uint8Array(await blob.arrayBuffer());
        // Backpressure: wait for acknowledgements while too much is unacknowledged.
        while (s.inFlightBytes + bytes.byteLength > OUTPUT_STREAM.maxInFlightBytes && s.inFlight.size > 0) {
          await s.inFlight.values().next().value!.done;
        }
        if (s.failed) break;
        for (let off = 0; off < bytes.byteLength; off += OUTPUT_STREAM.maxChunkBytes)
          this.send(s, bytes.subarray(off, off + OUTPUT_STREAM.maxChunkBytes));
      }
    })().finally(() => {
      s.pumping = null;
      if (s.queue.length > 0 && !s.failed) this.pump(s);
    });
  }

  private send(s: Session, bytes: Uint8Array): void {
    const seq = s.seq++;
    s.inFlightBytes += bytes.byteLength;
    const done = this.host.sendOutputChunk({ sessionId: s.id, seq }, bytes).then(
      (ack) => {
        if (!ack.ok) void this.abortSession(s, 'sessionEnded', ack.error ? errorText(ack.error) : undefined);
      },
      (err: unknown) => void this.abortSession(s, 'hostLink', describe(err)),
    );
    const entry = {
      bytes: bytes.byteLength,
      done: done.finally(() => {
        s.inFlight.delete(seq);
        s.inFlightBytes -= bytes.byteLength;
      }),
    };
    s.inFlight.set(seq, entry);
  }

  /** Stop the encoder and wait until every chunk was delivered. */
  private async stopEncoder(s: Session): Promise<void> {
    if (s.recorder.state !== 'inactive') {
      const stopped = new Promise<void>((resolve) => s.recorder.addEventListener('stop', () => resolve(), { once: true }));
      s.recorder.stop();
      await stopped;
    }
    while (s.pumping) await s.pumping;
    await Promise.all([...s.inFlight.values()].map((e) => e.done));
  }

  /** Nothing uses the program stream any more: stop the encoder and end the session. */
  private async endSessionIfIdle(): Promise<void> {
    const s = this.session;
    const st = this.store.getState();
    if (!s || selectRecordingActive(st) || selectRestreaming(st)) return;
    this.session = null;
    this.store.setState({ encoder: 'stopping' });
    await this.stopEncoder(s);
    try {
      this.apply(await this.host.call('output.end', { sessionId: s.id }));
    } catch {
      // already ended by main
      await this.refresh();
    } finally {
      this.store.setState({ encoder: 'idle' });
    }
  }

  /** The stream cannot go on (host gone, main ended the session, encoder error). */
  private async abortSession(s: Session, key: string, detail?: string): Promise<void> {
    if (s.failed) return;
    s.failed = true;
    s.queue.length = 0;
    if (this.session === s) this.session = null;
    try {
      if (s.recorder.state !== 'inactive') s.recorder.stop();
    } catch {
      // already stopped
    }
    this.store.setState({ encoder: 'idle' });
    this.fail(key, detail);
    await this.host.call('output.end', { sessionId: s.id }).catch(() => {});
    await this.refresh();
  }

  /** Studio closing: stop everything (main finalizes the recording). */
  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    const s = this.session;
    if (!s) return;
    this.session = null;
    await this.stopEncoder(s).catch(() => {});
    await this.host.call('output.end', { sessionId: s.id }).catch(() => {});
  }
}

class OutputStartError extends Error {
  constructor(
    readonly key: string,
    readonly detail?: string,
  ) {
    super(detail ?? key);
  }
}

function errorText(e: OutputError): string {
  return `${e.code}: ${e.message}`;
}
