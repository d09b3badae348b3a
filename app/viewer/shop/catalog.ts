/**
 * Pure catalog logic on the server's ProductView: what a SKU costs and how many can be bought *now* (a flash sale
 * ends on the clock, without waiting for the server's `sale.ended`), a product-level summary for the pinned card,
 * and folding live commerce events (realtime socket) into the cached views (mirrors the server's skuView rules).
 */
import type { ActiveSale, ProductView, SkuView } from '../../../shared/commerce/catalog';
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { FlashSaleView } from '../../../shared/commerce/sales';

/** "仅剩 N 件" is shown at or below this many units. */
export const LOW_STOCK = 10;

export function saleRunning(sale: ActiveSale | null, now: number): sale is ActiveSale {
  return sale !== null && sale.endsAt > now;
}

/** Unit price an order placed now pays (sale price while the sale runs, else live price, else list price). */
export function skuPrice(sku: SkuView, now: number): number {
  return saleRunning(sku.sale, now) ? sku.sale.salePriceMinor : (sku.livePriceMinor ?? sku.listPriceMinor);
}

/** Units a buyer can order now. */
export function skuAvailable(sku: SkuView, now: number): number {
  if (!sku.active) return 0;
  return Math.max(0, saleRunning(sku.sale, now) ? Math.min(sku.sale.remaining, sku.stock) : sku.stock);
}

export interface ProductSummary {
  /** Lowest price among buyable SKUs (among all active SKUs when none is buyable). */
  priceMinor: number;
  /** List price of that SKU (shown struck through when above the price). */
  listPriceMinor: number;
  /** Total units buyable now across SKUs. */
  available: number;
  soldOut: boolean;
  /** The running flash sale ending soonest, with its sale price. */
  sale: { endsAt: number; salePriceMinor: number; remaining: number; cap: number } | null;
  onSale: boolean;
}

export function productSummary(p: ProductView, now: number): ProductSummary | null {
  const active = p.skus.filter((s) => s.active);
  if (active.length === 0) return null;
  const buyable = active.filter((s) => skuAvailable(s, now) > 0);
  const pool = buyable.length > 0 ? buyable : active;
  let cheapest = pool[0]!;
  for (const s of pool) if (skuPrice(s, now) < skuPrice(cheapest, now)) cheapest = s;
  let sale: ProductSummary['sale'] = null;
  for (const s of active) {
    if (!saleRunning(s.sale, now)) continue;
    if (!sale || s.sale.endsAt < sale.endsAt) {
      sale = { endsAt: s.sale.endsAt, salePriceMinor: s.sale.salePriceMinor, remaining: s.sale.remaining, cap: s.sale.cap };
    }
  }
  const available = active.reduce((n, s) => n + skuAvailable(s, now), 0);
  return {
    priceMinor: skuPrice(cheapest, now),
    listPriceMinor: cheapest.listPriceMinor,
    available,
    soldOut: available === 0 || p.status !== 'active',
    sale,
    onSale: p.status === 'active',
  };
}

/** Human label of a SKU's options, e.g. "驼色 / 250g" (empty for a product without attributes). */
export function optionsLabel(p: Pick<ProductView, 'attributes'>, options: Record<string, string>): string {
  return p.attributes
    .map((a) => options[a.name])
    .filter((v): v is string => v !== undefined)
    .join(' / ');
}

function activeSaleOf(s: FlashSaleView): ActiveSale {
  return {
    id: s.id,
    salePriceMinor: s.salePriceMinor,
    cap: s.cap,
    remaining: s.remaining,
    perBuyerLimit: s.perBuyerLimit,
    startsAt: s.startsAt,
    endsAt: s.endsAt,
  };
}

function withSku(p: ProductView, skuId: string, update: (s: SkuView) => SkuView): ProductView {
  let changed = false;
  const skus = p.skus.map((s) => {
    if (s.id !== skuId) return s;
    changed = true;
    return update(s);
  });
  return changed ? { ...p, skus } : p;
}

/** Recompute the server-derived fields of a SKU after its stock or sale changed. */
function recompute(s: SkuView): SkuView {
  const sale = s.sale;
  return {
    ...s,
    priceMinor: sale ? sale.salePriceMinor : (s.livePriceMinor ?? s.listPriceMinor),
    available: s.active ? (sale ? Math.min(sale.remaining, s.stock) : s.stock) : 0,
  };
}

/**
 * Fold one live event into the cached products. Returns the same object when nothing cached changed.
 * `product.changed` is not applied here (the controller refetches the product).
 */
export function applyCommerceEvent(products: Record<string, ProductView>, evt: CommerceEvent): Record<string, ProductView> {
  let productId: string;
  let update: (p: ProductView) => ProductView;
  switch (evt.type) {
    case 'stock.changed':
      productId = evt.productId;
      update = (p) =>
        withSku(p, evt.skuId, (s) =>
          recompute({
            ...s,
            stock: evt.stock,
            sale: s.sale && evt.saleRemaining !== null ? { ...s.sale, remaining: evt.saleRemaining } : s.sale,
          }),
        );
      break;
    case 'sale.started':
      productId = evt.sale.productId;
      update = (p) => withSku(p, evt.sale.skuId, (s) => recompute({ ...s, sale: activeSaleOf(evt.sale) }));
      break;
    case 'sale.ended':
      productId = evt.sale.productId;
      update = (p) => withSku(p, evt.sale.skuId, (s) => (s.sale?.id === evt.sale.id ? recompute({ ...s, sale: null }) : s));
      break;
    default:
      return products;
  }
  const cached = products[productId];
  if (!cached) return products;
  const next = update(cached);
  return next === cached ? products : { ...products, [productId]: next };
}
