/**
 * Derived values of the big screen (pure, computed from the `selling` slice and the catalog — never stored): the
 * headline totals, the product table sorted by any column, and the trend's columns for uPlot.
 */
import type { SellingScreen } from '../../../shared/analytics/screen';
import type { ProductView } from '../../../shared/commerce/catalog';
import { type ProductRow, productRow } from '../../../shared/analytics/report';
import { sortRows } from '../../ui/sort';
import type { SellingSort, SellingSortKey } from '../store';

export interface ScreenTotals {
  /** Gross GMV in the screen's currency (null before any payment). */
  gmv: { currency: string; minor: number } | null;
  itemsSold: number;
  online: number;
  peak: number;
  ordersPaid: number;
}

export function screenTotals(data: SellingScreen | null): ScreenTotals {
  if (!data) return { gmv: null, itemsSold: 0, online: 0, peak: 0, ordersPaid: 0 };
  const m = data.metrics;
  const row = m.gmv.find((g) => g.currency === data.currency);
  return {
    gmv: row ? { currency: row.currency, minor: row.grossMinor } : null,
    itemsSold: m.itemsSold,
    online: m.online.current,
    peak: m.online.peak,
    ordersPaid: m.funnel.ordersPaid,
  };
}

export type { ProductRow };

export const SORT_KEYS: readonly SellingSortKey[] = ['title', 'impressions', 'clicks', 'ctr', 'orders', 'units', 'gmv'];

function value(r: ProductRow, key: SellingSortKey): number | string {
  return key === 'gmv' ? r.gmvMinor : r[key];
}

/** The table's rows, sorted by `sort`; ties keep the lineup order. */
export function productRows(data: SellingScreen | null, catalog: readonly ProductView[], sort: SellingSort, locale: string): ProductRow[] {
  if (!data) return [];
  const titles = new Map(catalog.map((p) => [p.id, p.title]));
  const rows = data.products.map((p) => productRow(p, titles.get(p.productId) ?? p.productId));
  return sortRows(rows, (r) => value(r, sort.key), sort.dir, locale);
}

/** The trend's uPlot columns (shared with the post-show report's chart). */
export { type TrendColumns, trendColumns } from '../../ui/selling-trend';
