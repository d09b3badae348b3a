import { describe, expect, it } from 'vitest';
import { QueueWatch } from './queue-watch';

/** Frames at 30 fps from `t0`: capture time i × 33.3 ms, arriving `delay(i)` ms after capture. */
function feed(
  w: QueueWatch,
  n: number,
  delay: (i: number) => number,
  opts: { t0?: number; rtp0?: number; i0?: number; width?: number } = {},
) {
  const out: (number | null)[] = [];
  const { t0 = 1000, rtp0 = 2 ** 32 - 22 * 3000, i0 = 0, width = 1280 } = opts;
  for (let i = i0; i < i0 + n; i++) {
    const capture = t0 + (i * 1000) / 30;
    out.push(w.frame({ receiveTime: capture + 5 + delay(i), rtpTimestamp: (rtp0 + i * 3000) >>> 0, width, height: 720 }));
  }
  return out;
}

describe('QueueWatch', () => {
  it('reports a queue growing frame after frame, across the RTP clock wrapping', () => {
    const reports: number[] = [];
    const w = new QueueWatch((q) => reports.push(q));
    // The RTP clock wraps at the 23rd frame.
    expect(feed(w, 60, (i) => (i % 7) * 2).every((r) => r === null)).toBe(true);
    // The link fills (measured at a 600 kbit/s cap): reported at its third frame, 44 ms over the floor.
    const out = feed(w, 5, (i) => [5, 38, 44, 64, 87][i - 60]!, { i0: 60 });
    expect(reports).toEqual([44]);
    expect(out.indexOf(44)).toBe(2);
  });

  it('ignores one late frame (a retransmission, a key frame) and a stall that arrives in a burst', () => {
    const reports: number[] = [];
    const w = new QueueWatch((q) => reports.push(q));
    feed(w, 60, () => 0);
    feed(w, 1, () => 150, { i0: 60 }); // a retransmitted packet: one frame late
    // A busy studio's encoder behind for a moment (measured; and still later for two more frames).
    feed(w, 5, (i) => [5, 94, 115, 130, 140][i - 61]!, { i0: 61 });
    feed(w, 25, () => 0, { i0: 66 });
    feed(w, 4, (i) => [200, 167, 133, 100][i - 91]!, { i0: 91 }); // a studio stall: late frames, each less late
    feed(w, 30, () => 0, { i0: 95 });
    expect(reports).toEqual([]);
  });

  it('reports once per cooldown while the queue keeps growing', () => {
    const reports: number[] = [];
    const w = new QueueWatch((q) => reports.push(q));
    feed(w, 60, () => 0);
    // Growing 10 ms a frame for two seconds and a half.
    feed(w, 75, (i) => (i - 59) * 10, { i0: 60 });
    expect(reports).toEqual([40, 510]); // 2 s apart as the frames arrived
  });

  it('starts over on a new size or a new stream, and waits for a floor', () => {
    const reports: number[] = [];
    const w = new QueueWatch((q) => reports.push(q));
    feed(w, 60, () => 0);
    // A lower layer (a new size) whose frames arrive later than the top layer's did: a new floor, no report.
    feed(w, 10, () => 300, { i0: 60, width: 640 });
    // Too few frames of the new stream to judge a rise.
    feed(w, 5, (i) => 300 + (i - 69) * 30, { i0: 70, width: 640 });
    expect(reports).toEqual([]);
    // A new consumer: its RTP clock starts elsewhere.
    feed(w, 30, () => 0, { i0: 75, rtp0: 12345 });
    expect(reports).toEqual([]);
  });

  it('ignores frames without WebRTC timing (HLS)', () => {
    const w = new QueueWatch(() => {
      throw new Error('no report');
    });
    expect(w.frame({ width: 1280, height: 720 })).toBeNull();
  });
});
