import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useViewer, useViewerContext } from '../context';
import { formatMoney } from '../format';
import { ordersPath } from '../route';
import { cartStatus } from '../shop/cart-status';
import { useServerNow } from '../shop/hooks';
import { sumLines } from '../shop/money';
import { BagIcon, CartIcon, ReceiptIcon, TrashIcon } from './icons';
import { QtyStepper } from './QtyStepper';
import { Sheet } from './Sheet';

export function CartSheet() {
  const { t, i18n } = useTranslation();
  const { shop, store } = useViewerContext();
  const cart = useViewer((s) => s.cart);
  const products = useViewer((s) => s.products);
  const orders = useViewer((s) => s.myOrders);
  const missing = useViewer((s) => s.missingProducts);
  const showId = useViewer((s) => s.showId);
  const now = useServerNow(true, 5000);
  const close = useCallback(() => shop?.close(), [shop]);
  const lng = i18n.language;
  const lines = cartStatus(cart, products, orders ?? [], now, missing);
  const total = sumLines(lines.map((l) => ({ unitPriceMinor: l.priceMinor, qty: l.line.qty, currency: l.line.currency })));
  const anyUnavailable = lines.some((l) => l.unavailable);
  const anyOver = lines.some((l) => !l.unavailable && l.line.qty > l.max);
  const anyChanged = lines.some((l) => l.priceChanged);

  const ordersLink = (
    <a className="sheet-link" href={ordersPath(showId)} data-testid="my-orders">
      <ReceiptIcon width={15} height={15} />
      {t('orders.mine')}
    </a>
  );

  if (cart.lines.length === 0) {
    return (
      <Sheet title={t('shop.cartTitle')} onClose={close} testId="cart-sheet" headerExtra={ordersLink}>
        <div className="sheet-empty">
          <CartIcon width={34} height={34} />
          <p>{t('shop.cartEmpty')}</p>
        </div>
      </Sheet>
    );
  }

  const footer = (
    <div className="cart-foot">
      <div className="cart-total">
        <span>{t('shop.subtotal')}</span>
        <strong data-testid="cart-subtotal">
          {total.ok && total.currency ? formatMoney(total.amountMinor, total.currency, lng) : t('shop.mixedCurrency')}
        </strong>
      </div>
      <button
        type="button"
        className="btn btn--touch btn--buy"
        disabled={anyUnavailable || anyOver || !total.ok}
        onClick={() => shop?.checkoutCart()}
        data-testid="checkout"
      >
        {t('shop.checkout', { count: cart.lines.reduce((n, l) => n + l.qty, 0) })}
      </button>
    </div>
  );

  return (
    <Sheet title={t('shop.cartTitle')} onClose={close} testId="cart-sheet" footer={footer} headerExtra={ordersLink}>
      <ul className="cart-lines">
        {lines.map(({ line, priceMinor, priceChanged, max, unavailable }) => (
          <li
            key={line.skuId}
            className={`cart-line${unavailable ? ' cart-line--unavailable' : ''}`}
            data-testid="cart-line"
            data-sku-id={line.skuId}
          >
            <div className="cart-thumb">{line.imageUrl ? <img src={line.imageUrl} alt="" /> : <BagIcon width={22} height={22} />}</div>
            <div className="cart-info">
              <div className="cart-title">{line.title}</div>
              {line.optionsLabel && <div className="cart-options">{line.optionsLabel}</div>}
              <div className="cart-price-row">
                <span className="price">{formatMoney(priceMinor, line.currency, lng)}</span>
                {priceChanged && (
                  <span className="price-changed">
                    {t('shop.priceWas', { price: formatMoney(line.seenPriceMinor, line.currency, lng) })}
                  </span>
                )}
              </div>
              {unavailable ? (
                <div className="cart-warn">{t('shop.lineSoldOut')}</div>
              ) : (
                line.qty > max && <div className="cart-warn">{t('shop.lineOver', { count: max })}</div>
              )}
            </div>
            <div className="cart-controls">
              <button
                type="button"
                className="icon-ghost"
                aria-label={t('shop.remove')}
                onClick={() => store.getState().cartDispatch({ type: 'remove', skuId: line.skuId })}
                data-testid="cart-remove"
              >
                <TrashIcon width={16} height={16} />
              </button>
              {!unavailable && (
                <QtyStepper
                  value={line.qty}
                  max={Math.max(line.qty, max)}
                  onChange={(qty) => store.getState().cartDispatch({ type: 'setQty', skuId: line.skuId, qty })}
                  testId="cart-qty"
                />
              )}
            </div>
          </li>
        ))}
      </ul>
      <p className="sheet-hint">{anyChanged ? t('shop.pricesChanged') : t('shop.pricesAtOrder')}</p>
    </Sheet>
  );
}
