import { describe, expect, it } from 'vitest';
import { fleetWindow } from './fleet-window';
import { RtpCounter } from './rtp-counter';
import type { FleetSnapshot } from './viewer-fleet';
import type { ViewerSnapshot } from './viewer-peer';

function viewer(id: number, video: RtpCounter | null, audio: RtpCounter | null): ViewerSnapshot {
  return {
    id,
    connected: true,
    firstVideoMs: 100,
    video: video?.snapshot() ?? null,
    audio: audio?.snapshot() ?? null,
    videoCodec: 'video/VP8',
    spatialLayer: 2,
    consumersClosed: 0,
    publisherDrops: 0,
    error: null,
  };
}

function snap(at: number, viewers: ViewerSnapshot[]): FleetSnapshot {
  return { at, viewers, processCpuSeconds: [] };
}

/** Pushes `count` packets from `from`, skipping the sequence numbers in `skip`; every third video packet ends a frame. */
function push(c: RtpCounter, from: number, count: number, skip: number[] = []): void {
  for (let s = from; s < from + count; s++) if (!skip.includes(s)) c.push(s, (s - from) % 3 === 2, 100);
}

describe('fleetWindow', () => {
  it('sums loss over every viewer and track, and gives each viewer its frame rate', () => {
    const [v1, a1, v2, a2] = [new RtpCounter(), new RtpCounter(), new RtpCounter(), new RtpCounter()];
    for (const c of [v1, a1, v2, a2]) push(c, 0, 10);
    const a = snap(0, [viewer(1, v1, a1), viewer(2, v2, a2)]);
    push(v1, 10, 90); // 30 frames in 1 s, no loss
    push(a1, 10, 50);
    push(v2, 10, 90, [20, 21]); // two video packets lost, one of them a frame's last
    push(a2, 10, 50, [30, 31]); // two audio packets lost
    const w = fleetWindow(a, snap(1000, [viewer(1, v1, a1), viewer(2, v2, a2)]));
    expect(w.windowS).toBe(1);
    expect(w.silent).toBe(0);
    expect(w.lossPct).toBeCloseTo((100 * 4) / 280, 6);
    expect(w.viewers.map((x) => x.fps)).toEqual([30, 29]);
    expect(w.fpsMean).toBe(29.5);
    expect(w.fpsMin).toBe(29);
  });

  it('counts a viewer without a track, or that received nothing, as silent', () => {
    const [v1, a1, v2, a2] = [new RtpCounter(), new RtpCounter(), new RtpCounter(), new RtpCounter()];
    for (const c of [v1, a1, v2, a2]) push(c, 0, 10);
    const a = snap(0, [viewer(1, v1, a1), viewer(2, v2, a2), viewer(3, null, null)]);
    push(v1, 10, 30);
    push(a1, 10, 10);
    push(a2, 10, 10); // viewer 2's video stalled
    const w = fleetWindow(a, snap(2000, [viewer(1, v1, a1), viewer(2, v2, a2), viewer(3, null, null)]));
    expect(w.silent).toBe(2);
    expect(w.viewers.map((x) => x.viewer.id)).toEqual([1, 2]);
    expect(w.fpsMin).toBe(0);
  });

  it('reports 100 % loss when nothing was expected', () => {
    expect(fleetWindow(snap(0, []), snap(1000, [])).lossPct).toBe(100);
  });
});
