import { describe, expect, it } from 'vitest';
import { discountPercent, formatCount, formatMoney, resolutionLabel } from './format';

describe('formatMoney', () => {
  it('formats minor units per currency and locale', () => {
    expect(formatMoney(1999, 'CNY', 'zh-CN')).toBe('¥19.99');
    expect(formatMoney(1999, 'USD', 'en')).toBe('$19.99');
    expect(formatMoney(0, 'CNY', 'en')).toBe('¥0.00');
    expect(formatMoney(123456789, 'CNY', 'zh-CN')).toBe('¥1,234,567.89');
    expect(formatMoney(1999, 'EUR', 'en')).toBe('€19.99');
  });

  it('uses zero decimals for zero-minor-digit currencies', () => {
    expect(formatMoney(1500, 'JPY', 'en')).toBe('¥1,500');
  });

  it('does not drift on amounts that are inexact in binary floating point', () => {
    expect(formatMoney(29, 'CNY', 'en')).toBe('¥0.29');
    expect(formatMoney(100000000001, 'CNY', 'en')).toBe('¥1,000,000,000.01');
  });
});

describe('discountPercent', () => {
  it('rounds down and ignores non-discounts', () => {
    expect(discountPercent(7900, 9900)).toBe(20);
    expect(discountPercent(6666, 9999)).toBe(33);
    expect(discountPercent(9900, 9900)).toBeNull();
    expect(discountPercent(9900, 7900)).toBeNull();
    expect(discountPercent(9900, undefined)).toBeNull();
    expect(discountPercent(9950, 10000)).toBeNull(); // 0.5 % is not shown as a badge
  });
});

describe('formatCount / resolutionLabel', () => {
  it('formats compactly per locale', () => {
    expect(formatCount(999, 'en')).toBe('999');
    expect(formatCount(1234, 'en')).toBe('1.2K');
    expect(formatCount(12345, 'zh-CN')).toBe('1.2万');
  });
  it('gives the same text as the compact formatter below 1000 without building it', () => {
    for (const locale of ['en', 'zh-CN']) {
      const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
      for (const n of [0, 1, 7, 42, 999, -999]) expect(formatCount(n, locale)).toBe(compact.format(n));
    }
  });
  it('labels heights', () => {
    expect(resolutionLabel(720)).toBe('720p');
    expect(resolutionLabel(0)).toBeNull();
    expect(resolutionLabel(null)).toBeNull();
  });
});
