import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OrderStatus } from '../../../shared/commerce/orders';
import { useViewer, useViewerContext } from '../context';
import { formatMoney } from '../format';
import { livePath, orderPath, ordersPath } from '../route';
import { reservationClock } from '../shop/countdown';
import { useServerNow } from '../shop/hooks';
import { PayWithin } from './CheckoutSheet';
import { AlertIcon, BackIcon, BagIcon, CheckIcon, ClockIcon, FlagIcon, ReceiptIcon, TruckIcon } from './icons';
import { LanguageSwitch } from './LanguageSwitch';
import { dateTimeFormat } from '../../ui/format';

/** The buyer's order pages: `/orders` (list) and `/orders/<id>` (one order). `orderId` null = invalid id in the URL. */
export function OrdersApp({ orderId, showId }: { orderId: string | null | undefined; showId: string | null }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${orderId ? t('orders.orderTitle') : t('orders.mine')} · ${t('app.name')}`;
  }, [orderId, t]);
  return (
    <div className="orders-page">
      <header className="orders-top">
        {orderId !== undefined ? (
          <a className="top-back" href={ordersPath(showId)} aria-label={t('orders.mine')}>
            <BackIcon width={20} height={20} />
          </a>
        ) : showId ? (
          <a className="top-back" href={livePath(showId)} aria-label={t('orders.backToShow')}>
            <BackIcon width={20} height={20} />
          </a>
        ) : (
          <div className="host-mark host-mark--small" aria-hidden>
            S
          </div>
        )}
        <h1>{orderId !== undefined ? t('orders.orderTitle') : t('orders.mine')}</h1>
        <LanguageSwitch />
      </header>
      <main className="orders-main">
        {orderId === undefined ? (
          <OrderList showId={showId} />
        ) : orderId === null ? (
          <Empty icon={<AlertIcon width={28} height={28} />} text={t('orders.invalid')} />
        ) : (
          <OrderDetail orderId={orderId} showId={showId} />
        )}
      </main>
    </div>
  );
}

function Empty({ icon, text, children }: { icon: ReactNode; text: string; children?: ReactNode }) {
  return (
    <div className="orders-empty">
      <div className="state-icon">{icon}</div>
      <p>{text}</p>
      {children}
    </div>
  );
}

function useLocaleDateTime() {
  const { i18n } = useTranslation();
  return (ms: number) => dateTimeFormat(i18n.language, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(ms);
}

function StatusChip({ status }: { status: OrderStatus }) {
  const { t } = useTranslation();
  return <span className={`status-chip status-chip--${status}`}>{t(`orders.status.${status}`)}</span>;
}

function OrderList({ showId }: { showId: string | null }) {
  const { t, i18n } = useTranslation();
  const { shop } = useViewerContext();
  const orders = useViewer((s) => s.myOrders);
  const error = useViewer((s) => s.myOrdersError);
  const when = useLocaleDateTime();
  useEffect(() => shop?.watchOrders(), [shop]);

  if (orders === null) {
    return error ? (
      <Empty icon={<AlertIcon width={28} height={28} />} text={t(error.key, error.params ?? {})}>
        <button type="button" className="btn btn--touch btn--primary state-action" onClick={() => void shop?.loadMyOrders()}>
          {t('state.error.retry')}
        </button>
      </Empty>
    ) : (
      <div className="orders-empty">
        <span className="spinner spinner--large" />
      </div>
    );
  }
  if (orders.length === 0) {
    return (
      <Empty icon={<ReceiptIcon width={28} height={28} />} text={t('orders.none')}>
        {showId && (
          <a className="btn btn--touch btn--primary state-action" href={livePath(showId)}>
            {t('orders.backToShow')}
          </a>
        )}
      </Empty>
    );
  }
  return (
    <ul className="order-list" data-testid="my-orders-list">
      {orders.map((o) => (
        <li key={o.id}>
          <a className="order-card" href={orderPath(o.id, o.showId ?? showId)} data-testid="my-order" data-order-id={o.id}>
            <div className="order-card-head">
              <span className="order-date">{when(o.createdAt)}</span>
              <StatusChip status={o.status} />
            </div>
            <div className="order-card-body">
              <div className="order-items-text">{o.items.map((i) => (i.qty > 1 ? `${i.title} ×${i.qty}` : i.title)).join('、')}</div>
              <div className="price">{formatMoney(o.totalMinor, o.currency, i18n.language)}</div>
            </div>
          </a>
        </li>
      ))}
    </ul>
  );
}

const STATUS_ICON: Record<OrderStatus, ReactNode> = {
  pending_payment: <ClockIcon width={26} height={26} />,
  paid: <CheckIcon width={26} height={26} />,
  shipped: <TruckIcon width={26} height={26} />,
  completed: <FlagIcon width={26} height={26} />,
  cancelled: <AlertIcon width={26} height={26} />,
  refund_requested: <ClockIcon width={26} height={26} />,
  refunded: <ReceiptIcon width={26} height={26} />,
};

function OrderDetail({ orderId, showId }: { orderId: string; showId: string | null }) {
  const { t, i18n } = useTranslation();
  const { shop } = useViewerContext();
  const page = useViewer((s) => s.orderPage);
  const products = useViewer((s) => s.products);
  const when = useLocaleDateTime();
  const order = page.order?.id === orderId ? page.order : null;
  const pending = order?.status === 'pending_payment';
  const now = useServerNow(pending);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [refundOpen, setRefundOpen] = useState(false);
  const [reason, setReason] = useState('');
  useEffect(() => shop?.watchOrder(orderId), [shop, orderId]);
  // Item pictures come from the catalog (orders keep title/options/prices, not images).
  const itemProducts = order ? [...new Set(order.items.map((i) => i.productId))].join(',') : '';
  useEffect(() => {
    for (const id of itemProducts.split(',')) if (id) void shop?.fetchProduct(id);
  }, [shop, itemProducts]);

  if (!order) {
    if (page.error) {
      return (
        <Empty icon={<AlertIcon width={28} height={28} />} text={t(page.error.key, page.error.params ?? {})}>
          <a className="btn btn--touch btn--primary state-action" href={ordersPath(showId)}>
            {t('orders.mine')}
          </a>
        </Empty>
      );
    }
    return (
      <div className="orders-empty">
        <span className="spinner spinner--large" />
      </div>
    );
  }

  const lng = i18n.language;
  const backShow = order.showId ?? showId;
  const clock = reservationClock(order, now);
  const busy = page.busy;
  const money = (m: number) => formatMoney(m, order.currency, lng);

  return (
    <article className="order-detail" data-order-id={order.id}>
      <section className={`order-hero order-hero--${order.status}`}>
        <div className="order-hero-icon">{STATUS_ICON[order.status]}</div>
        <div>
          <div className="order-status" data-testid="order-status" data-status={order.status}>
            {t(`orders.status.${order.status}`)}
          </div>
          <div className="order-status-sub">
            <PayWithin clock={clock} fallback={t(`orders.statusHint.${order.status}`)} />
          </div>
        </div>
      </section>

      {order.status === 'shipped' || order.status === 'completed'
        ? order.carrier && (
            <section className="order-block order-block--shipping" data-testid="shipping">
              <TruckIcon width={18} height={18} />
              <div>
                <div className="block-label">{t('orders.shipping')}</div>
                <div className="ship-line">
                  {order.carrier} · <span className="mono">{order.trackingNo}</span>
                </div>
              </div>
            </section>
          )
        : null}

      {page.actionError && (
        <div className="banner banner--error sheet-alert" role="alert" data-testid="order-error">
          {t(page.actionError.key, page.actionError.params ?? {})}
        </div>
      )}

      {pending && (
        <section className="order-actions">
          <button
            type="button"
            className="btn btn--touch btn--buy wide"
            disabled={busy !== null || clock.state !== 'counting'}
            onClick={() => void shop?.payOrder(order.id)}
            data-testid="pay"
          >
            {busy === 'pay' ? t('checkout.redirecting') : t('checkout.payAmount', { amount: money(order.totalMinor) })}
          </button>
          {confirmCancel ? (
            <div className="confirm-row">
              <span>{t('orders.cancelConfirm')}</span>
              <button type="button" className="btn btn--touch" onClick={() => setConfirmCancel(false)}>
                {t('orders.keep')}
              </button>
              <button
                type="button"
                className="btn btn--touch btn--danger"
                disabled={busy !== null}
                onClick={() => void shop?.cancelOrder(order.id).then(() => setConfirmCancel(false))}
                data-testid="confirm-cancel-order"
              >
                {t('orders.cancel')}
              </button>
            </div>
          ) : (
            <button type="button" className="text-button" onClick={() => setConfirmCancel(true)} data-testid="cancel-order">
              {t('orders.cancel')}
            </button>
          )}
        </section>
      )}

      {order.status === 'paid' && (
        <section className="order-actions">
          {refundOpen ? (
            <form
              className="refund-form"
              onSubmit={(e) => {
                e.preventDefault();
                if (!reason.trim()) return;
                void shop?.requestRefund(order.id, reason.trim()).then((ok) => ok && setRefundOpen(false));
              }}
            >
              <label className="field field--touch">
                <span className="field-label">{t('orders.refundReason')}</span>
                <textarea
                  rows={2}
                  maxLength={200}
                  value={reason}
                  placeholder={t('orders.refundPlaceholder')}
                  onChange={(e) => setReason(e.target.value)}
                  data-testid="refund-reason"
                />
              </label>
              <div className="confirm-row">
                <button type="button" className="btn btn--touch" onClick={() => setRefundOpen(false)}>
                  {t('orders.keep')}
                </button>
                <button
                  type="submit"
                  className="btn btn--touch btn--danger"
                  disabled={busy !== null || !reason.trim()}
                  data-testid="submit-refund"
                >
                  {t('orders.requestRefund')}
                </button>
              </div>
            </form>
          ) : (
            <button type="button" className="btn btn--touch wide" onClick={() => setRefundOpen(true)} data-testid="request-refund">
              {t('orders.requestRefund')}
            </button>
          )}
        </section>
      )}

      <section className="order-block">
        <div className="block-label">{t('orders.items')}</div>
        <ul className="summary-lines">
          {order.items.map((i) => (
            <li key={i.skuId}>
              <div className="cart-thumb cart-thumb--small">
                {products[i.productId]?.images[0] ? (
                  <img src={products[i.productId]!.images[0]!.thumbUrl} alt="" />
                ) : (
                  <BagIcon width={18} height={18} />
                )}
              </div>
              <div className="summary-info">
                <div className="cart-title">{i.title}</div>
                {Object.keys(i.options).length > 0 && <div className="cart-options">{Object.values(i.options).join(' / ')}</div>}
                <div className="cart-options">
                  {money(i.unitPriceMinor)}
                  {i.listPriceMinor > i.unitPriceMinor && <s className="list-price list-price--inline">{money(i.listPriceMinor)}</s>}
                  {i.flashSaleId && <span className="mini-flash">{t('product.flashSale')}</span>}
                </div>
              </div>
              <div className="summary-qty">×{i.qty}</div>
              <div className="summary-price">{money(i.unitPriceMinor * i.qty)}</div>
            </li>
          ))}
        </ul>
        <div className="summary-total">
          <span>{t('checkout.total')}</span>
          <strong className="price" data-testid="order-total">
            {money(order.totalMinor)}
          </strong>
        </div>
      </section>

      <section className="order-block">
        <div className="block-label">{t('checkout.contact')}</div>
        <div className="contact-lines">
          <div>
            {order.contact.name} · {order.contact.phone}
          </div>
          <div className="muted">{order.contact.address}</div>
        </div>
      </section>

      <section className="order-block">
        <dl className="order-meta">
          <dt>{t('orders.number')}</dt>
          <dd className="mono">{order.id}</dd>
          <dt>{t('orders.created')}</dt>
          <dd>{when(order.createdAt)}</dd>
          {order.paidAt && (
            <>
              <dt>{t('orders.paidAt')}</dt>
              <dd>{when(order.paidAt)}</dd>
            </>
          )}
        </dl>
        {order.events && order.events.length > 1 && (
          <ol className="timeline">
            {[...order.events].reverse().map((e) => (
              <li key={`${e.at}-${e.to}`}>
                <span className="timeline-dot" />
                <span>{t(`orders.status.${e.to}`)}</span>
                <time>{when(e.at)}</time>
              </li>
            ))}
          </ol>
        )}
      </section>

      {backShow && (
        <a className="btn btn--touch wide" href={livePath(backShow)} data-testid="back-to-show">
          {t('orders.backToShow')}
        </a>
      )}
    </article>
  );
}
