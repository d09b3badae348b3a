/**
 * The post-show report (`/report/<showId>`, staff): headline figures (GMV with and without refunds), the timeline with
 * explanation segments shaded, the funnel, the per-explanation table and the products ranked, each table exportable as
 * CSV. Everything shown is derived from the store (view.ts, shared/analytics/report.ts).
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { funnelRows } from '../../../shared/analytics/report';
import { dateTimeFormat, formatMoney, numberFormat } from '../../ui/format';
import { Header } from '../components/App';
import { Spinner } from '../components/common';
import { useReport, useReportState } from './context';
import { ReportTrend } from './ReportTrend';
import { ProductTable, SegmentTable } from './ReportTables';

function Kpi({ label, value, sub, testId }: { label: string; value: string; sub?: string; testId: string }) {
  return (
    <div className="report-kpi" data-testid={testId}>
      <div className="report-kpi-label">{label}</div>
      <div className="report-kpi-value" data-testid={`${testId}-value`}>
        {value}
      </div>
      {sub && <div className="report-kpi-sub">{sub}</div>}
    </div>
  );
}

function Kpis() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const screen = useReportState((s) => s.screen);
  if (!screen) return null;
  const m = screen.metrics;
  const count = numberFormat(locale, {});
  const pct = numberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const gmv = m.gmv.find((g) => g.currency === screen.currency) ?? null;
  const money = (minor: number) => (gmv ? formatMoney(minor, gmv.currency, locale) : count.format(0));
  const watchMin = m.live.avgWatchMs / 60_000;
  return (
    <div className="report-kpis">
      <Kpi label={t('report.kpi.gmv')} value={money(gmv?.grossMinor ?? 0)} testId="report-gmv" sub={t('report.kpi.gmvHint')} />
      <Kpi label={t('report.kpi.gmvNet')} value={money(gmv?.netMinor ?? 0)} testId="report-gmv-net" sub={t('report.kpi.gmvNetHint')} />
      <Kpi label={t('report.kpi.itemsSold')} value={count.format(m.itemsSold)} testId="report-items" />
      <Kpi label={t('report.kpi.buyers')} value={count.format(m.payingBuyers)} testId="report-buyers" />
      <Kpi
        label={t('report.kpi.viewers')}
        value={count.format(m.live.uniqueViewers)}
        testId="report-viewers"
        sub={t('report.kpi.views', { count: m.live.views })}
      />
      <Kpi label={t('report.kpi.peak')} value={count.format(m.online.peak)} testId="report-peak" />
      <Kpi
        label={t('report.kpi.avgWatch')}
        value={t('report.kpi.minutes', { value: numberFormat(locale, { maximumFractionDigits: 1 }).format(watchMin) })}
        testId="report-watch"
      />
      <Kpi label={t('report.kpi.gpm')} value={money(gmv?.gpmMinor ?? 0)} testId="report-gpm" />
      <Kpi
        label={t('report.kpi.ctr')}
        value={pct.format(m.ctr)}
        testId="report-ctr"
        sub={t('report.kpi.clickToOrder', { value: pct.format(m.clickToOrder) })}
      />
    </div>
  );
}

function Funnel() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const screen = useReportState((s) => s.screen);
  const rows = useMemo(() => (screen ? funnelRows(screen.metrics) : []), [screen]);
  const count = numberFormat(locale, {});
  const pct = numberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const top = Math.max(1, ...rows.map((r) => r.count));
  return (
    <section className="report-card" aria-label={t('report.funnel.title')}>
      <h2>{t('report.funnel.title')}</h2>
      <ol className="report-funnel" data-testid="report-funnel">
        {rows.map((r) => (
          <li key={r.step} data-testid={`funnel-${r.step}`}>
            <span className="funnel-label">{t(`report.funnel.${r.step}`)}</span>
            <span className="funnel-bar" aria-hidden="true">
              <span style={{ width: `${Math.max(2, (r.count / top) * 100)}%` }} />
            </span>
            <span className="funnel-count" data-testid={`funnel-${r.step}-count`}>
              {count.format(r.count)}
            </span>
            <span className="funnel-rate muted small" data-testid={`funnel-${r.step}-rate`}>
              {r.fromPrevious === null ? '' : t('report.funnel.rate', { value: pct.format(r.fromPrevious) })}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function ReportPage() {
  const { t, i18n } = useTranslation();
  const { report } = useReport();
  const status = useReportState((s) => s.status);
  const error = useReportState((s) => s.error);
  const show = useReportState((s) => s.show);
  const showId = useReportState((s) => s.showId);
  const screen = useReportState((s) => s.screen);
  const when = dateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const span =
    show?.startedAt != null
      ? `${when.format(show.startedAt)} – ${show.endedAt != null ? when.format(show.endedAt) : t('report.stillLive')}`
      : '';
  return (
    <>
      <Header>
        <a className="btn btn--ghost btn--small" href="/moderator" data-testid="report-back">
          ← {t('report.back')}
        </a>
      </Header>
      <main className="report" data-testid="report" data-status={status}>
        <div className="report-head">
          <div>
            <h1 data-testid="report-title">
              {t('report.title')} · {show?.title ?? showId}
            </h1>
            <p className="muted small">
              {show && <span className={`pill pill--${show.status}`}>{t(`status.${show.status}`)}</span>} {span}
            </p>
          </div>
          <button
            type="button"
            className="btn"
            onClick={() => void report.load()}
            disabled={status === 'loading'}
            data-testid="report-refresh"
          >
            {status === 'loading' ? <Spinner /> : null}
            {t('common.refresh')}
          </button>
        </div>
        {status === 'error' && (
          <p className="banner banner--bar banner--error" role="alert">
            {error === 'NOT_FOUND' ? t('report.notFound') : t(`errors.${error}`, { defaultValue: t('errors.generic'), message: '' })}
          </p>
        )}
        {screen && (
          <>
            <Kpis />
            <section className="report-card" aria-label={t('report.timeline')}>
              <h2>{t('report.timeline')}</h2>
              <ReportTrend />
            </section>
            <div className="report-row">
              <Funnel />
              <ProductTable />
            </div>
            <SegmentTable />
          </>
        )}
      </main>
    </>
  );
}
