import { useTranslation } from 'react-i18next';
import { useViewer, useViewerContext } from '../context';
import { ordersPath } from '../route';
import { cartCount } from '../shop/cart';
import { BuySheet } from './BuySheet';
import { CartSheet } from './CartSheet';
import { CheckoutSheet } from './CheckoutSheet';
import { CartIcon, ReceiptIcon } from './icons';

/** Shop entry points over the stage: my orders, the cart (badge), and the "just bought" / cart toasts. */
export function ShopDock() {
  return (
    <div className="shop-dock">
      <ShopToast />
      <ShopButtons />
    </div>
  );
}

/** The shop's toast ("just bought", added to cart, errors). */
export function ShopToast() {
  const { t } = useTranslation();
  const toast = useViewer((s) => s.toast);
  return (
    <div className="toast-slot" aria-live="polite">
      {toast && (
        <div className={`toast toast-${toast.kind}`} key={toast.id} data-testid={`toast-${toast.kind}`}>
          {t(toast.key, toast.params ?? {})}
        </div>
      )}
    </div>
  );
}

/** My orders and the cart (with its badge). */
export function ShopButtons() {
  const { t } = useTranslation();
  const { shop } = useViewerContext();
  const count = useViewer((s) => cartCount(s.cart));
  const showId = useViewer((s) => s.showId);
  return (
    <>
      <a className="dock-button" href={ordersPath(showId)} aria-label={t('orders.mine')} data-testid="orders-link">
        <ReceiptIcon width={20} height={20} />
      </a>
      <button
        type="button"
        className="dock-button"
        onClick={() => shop?.openCart()}
        aria-label={t('shop.cartTitle')}
        data-testid="cart-button"
      >
        <CartIcon width={20} height={20} />
        {count > 0 && (
          <span className="dock-badge" data-testid="cart-count">
            {count > 99 ? '99+' : count}
          </span>
        )}
      </button>
    </>
  );
}

/** The open shop sheet, if any. */
export function ShopSheets() {
  const sheet = useViewer((s) => s.sheet);
  if (!sheet) return null;
  switch (sheet.kind) {
    case 'buy':
      return <BuySheet key={sheet.productId} productId={sheet.productId} />;
    case 'cart':
      return <CartSheet />;
    case 'checkout':
      return <CheckoutSheet items={sheet.items} fromCart={sheet.fromCart} />;
  }
}
