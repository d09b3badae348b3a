/**
 * Live-only coupons: created by the studio (or a moderator) on a live show, claimed once per buyer while the show is
 * live, applied by the server at checkout. Money is integer minor units; the server prices every order and the
 * discount is computed by `couponDiscount` on the server's subtotal (client prices are never read).
 */
import { z } from 'zod';
import { Currency, MinorUnits } from '../domain/money';
import { ShowId } from '../domain/show';
import { CouponId, Millis, OrderId } from './common';
import { OrderItemInput } from './orders';

/** `amount`: `value` minor units off; `percent`: `value` % off (1–90). */
export const CouponKind = z.enum(['amount', 'percent']);
export type CouponKind = z.infer<typeof CouponKind>;

export const MAX_COUPON_PERCENT = 90;

export const CouponCreate = z
  .object({
    title: z.string().trim().min(1).max(40),
    kind: CouponKind,
    value: z.number().int().min(1).max(100_000_000),
    currency: Currency,
    /** The order subtotal (before the discount) must reach this. */
    minSpendMinor: MinorUnits.nullable().default(null),
    /** How many buyers may claim it in total (null: unlimited, still once per buyer). */
    quantity: z.number().int().min(1).max(1_000_000).nullable().default(null),
    /** Optional claim/use window from now; the coupon always ends when the show ends. */
    durationSec: z
      .number()
      .int()
      .min(10)
      .max(24 * 3600)
      .nullable()
      .default(null),
  })
  .refine((c) => c.kind !== 'percent' || c.value <= MAX_COUPON_PERCENT, {
    message: `a percent coupon takes 1–${MAX_COUPON_PERCENT} % off`,
    path: ['value'],
  })
  .refine((c) => c.kind !== 'amount' || c.minSpendMinor === null || c.minSpendMinor > c.value, {
    message: 'the minimum spend must be above the amount off',
    path: ['minSpendMinor'],
  });
export type CouponCreate = z.input<typeof CouponCreate>;

export const CouponStatus = z.enum(['active', 'ended']);

export const CouponView = z.object({
  id: CouponId,
  showId: ShowId,
  title: z.string(),
  kind: CouponKind,
  value: z.number().int(),
  currency: Currency,
  minSpendMinor: MinorUnits.nullable(),
  quantity: z.number().int().nullable(),
  claimed: z.number().int(),
  used: z.number().int(),
  createdAt: Millis,
  /** End of the optional window (null: until the show ends or the studio ends it). */
  endsAt: Millis.nullable(),
  status: CouponStatus,
});
export type CouponView = z.infer<typeof CouponView>;

/** A coupon in a buyer's wallet. `usable`: it can be applied to a new order now (claimed, unused, show live). */
export const BuyerCoupon = z.object({
  coupon: CouponView,
  claimedAt: Millis,
  usedOrderId: OrderId.nullable(),
  usable: z.boolean(),
});
export type BuyerCoupon = z.infer<typeof BuyerCoupon>;

export const BuyerCouponList = z.object({ coupons: z.array(BuyerCoupon) });
export type BuyerCouponList = z.infer<typeof BuyerCouponList>;

/** GET /api/coupons?showId= (buyer cookie). */
export const BuyerCouponQuery = z.object({ showId: ShowId.optional() });

/** POST /api/checkout/quote: what the server would charge (nothing is reserved). */
export const QuoteRequest = z.object({
  items: z.array(OrderItemInput).min(1).max(20),
  showId: ShowId.optional(),
  couponId: CouponId.optional(),
});
export type QuoteRequest = z.input<typeof QuoteRequest>;

export const Quote = z.object({
  currency: Currency,
  subtotalMinor: MinorUnits,
  discountMinor: MinorUnits,
  totalMinor: MinorUnits,
  coupon: CouponView.nullable(),
  /** Why the asked-for coupon does not apply (then discountMinor is 0). */
  couponError: z.object({ reason: z.string(), message: z.string() }).nullable(),
});
export type Quote = z.infer<typeof Quote>;

/**
 * Minor units off `subtotal` (same currency). Percent discounts round down; the payable total always stays ≥ 1 minor
 * unit (a payment must exist for every order).
 */
export function couponDiscount(coupon: Pick<CouponView, 'kind' | 'value'>, subtotal: number): number {
  if (subtotal <= 1) return 0;
  const raw = coupon.kind === 'amount' ? coupon.value : Math.floor((subtotal * coupon.value) / 100);
  return Math.max(0, Math.min(raw, subtotal - 1));
}
