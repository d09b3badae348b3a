/**
 * Data tab: the live big screen — GMV, items sold and online viewers always on top, the per-minute trend with the
 * show's pins / flash sales / giveaways marked, and the per-product table sortable by any column. Written every second
 * by controllers/selling-screen.ts; everything shown is derived here (controllers/selling-screen-view.ts).
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../../ui/format';
import { useStudio, useStudioState } from '../context';
import { screenTotals } from '../controllers/selling-screen-view';
import { selectReportLink } from '../store';
import { BigScreenTable } from './BigScreenTable';
import { BigScreenTrend } from './BigScreenTrend';
import { ReplayClips } from './ReplayClips';

function Kpi({ label, value, sub, testId }: { label: string; value: string; sub?: string; testId: string }) {
  return (
    <div className="bigscreen-kpi" data-testid={testId}>
      <div className="bigscreen-kpi-label">{label}</div>
      <div className="bigscreen-kpi-value" data-testid={`${testId}-value`}>
        {value}
      </div>
      {sub && <div className="bigscreen-kpi-sub">{sub}</div>}
    </div>
  );
}

export function BigScreen() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const show = useStudioState((s) => s.publish.show);
  const data = useStudioState((s) => s.selling.data);
  const status = useStudioState((s) => s.selling.status);
  const error = useStudioState((s) => s.selling.error);
  const catalog = useStudioState((s) => s.catalog.products);
  const totals = useMemo(() => screenTotals(data), [data]);
  // Before the first payment: zero in the lineup's currency.
  const currency = useMemo(
    () => totals.gmv?.currency ?? catalog.find((p) => data?.products.some((r) => r.productId === p.id))?.currency ?? null,
    [totals, catalog, data],
  );
  const count = useMemo(() => new Intl.NumberFormat(locale), [locale]);
  const { host, store } = useStudio();
  const reportLink = useStudioState(selectReportLink);
  const openReport = async () => {
    if (!reportLink) return;
    try {
      const { opened } = await host.call('host.openExternal', { url: reportLink });
      if (!opened) store.getState().pushError('openFailed', reportLink);
    } catch (err) {
      store.getState().pushError('openFailed', err instanceof Error ? err.message : String(err));
    }
  };

  if (!show) {
    return (
      <div className="bigscreen bigscreen--empty" data-testid="bigscreen">
        <p className="bigscreen-empty">{t('bigscreen.noShow')}</p>
      </div>
    );
  }
  const gmv = currency ? formatMoney(totals.gmv?.minor ?? 0, currency, locale) : count.format(0);
  return (
    <div className="bigscreen" data-testid="bigscreen">
      <div className="bigscreen-head">
        <h1 className="page-title">{t('bigscreen.title')}</h1>
        <span className={`bigscreen-status bigscreen-status--${status}`} data-testid="bigscreen-status">
          {show.status === 'live' ? t('bigscreen.updating') : t(`bigscreen.show.${show.status}`)}
          {status === 'error' && error && <span className="bigscreen-error"> · {t('bigscreen.stale', { detail: error })}</span>}
        </span>
        {show.status === 'ended' && reportLink && (
          <button type="button" className="btn bigscreen-report" onClick={() => void openReport()} data-testid="bigscreen-report">
            {t('bigscreen.openReport')}
          </button>
        )}
      </div>
      <div className="bigscreen-kpis">
        <Kpi label={t('bigscreen.gmv')} value={gmv} testId="bigscreen-gmv" sub={t('bigscreen.ordersPaid', { count: totals.ordersPaid })} />
        <Kpi label={t('bigscreen.itemsSold')} value={count.format(totals.itemsSold)} testId="bigscreen-items" />
        <Kpi
          label={t('bigscreen.online')}
          value={count.format(totals.online)}
          testId="bigscreen-online"
          sub={t('bigscreen.peak', { count: totals.peak })}
        />
      </div>
      <section className="bigscreen-card" aria-label={t('bigscreen.trend')}>
        <h2 className="bigscreen-card-title">{t('bigscreen.trend')}</h2>
        <BigScreenTrend />
      </section>
      <section className="bigscreen-card" aria-label={t('bigscreen.products')}>
        <h2 className="bigscreen-card-title">{t('bigscreen.products')}</h2>
        <BigScreenTable />
      </section>
      <ReplayClips />
    </div>
  );
}
