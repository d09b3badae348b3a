import { z } from 'zod';
import { Currency, MinorUnits } from '../domain/money';
import { ShowId } from '../domain/show';
import { Millis, OrderId, ProductId, SkuId } from './common';
import { OrderStatus } from './orders';
import { FlashSaleView } from './sales';

/**
 * Events the commerce core emits after each committed change (for live pushes to viewers/studio).
 * The server forwards them; pages validate them with this schema.
 */
export const CommerceEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('stock.changed'),
    skuId: SkuId,
    productId: ProductId,
    stock: z.number().int(),
    /** Remaining units of the running flash sale, null without one. */
    saleRemaining: z.number().int().nullable(),
  }),
  z.object({ type: z.literal('sale.started'), sale: FlashSaleView }),
  z.object({ type: z.literal('sale.ended'), sale: FlashSaleView, reason: z.enum(['expired', 'stopped']) }),
  z.object({
    type: z.literal('order.paid'),
    orderId: OrderId,
    showId: ShowId.nullable(),
    /** Masked buyer name (e.g. "张*") for a "just bought" ticker. */
    buyer: z.string(),
    items: z.array(z.object({ skuId: SkuId, productId: ProductId, title: z.string(), qty: z.number().int() })),
    totalMinor: MinorUnits,
    currency: Currency,
    paidAt: Millis,
  }),
  z.object({ type: z.literal('order.status'), orderId: OrderId, status: OrderStatus, at: Millis }),
  z.object({ type: z.literal('product.changed'), productId: ProductId, deleted: z.boolean() }),
]);
export type CommerceEvent = z.infer<typeof CommerceEvent>;
export type CommerceEventType = CommerceEvent['type'];
