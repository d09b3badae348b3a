/**
 * The big screen's trend: viewers and paid orders per minute (left axis) and GMV per minute (right axis) with uPlot,
 * pins / flash sales / giveaways drawn as marked vertical lines. The chart is built once (again only when the language
 * changes); each second's reply goes in through `setData` from a store subscription, outside React's render.
 */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ScreenMarker, SellingScreen } from '../../../shared/analytics/screen';
import { formatMoney } from '../../ui/format';
import { useStudio } from '../context';
import { trendColumns } from '../controllers/selling-screen-view';

const HEIGHT = 260;
/** The x range spans at least this much, so the first minutes do not stretch over the whole width. */
const MIN_SPAN_S = 10 * 60;
export const MARKER_COLORS: Record<ScreenMarker['kind'], string> = { pin: '#4da3ff', sale: '#ffb020', giveaway: '#c77dff' };
const MARKER_GLYPH: Record<ScreenMarker['kind'], string> = { pin: '📌', sale: '⚡', giveaway: '🎁' };

export function BigScreenTrend() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { store } = useStudio();
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let current: SellingScreen | null = store.getState().selling.data;
    const money = (v: number) => (current?.currency ? formatMoney(Math.round(v), current.currency, locale) : String(Math.round(v)));
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: HEIGHT,
      scales: {
        x: { time: true, range: (_u, min, max) => [min, Math.max(max, min + MIN_SPAN_S)] },
        n: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] },
        gmv: { range: (_u, _min, max) => [0, Math.max(100, max * 1.15)] },
      },
      axes: [
        { stroke: '#9aa1b1', grid: { stroke: '#262b36' }, ticks: { stroke: '#262b36' } },
        { scale: 'n', stroke: '#9aa1b1', grid: { stroke: '#262b36' }, ticks: { stroke: '#262b36' } },
        {
          scale: 'gmv',
          side: 1,
          stroke: '#ff8fa3',
          grid: { show: false },
          size: 80,
          values: (_u, splits) => splits.map(money),
        },
      ],
      series: [
        { label: t('bigscreen.time') },
        { label: t('bigscreen.series.viewers'), scale: 'n', stroke: '#4da3ff', width: 2, points: { size: 5 } },
        {
          label: t('bigscreen.series.gmv'),
          scale: 'gmv',
          stroke: '#ff3b5c',
          fill: 'rgba(255, 59, 92, 0.12)',
          width: 2,
          points: { size: 5 },
          value: (_u, v) => (v == null ? '—' : money(v)),
        },
        {
          label: t('bigscreen.series.orders'),
          scale: 'n',
          stroke: '#2fd07a',
          fill: 'rgba(47, 208, 122, 0.35)',
          paths: uPlot.paths.bars?.({ size: [0.5, 24] }),
          points: { show: false },
        },
      ],
      legend: { show: true },
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const { left, top, width, height } = u.bbox;
            const px = uPlot.pxRatio;
            ctx.save();
            ctx.font = `${12 * px}px system-ui, sans-serif`;
            ctx.textAlign = 'center';
            ctx.textBaseline = 'top';
            for (const m of current?.markers ?? []) {
              const x = Math.round(u.valToPos(m.at / 1000, 'x', true));
              if (x < left || x > left + width) continue;
              ctx.strokeStyle = MARKER_COLORS[m.kind];
              ctx.lineWidth = px;
              ctx.setLineDash([4 * px, 3 * px]);
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, top + height);
              ctx.stroke();
              ctx.fillText(MARKER_GLYPH[m.kind], x, top + 2 * px);
            }
            ctx.restore();
          },
        ],
      },
    };
    const u = new uPlot(opts, trendColumns(current), el);
    const unsub = store.subscribe((s) => {
      if (s.selling.data === current) return;
      current = s.selling.data;
      u.setData(trendColumns(current));
    });
    const resize = new ResizeObserver(() => {
      const w = Math.max(320, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      unsub();
      u.destroy();
    };
  }, [store, locale, t]);

  return (
    <div className="bigscreen-trend">
      <div ref={host} className="bigscreen-chart" data-testid="bigscreen-chart" />
      <ul className="bigscreen-markers-legend">
        {(['pin', 'sale', 'giveaway'] as const).map((k) => (
          <li key={k}>
            <span className="bigscreen-marker-swatch" style={{ borderColor: MARKER_COLORS[k] }} aria-hidden="true" />
            {MARKER_GLYPH[k]} {t(`bigscreen.marker.${k}`)}
          </li>
        ))}
      </ul>
    </div>
  );
}
