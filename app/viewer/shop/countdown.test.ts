import { describe, expect, it } from 'vitest';
import { formatCountdown, SkewEstimator } from './countdown';
import { lineTotal, sumLines } from './money';

describe('formatCountdown', () => {
  it('formats mm:ss and h:mm:ss, rounding up and never negative', () => {
    expect(formatCountdown(299_000)).toBe('04:59');
    expect(formatCountdown(298_001)).toBe('04:59');
    expect(formatCountdown(59_999)).toBe('01:00');
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
    expect(formatCountdown(0)).toBe('00:00');
    expect(formatCountdown(-5_000)).toBe('00:00');
  });
});

describe('SkewEstimator', () => {
  it('narrows the skew from whole-second Date headers', () => {
    const e = new SkewEstimator();
    expect(e.estimate()).toBe(0);
    // Server is 10.3 s ahead: replies at local 1000.0 → server 11300 → header 11000.
    expect(e.add(11_000, 1_000)).toBe(10_500);
    // Local 1800 → server 12100 → header 12000: skew ∈ [10200, 11200) ∩ [10000, 11000) = [10200, 11000).
    expect(e.add(12_000, 1_800)).toBe(10_600);
  });

  it('starts over when the local clock jumps', () => {
    const e = new SkewEstimator();
    e.add(11_000, 1_000);
    expect(e.add(11_000, 100_000)).toBe(-88_500);
  });
});

describe('money', () => {
  it('sums integer minor units and refuses to mix currencies', () => {
    expect(lineTotal({ unitPriceMinor: 2990, qty: 3 })).toBe(8970);
    expect(
      sumLines([
        { unitPriceMinor: 10, qty: 1, currency: 'CNY' },
        { unitPriceMinor: 20, qty: 2, currency: 'CNY' },
      ]),
    ).toEqual({ ok: true, amountMinor: 50, currency: 'CNY' });
    // 0.1 + 0.2 style drift cannot happen in minor units.
    expect(
      sumLines([
        { unitPriceMinor: 10, qty: 1, currency: 'CNY' },
        { unitPriceMinor: 20, qty: 1, currency: 'CNY' },
      ]),
    ).toMatchObject({ amountMinor: 30 });
    expect(sumLines([])).toEqual({ ok: true, amountMinor: 0, currency: null });
    expect(
      sumLines([
        { unitPriceMinor: 10, qty: 1, currency: 'CNY' },
        { unitPriceMinor: 10, qty: 1, currency: 'USD' },
      ]),
    ).toEqual({ ok: false, reason: 'mixedCurrency' });
  });
});
