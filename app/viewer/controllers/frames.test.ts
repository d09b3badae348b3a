import { describe, expect, it } from 'vitest';
import { createViewerStore } from '../store';
import { FrameMonitor } from './frames';

const meta = (presentedFrames: number): VideoFrameCallbackMetadata => ({
  presentationTime: presentedFrames,
  expectedDisplayTime: presentedFrames + 16,
  mediaTime: presentedFrames / 30,
  presentedFrames,
  width: 720,
  height: 1280,
});

describe('FrameMonitor', () => {
  it('keeps counting when the element gets a new source and the browser count restarts', () => {
    const store = createViewerStore();
    const video = { requestVideoFrameCallback: () => 1, cancelVideoFrameCallback: () => undefined } as unknown as HTMLVideoElement;
    const monitor = new FrameMonitor(video, store);
    monitor.start();
    for (const n of [1, 2, 460]) monitor.onFrame(n, meta(n));
    expect(store.getState().presentedFrames).toBe(460);
    // HLS left, WebRTC's MediaStream playing in the same element: its own count starts at 1.
    for (const n of [1, 2, 3]) monitor.onFrame(1000 + n, meta(n));
    expect(store.getState().presentedFrames).toBe(463);
    expect(
      monitor
        .samples()
        .map((s) => s.presentedFrames)
        .slice(-4),
    ).toEqual([460, 461, 462, 463]);
  });
});
