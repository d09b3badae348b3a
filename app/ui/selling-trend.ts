/**
 * The selling trend chart, shared by the studio's live big screen and the post-show report: viewers and paid orders per
 * minute (left axis) and GMV per minute (right axis) with uPlot; pins / flash sales / giveaways drawn as flagged
 * vertical lines and, when given, explanation segments shaded behind the series. Built once; `update()` re-reads the
 * source and redraws (the big screen calls it each second from a store subscription, outside React's render).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ScreenMarker, SellingScreen } from '../../shared/analytics/screen';
import { dateTimeFormat, formatMoney } from './format';

/**
 * uPlot columns: x (seconds), viewers, GMV (minor units of the screen's currency), paid orders — one per minute, at the
 * middle of its minute, so markers (drawn at their exact time) fall inside the minute whose numbers they explain.
 */
export type TrendColumns = [number[], number[], number[], number[]];

export function trendColumns(data: Pick<SellingScreen, 'minutes'> | null): TrendColumns {
  const cols: TrendColumns = [[], [], [], []];
  for (const m of data?.minutes ?? []) {
    cols[0].push(m.minute / 1000 + 30);
    cols[1].push(m.viewers);
    cols[2].push(m.gmvMinor);
    cols[3].push(m.orders);
  }
  return cols;
}

export const MARKER_COLORS: Record<ScreenMarker['kind'], string> = { pin: '#4da3ff', sale: '#ffb020', giveaway: '#c77dff' };
export const BAND_COLOR = 'rgba(77, 163, 255, 0.13)';

/** What the chart draws; read again on every `update()`. Times in ms since the epoch. */
export interface TrendSource {
  screen: Pick<SellingScreen, 'minutes' | 'markers' | 'currency'> | null;
  /** Shaded spans (explanation segments), drawn behind the series. */
  bands?: readonly { start: number; end: number }[];
}

export interface TrendOptions {
  locale: string;
  labels: { time: string; viewers: string; gmv: string; orders: string };
  height: number;
  /** The x axis spans at least this many minutes (a live show's first minutes do not stretch over the whole width). */
  minSpanMinutes?: number;
  source: () => TrendSource;
}

export interface TrendChart {
  update(): void;
  destroy(): void;
}

const DEFAULT_MIN_SPAN_MINUTES = 10;
/** Points sit at the middle of their minute: the axis runs from the first minute's start to the last one's end. */
const HALF_MINUTE_S = 30;
/** x ticks fall on whole minutes. */
const MINUTE_INCRS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
/** Flags of different kinds sit at different heights, so a pin and a sale in the same minute both show. */
const FLAG_ROW: Record<ScreenMarker['kind'], number> = { pin: 0, sale: 1, giveaway: 2 };

export function createSellingTrend(el: HTMLElement, o: TrendOptions): TrendChart {
  let current = o.source();
  const minSpanS = (o.minSpanMinutes ?? DEFAULT_MIN_SPAN_MINUTES) * 60;
  const hhmm = dateTimeFormat(o.locale, { hour: '2-digit', minute: '2-digit' });
  const money = (v: number) => {
    const c = current.screen?.currency;
    return c ? formatMoney(Math.round(v), c, o.locale) : String(Math.round(v));
  };
  const opts: uPlot.Options = {
    width: Math.max(320, el.clientWidth),
    height: o.height,
    scales: {
      // From the show's first minute; the passed min / max are not used (uPlot widens a single point to years).
      x: {
        time: true,
        range: (u) => {
          const xs = u.data[0];
          const lo = xs.length ? xs[0]! : Math.floor(Date.now() / 60_000) * 60 + HALF_MINUTE_S;
          const hi = xs.length ? xs[xs.length - 1]! : lo;
          return [lo - HALF_MINUTE_S, Math.max(hi + HALF_MINUTE_S, lo - HALF_MINUTE_S + minSpanS)];
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
        // Wide enough for the longest amount label ("CN¥12,345.00" in en; ~7 px a character at the axis font).
        size: (_u, values) => Math.max(80, Math.ceil(Math.max(0, ...(values ?? []).map((v) => v.length)) * 7.2) + 24),
        values: (_u, splits) => splits.map(money),
      },
    ],
    series: [
      { label: o.labels.time },
      { label: o.labels.viewers, scale: 'n', stroke: '#4da3ff', width: 2, points: { size: 5 } },
      {
        label: o.labels.gmv,
        scale: 'gmv',
        stroke: '#ff3b5c',
        fill: 'rgba(255, 59, 92, 0.12)',
        width: 2,
        points: { size: 5 },
        value: (_u, v) => (v == null ? '—' : money(v)),
      },
      {
        label: o.labels.orders,
        scale: 'n',
        stroke: '#2fd07a',
        fill: 'rgba(47, 208, 122, 0.35)',
        paths: uPlot.paths.bars?.({ size: [0.5, 24] }),
        points: { show: false },
      },
    ],
    legend: { show: true, live: false },
    hooks: {
      drawClear: [(u) => drawBands(u, current.bands ?? [])],
      draw: [(u) => drawMarkers(u, current.screen?.markers ?? [])],
    },
  };
  const u = new uPlot(opts, trendColumns(current.screen), el);
  const resize = new ResizeObserver(() => {
    const w = Math.max(320, el.clientWidth);
    if (w !== u.width) u.setSize({ width: w, height: o.height });
  });
  resize.observe(el);
  return {
    update() {
      current = o.source();
      u.setData(trendColumns(current.screen));
    },
    destroy() {
      resize.disconnect();
      u.destroy();
    },
  };
}

function drawBands(u: uPlot, bands: readonly { start: number; end: number }[]): void {
  const { left, top, width, height } = u.bbox;
  const ctx = u.ctx;
  ctx.save();
  ctx.fillStyle = BAND_COLOR;
  for (const b of bands) {
    const x0 = Math.max(left, u.valToPos(b.start / 1000, 'x', true));
    // A segment shorter than a pixel still shows as a thin band.
    const x1 = Math.min(left + width, Math.max(x0 + uPlot.pxRatio * 2, u.valToPos(b.end / 1000, 'x', true)));
    if (x1 <= left || x0 >= left + width) continue;
    ctx.fillRect(x0, top, x1 - x0, height);
  }
  ctx.restore();
}

function drawMarkers(u: uPlot, markers: readonly ScreenMarker[]): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const px = uPlot.pxRatio;
  ctx.save();
  for (const m of markers) {
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
}
