/**
 * The cart: a pure reducer plus localStorage persistence (validated on load, so a corrupt or old entry is dropped,
 * never trusted). Lines remember the price seen when added, so the drawer can say when the server's price changed;
 * the server prices every order anyway.
 */
import { z } from 'zod';
import { Currency, MinorUnits } from '../../../shared/domain/money';
import { ProductId, SkuId } from '../../../shared/commerce/common';
import { MAX_LINE_QTY } from './variants';

export const CART_STORAGE_KEY = 'storecast.cart.v1';
/** An order holds at most 20 lines. */
export const MAX_CART_LINES = 20;

export const CartLine = z.object({
  skuId: SkuId,
  productId: ProductId,
  qty: z.number().int().min(1).max(MAX_LINE_QTY),
  /** Unit price shown when the line was added (minor units). */
  seenPriceMinor: MinorUnits,
  currency: Currency,
  title: z.string().max(200),
  /** e.g. "驼色 / 250g". */
  optionsLabel: z.string().max(200),
  imageUrl: z.string().max(2048).nullable(),
  addedAt: z.number().int(),
});
export type CartLine = z.infer<typeof CartLine>;

export const Cart = z.object({ lines: z.array(CartLine).max(MAX_CART_LINES) });
export type Cart = z.infer<typeof Cart>;

export const EMPTY_CART: Cart = { lines: [] };

export type CartAction =
  /** Add `line.qty` units (merged into an existing line of the SKU), at most `max` in the line. */
  | { type: 'add'; line: CartLine; max: number }
  | { type: 'setQty'; skuId: string; qty: number }
  | { type: 'remove'; skuId: string }
  /** Remove these SKUs (ordered) — or everything without `skuIds`. */
  | { type: 'clear'; skuIds?: readonly string[] }
  /** Replace the whole cart (another tab changed it). */
  | { type: 'replace'; cart: Cart };

export function cartReducer(cart: Cart, action: CartAction): Cart {
  switch (action.type) {
    case 'add': {
      const max = Math.min(action.max, MAX_LINE_QTY);
      const existing = cart.lines.find((l) => l.skuId === action.line.skuId);
      if (existing) {
        const qty = Math.min(max, existing.qty + action.line.qty);
        if (qty < 1) return cart;
        return {
          lines: cart.lines.map((l) => (l.skuId === existing.skuId ? { ...action.line, qty, addedAt: existing.addedAt } : l)),
        };
      }
      const qty = Math.min(max, action.line.qty);
      if (qty < 1 || cart.lines.length >= MAX_CART_LINES) return cart;
      return { lines: [...cart.lines, { ...action.line, qty }] };
    }
    case 'setQty': {
      const qty = Math.floor(action.qty);
      if (!Number.isFinite(qty)) return cart;
      if (qty < 1) return cartReducer(cart, { type: 'remove', skuId: action.skuId });
      const bounded = Math.min(MAX_LINE_QTY, qty);
      if (!cart.lines.some((l) => l.skuId === action.skuId && l.qty !== bounded)) return cart;
      return { lines: cart.lines.map((l) => (l.skuId === action.skuId ? { ...l, qty: bounded } : l)) };
    }
    case 'remove':
      return cart.lines.some((l) => l.skuId === action.skuId) ? { lines: cart.lines.filter((l) => l.skuId !== action.skuId) } : cart;
    case 'clear': {
      if (!action.skuIds) return cart.lines.length ? EMPTY_CART : cart;
      const drop = new Set(action.skuIds);
      return cart.lines.some((l) => drop.has(l.skuId)) ? { lines: cart.lines.filter((l) => !drop.has(l.skuId)) } : cart;
    }
    case 'replace':
      return action.cart;
  }
}

/** Units in the cart (the badge). */
export function cartCount(cart: Cart): number {
  return cart.lines.reduce((n, l) => n + l.qty, 0);
}

/** Units of one product already in the cart (counted against per-buyer limits). */
export function cartQtyOfProduct(cart: Cart, productId: string, exceptSkuId?: string): number {
  return cart.lines.reduce((n, l) => (l.productId === productId && l.skuId !== exceptSkuId ? n + l.qty : n), 0);
}

/** Parse a stored cart; anything invalid yields an empty cart. */
export function parseCart(text: string | null): Cart {
  if (!text) return EMPTY_CART;
  try {
    const r = Cart.safeParse(JSON.parse(text));
    return r.success ? r.data : EMPTY_CART;
  } catch {
    return EMPTY_CART;
  }
}

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function loadCart(storage: KeyValueStorage | null): Cart {
  if (!storage) return EMPTY_CART;
  try {
    return parseCart(storage.getItem(CART_STORAGE_KEY));
  } catch {
    return EMPTY_CART;
  }
}

export function saveCart(storage: KeyValueStorage | null, cart: Cart): void {
  if (!storage) return;
  try {
    if (cart.lines.length === 0) storage.removeItem(CART_STORAGE_KEY);
    else storage.setItem(CART_STORAGE_KEY, JSON.stringify(cart));
  } catch {
    // storage full or unavailable (private mode): the cart lasts for this page only
  }
}
