/** Cart lines checked against the current catalog: price now vs when added, and how many each line may hold. */
import type { ProductView } from '../../../shared/commerce/catalog';
import type { OrderView } from '../../../shared/commerce/orders';
import { type Cart, type CartLine, cartQtyOfProduct } from './cart';
import { skuAvailable, skuPrice } from './catalog';
import { maxQty } from './variants';

export interface LineStatus {
  line: CartLine;
  /** Current unit price (the server's, as far as this page knows). */
  priceMinor: number;
  priceChanged: boolean;
  /** Units the line may hold now (0: sold out / no longer on sale). */
  max: number;
  unavailable: boolean;
}

/** Each cart line against the current catalog (prices, stock, limits). */
export function cartStatus(
  cart: Cart,
  products: Record<string, ProductView>,
  orders: readonly OrderView[],
  now: number,
  missing: Readonly<Record<string, true>> = {},
): LineStatus[] {
  return cart.lines.map((line) => {
    const product = products[line.productId];
    if (missing[line.productId]) return { line, priceMinor: line.seenPriceMinor, priceChanged: false, max: 0, unavailable: true };
    const sku = product?.skus.find((k) => k.id === line.skuId);
    // Details not loaded (yet): trust the line until they are.
    if (!product) return { line, priceMinor: line.seenPriceMinor, priceChanged: false, max: line.qty, unavailable: false };
    // The product no longer lists the SKU: it was taken off sale.
    if (!sku) return { line, priceMinor: line.seenPriceMinor, priceChanged: false, max: 0, unavailable: true };
    const priceMinor = skuPrice(sku, now);
    const max = skuAvailable(sku, now) > 0 ? maxQty(product, sku, orders, now, cartQtyOfProduct(cart, product.id, sku.id)).max : 0;
    return {
      line,
      priceMinor,
      priceChanged: priceMinor !== line.seenPriceMinor,
      max,
      unavailable: max === 0 || product.status !== 'active',
    };
  });
}
