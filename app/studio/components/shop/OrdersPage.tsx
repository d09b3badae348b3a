/** Orders tab: live list with filters, CSV export, and the order detail drawer. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { OrderStatus, type OrderView } from '../../../../shared/commerce/orders';
import { formatDateTime, formatMoney, formatTime } from '../../../ui/format';
import { useStudio, useStudioState } from '../../context';
import { type ShopFailure, selectShowId } from '../../store';
import { downloadBlob, FailureText, StatusChip, stamp } from './common';
import { OrderDrawer } from './OrderDrawer';

const SEARCH_DEBOUNCE_MS = 300;

function itemsSummary(o: OrderView, more: (n: number) => string): string {
  const [first, ...rest] = o.items;
  if (!first) return '—';
  return `${first.title} ×${first.qty}${rest.length ? ` ${more(rest.length)}` : ''}`;
}

export function OrdersPage() {
  const { t, i18n } = useTranslation();
  const { shop } = useStudio();
  const orders = useStudioState((s) => s.orders);
  const showId = useStudioState(selectShowId);
  const liveFeed = useStudioState((s) => s.publish.state === 'live');
  const [q, setQ] = useState(orders.filters.q);
  const [exporting, setExporting] = useState(false);
  const [exportFailure, setExportFailure] = useState<ShopFailure | null>(null);

  // Search as you type (debounced).
  useEffect(() => {
    if (q === orders.filters.q) return;
    const id = setTimeout(() => shop.setOrderFilters({ q }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(id);
  }, [q, orders.filters.q, shop]);

  const exportCsv = async () => {
    setExporting(true);
    setExportFailure(null);
    const r = await shop.exportOrdersCsv();
    setExporting(false);
    if (r.ok) downloadBlob(r.value, `orders-${stamp()}.csv`);
    else setExportFailure(r.failure);
  };

  return (
    <div className="shop-page shop-page--single" data-testid="orders-page">
      <section className="shop-main">
        <header className="shop-toolbar">
          <h1 className="page-title">{t('orders.title')}</h1>
          <select
            className="input"
            aria-label={t('orders.statusFilter')}
            value={orders.filters.status}
            data-testid="orders-status-filter"
            onChange={(e) => {
              const st = OrderStatus.safeParse(e.target.value);
              shop.setOrderFilters({ status: st.success ? st.data : '' });
            }}
          >
            <option value="">{t('orders.allStatuses')}</option>
            {OrderStatus.options.map((s) => (
              <option key={s} value={s}>
                {t(`orderStatus.${s}`)}
              </option>
            ))}
          </select>
          <input
            type="search"
            className="input toolbar-search"
            value={q}
            placeholder={t('orders.search')}
            aria-label={t('orders.search')}
            data-testid="orders-search"
            onChange={(e) => setQ(e.target.value)}
          />
          <label className="check" title={showId ? undefined : t('orders.noShow')}>
            <input
              type="checkbox"
              checked={orders.filters.thisShow}
              disabled={!showId}
              data-testid="orders-this-show"
              onChange={(e) => shop.setOrderFilters({ thisShow: e.target.checked })}
            />
            {t('orders.thisShow')}
          </label>
          <div className="toolbar-spacer" />
          <span className={`feed ${liveFeed ? 'feed--live' : ''}`} data-testid="orders-feed">
            {liveFeed ? t('orders.liveUpdates') : t('orders.polling')}
            {orders.refreshedAt && <span className="hint"> · {formatTime(orders.refreshedAt, i18n.language)}</span>}
          </span>
          <button type="button" className="btn btn--ghost" onClick={() => void shop.refreshOrders()} disabled={orders.status === 'loading'}>
            {t('orders.refresh')}
          </button>
          <button type="button" className="btn btn--ghost" onClick={() => void exportCsv()} disabled={exporting}>
            {exporting ? t('shop.working') : t('orders.exportCsv')}
          </button>
        </header>
        <FailureText failure={orders.error} />
        <FailureText failure={exportFailure} />

        <div className="table-wrap">
          <table className="table orders-table" data-testid="orders-table">
            <thead>
              <tr>
                <th>{t('orders.col.order')}</th>
                <th>{t('orders.col.buyer')}</th>
                <th>{t('orders.col.items')}</th>
                <th className="num">{t('orders.col.total')}</th>
                <th>{t('orders.col.status')}</th>
              </tr>
            </thead>
            <tbody>
              {orders.list.map((o) => (
                <tr
                  key={o.id}
                  className={`row--click ${orders.detailId === o.id ? 'row--selected' : ''}`}
                  data-testid="order-row"
                  data-order-id={o.id}
                  tabIndex={0}
                  onClick={() => shop.openOrder(o.id)}
                  onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && shop.openOrder(o.id)}
                >
                  <td>
                    <div className="mono">{o.id}</div>
                    <div className="row-sub">{formatDateTime(o.createdAt, i18n.language)}</div>
                  </td>
                  <td>
                    <div>{o.contact.name}</div>
                    <div className="row-sub mono">{o.contact.phone}</div>
                  </td>
                  <td className="cell-items">{itemsSummary(o, (n) => t('orders.more', { count: n }))}</td>
                  <td className="num price-cell">{formatMoney(o.totalMinor, o.currency, i18n.language)}</td>
                  <td>
                    <StatusChip status={o.status} testId="order-status" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {orders.status === 'loading' && orders.list.length === 0 && <p className="empty">{t('shop.loading')}</p>}
          {orders.status === 'ready' && orders.list.length === 0 && <p className="empty">{t('orders.empty')}</p>}
          {orders.nextCursor && (
            <div className="load-more">
              <button type="button" className="btn btn--ghost" onClick={() => void shop.loadMoreOrders()}>
                {t('orders.loadMore')}
              </button>
            </div>
          )}
        </div>
      </section>
      {orders.detailId && <OrderDrawer />}
    </div>
  );
}
