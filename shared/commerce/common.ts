import { z } from 'zod';
import { ErrorCode } from '../protocol/rpc';

/** Why a commerce request failed, beyond the generic error code (lets the pages show a precise message). */
export const CommerceReason = z.enum([
  'SOLD_OUT',
  'INSUFFICIENT_STOCK',
  'LIMIT_EXCEEDED',
  'SKU_UNAVAILABLE',
  'IDEMPOTENCY_MISMATCH',
  'ORDER_EXPIRED',
  'INVALID_TRANSITION',
  'SALE_ACTIVE',
  'SIGNATURE_INVALID',
  'STALE_EVENT',
  'PROVIDER_DISABLED',
  'PROVIDER_ERROR',
  'CSV_INVALID',
  'IMAGE_INVALID',
  /** Unknown coupon, not claimed by this buyer, ended, or its show is not live. */
  'COUPON_UNAVAILABLE',
  /** The buyer already used this coupon on another order. */
  'COUPON_USED',
  'COUPON_MIN_SPEND',
  'COUPON_CURRENCY',
  /** Every coupon of a limited quantity was claimed. */
  'COUPON_GONE',
  /** The buyer holds the maximum of unpaid orders (RATE_LIMITED): pay or cancel one first. */
  'UNPAID_LIMIT',
]);
export type CommerceReason = z.infer<typeof CommerceReason>;

/** Body of every non-2xx JSON reply of the commerce REST API. */
export const CommerceErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    reason: CommerceReason.optional(),
    /** Per-field problems (validation) or per-row problems (CSV import). */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type CommerceErrorBody = z.infer<typeof CommerceErrorBody>;

/** Epoch milliseconds. */
export const Millis = z.number().int().nonnegative();

/** Random, URL-safe ids with a type prefix. */
const idOf = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_-]{6,40}$`), `invalid ${prefix} id`);
export const ProductId = idOf('p');
export const SkuId = idOf('s');
export const ImageId = idOf('img');
export const FlashSaleId = idOf('fs');
export const OrderId = idOf('o');
export const PaymentId = idOf('pay');
export const CouponId = idOf('cp');
export type CouponId = z.infer<typeof CouponId>;
export type ProductId = z.infer<typeof ProductId>;
export type SkuId = z.infer<typeof SkuId>;
export type OrderId = z.infer<typeof OrderId>;
export type PaymentId = z.infer<typeof PaymentId>;

/** Query-string integers arrive as text. */
export const QueryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
