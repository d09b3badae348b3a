/** Order detail drawer: items and totals, full contact, shipping, payments, event timeline, and the studio actions. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type OrderView, ShipRequest } from '../../../../shared/commerce/orders';
import { formatDateTime, formatMoney } from '../../../ui/format';
import { useStudio, useStudioState } from '../../context';
import { skuLabel } from '../../controllers/catalog';
import type { Result } from '../../controllers/shop';
import type { ShopFailure } from '../../store';
import { paymentTone } from './chip-tones';
import { ConfirmDialog, FailureText, StatusChip } from './common';

type Action = 'ship' | 'complete' | 'cancel' | 'refund';

/** What the studio may do with an order in this status (mirrors the server's transition table). */
export function orderActions(status: OrderView['status']): Action[] {
  switch (status) {
    case 'pending_payment':
      return ['cancel'];
    case 'paid':
      return ['ship', 'refund'];
    case 'shipped':
      return ['complete', 'refund'];
    case 'completed':
    case 'refund_requested':
      return ['refund'];
    default:
      return [];
  }
}

const CARRIERS = ['顺丰速运', '中通快递', '圆通速递', '韵达快递', '京东物流', 'EMS', 'UPS', 'FedEx', 'DHL'];

export function OrderDrawer() {
  const { t, i18n } = useTranslation();
  const { shop, store } = useStudio();
  const detailId = useStudioState((s) => s.orders.detailId);
  const order = useStudioState((s) => s.orders.detail);
  const status = useStudioState((s) => s.orders.detailStatus);
  const loadFailure = useStudioState((s) => s.orders.detailError);
  const [dialog, setDialog] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ShopFailure | null>(null);
  const [carrier, setCarrier] = useState('');
  const [trackingNo, setTrackingNo] = useState('');
  const [shipError, setShipError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [restock, setRestock] = useState<boolean | null>(null);
  const money = (m: number) => formatMoney(m, order?.currency ?? 'CNY', i18n.language);
  const when = (ms: number | null) => (ms === null ? '—' : formatDateTime(ms, i18n.language, true));
  const close = () => shop.openOrder(null);

  const run = async (action: Action, fn: () => Promise<Result<OrderView>>) => {
    setBusy(true);
    setFailure(null);
    const r = await fn();
    setBusy(false);
    if (!r.ok) {
      setFailure(r.failure);
      return;
    }
    setDialog(null);
    store.getState().notify({ key: `orders.done.${action}`, params: { id: r.value.id }, tone: 'ok' });
  };

  const open = (a: Action) => {
    setFailure(null);
    setShipError(null);
    if (a === 'refund') {
      setReason('');
      setRestock(null);
    }
    setDialog(a);
  };

  const ship = () => {
    if (!order) return;
    const req = ShipRequest.safeParse({ carrier, trackingNo });
    if (!req.success) {
      setShipError(req.error.issues[0]?.path[0] === 'carrier' ? 'carrierRequired' : 'trackingInvalid');
      return;
    }
    setShipError(null);
    void run('ship', () => shop.shipOrder(order.id, req.data));
  };

  const defaultRestock = order ? order.shippedAt === null : true;

  return (
    <div
      className="drawer-backdrop drawer-backdrop--light"
      role="presentation"
      onMouseDown={(e) => e.target === e.currentTarget && close()}
    >
      <aside className="drawer drawer--narrow" role="dialog" aria-modal="true" aria-labelledby="order-title" data-testid="order-drawer">
        <header className="drawer-head">
          <div>
            <h2 id="order-title">{t('orders.detailTitle')}</h2>
            <span className="hint mono">{detailId}</span>
          </div>
          {order && <StatusChip status={order.status} testId="order-detail-status" />}
          <button type="button" className="icon-btn" aria-label={t('shop.close')} onClick={close}>
            ×
          </button>
        </header>
        <div className="drawer-body">
          {status === 'loading' && !order && <p className="hint">{t('shop.loading')}</p>}
          <FailureText failure={loadFailure} />
          {order && (
            <>
              <section className="form-section">
                <h3>{t('orders.items')}</h3>
                <table className="table table--compact">
                  <tbody>
                    {order.items.map((it) => (
                      <tr key={it.skuId}>
                        <td>
                          <div>{it.title}</div>
                          <div className="row-sub">
                            {skuLabel(it.options)}
                            {it.flashSaleId && <span className="chip chip--accent">{t('sales.flash')}</span>}
                          </div>
                        </td>
                        <td className="num">×{it.qty}</td>
                        <td className="num">
                          {money(it.unitPriceMinor)}
                          {it.listPriceMinor > it.unitPriceMinor && <s className="list-price">{money(it.listPriceMinor)}</s>}
                        </td>
                        <td className="num price-cell">{money(it.unitPriceMinor * it.qty)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <td colSpan={3}>{t('orders.total')}</td>
                      <td className="num price-cell total">{money(order.totalMinor)}</td>
                    </tr>
                  </tfoot>
                </table>
              </section>

              <section className="form-section">
                <h3>{t('orders.contact')}</h3>
                <dl className="facts">
                  <dt>{t('orders.name')}</dt>
                  <dd data-testid="order-contact-name">{order.contact.name}</dd>
                  <dt>{t('orders.phone')}</dt>
                  <dd className="mono" data-testid="order-contact-phone">
                    {order.contact.phone}
                  </dd>
                  <dt>{t('orders.address')}</dt>
                  <dd>{order.contact.address}</dd>
                </dl>
              </section>

              <section className="form-section">
                <h3>{t('orders.summary')}</h3>
                <dl className="facts">
                  <dt>{t('orders.created')}</dt>
                  <dd>{when(order.createdAt)}</dd>
                  {order.status === 'pending_payment' && (
                    <>
                      <dt>{t('orders.expires')}</dt>
                      <dd>{when(order.expiresAt)}</dd>
                    </>
                  )}
                  <dt>{t('orders.paid')}</dt>
                  <dd>{when(order.paidAt)}</dd>
                  {order.shippedAt !== null && (
                    <>
                      <dt>{t('orders.shipped')}</dt>
                      <dd>
                        {when(order.shippedAt)} · {order.carrier} <span className="mono">{order.trackingNo}</span>
                      </dd>
                    </>
                  )}
                  {order.completedAt !== null && (
                    <>
                      <dt>{t('orders.completed')}</dt>
                      <dd>{when(order.completedAt)}</dd>
                    </>
                  )}
                  {order.cancelledAt !== null && (
                    <>
                      <dt>{t('orders.cancelled')}</dt>
                      <dd>{when(order.cancelledAt)}</dd>
                    </>
                  )}
                  {order.refundedAt !== null && (
                    <>
                      <dt>{t('orders.refunded')}</dt>
                      <dd>{when(order.refundedAt)}</dd>
                    </>
                  )}
                  <dt>{t('orders.show')}</dt>
                  <dd className="mono">{order.showId ?? '—'}</dd>
                </dl>
              </section>

              <section className="form-section">
                <h3>{t('orders.payments')}</h3>
                {(order.payments ?? []).length === 0 ? (
                  <p className="hint">{t('orders.noPayments')}</p>
                ) : (
                  <table className="table table--compact">
                    <tbody>
                      {(order.payments ?? []).map((p) => (
                        <tr key={p.id}>
                          <td>{t(`payments.provider.${p.provider}`)}</td>
                          <td>
                            <span className={`chip chip--${paymentTone(p.status)}`}>
                              {t(`payments.status.${p.status}`, { defaultValue: p.status })}
                            </span>
                          </td>
                          <td className="num">{formatMoney(p.amountMinor, p.currency, i18n.language)}</td>
                          <td className="row-sub">{when(p.createdAt)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>

              <section className="form-section">
                <h3>{t('orders.timeline')}</h3>
                <ol className="timeline" data-testid="order-timeline">
                  {(order.events ?? []).map((e) => (
                    <li key={`${e.at}-${e.from ?? ''}-${e.to}`} className="timeline-item">
                      <span className="timeline-dot" aria-hidden="true" />
                      <div>
                        <div>
                          <strong>{t(`orderStatus.${e.to}`)}</strong>
                          <span className="hint"> · {t(`orders.actor.${e.actor}`)}</span>
                        </div>
                        <div className="row-sub">
                          {when(e.at)}
                          {e.note && ` · ${e.note}`}
                        </div>
                      </div>
                    </li>
                  ))}
                </ol>
              </section>
            </>
          )}
        </div>
        {order && (
          <footer className="drawer-foot">
            <div className="drawer-foot-msg">{dialog === null && <FailureText failure={failure} />}</div>
            {orderActions(order.status).length === 0 && <span className="hint">{t('orders.noActions')}</span>}
            {orderActions(order.status).map((a) => (
              <button
                key={a}
                type="button"
                className={`btn ${a === 'ship' || a === 'complete' ? 'btn--primary' : 'btn--danger'}`}
                disabled={busy}
                data-testid={`order-${a}`}
                onClick={() => (a === 'complete' ? void run('complete', () => shop.completeOrder(order.id)) : open(a))}
              >
                {t(`orders.action.${a}`)}
              </button>
            ))}
          </footer>
        )}
      </aside>

      {order && dialog === 'ship' && (
        <ConfirmDialog
          title={t('orders.shipTitle')}
          body={t('orders.shipBody')}
          confirmLabel={t('orders.action.ship')}
          danger={false}
          busy={busy}
          failure={failure}
          testId="ship-dialog"
          onConfirm={ship}
          onClose={() => setDialog(null)}
        >
          <div className="field-row">
            <label className="field">
              <span className="field-label">{t('orders.carrier')}</span>
              <input
                type="text"
                list="carriers"
                maxLength={40}
                value={carrier}
                data-testid="ship-carrier"
                className={shipError === 'carrierRequired' ? 'input input--invalid' : 'input'}
                onChange={(e) => setCarrier(e.target.value)}
              />
              <datalist id="carriers">
                {CARRIERS.map((c) => (
                  <option key={c} value={c} />
                ))}
              </datalist>
            </label>
            <label className="field">
              <span className="field-label">{t('orders.trackingNo')}</span>
              <input
                type="text"
                maxLength={40}
                value={trackingNo}
                data-testid="ship-tracking"
                className={shipError === 'trackingInvalid' ? 'input input--invalid' : 'input'}
                onChange={(e) => setTrackingNo(e.target.value)}
              />
            </label>
          </div>
          {shipError && <p className="form-error">{t(`orders.errors.${shipError}`)}</p>}
        </ConfirmDialog>
      )}
      {order && dialog === 'cancel' && (
        <ConfirmDialog
          title={t('orders.cancelTitle')}
          body={t('orders.cancelBody')}
          confirmLabel={t('orders.action.cancel')}
          busy={busy}
          failure={failure}
          testId="cancel-dialog"
          onConfirm={() => void run('cancel', () => shop.cancelOrder(order.id))}
          onClose={() => setDialog(null)}
        />
      )}
      {order && dialog === 'refund' && (
        <ConfirmDialog
          title={t('orders.refundTitle', { total: money(order.totalMinor) })}
          body={t('orders.refundBody')}
          confirmLabel={t('orders.action.refund')}
          busy={busy}
          failure={failure}
          testId="refund-dialog"
          onConfirm={() => {
            if (!reason.trim()) {
              setFailure({ key: 'refundReason', detail: '' });
              return;
            }
            void run('refund', () => shop.refundOrder(order.id, { reason: reason.trim(), restock: restock ?? defaultRestock }));
          }}
          onClose={() => setDialog(null)}
        >
          <label className="field">
            <span className="field-label">{t('orders.refundReason')}</span>
            <input
              className="input"
              type="text"
              maxLength={200}
              value={reason}
              data-testid="refund-reason"
              onChange={(e) => setReason(e.target.value)}
            />
          </label>
          <label className="check">
            <input type="checkbox" checked={restock ?? defaultRestock} onChange={(e) => setRestock(e.target.checked)} />
            {t('orders.restock')}
          </label>
        </ConfirmDialog>
      )}
    </div>
  );
}
