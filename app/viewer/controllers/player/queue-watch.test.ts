import { describe, expect, it } from 'vitest';
import { QUEUE_WATCH, QueueWatch } from './queue-watch';

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
    // The link fills: each frame ~25 ms later than the one before.
    const out = feed(w, 5, (i) => (i - 59) * 25, { i0: 60 });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toBeGreaterThanOrEqual(QUEUE_WATCH.RISE_MS);
    expect(out.indexOf(reports[0]!)).toBe(1); // the third rising frame, 50 ms over the floor
  });

  it('ignores one late frame (a retransmission, a key frame) and a stall that arrives in a burst', () => {
    const reports: number[] = [];
    const w = new QueueWatch((q) => reports.push(q));
    feed(w, 60, () => 0);
    feed(w, 1, () => 150, { i0: 60 }); // a retransmitted packet: one frame late
    feed(w, 30, () => 0, { i0: 61 });
    feed(w, 4, (i) => [200, 167, 133, 100][i - 91]!, { i0: 91 }); // a studio stall: late frames, each less late
    feed(w, 30, () => 0, { i0: 95 });
    expect(reports).toEqual([]);
  });

  it('reports a deep queue that no longer grows, once per cooldown', () => {
    const reports: number[] = [];
    const w = new QueueWatch((q) => reports.push(q));
    feed(w, 60, () => 0);
    feed(w, 30, () => 200, { i0: 60 }); // one second at +200 ms
    expect(reports).toEqual([200]);
    feed(w, 40, () => 200, { i0: 90 }); // past the cooldown
    expect(reports).toEqual([200, 200]);
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
