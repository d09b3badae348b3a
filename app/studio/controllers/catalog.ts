/** Derived catalog values and lineup list operations (pure, unit-tested). */
import type { ProductView, SkuOptions, SkuView } from '../../../shared/commerce/catalog';
import type { FlashSaleView } from '../../../shared/commerce/sales';

/** Lowest and highest current price (what an order placed now pays) over the active SKUs; null without one. */
export function priceRange(p: ProductView): { min: number; max: number } | null {
  const prices = p.skus.filter((s) => s.active).map((s) => s.priceMinor);
  if (prices.length === 0) return null;
  return { min: Math.min(...prices), max: Math.max(...prices) };
}

/** Units in stock over the active SKUs. */
export function totalStock(p: ProductView): number {
  return p.skus.reduce((n, s) => n + (s.active ? s.stock : 0), 0);
}

/** "驼色 / M" for a SKU's options ("" without attributes). */
export function skuLabel(options: SkuOptions): string {
  return Object.values(options).join(' / ');
}

/** The active SKU with the lowest live price (live price, else list price); ties keep the grid order. */
export function cheapestSku(p: ProductView): SkuView | null {
  let best: SkuView | null = null;
  for (const s of p.skus) {
    if (!s.active) continue;
    if (!best || (s.livePriceMinor ?? s.listPriceMinor) < (best.livePriceMinor ?? best.listPriceMinor)) best = s;
  }
  return best;
}

/** Move the item at `from` to index `to` (indices clamped; same array back when nothing moves). */
export function moveItem<T>(items: readonly T[], from: number, to: number): T[] {
  if (from < 0 || from >= items.length) return [...items];
  const target = Math.max(0, Math.min(items.length - 1, to));
  if (target === from) return [...items];
  const out = [...items];
  const [it] = out.splice(from, 1);
  out.splice(target, 0, it as T);
  return out;
}

/** Move `id` to where `overId` is (drag and drop). */
export function moveId(ids: readonly string[], id: string, overId: string): string[] {
  return moveItem(ids, ids.indexOf(id), ids.indexOf(overId));
}

/** Append a product to the lineup (no duplicates). */
export function addToLineup(ids: readonly string[], id: string): string[] {
  return ids.includes(id) ? [...ids] : [...ids, id];
}

export function removeFromLineup(ids: readonly string[], id: string): string[] {
  return ids.filter((x) => x !== id);
}

/** Running sales (not yet past their end), soonest end first. */
export function runningSales(sales: readonly FlashSaleView[], now: number): FlashSaleView[] {
  return sales.filter((s) => s.status === 'active' && s.endsAt > now).sort((a, b) => a.endsAt - b.endsAt);
}
