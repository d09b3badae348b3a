/**
 * Where drawn program frames become a MediaStreamTrack (published, recorded, restreamed).
 *
 *  - `generator`: each frame is wrapped as `new VideoFrame(canvas)` and written to a `MediaStreamTrackGenerator`
 *    (Chromium, so Electron). The RGB → YUV conversion then happens where the encoder takes the frame, off the page's
 *    main thread. Measured here without a GPU (720p, H.264 simulcast encoding): ~4.5 ms less main-thread time per
 *    frame than `capture`.
 *  - `capture`: `canvas.captureStream(0)` + `requestFrame()` (every browser). In software Chromium the canvas is
 *    read back and converted on the main thread when the frame is finalized: ~10 ms per 720p frame here.
 *
 * Both push exactly the frames drawn (no capture clock of their own), so frame-synced overlay triggers and the
 * timestamp strip stay true.
 */

export type ProgramSinkKind = 'generator' | 'capture';

export interface ProgramSink {
  readonly kind: ProgramSinkKind;
  readonly track: MediaStreamTrack;
  /** The canvas holds a new frame drawn at `timeMs` (performance.now clock). */
  push(timeMs: number): void;
  /** Frames not pushed because the track's consumers had not taken the previous ones yet (generator). */
  readonly dropped: number;
  stop(): void;
}

/** Chromium's track generator (not in TypeScript's DOM lib: it is not standard; workers have VideoTrackGenerator). */
interface TrackGenerator extends MediaStreamTrack {
  readonly writable: WritableStream<VideoFrame>;
}
type TrackGeneratorCtor = new (init: { kind: 'video' | 'audio' }) => TrackGenerator;

function trackGeneratorCtor(): TrackGeneratorCtor | null {
  const ctor = (globalThis as { MediaStreamTrackGenerator?: TrackGeneratorCtor }).MediaStreamTrackGenerator;
  return typeof ctor === 'function' && typeof VideoFrame === 'function' ? ctor : null;
}

/** More frames than this waiting in the generator means the encoder is behind: drop instead of queueing latency. */
const MAX_PENDING_FRAMES = 2;

class GeneratorSink implements ProgramSink {
  readonly kind = 'generator' as const;
  readonly track: MediaStreamTrack;
  private readonly writer: WritableStreamDefaultWriter<VideoFrame>;
  private pending = 0;
  private lastTimestamp = -1;
  dropped = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    Ctor: TrackGeneratorCtor,
  ) {
    const generator = new Ctor({ kind: 'video' });
    this.track = generator;
    this.writer = generator.writable.getWriter();
    this.writer.closed.catch(() => {}); // a stopped track errors the stream; push() then finds it ended
  }

  push(timeMs: number): void {
    if (this.track.readyState === 'ended') return;
    if (this.pending >= MAX_PENDING_FRAMES) {
      this.dropped++;
      return;
    }
    // microseconds, strictly increasing (two frames in one clock tick must not share a timestamp)
    const timestamp = Math.max(Math.round(timeMs * 1000), this.lastTimestamp + 1);
    this.lastTimestamp = timestamp;
    const frame = new VideoFrame(this.canvas, { timestamp });
    this.pending++;
    // The generator takes ownership of a written frame; one it refused is closed here.
    this.writer.write(frame).then(
      () => {
        this.pending--;
      },
      () => {
        this.pending--;
        frame.close();
      },
    );
  }

  stop(): void {
    this.track.stop();
    this.writer.close().catch(() => {});
  }
}

class CaptureSink implements ProgramSink {
  readonly kind = 'capture' as const;
  readonly track: CanvasCaptureMediaStreamTrack;
  readonly dropped = 0;

  constructor(canvas: HTMLCanvasElement) {
    const track = canvas.captureStream(0).getVideoTracks()[0];
    if (!track) throw new Error('canvas.captureStream produced no track');
    this.track = track as CanvasCaptureMediaStreamTrack;
  }

  push(): void {
    this.track.requestFrame();
  }

  stop(): void {
    this.track.stop();
  }
}

/** `auto` takes the generator where the browser has one. */
export function createProgramSink(canvas: HTMLCanvasElement, pref: ProgramSinkKind | 'auto' = 'auto'): ProgramSink {
  const Ctor = pref === 'capture' ? null : trackGeneratorCtor();
  const sink = Ctor ? new GeneratorSink(canvas, Ctor) : new CaptureSink(canvas);
  sink.track.contentHint = 'motion';
  return sink;
}
