/**
 * Which tone of the shared `.chip` primitive (app/ui/primitives.css) each status shows in: the studio's sheets hold no
 * colours of their own, so a status names its tone here.
 */
import type { OrderStatus } from '../../../../shared/commerce/orders';
import type { PaymentStatus } from '../../../../shared/commerce/payments';

export type ChipTone = 'ok' | 'warn' | 'danger' | 'link' | 'faint' | 'accent';

export const ORDER_TONE: Record<OrderStatus, ChipTone> = {
  pending_payment: 'warn',
  paid: 'ok',
  shipped: 'link',
  completed: 'ok',
  cancelled: 'faint',
  refund_requested: 'warn',
  refunded: 'danger',
};

const PAYMENT_TONE: Record<PaymentStatus, ChipTone> = {
  pending: 'warn',
  succeeded: 'ok',
  failed: 'faint',
  refund_pending: 'warn',
  refunded: 'danger',
};

/** A payment's status as the order view carries it (a string: a newer server may add one; it shows faint). */
export function paymentTone(status: string): ChipTone {
  return PAYMENT_TONE[status as PaymentStatus] ?? 'faint';
}

export const PRODUCT_TONE: Record<'active' | 'archived', ChipTone> = { active: 'ok', archived: 'faint' };
