import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { PayWithin } from '../components/CheckoutSheet';
import { initViewerI18n } from '../i18n';
import { formatCountdown, reservationClock, SkewEstimator } from './countdown';
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

describe('reservationClock', () => {
  const pending = { status: 'pending_payment', expiresAt: 1_000_000 };

  it("counts down to the order's expiresAt on the server clock, then reads expired", () => {
    // A flash-sale order placed just now: 3 minutes to pay.
    expect(reservationClock(pending, 1_000_000 - 180_000)).toEqual({ state: 'counting', left: '03:00' });
    expect(reservationClock(pending, 1_000_000 - 299_000)).toEqual({ state: 'counting', left: '04:59' });
    expect(reservationClock(pending, 1_000_000 - 1)).toEqual({ state: 'counting', left: '00:01' });
    // Expired from the moment expiresAt passes, before the server's sweeper cancels it.
    expect(reservationClock(pending, 1_000_000)).toEqual({ state: 'expired' });
    expect(reservationClock(pending, 1_060_000)).toEqual({ state: 'expired' });
  });

  it('shows nothing for orders that are not awaiting payment', () => {
    for (const status of ['paid', 'cancelled', 'shipped', 'refunded']) {
      expect(reservationClock({ ...pending, status }, 0)).toEqual({ state: 'none' });
    }
  });

  it('renders "请在 04:59 内支付" / "Pay within 04:59", and the expired state', async () => {
    const i18n = initViewerI18n('zh-CN');
    const html = (now: number) =>
      renderToStaticMarkup(createElement(PayWithin, { clock: reservationClock(pending, now) }))
        .replace(/<[^>]+>/g, '')
        .trim();
    expect(html(1_000_000 - 299_000)).toBe('请在 04:59 内支付');
    expect(html(1_000_000)).toBe(i18n.t('checkout.expired'));
    await i18n.changeLanguage('en');
    expect(html(1_000_000 - 299_000)).toBe('Pay within 04:59');
    expect(html(1_000_000 + 5)).toBe('Time to pay is over — the reserved items are released');
    const markup = renderToStaticMarkup(createElement(PayWithin, { clock: reservationClock(pending, 1_000_000 - 61_000) }));
    expect(markup).toContain('data-testid="reservation-countdown">01:01</time>');
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
