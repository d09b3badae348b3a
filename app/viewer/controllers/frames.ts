import type { FrameSample, ViewerStore } from '../store';

export type FrameListener = (sample: FrameSample) => void;

/**
 * Follows every frame the <video> presents (requestVideoFrameCallback): writes counts, the last frame's
 * metadata and the first-frame timings to the store, keeps the last `capacity` samples for benches and calls
 * registered listeners (the latency bench reads a pixel marker from the frame inside its listener).
 * A sample's presentedFrames counts every frame this <video> presented since the monitor started: the browser's
 * own count restarts at each new source (HLS → WebRTC hands the element a new player), the page's does not.
 */
export class FrameMonitor {
  private readonly ring: FrameSample[] = [];
  private readonly listeners = new Set<FrameListener>();
  private handle: number | null = null;
  /** Frames presented by the element's earlier sources, and the browser's count at the last callback. */
  private earlier = 0;
  private lastCount = 0;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly store: ViewerStore,
    private readonly capacity = 300,
  ) {}

  start(): void {
    if (this.handle === null) this.handle = this.video.requestVideoFrameCallback(this.onFrame);
  }

  stop(): void {
    if (this.handle !== null) this.video.cancelVideoFrameCallback(this.handle);
    this.handle = null;
  }

  /** Oldest → newest copy of the retained samples. */
  samples(): FrameSample[] {
    return this.ring.slice();
  }

  onFrame = (now: number, m: VideoFrameCallbackMetadata): void => {
    this.handle = this.video.requestVideoFrameCallback(this.onFrame);
    if (m.presentedFrames < this.lastCount) this.earlier += this.lastCount;
    this.lastCount = m.presentedFrames;
    const sample: FrameSample = {
      now,
      presentationTime: m.presentationTime,
      expectedDisplayTime: m.expectedDisplayTime,
      mediaTime: m.mediaTime,
      presentedFrames: this.earlier + m.presentedFrames,
      width: m.width,
      height: m.height,
      ...(m.captureTime !== undefined && { captureTime: m.captureTime }),
      ...(m.receiveTime !== undefined && { receiveTime: m.receiveTime }),
      ...(m.rtpTimestamp !== undefined && { rtpTimestamp: m.rtpTimestamp }),
      ...(m.processingDuration !== undefined && { processingDuration: m.processingDuration }),
    };
    this.ring.push(sample);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    this.store.getState().frame(sample);
    for (const fn of this.listeners) {
      try {
        fn(sample);
      } catch (err) {
        console.error('storecast: frame listener failed', err);
      }
    }
  };

  subscribe(fn: FrameListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
