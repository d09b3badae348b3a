/**
 * Variant picking: one choice per spec attribute. A value is disabled when no buyable SKU has it together with the
 * values already chosen for the other attributes; tapping the chosen value again clears it.
 */
import type { ProductView, SkuView } from '../../../shared/commerce/catalog';
import type { OrderView } from '../../../shared/commerce/orders';
import { saleRunning, skuAvailable } from './catalog';

export type Selection = Readonly<Record<string, string>>;

export interface OptionState {
  value: string;
  selected: boolean;
  disabled: boolean;
}

export interface AttributeState {
  name: string;
  options: OptionState[];
}

function matches(sku: SkuView, selection: Selection, skipAttr?: string): boolean {
  for (const [attr, value] of Object.entries(selection)) {
    if (attr !== skipAttr && sku.options[attr] !== value) return false;
  }
  return true;
}

export function attributeStates(p: ProductView, selection: Selection, now: number): AttributeState[] {
  const buyable = p.skus.filter((s) => skuAvailable(s, now) > 0);
  return p.attributes.map((a) => ({
    name: a.name,
    options: a.values.map((value) => ({
      value,
      selected: selection[a.name] === value,
      disabled: !buyable.some((s) => s.options[a.name] === value && matches(s, selection, a.name)),
    })),
  }));
}

/** Choose (or, when already chosen, clear) a value. */
export function toggleOption(selection: Selection, attr: string, value: string): Selection {
  const next: Record<string, string> = { ...selection };
  if (next[attr] === value) delete next[attr];
  else next[attr] = value;
  return next;
}

/** Attributes with a single buyable value are chosen up front; so is the only buyable SKU. */
export function initialSelection(p: ProductView, now: number): Selection {
  const buyable = p.skus.filter((s) => skuAvailable(s, now) > 0);
  if (buyable.length === 1) return { ...buyable[0]!.options };
  const sel: Record<string, string> = {};
  for (const a of p.attributes) {
    const values = a.values.filter((v) => buyable.some((s) => s.options[a.name] === v));
    if (values.length === 1) sel[a.name] = values[0]!;
  }
  return sel;
}

/** The SKU a complete selection designates (null until every attribute is chosen). */
export function selectedSku(p: ProductView, selection: Selection): SkuView | null {
  if (p.attributes.some((a) => selection[a.name] === undefined)) return null;
  return p.skus.find((s) => s.active && p.attributes.every((a) => s.options[a.name] === selection[a.name])) ?? null;
}

/** Attributes still to choose, in display order. */
export function missingAttributes(p: ProductView, selection: Selection): string[] {
  return p.attributes.filter((a) => selection[a.name] === undefined).map((a) => a.name);
}

/** Order statuses whose units count against per-buyer limits (as on the server). */
const COUNTED = new Set(['pending_payment', 'paid', 'shipped', 'completed', 'refund_requested']);

/** Units of a product (and of a flash sale) this buyer already holds in live orders. */
export function boughtQty(orders: readonly OrderView[], productId: string, saleId: string | null): { product: number; sale: number } {
  let product = 0;
  let sale = 0;
  for (const o of orders) {
    if (!COUNTED.has(o.status)) continue;
    for (const i of o.items) {
      if (i.productId === productId) product += i.qty;
      if (saleId !== null && i.flashSaleId === saleId) sale += i.qty;
    }
  }
  return { product, sale };
}

export const MAX_LINE_QTY = 99;

export type QtyLimitReason = 'stock' | 'limit' | 'saleLimit' | 'max';

/**
 * How many units of `sku` one more order line may hold: stock (or the sale's remaining cap), the product's
 * per-buyer limit and the flash sale's per-buyer limit minus what the buyer already ordered and has in `alsoHeld`
 * (e.g. the cart), and the order line maximum. `reason` names the binding bound.
 */
export function maxQty(
  p: ProductView,
  sku: SkuView,
  orders: readonly OrderView[],
  now: number,
  alsoHeld = 0,
): { max: number; reason: QtyLimitReason } {
  const sale = saleRunning(sku.sale, now) ? sku.sale : null;
  const bought = boughtQty(orders, p.id, sale?.id ?? null);
  const bounds: [number, QtyLimitReason][] = [
    [skuAvailable(sku, now), 'stock'],
    [MAX_LINE_QTY, 'max'],
  ];
  if (p.perBuyerLimit !== null) bounds.push([p.perBuyerLimit - bought.product - alsoHeld, 'limit']);
  if (sale && sale.perBuyerLimit !== null) bounds.push([sale.perBuyerLimit - bought.sale - alsoHeld, 'saleLimit']);
  let best = bounds[0]!;
  for (const b of bounds) if (b[0] < best[0]) best = b;
  return { max: Math.max(0, best[0]), reason: best[1] };
}

export function clampQty(qty: number, max: number): number {
  if (!Number.isFinite(qty)) return max > 0 ? 1 : 0;
  return Math.max(max > 0 ? 1 : 0, Math.min(max, Math.floor(qty)));
}
