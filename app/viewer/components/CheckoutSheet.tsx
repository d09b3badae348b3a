import { type FormEvent, type ReactNode, useCallback, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { ProductView, SkuView } from '../../../shared/commerce/catalog';
import { useViewer, useViewerContext } from '../context';
import { formatMoney } from '../format';
import { orderPath } from '../route';
import { optionsLabel, skuPrice } from '../shop/catalog';
import { type ContactErrors, type ContactField, type ContactInput, type CheckoutItem, validateContact } from '../shop/checkout';
import { type ReservationClock, reservationClock } from '../shop/countdown';
import { useServerNow } from '../shop/hooks';
import { sumLines } from '../shop/money';
import type { CheckoutState } from '../shop/slice';
import { refusalOf } from '../shop/refusal';
import { CheckoutCoupon, type CouponChoice } from './CheckoutCoupon';
import { CheckoutRefusal } from './CheckoutRefusal';
import { BagIcon, CheckIcon } from './icons';
import { Sheet } from './Sheet';

interface SummaryLine {
  skuId: string;
  title: string;
  options: string;
  imageUrl: string | null;
  qty: number;
  unitPriceMinor: number;
  currency: string;
}

function findSku(products: Record<string, ProductView>, skuId: string): { product: ProductView; sku: SkuView } | null {
  for (const product of Object.values(products)) {
    const sku = product.skus.find((k) => k.id === skuId);
    if (sku) return { product, sku };
  }
  return null;
}

export function CheckoutSheet({ items, fromCart }: { items: CheckoutItem[]; fromCart: boolean }) {
  const { t } = useTranslation();
  const { shop } = useViewerContext();
  const checkout = useViewer((s) => s.checkout);
  const close = useCallback(() => shop?.close(), [shop]);
  const busy = checkout.phase === 'placing' || checkout.phase === 'paying';
  return (
    <Sheet title={checkout.order ? t('checkout.placedTitle') : t('checkout.title')} onClose={busy ? noop : close} testId="checkout-sheet">
      {checkout.order ? <PlacedOrder checkout={checkout} /> : <CheckoutForm items={items} fromCart={fromCart} checkout={checkout} />}
    </Sheet>
  );
}

const noop = () => {};

function CheckoutForm({ items, fromCart, checkout }: { items: CheckoutItem[]; fromCart: boolean; checkout: CheckoutState }) {
  const { t, i18n } = useTranslation();
  const { shop } = useViewerContext();
  const products = useViewer((s) => s.products);
  const cart = useViewer((s) => s.cart);
  const now = useServerNow(false);
  const [contact, setContact] = useState<ContactInput>({ name: '', phone: '', address: '' });
  const [errors, setErrors] = useState<ContactErrors>({});
  const [touched, setTouched] = useState<Partial<Record<ContactField, boolean>>>({});
  const [coupon, setCoupon] = useState<CouponChoice>({ couponId: null, quote: null });
  const showId = useViewer((s) => s.showId);
  const lng = i18n.language;

  const lines: SummaryLine[] = items.map((it) => {
    const found = findSku(products, it.skuId);
    const cartLine = cart.lines.find((l) => l.skuId === it.skuId);
    return found
      ? {
          skuId: it.skuId,
          title: found.product.title,
          options: optionsLabel(found.product, found.sku.options),
          imageUrl: found.product.images[0]?.thumbUrl ?? null,
          qty: it.qty,
          unitPriceMinor: skuPrice(found.sku, now),
          currency: found.product.currency,
        }
      : {
          skuId: it.skuId,
          title: cartLine?.title ?? it.skuId,
          options: cartLine?.optionsLabel ?? '',
          imageUrl: cartLine?.imageUrl ?? null,
          qty: it.qty,
          unitPriceMinor: cartLine?.seenPriceMinor ?? 0,
          currency: cartLine?.currency ?? 'CNY',
        };
  });
  const total = sumLines(lines);
  const placing = checkout.phase === 'placing';
  const refusal = refusalOf(checkout.error, { fromCart, paying: false });
  // Refused for a reason that a second press cannot change (sold out, limit…): the button stays off; ways on are offered.
  const blocked = refusal?.blocking === true;
  const productId = items.length === 1 ? (findSku(products, items[0]!.skuId)?.product.id ?? null) : null;

  const update = (field: ContactField, value: string) => {
    const next = { ...contact, [field]: value };
    setContact(next);
    if (touched[field]) {
      const v = validateContact(next);
      setErrors(v.ok ? {} : v.errors);
    }
  };
  const blur = (field: ContactField) => {
    setTouched((x) => ({ ...x, [field]: true }));
    if (contact[field].trim() === '') return;
    const v = validateContact(contact);
    setErrors((e) => ({ ...e, [field]: v.ok ? undefined : v.errors[field] }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = validateContact(contact);
    setTouched({ name: true, phone: true, address: true });
    if (blocked) return;
    if (!v.ok) {
      setErrors(v.errors);
      const first = (['name', 'phone', 'address'] as const).find((f) => v.errors[f]);
      if (first) document.getElementById(`field-${first}`)?.focus();
      return;
    }
    setErrors({});
    const expected = coupon.couponId && coupon.quote ? coupon.quote.totalMinor : total.ok ? total.amountMinor : null;
    void shop?.placeOrder(contact, expected, coupon.couponId);
  };

  const field = (name: ContactField, label: string, hint: string, input: ReactNode) => (
    <div className={`field field--touch${errors[name] ? ' field--invalid' : ''}`}>
      <label className="field-label" htmlFor={`field-${name}`}>
        {label}
      </label>
      {input}
      <span className={errors[name] ? 'field-error' : 'field-hint'} id={`hint-${name}`}>
        {errors[name] ? t(errors[name]) : hint}
      </span>
    </div>
  );

  return (
    <form className="checkout-form" onSubmit={submit} noValidate>
      <section className="summary">
        <h3>{t('checkout.summary')}</h3>
        <ul className="summary-lines">
          {lines.map((l) => (
            <li key={l.skuId}>
              <div className="cart-thumb cart-thumb--small">
                {l.imageUrl ? <img src={l.imageUrl} alt="" /> : <BagIcon width={18} height={18} />}
              </div>
              <div className="summary-info">
                <div className="cart-title">{l.title}</div>
                {l.options && <div className="cart-options">{l.options}</div>}
              </div>
              <div className="summary-qty">×{l.qty}</div>
              <div className="summary-price">{formatMoney(l.unitPriceMinor * l.qty, l.currency, lng)}</div>
            </li>
          ))}
        </ul>
        <CheckoutCoupon items={items} showId={showId} disabled={placing} onChange={setCoupon} />
        <div className="summary-total">
          <span>{t('checkout.total')}</span>
          <strong data-testid="checkout-total">
            {coupon.couponId && coupon.quote
              ? formatMoney(coupon.quote.totalMinor, coupon.quote.currency, lng)
              : total.ok && total.currency
                ? formatMoney(total.amountMinor, total.currency, lng)
                : t('shop.mixedCurrency')}
          </strong>
        </div>
        <p className="sheet-hint">{fromCart ? t('shop.pricesAtOrder') : t('checkout.reserveNote')}</p>
      </section>

      <section className="contact">
        <h3>{t('checkout.contact')}</h3>
        {field(
          'name',
          t('checkout.name'),
          t('checkout.nameHint'),
          <input
            type="text"
            autoComplete="name"
            maxLength={40}
            value={contact.name}
            onChange={(e) => update('name', e.target.value)}
            onBlur={() => blur('name')}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby="hint-name"
            disabled={placing}
            id="field-name"
            data-testid="checkout-name"
          />,
        )}
        {field(
          'phone',
          t('checkout.phone'),
          t('checkout.phoneHint'),
          <input
            type="tel"
            autoComplete="tel"
            inputMode="tel"
            maxLength={32}
            placeholder={t('checkout.phonePlaceholder')}
            value={contact.phone}
            onChange={(e) => update('phone', e.target.value)}
            onBlur={() => blur('phone')}
            aria-invalid={errors.phone ? true : undefined}
            aria-describedby="hint-phone"
            disabled={placing}
            id="field-phone"
            data-testid="checkout-phone"
          />,
        )}
        {field(
          'address',
          t('checkout.address'),
          t('checkout.addressHint'),
          <textarea
            autoComplete="street-address"
            rows={2}
            maxLength={200}
            placeholder={t('checkout.addressPlaceholder')}
            value={contact.address}
            onChange={(e) => update('address', e.target.value)}
            onBlur={() => blur('address')}
            aria-invalid={errors.address ? true : undefined}
            aria-describedby="hint-address"
            disabled={placing}
            id="field-address"
            data-testid="checkout-address"
          />,
        )}
      </section>

      <div className="sheet-foot sheet-foot--inline">
        {checkout.error && refusal && <CheckoutRefusal error={checkout.error} refusal={refusal} productId={productId} />}
        <button type="submit" className="btn btn--touch btn--buy wide" disabled={placing || !total.ok || blocked} data-testid="place-order">
          {placing ? t('checkout.placing') : t('checkout.placeOrder')}
        </button>
      </div>
    </form>
  );
}

function PlacedOrder({ checkout }: { checkout: CheckoutState }) {
  const { t, i18n } = useTranslation();
  const { shop } = useViewerContext();
  const showId = useViewer((s) => s.showId);
  const order = checkout.order!;
  const now = useServerNow(true);
  const clock = reservationClock(order, now);
  const lng = i18n.language;
  const changed = checkout.expectedTotalMinor !== null && checkout.expectedTotalMinor !== order.totalMinor;
  const paying = checkout.phase === 'paying';
  const refusal = refusalOf(checkout.error, { fromCart: false, paying: true });
  const productId = order.items.length === 1 ? order.items[0]!.productId : null;
  return (
    <div className="placed">
      <div className="placed-hero">
        <div className="placed-icon">
          <CheckIcon width={26} height={26} />
        </div>
        <div>
          <div className="placed-title">{t('checkout.placed')}</div>
          <div className="placed-sub">
            <PayWithin clock={clock} />
          </div>
        </div>
      </div>
      {order.discount && (
        <div className="coupon-row" data-testid="placed-discount">
          <span>{order.discount.title}</span>
          <span className="discount">−{formatMoney(order.discount.amountMinor, order.currency, lng)}</span>
        </div>
      )}
      <div className="summary-total">
        <span>{t('checkout.toPay')}</span>
        <strong className="price price--big">{formatMoney(order.totalMinor, order.currency, lng)}</strong>
      </div>
      {changed && (
        <p className="price-note" data-testid="price-changed">
          {t('checkout.totalChanged', { expected: formatMoney(checkout.expectedTotalMinor ?? 0, order.currency, lng) })}
        </p>
      )}
      <div className="sheet-foot sheet-foot--inline">
        {checkout.error && refusal && <CheckoutRefusal error={checkout.error} refusal={refusal} productId={productId} />}
        <button
          type="button"
          className="btn btn--touch btn--buy wide"
          disabled={paying || clock.state !== 'counting' || refusal?.blocking === true}
          onClick={() => void shop?.payCheckout()}
          data-testid="pay"
        >
          {paying ? t('checkout.redirecting') : t('checkout.pay')}
        </button>
      </div>
      <a className="text-link center" href={orderPath(order.id, showId)} data-testid="view-order">
        {t('checkout.viewOrder')}
      </a>
    </div>
  );
}

/** "Pay within 04:59" / "请在 04:59 内支付" while the reservation runs; "expired" once it ran out. */
export function PayWithin({ clock, fallback = null }: { clock: ReservationClock; fallback?: ReactNode }) {
  const { t } = useTranslation();
  if (clock.state === 'expired') return <span data-testid="reservation-expired">{t('checkout.expired')}</span>;
  if (clock.state !== 'counting') return fallback;
  return (
    <span role="timer" data-testid="reservation-countdown-text">
      <Trans
        i18nKey="checkout.payWithin"
        values={{ time: clock.left }}
        components={{ time: <time className="countdown" data-testid="reservation-countdown" /> }}
      />
    </span>
  );
}
