/**
 * The big screen's trend (app/ui/selling-trend.ts, shared with the post-show report): viewers, GMV and paid orders per
 * minute with pins / flash sales / giveaways marked. The chart is built once (again only when the language changes);
 * each second's reply goes in through `update()` from a store subscription, outside React's render.
 */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { createSellingTrend, MARKER_COLORS } from '../../ui/selling-trend';
import { useStudio } from '../context';

const HEIGHT = 260;

export function BigScreenTrend() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { store } = useStudio();
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let current = store.getState().selling.data;
    const chart = createSellingTrend(el, {
      locale,
      height: HEIGHT,
      labels: {
        time: t('bigscreen.time'),
        viewers: t('bigscreen.series.viewers'),
        gmv: t('bigscreen.series.gmv'),
        orders: t('bigscreen.series.orders'),
      },
      source: () => ({ screen: current }),
    });
    const unsub = store.subscribe((s) => {
      if (s.selling.data === current) return;
      current = s.selling.data;
      chart.update();
    });
    return () => {
      unsub();
      chart.destroy();
    };
  }, [store, locale, t]);

  return (
    <div className="bigscreen-trend">
      <div ref={host} className="bigscreen-chart" data-testid="bigscreen-chart" />
      <ul className="bigscreen-markers-legend">
        {(['pin', 'sale', 'giveaway'] as const).map((k) => (
          <li key={k}>
            <span className="bigscreen-marker-swatch" style={{ borderColor: MARKER_COLORS[k] }} aria-hidden="true" />
            {t(`bigscreen.marker.${k}`)}
          </li>
        ))}
      </ul>
    </div>
  );
}
