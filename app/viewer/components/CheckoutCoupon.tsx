/**
 * Checkout's coupon line: the live coupons this buyer claimed, and the server's quote (subtotal, discount, total) for
 * the chosen one. The order itself is priced by the server again; this line only shows what it will charge.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Quote } from '../../../shared/commerce/coupons';
import { useEngagement, useEngagementContext } from '../engagement/context';
import { formatMoney } from '../format';
import type { CheckoutItem } from '../shop/checkout';

export interface CouponChoice {
  couponId: string | null;
  quote: Quote | null;
}

export function CheckoutCoupon({
  items,
  showId,
  disabled,
  onChange,
}: {
  items: CheckoutItem[];
  showId: string | null;
  disabled: boolean;
  onChange: (choice: CouponChoice) => void;
}) {
  const { t, i18n } = useTranslation();
  const ctx = useEngagementContext();
  const claimed = useEngagement((s) => s.claimedCoupons);
  const coupons = useEngagement((s) => s.coupons);
  const usable = coupons.filter((c) => claimed.includes(c.id) && c.status === 'active');
  const [couponId, setCouponId] = useState<string | null>(null);
  const [quote, setQuote] = useState<Quote | null>(null);
  const [failed, setFailed] = useState(false);
  const key = JSON.stringify(items);

  // Pick the first usable coupon by default.
  useEffect(() => {
    if (couponId === null && usable[0]) setCouponId(usable[0].id);
  }, [couponId, usable]);

  useEffect(() => {
    let cancelled = false;
    if (!ctx || couponId === null) {
      setQuote(null);
      onChange({ couponId: null, quote: null });
      return;
    }
    setFailed(false);
    ctx.api
      .quote({ items: JSON.parse(key) as CheckoutItem[], couponId, ...(showId ? { showId } : {}) })
      .then((q) => {
        if (cancelled) return;
        setQuote(q);
        onChange({ couponId: q.couponError ? null : couponId, quote: q });
      })
      .catch(() => {
        if (!cancelled) setFailed(true);
      });
    return () => {
      cancelled = true;
    };
  }, [ctx, couponId, key, showId, onChange]);

  if (!ctx || usable.length === 0) return null;
  const money = (m: number, c: string) => formatMoney(m, c, i18n.language);
  return (
    <div className="coupon-line" data-testid="checkout-coupon">
      <label className="field-label" htmlFor="checkout-coupon">
        {t('engage.checkoutCoupon')}
      </label>
      <select
        id="checkout-coupon"
        className="input input--touch"
        value={couponId ?? ''}
        disabled={disabled}
        onChange={(e) => setCouponId(e.target.value || null)}
        data-testid="checkout-coupon-select"
      >
        <option value="">{t('engage.noCoupon')}</option>
        {usable.map((c) => (
          <option key={c.id} value={c.id}>
            {c.title} · −{c.kind === 'amount' ? money(c.value, c.currency) : t('engage.percentOff', { percent: c.value })}
          </option>
        ))}
      </select>
      {failed && <span className="field-error">{t('engage.quoteFailed')}</span>}
      {quote &&
        couponId !== null &&
        (quote.couponError ? (
          <span className="field-error" data-testid="checkout-coupon-error">
            {t(`engage.couponErrors.${quote.couponError.reason}`, { defaultValue: quote.couponError.message })}
          </span>
        ) : (
          <div className="coupon-row">
            <span>{t('engage.discount')}</span>
            <span className="discount" data-testid="checkout-discount">
              −{money(quote.discountMinor, quote.currency)}
            </span>
          </div>
        ))}
    </div>
  );
}
