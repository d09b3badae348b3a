/**
 * The post-show report's derived figures (README "Selling data"): the funnel with its step rates, the "explained but
 * low CTR" flag of an explanation segment, and the products ranked for "top products". Pure functions of what
 * `metrics.ts`, `segments.ts` and `screen.ts` already compute, so the report never counts anything on its own.
 */
import type { ShowMetrics } from './metrics';
import type { ScreenProduct } from './screen';
import type { SegmentRow } from './segments';

export const FUNNEL_STEPS = ['entered', 'impressions', 'clicks', 'ordersCreated', 'ordersPaid'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

export interface FunnelRow {
  step: FunnelStep;
  count: number;
  /** count ÷ the previous step's count (null for the first step, or when the previous step is 0). */
  fromPrevious: number | null;
  /** count ÷ the first step's count (null when nobody entered). */
  fromEntered: number | null;
}

/**
 * entries (unique viewers who entered) → card impressions (UV) → clicks (UV) → orders created → orders paid. The last
 * two count orders, not viewers (a buyer may order twice); their rates are still read against the step before.
 */
export function funnelRows(m: ShowMetrics): FunnelRow[] {
  const f = m.funnel;
  const counts: Record<FunnelStep, number> = {
    entered: f.enteredUv,
    impressions: f.impressionUv,
    clicks: f.clickUv,
    ordersCreated: f.ordersCreated,
    ordersPaid: f.ordersPaid,
  };
  return FUNNEL_STEPS.map((step, i) => {
    const count = counts[step];
    const prev = i === 0 ? 0 : counts[FUNNEL_STEPS[i - 1]!];
    return {
      step,
      count,
      fromPrevious: i === 0 || prev === 0 ? null : count / prev,
      fromEntered: f.enteredUv === 0 ? null : count / f.enteredUv,
    };
  });
}

/** A segment needs this many viewers who saw its card before its CTR is judged. */
export const LOW_CTR_MIN_IMPRESSION_UV = 3;
/** A segment whose CTR is under this share of the show's CTR is "explained but low CTR". */
export const LOW_CTR_SHARE = 0.5;

/**
 * "Explained but low CTR": enough viewers saw the card during the explanation (≥ LOW_CTR_MIN_IMPRESSION_UV), yet its
 * CTR is below LOW_CTR_SHARE of the whole show's CTR (or nobody clicked while others did elsewhere).
 */
export function isLowCtr(row: Pick<SegmentRow, 'impressionUv' | 'ctr'>, showCtr: number): boolean {
  return row.impressionUv >= LOW_CTR_MIN_IMPRESSION_UV && showCtr > 0 && row.ctr < showCtr * LOW_CTR_SHARE;
}

/** A product's row on the big screen and in the report: the screen's totals with a title and the product's CTR. */
export interface ProductRow {
  productId: string;
  title: string;
  impressions: number;
  clicks: number;
  /** clicks ÷ impressions (events; 0 without impressions). */
  ctr: number;
  orders: number;
  units: number;
  gmvMinor: number;
  currency: string | null;
}

export function productRow(p: ScreenProduct, title: string): ProductRow {
  return {
    productId: p.productId,
    title,
    impressions: p.impressions,
    clicks: p.clicks,
    ctr: p.impressions === 0 ? 0 : p.clicks / p.impressions,
    orders: p.orders,
    units: p.units,
    gmvMinor: p.gmvMinor,
    currency: p.currency,
  };
}

/** Products ranked for "top products": GMV, then units, then clicks (descending); ties keep the given order. */
export function rankProducts(products: readonly ScreenProduct[]): ScreenProduct[] {
  return products
    .map((p, i) => ({ p, i }))
    .sort((a, b) => b.p.gmvMinor - a.p.gmvMinor || b.p.units - a.p.units || b.p.clicks - a.p.clicks || a.i - b.i)
    .map(({ p }) => p);
}
