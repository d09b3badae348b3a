/**
 * A server refusal at checkout, as the buyer should meet it: whether the action can still succeed (a blocking
 * refusal disables it — pressing Place order again would only be refused again) and which ways on to offer.
 */
import type { ErrorMessage } from './checkout';

export type WayOn = 'variant' | 'cart' | 'orders' | 'live';

export interface Refusal {
  /** The refused action cannot succeed as it stands (sold out, limit reached, order expired…). */
  blocking: boolean;
  /** Ways on, most useful first (empty for a refusal that a retry may get past: network, busy, coupon). */
  ways: WayOn[];
}

/** Refusals of the order itself: the same request would be refused again. */
const ORDER_BLOCKING = new Set([
  'shop.errors.soldOut',
  'shop.errors.insufficient',
  'shop.errors.limit',
  'shop.errors.unavailable',
  'shop.errors.unpaidLimit',
  'shop.errors.expired',
  'shop.errors.stale',
]);
/** Refusals of paying a placed order that paying again cannot get past. */
const PAY_BLOCKING = new Set(['shop.errors.expired', 'shop.errors.stale']);

export interface RefusalContext {
  /** The checkout came from the cart (its way back is the cart, not the product's variants). */
  fromCart: boolean;
  /** The refusal came when paying a placed order rather than placing one. */
  paying: boolean;
}

export function refusalOf(error: ErrorMessage | null, ctx: RefusalContext): Refusal | null {
  if (!error) return null;
  const blocking = (ctx.paying ? PAY_BLOCKING : ORDER_BLOCKING).has(error.key);
  if (!blocking) return { blocking: false, ways: [] };
  if (error.key === 'shop.errors.unpaidLimit' || (ctx.paying && error.key === 'shop.errors.stale'))
    return { blocking, ways: ['orders', 'live'] };
  return { blocking, ways: [ctx.fromCart ? 'cart' : 'variant', 'live'] };
}
