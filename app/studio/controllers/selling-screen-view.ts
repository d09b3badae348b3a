/**
 * Derived values of the big screen (pure, computed from the `selling` slice and the catalog — never stored): the
 * headline totals, the product table sorted by any column, and the trend's columns for uPlot.
 */
import type { SellingScreen } from '../../../shared/analytics/screen';
import type { ProductView } from '../../../shared/commerce/catalog';
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

export interface ProductRow {
  productId: string;
  title: string;
  impressions: number;
  clicks: number;
  /** clicks ÷ impressions (0 without impressions). */
  ctr: number;
  orders: number;
  units: number;
  gmvMinor: number;
  currency: string | null;
}

export const SORT_KEYS: readonly SellingSortKey[] = ['title', 'impressions', 'clicks', 'ctr', 'orders', 'units', 'gmv'];

function value(r: ProductRow, key: SellingSortKey): number | string {
  return key === 'gmv' ? r.gmvMinor : r[key];
}

/** The table's rows, sorted by `sort`; ties keep the lineup order. */
export function productRows(data: SellingScreen | null, catalog: readonly ProductView[], sort: SellingSort, locale: string): ProductRow[] {
  if (!data) return [];
  const titles = new Map(catalog.map((p) => [p.id, p.title]));
  const rows = data.products.map((p) => ({
    productId: p.productId,
    title: titles.get(p.productId) ?? p.productId,
    impressions: p.impressions,
    clicks: p.clicks,
    ctr: p.impressions === 0 ? 0 : p.clicks / p.impressions,
    orders: p.orders,
    units: p.units,
    gmvMinor: p.gmvMinor,
    currency: p.currency,
  }));
  const collator = new Intl.Collator(locale);
  const sign = sort.dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const x = value(a.r, sort.key);
      const y = value(b.r, sort.key);
      const c = typeof x === 'string' && typeof y === 'string' ? collator.compare(x, y) : (x as number) - (y as number);
      return c * sign || a.i - b.i;
    })
    .map(({ r }) => r);
}

/**
 * uPlot columns: x (seconds), viewers, GMV (minor units of the screen's currency), paid orders — one per minute, at the
 * middle of its minute, so markers (drawn at their exact time) fall inside the minute whose numbers they explain.
 */
export type TrendColumns = [number[], number[], number[], number[]];

export function trendColumns(data: SellingScreen | null): TrendColumns {
  const cols: TrendColumns = [[], [], [], []];
  for (const m of data?.minutes ?? []) {
    cols[0].push(m.minute / 1000 + 30);
    cols[1].push(m.viewers);
    cols[2].push(m.gmvMinor);
    cols[3].push(m.orders);
  }
  return cols;
}
