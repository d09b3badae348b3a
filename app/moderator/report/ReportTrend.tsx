/**
 * The report's timeline: the big screen's chart (app/ui/selling-trend.ts) over the whole show, with each explanation
 * segment shaded and pins / flash sales / giveaways marked. Rebuilt when the data or the language changes.
 */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { BAND_COLOR, createSellingTrend, MARKER_COLORS } from '../../ui/selling-trend';
import { useReportState } from './context';
import { segmentBands } from './view';

const HEIGHT = 280;

export function ReportTrend() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const screen = useReportState((s) => s.screen);
  const segments = useReportState((s) => s.segments);
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const bands = segmentBands(segments);
    const chart = createSellingTrend(el, {
      locale,
      height: HEIGHT,
      // The whole show, however short: it has ended.
      minSpanMinutes: 0,
      labels: {
        time: t('report.time'),
        viewers: t('report.series.viewers'),
        gmv: t('report.series.gmv'),
        orders: t('report.series.orders'),
      },
      source: () => ({ screen, bands }),
    });
    return () => chart.destroy();
  }, [screen, segments, locale, t]);

  return (
    <div className="report-trend">
      <div ref={host} className="report-chart" data-testid="report-chart" />
      <ul className="report-legend">
        <li>
          <span className="report-band-swatch" style={{ background: BAND_COLOR }} aria-hidden="true" />
          {t('report.marker.segment')}
        </li>
        {(['pin', 'sale', 'giveaway'] as const).map((k) => (
          <li key={k}>
            <span className="report-marker-swatch" style={{ borderColor: MARKER_COLORS[k] }} aria-hidden="true" />
            {t(`report.marker.${k}`)}
          </li>
        ))}
      </ul>
    </div>
  );
}
