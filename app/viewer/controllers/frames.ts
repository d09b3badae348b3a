import type { FrameSample, ViewerStore } from '../store';

export type FrameListener = (sample: FrameSample) => void;

/**
 * Follows every frame the <video> presents (requestVideoFrameCallback): writes counts, the last frame's
 * metadata and the first-frame timings to the store, keeps the last `capacity` samples for benches and calls
 * registered listeners (the latency bench reads a pixel marker from the frame inside its listener).
 */
export class FrameMonitor {
  private readonly ring: FrameSample[] = [];
  private readonly listeners = new Set<FrameListener>();
  private handle: number | null = null;

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
    const sample: FrameSample = {
      now,
      presentationTime: m.presentationTime,
      expectedDisplayTime: m.expectedDisplayTime,
      mediaTime: m.mediaTime,
      presentedFrames: m.presentedFrames,
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
