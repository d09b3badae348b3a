import { describe, expect, it } from 'vitest';
import { splitAmount } from './split';

/** Deterministic uniform integers for the tests (xorshift32). */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

describe('red packet split', () => {
  it('sums exactly and gives every share at least one minor unit', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const count = 1 + r(200);
      const total = count + r(100_000);
      const shares = splitAmount(total, count, r);
      expect(shares).toHaveLength(count);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      for (const s of shares) expect(s).toBeGreaterThanOrEqual(1);
    }
  });

  it('handles the edges: one share, one unit each', () => {
    expect(splitAmount(999, 1, rng(3))).toEqual([999]);
    expect(splitAmount(50, 50, rng(3))).toEqual(Array(50).fill(1));
  });

  it('spreads the amount (no share takes almost everything on average)', () => {
    const r = rng(42);
    let maxShareSum = 0;
    for (let i = 0; i < 200; i++) maxShareSum += Math.max(...splitAmount(10_000, 10, r));
    // Mean of the largest of 10 double-mean shares is a few times the mean (1000), far from the total.
    expect(maxShareSum / 200).toBeLessThan(3500);
    expect(maxShareSum / 200).toBeGreaterThan(1000);
  });

  it('rejects impossible splits', () => {
    expect(() => splitAmount(10, 11, rng(1))).toThrow(RangeError);
    expect(() => splitAmount(10, 0, rng(1))).toThrow(RangeError);
    expect(() => splitAmount(1.5, 1, rng(1))).toThrow(RangeError);
    expect(() => splitAmount(5000, 1001, rng(1))).toThrow(RangeError);
  });
});
