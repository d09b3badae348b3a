/**
 * The report's tables: one row per explanation segment (click a column header to sort by it, again to flip;
 * `aria-sort` tells which; "explained but low CTR" rows flagged) and the products ranked best first. Each exports CSV.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { dateTimeFormat, formatMoney, numberFormat } from '../../ui/format';
import { SortableHead } from '../../ui/SortHeader';
import { useReport, useReportState } from './context';
import { downloadCsv, productsCsv, segmentsCsv } from './csv';
import { SEGMENT_SORT_KEYS, type SegmentSortKey } from './store';
import { productViews, type SegmentView, segmentViews } from './view';

function useFormats(locale: string) {
  return useMemo(
    () => ({
      count: numberFormat(locale, {}),
      pct: numberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }),
      time: dateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
    }),
    [locale],
  );
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A table card's title with its CSV export button. */
function CardHead({ title, testId, disabled, onExport }: { title: string; testId: string; disabled: boolean; onExport: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="report-card-head">
      <h2>{title}</h2>
      <button type="button" className="btn btn--small" disabled={disabled} data-testid={testId} onClick={onExport}>
        {t('report.exportCsv')}
      </button>
    </div>
  );
}

export function SegmentTable() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { store } = useReport();
  const screen = useReportState((s) => s.screen);
  const segments = useReportState((s) => s.segments);
  const titles = useReportState((s) => s.titles);
  const sort = useReportState((s) => s.sort);
  const showId = useReportState((s) => s.showId);
  const rows = useMemo(() => segmentViews(screen, segments, titles, sort, locale), [screen, segments, titles, sort, locale]);
  const f = useFormats(locale);

  const cell = (key: SegmentSortKey, r: SegmentView): string => {
    switch (key) {
      case 'product':
        return r.title;
      case 'start':
        return f.time.format(r.start);
      case 'duration':
        return r.open ? `${duration(r.durationMs)}+` : duration(r.durationMs);
      case 'ctr':
        return f.pct.format(r.ctr);
      case 'gmv':
        return r.currency ? formatMoney(r.gmvMinor, r.currency, locale) : '—';
      case 'gpm':
        return r.currency ? formatMoney(r.gpmMinor, r.currency, locale) : '—';
      case 'questions':
        return `${f.count.format(r.questionsAnswered)} / ${f.count.format(r.questionsAsked)}`;
      default:
        return f.count.format(r[key]);
    }
  };

  return (
    <section className="report-card" aria-label={t('report.segments.title')}>
      <CardHead
        title={t('report.segments.title')}
        testId="report-segments-csv"
        disabled={rows.length === 0}
        onExport={() => downloadCsv(`report-${showId}-explanations.csv`, segmentsCsv(rows, t))}
      />
      <p className="muted small">{t('report.segments.hint')}</p>
      {rows.length === 0 ? (
        <div className="empty">{t('report.segments.none')}</div>
      ) : (
        <div className="report-table-wrap">
          <table className="report-table sortable" data-testid="report-segments">
            <SortableHead
              columns={SEGMENT_SORT_KEYS}
              sort={sort}
              label={(key) => t(`report.col.${key}`)}
              className={(key) => (key === 'product' ? 'col-text' : 'col-num')}
              markClassName="sortable-mark"
              testIdPrefix="report-sort-"
              onSort={(key) => store.getState().sortSegments(key)}
            />
            <tbody>
              {rows.map((r) => (
                <tr
                  key={r.key}
                  data-product-id={r.productId}
                  data-low-ctr={r.lowCtr ? 'true' : undefined}
                  className={r.lowCtr ? 'table-row--flagged' : ''}
                >
                  {SEGMENT_SORT_KEYS.map((key) =>
                    key === 'product' ? (
                      <th key={key} scope="row" className="col-text" title={r.title} data-col={key}>
                        {r.title}
                        {r.lowCtr && (
                          <span className="chip chip--warn low-ctr-flag" title={t('report.lowCtrHint')}>
                            {t('report.lowCtr')}
                          </span>
                        )}
                      </th>
                    ) : (
                      <td key={key} className="col-num" data-col={key}>
                        {cell(key, r)}
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const PRODUCT_COLS = ['rank', 'product', 'impressions', 'clicks', 'ctr', 'orders', 'units', 'gmv'] as const;

export function ProductTable() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const screen = useReportState((s) => s.screen);
  const titles = useReportState((s) => s.titles);
  const showId = useReportState((s) => s.showId);
  const rows = useMemo(() => productViews(screen, titles), [screen, titles]);
  const f = useFormats(locale);

  return (
    <section className="report-card" aria-label={t('report.products.title')}>
      <CardHead
        title={t('report.products.title')}
        testId="report-products-csv"
        disabled={rows.length === 0}
        onExport={() => downloadCsv(`report-${showId}-products.csv`, productsCsv(rows, t))}
      />
      {rows.length === 0 ? (
        <div className="empty">{t('report.products.none')}</div>
      ) : (
        <div className="report-table-wrap">
          <table className="report-table" data-testid="report-products">
            <thead>
              <tr>
                {PRODUCT_COLS.map((c) => (
                  <th key={c} scope="col" className={c === 'product' ? 'col-text' : 'col-num'}>
                    {t(`report.col.${c}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={r.productId} data-product-id={r.productId}>
                  <td className="col-num" data-col="rank">
                    {i + 1}
                  </td>
                  <th scope="row" className="col-text" title={r.title} data-col="product">
                    {r.title}
                  </th>
                  <td className="col-num" data-col="impressions">
                    {f.count.format(r.impressions)}
                  </td>
                  <td className="col-num" data-col="clicks">
                    {f.count.format(r.clicks)}
                  </td>
                  <td className="col-num" data-col="ctr">
                    {f.pct.format(r.ctr)}
                  </td>
                  <td className="col-num" data-col="orders">
                    {f.count.format(r.orders)}
                  </td>
                  <td className="col-num" data-col="units">
                    {f.count.format(r.units)}
                  </td>
                  <td className="col-num" data-col="gmv">
                    {r.currency ? formatMoney(r.gmvMinor, r.currency, locale) : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
