import { describe, expect, it } from 'vitest';
import { RtpCounter, windowBetween } from './rtp-counter';

function feed(c: RtpCounter, seqs: number[], markerEvery = 0): void {
  for (const [i, s] of seqs.entries()) c.push(s, markerEvery > 0 && i % markerEvery === markerEvery - 1, 100);
}

describe('RtpCounter', () => {
  it('counts a gap-free stream as lossless', () => {
    const c = new RtpCounter();
    feed(
      c,
      Array.from({ length: 300 }, (_, i) => 1000 + i),
      3,
    );
    const s = c.snapshot();
    expect(s).toMatchObject({ received: 300, expected: 300, markers: 100, bytes: 30_000, duplicates: 0 });
  });

  it('counts sequence gaps as loss and a late (RTX-recovered) packet as received', () => {
    const c = new RtpCounter();
    feed(c, [10, 11, 13, 14, 17]); // 12, 15, 16 missing
    expect(c.snapshot()).toMatchObject({ received: 5, expected: 8 });
    c.push(12, false, 100); // recovered
    expect(c.snapshot()).toMatchObject({ received: 6, expected: 8 });
  });

  it('drops duplicates', () => {
    const c = new RtpCounter();
    feed(c, [1, 2, 2, 3, 3, 3]);
    expect(c.snapshot()).toMatchObject({ received: 3, expected: 3, duplicates: 3 });
  });

  it('handles 16-bit wrap-around', () => {
    const c = new RtpCounter();
    feed(c, [65533, 65534, 65535, 0, 1, 3]);
    expect(c.snapshot()).toMatchObject({ received: 6, expected: 7 });
  });

  it('widens the span for a packet reordered before the first one seen', () => {
    const c = new RtpCounter();
    feed(c, [5, 6, 4]);
    expect(c.snapshot()).toMatchObject({ received: 3, expected: 3 });
  });

  it('computes window deltas', () => {
    const c = new RtpCounter();
    feed(c, [0, 1, 2, 3]);
    const a = c.snapshot();
    feed(c, [4, 5, 7, 8, 9, 10, 11, 12, 13, 14]); // 6 lost
    const w = windowBetween(a, c.snapshot());
    expect(w).toMatchObject({ received: 10, expected: 11, lost: 1 });
    expect(w.lossFraction).toBeCloseTo(1 / 11);
  });
});
