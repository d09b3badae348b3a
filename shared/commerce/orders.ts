import { z } from 'zod';
import { Currency, MinorUnits } from '../domain/money';
import { ShowId } from '../domain/show';
import { CouponId, FlashSaleId, Millis, OrderId, PaymentId, ProductId, QueryInt, SkuId } from './common';
import { PaymentProviderName } from './payments';
import { SkuOptions } from './catalog';

export const OrderStatus = z.enum(['pending_payment', 'paid', 'shipped', 'completed', 'cancelled', 'refund_requested', 'refunded']);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** Who caused an order transition. */
export const OrderActor = z.enum(['buyer', 'studio', 'system', 'provider']);
export type OrderActor = z.infer<typeof OrderActor>;

/** Mainland China mobile number (11 digits, 1[3-9]…). */
export const CN_MOBILE = /^1[3-9]\d{9}$/;
/** ITU-T E.164: +, country code, up to 15 digits. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Phone: spaces, dashes, dots and parentheses are ignored; "+86 138 1234 5678" and "13812345678" both normalise to
 * "13812345678"; other countries must use E.164 ("+14155550123").
 */
export const Phone = z
  .string()
  .max(32)
  .transform((s) => {
    const t = s.replace(/[\s().-]/g, '');
    const cn = /^(?:\+?86)?(1[3-9]\d{9})$/.exec(t);
    return cn ? cn[1]! : t;
  })
  .refine((t) => CN_MOBILE.test(t) || E164.test(t), {
    message: 'phone must be a mainland China mobile number (1[3-9] + 9 digits) or E.164 (+country code…)',
  });

export const BuyerContact = z.object({
  name: z.string().trim().min(1, 'name required').max(40),
  phone: Phone,
  address: z.string().trim().min(5, 'address too short').max(200),
});
export type BuyerContact = z.input<typeof BuyerContact>;

/** Unknown keys (e.g. a client-sent price) are stripped: the server prices every item. */
export const OrderItemInput = z.object({ skuId: SkuId, qty: z.number().int().min(1).max(99) });

export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'idempotencyKey: 8–64 of A-Z a-z 0-9 _ -');

export const CreateOrderRequest = z.object({
  /** Client-generated per checkout attempt; a retry with the same key returns the same order. */
  idempotencyKey: IdempotencyKey,
  items: z
    .array(OrderItemInput)
    .min(1)
    .max(20)
    .refine((it) => new Set(it.map((i) => i.skuId)).size === it.length, { message: 'each SKU at most once' }),
  contact: BuyerContact,
  showId: ShowId.optional(),
  /** A live-only coupon the buyer claimed in this show; the server computes and records the discount. */
  couponId: CouponId.optional(),
});
export type CreateOrderRequest = z.input<typeof CreateOrderRequest>;

export const OrderItemView = z.object({
  skuId: SkuId,
  productId: ProductId,
  title: z.string(),
  options: SkuOptions,
  qty: z.number().int(),
  unitPriceMinor: MinorUnits,
  listPriceMinor: MinorUnits,
  flashSaleId: FlashSaleId.nullable(),
});
export type OrderItemView = z.infer<typeof OrderItemView>;

export const OrderEventView = z.object({
  from: OrderStatus.nullable(),
  to: OrderStatus,
  at: Millis,
  actor: OrderActor,
  note: z.string().nullable(),
});
export type OrderEventView = z.infer<typeof OrderEventView>;

export const OrderPaymentView = z.object({
  id: PaymentId,
  provider: PaymentProviderName,
  status: z.string(),
  amountMinor: MinorUnits,
  currency: Currency,
  createdAt: Millis,
});

/** The coupon discount recorded on an order (totalMinor is already net of it). */
export const OrderDiscount = z.object({ couponId: CouponId, title: z.string(), amountMinor: MinorUnits });
export type OrderDiscount = z.infer<typeof OrderDiscount>;

export const OrderView = z.object({
  id: OrderId,
  status: OrderStatus,
  showId: ShowId.nullable(),
  currency: Currency,
  totalMinor: MinorUnits,
  items: z.array(OrderItemView),
  /** Masked (138****5678) everywhere except the studio's order detail. */
  contact: z.object({ name: z.string(), phone: z.string(), address: z.string() }),
  createdAt: Millis,
  /** When an unpaid reservation lapses. */
  expiresAt: Millis,
  paidAt: Millis.nullable(),
  shippedAt: Millis.nullable(),
  carrier: z.string().nullable(),
  trackingNo: z.string().nullable(),
  completedAt: Millis.nullable(),
  cancelledAt: Millis.nullable(),
  refundedAt: Millis.nullable(),
  events: z.array(OrderEventView).optional(),
  payments: z.array(OrderPaymentView).optional(),
  discount: OrderDiscount.nullable().optional(),
});
export type OrderView = z.infer<typeof OrderView>;

export const OrderList = z.object({ orders: z.array(OrderView), nextCursor: z.string().nullable() });
export type OrderList = z.infer<typeof OrderList>;

/** Studio list filters (query string). `q` matches order id, buyer name, phone or product title. */
export const OrderListQuery = z.object({
  status: OrderStatus.optional(),
  showId: ShowId.optional(),
  q: z.string().trim().max(60).optional(),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  limit: QueryInt(1, 500).default(50),
  /** nextCursor of the previous page. */
  cursor: OrderId.optional(),
});
export type OrderListQuery = z.input<typeof OrderListQuery>;

export const ShipRequest = z.object({
  carrier: z.string().trim().min(1).max(40),
  trackingNo: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{4,40}$/, 'tracking number: 4–40 letters, digits or -'),
});
export type ShipRequest = z.infer<typeof ShipRequest>;

export const RefundRequest = z.object({
  reason: z.string().trim().min(1).max(200),
  /** Put the units back on sale. Default: yes unless the order was already shipped. */
  restock: z.boolean().optional(),
});
export type RefundRequest = z.infer<typeof RefundRequest>;

export const BuyerRefundRequest = z.object({ reason: z.string().trim().min(1).max(200) });
