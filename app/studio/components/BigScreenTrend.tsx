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
import { dateTimeFormat, formatMoney } from '../../ui/format';
import { useStudio } from '../context';
import { trendColumns } from '../controllers/selling-screen-view';

const HEIGHT = 260;
/** The x range spans at least this much, so the first minutes do not stretch over the whole width. */
const MIN_SPAN_S = 10 * 60;
/** Points sit at the middle of their minute: the axis runs from the first minute's start to the last one's end. */
const HALF_MINUTE_S = 30;
/** x ticks fall on whole minutes. */
const MINUTE_INCRS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
/** Flags of different kinds sit at different heights, so a pin and a sale in the same minute both show. */
const FLAG_ROW: Record<ScreenMarker['kind'], number> = { pin: 0, sale: 1, giveaway: 2 };
export const MARKER_COLORS: Record<ScreenMarker['kind'], string> = { pin: '#4da3ff', sale: '#ffb020', giveaway: '#c77dff' };

export function BigScreenTrend() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { store } = useStudio();
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let current: SellingScreen | null = store.getState().selling.data;
    const hhmm = dateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
    const money = (v: number) => (current?.currency ? formatMoney(Math.round(v), current.currency, locale) : String(Math.round(v)));
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: HEIGHT,
      scales: {
        // From the show's first minute; the passed min / max are not used (uPlot widens a single point to years).
        x: {
          time: true,
          range: (u) => {
            const xs = u.data[0];
            const lo = xs.length ? xs[0]! : Math.floor(Date.now() / 60_000) * 60 + HALF_MINUTE_S;
            const hi = xs.length ? xs[xs.length - 1]! : lo;
            return [lo - HALF_MINUTE_S, Math.max(hi + HALF_MINUTE_S, lo - HALF_MINUTE_S + MIN_SPAN_S)];
          },
        },
        n: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] },
        gmv: { range: (_u, _min, max) => [0, Math.max(100, max * 1.15)] },
      },
      axes: [
        {
          stroke: '#9aa1b1',
          grid: { stroke: '#262b36' },
          ticks: { stroke: '#262b36' },
          space: 70,
          size: 32,
          incrs: MINUTE_INCRS,
          values: (_u, splits) => splits.map((v) => hhmm.format(v * 1000)),
        },
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
      legend: { show: true, live: false },
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const { left, top, width, height } = u.bbox;
            const px = uPlot.pxRatio;
            ctx.save();
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
              // A small flag at the top tells the kinds apart where lines are close.
              const y = top + FLAG_ROW[m.kind] * 10 * px;
              ctx.fillStyle = MARKER_COLORS[m.kind];
              ctx.beginPath();
              ctx.moveTo(x, y);
              ctx.lineTo(x + 8 * px, y + 4 * px);
              ctx.lineTo(x, y + 8 * px);
              ctx.fill();
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
            {t(`bigscreen.marker.${k}`)}
          </li>
        ))}
      </ul>
    </div>
  );
}
