/**
 * Derived values of the post-show report (pure; computed from the report store, never stored): the explanation rows
 * with titles, GMV in the report's currency and the low-CTR flag, sorted by any column; the per-product rows ranked
 * for "top products"; the headline figures.
 */
import { isLowCtr, type ProductRow, productRow, rankProducts } from '../../../shared/analytics/report';
import type { SellingScreen } from '../../../shared/analytics/screen';
import type { SegmentRow } from '../../../shared/analytics/segments';
import { sortRows } from '../../ui/sort';
import type { SegmentSort, SegmentSortKey } from './store';

export interface SegmentView {
  /** Stable row key (a product may be explained more than once). */
  key: string;
  productId: string;
  title: string;
  start: number;
  end: number;
  open: boolean;
  durationMs: number;
  viewers: number;
  impressionUv: number;
  clickUv: number;
  ctr: number;
  orders: number;
  paid: number;
  units: number;
  /** In `currency` (the report's; null before any payment). */
  gmvMinor: number;
  gpmMinor: number;
  currency: string | null;
  questionsAsked: number;
  questionsAnswered: number;
  ordersAfter: number;
  lowCtr: boolean;
}

function sortValue(r: SegmentView, key: SegmentSortKey): number | string {
  switch (key) {
    case 'product':
      return r.title;
    case 'duration':
      return r.durationMs;
    case 'gmv':
      return r.gmvMinor;
    case 'gpm':
      return r.gpmMinor;
    case 'questions':
      return r.questionsAsked;
    default:
      return r[key];
  }
}

/** One row per explanation segment, sorted by `sort`; ties keep the show's order. */
export function segmentViews(
  screen: SellingScreen | null,
  segments: readonly SegmentRow[],
  titles: Readonly<Record<string, string>>,
  sort: SegmentSort,
  locale: string,
): SegmentView[] {
  const currency = screen?.currency ?? segments.find((s) => s.gmv.length > 0)?.gmv[0]?.currency ?? null;
  const showCtr = screen?.metrics.ctr ?? 0;
  const rows: SegmentView[] = segments.map((s) => {
    const g = s.gmv.find((x) => x.currency === currency);
    return {
      key: `${s.productId}@${s.start}`,
      productId: s.productId,
      title: titles[s.productId] ?? s.productId,
      start: s.start,
      end: s.end,
      open: s.open,
      durationMs: s.end - s.start,
      viewers: s.viewers,
      impressionUv: s.impressionUv,
      clickUv: s.clickUv,
      ctr: s.ctr,
      orders: s.orders,
      paid: s.paid,
      units: s.units,
      gmvMinor: g?.minor ?? 0,
      gpmMinor: g?.gpmMinor ?? 0,
      currency,
      questionsAsked: s.questionsAsked,
      questionsAnswered: s.questionsAnswered,
      ordersAfter: s.ordersAfter,
      lowCtr: isLowCtr(s, showCtr),
    };
  });
  return sortRows(rows, (r) => sortValue(r, sort.key), sort.dir, locale);
}

/** Every product of the show, best first (GMV, units, clicks). */
export function productViews(screen: SellingScreen | null, titles: Readonly<Record<string, string>>): ProductRow[] {
  return rankProducts(screen?.products ?? []).map((p) => productRow(p, titles[p.productId] ?? p.productId));
}

/** Spans to shade on the timeline: each explanation segment. */
export function segmentBands(segments: readonly SegmentRow[]): { start: number; end: number }[] {
  return segments.map((s) => ({ start: s.start, end: s.end }));
}
