/**
 * A server refusal where the buyer is looking: in the checkout sheet's sticky footer, right above the button it
 * concerns (visible without scrolling, whatever the screen height), with the ways on. When the refusal disables the
 * button that had focus, focus moves once to the first way on — never on every submit.
 */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useViewer, useViewerContext } from '../context';
import { ordersPath } from '../route';
import type { ErrorMessage } from '../shop/checkout';
import type { Refusal, WayOn } from '../shop/refusal';

export function CheckoutRefusal({ error, refusal, productId }: { error: ErrorMessage; refusal: Refusal; productId: string | null }) {
  const { t } = useTranslation();
  const { shop } = useViewerContext();
  const showId = useViewer((s) => s.showId);
  const first = useRef<HTMLElement | null>(null);
  const ways = refusal.ways.filter((w) => w !== 'variant' || productId !== null);

  useEffect(() => {
    if (!refusal.blocking) return;
    const active = document.activeElement;
    // The refused button was just disabled under the buyer's finger / keyboard: hand focus to the way on.
    if (!active || active === document.body || (active instanceof HTMLButtonElement && active.disabled))
      first.current?.focus({ preventScroll: true });
  }, [refusal.blocking]);

  const button = (way: WayOn, i: number) => {
    const setRef = (el: HTMLElement | null) => {
      if (i === 0) first.current = el;
    };
    const label = t(`checkout.wayOn.${way}`);
    if (way === 'orders') {
      return (
        <a key={way} ref={setRef} className="btn btn--touch small" href={ordersPath(showId)} data-testid="refusal-orders">
          {label}
        </a>
      );
    }
    const act = () => {
      if (way === 'variant' && productId) void shop?.openBuy(productId);
      else if (way === 'cart') shop?.openCart();
      else shop?.close();
    };
    return (
      <button
        key={way}
        ref={setRef}
        type="button"
        className={`btn btn--touch ${i === 0 ? 'btn--buy' : ''} small`}
        onClick={act}
        data-testid={`refusal-${way}`}
      >
        {label}
      </button>
    );
  };

  return (
    <div className={`refusal${refusal.blocking ? ' refusal--blocking' : ''}`} role="alert" data-testid="checkout-error">
      <p className="refusal-text">{t(error.key, error.params ?? {})}</p>
      {ways.length > 0 && <div className="refusal-ways">{ways.map(button)}</div>}
    </div>
  );
}
