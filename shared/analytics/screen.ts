/**
 * The studio's live big screen (`GET /api/analytics/shows/:showId/screen`): the show's metrics plus what the trend
 * and the per-product table need — viewers, GMV and paid orders per show minute, the pins / flash sales / giveaways
 * of the show event log as chart markers, and per-product totals. Pure, like `metrics.ts`: computed from the same logs.
 */
import { z } from 'zod';
import type { ShowLogEntry } from './events';
import { computeShowMetrics, type MetricsInput, minuteOf, ONLINE_STALE_MS, ShowMetrics, visitsByViewer } from './metrics';
import type { SegmentsInput } from './segments';

export const ScreenMinute = z.object({
  /** Epoch ms of the minute's start. */
  minute: z.number().int(),
  /** Live visits open at any time during the minute (a visit still open and heard from lately runs to now). */
  viewers: z.number().int(),
  /** Paid amount of orders paid during the minute, in the screen's currency. */
  gmvMinor: z.number().int(),
  /** Orders paid during the minute. */
  orders: z.number().int(),
});
export type ScreenMinute = z.infer<typeof ScreenMinute>;

export const ScreenMarker = z.object({
  at: z.number().int(),
  kind: z.enum(['pin', 'sale', 'giveaway']),
  productId: z.string().nullable(),
});
export type ScreenMarker = z.infer<typeof ScreenMarker>;

export const ScreenProduct = z.object({
  productId: z.string(),
  /** Impression and click events of the product (whole show). */
  impressions: z.number().int(),
  clicks: z.number().int(),
  /** Paid orders containing the product, units in them and their line amounts (before order-level coupons). */
  orders: z.number().int(),
  units: z.number().int(),
  gmvMinor: z.number().int(),
  currency: z.string().nullable(),
});
export type ScreenProduct = z.infer<typeof ScreenProduct>;

export const SellingScreen = z.object({
  now: z.number().int(),
  metrics: ShowMetrics,
  /** The currency of the per-minute GMV: the one with the largest gross (null before any payment). */
  currency: z.string().nullable(),
  /** Every minute from the show's start to its end (or now); empty before it started. */
  minutes: z.array(ScreenMinute),
  markers: z.array(ScreenMarker),
  /** The lineup first (in its order), then any other product with events or orders. */
  products: z.array(ScreenProduct),
});
export type SellingScreen = z.infer<typeof SellingScreen>;

export interface ScreenInput extends MetricsInput {
  orders: SegmentsInput['orders'];
  log: readonly ShowLogEntry[];
  lineup: readonly string[];
}

const MARKER: Partial<Record<ShowLogEntry['kind'], ScreenMarker['kind']>> = {
  'explain.start': 'pin',
  'sale.started': 'sale',
  'giveaway.started': 'giveaway',
};

/** A long show is still drawn in full, but at most this many minutes (the last ones) are returned. */
export const SCREEN_MAX_MINUTES = 24 * 60;

export function computeSellingScreen(input: ScreenInput): SellingScreen {
  const metrics = computeShowMetrics(input);
  const currency = metrics.gmv.reduce<{ c: string; g: number } | null>(
    (best, r) => (best === null || r.grossMinor > best.g ? { c: r.currency, g: r.grossMinor } : best),
    null,
  )?.c;
  const minutes: ScreenMinute[] = [];
  const { startedAt } = input.show;
  if (startedAt !== null) {
    const end = input.show.endedAt ?? input.now;
    const first = Math.max(minuteOf(startedAt), minuteOf(end) - (SCREEN_MAX_MINUTES - 1) * 60_000);
    const index = new Map<number, ScreenMinute>();
    for (let m = first; m <= end; m += 60_000) {
      const row = { minute: m, viewers: 0, gmvMinor: 0, orders: 0 };
      minutes.push(row);
      index.set(m, row);
    }
    for (const visits of visitsByViewer(input.events, 'live').values()) {
      for (const v of visits) {
        const last = v.open && input.now - v.end <= ONLINE_STALE_MS ? Math.min(end, input.now) : v.end;
        for (let m = Math.max(first, minuteOf(v.start)); m <= minuteOf(last); m += 60_000) {
          const row = index.get(m);
          if (row) row.viewers++;
        }
      }
    }
    for (const o of input.orders) {
      if (o.paidAt === null) continue;
      const row = index.get(minuteOf(o.paidAt));
      if (!row) continue;
      row.orders++;
      if (o.currency === currency) row.gmvMinor += o.totalMinor;
    }
  }
  const markers = input.log.flatMap((e) => {
    const kind = MARKER[e.kind];
    return kind ? [{ at: e.at, kind, productId: e.productId }] : [];
  });
  return { now: input.now, metrics, currency: currency ?? null, minutes, markers, products: productRows(input) };
}

function productRows(input: ScreenInput): ScreenProduct[] {
  const rows = new Map<string, ScreenProduct>();
  const row = (productId: string): ScreenProduct => {
    let r = rows.get(productId);
    if (!r) {
      r = { productId, impressions: 0, clicks: 0, orders: 0, units: 0, gmvMinor: 0, currency: null };
      rows.set(productId, r);
    }
    return r;
  };
  for (const id of input.lineup) row(id);
  for (const e of input.events) {
    if (e.productId === null) continue;
    if (e.kind === 'impression') row(e.productId).impressions++;
    else if (e.kind === 'click') row(e.productId).clicks++;
  }
  for (const o of input.orders) {
    if (o.paidAt === null) continue;
    const seen = new Set<string>();
    for (const i of o.items) {
      const r = row(i.productId);
      if (!seen.has(i.productId)) r.orders++;
      seen.add(i.productId);
      r.units += i.qty;
      r.gmvMinor += i.qty * i.unitMinor;
      r.currency = o.currency;
    }
  }
  return [...rows.values()];
}
