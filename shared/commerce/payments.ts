import { z } from 'zod';
import { Currency, MinorUnits } from '../domain/money';
import { Millis, OrderId, PaymentId } from './common';

export const PaymentProviderName = z.enum(['sandbox', 'stripe', 'alipay', 'wechatpay']);
export type PaymentProviderName = z.infer<typeof PaymentProviderName>;

export const PaymentStatus = z.enum(['pending', 'succeeded', 'failed', 'refund_pending', 'refunded']);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

/** What the buyer's page does next: open a hosted page, show a QR code (WeChat Native), or confirm with a client secret. */
export const PaymentAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('redirect'), url: z.string() }),
  z.object({ kind: z.literal('qr'), content: z.string() }),
  z.object({ kind: z.literal('client_secret'), secret: z.string() }),
]);
export type PaymentAction = z.infer<typeof PaymentAction>;

export const PayRequest = z.object({ provider: PaymentProviderName.optional() });
export type PayRequest = z.infer<typeof PayRequest>;

export const PayResponse = z.object({
  paymentId: PaymentId,
  orderId: OrderId,
  provider: PaymentProviderName,
  status: PaymentStatus,
  amountMinor: MinorUnits,
  currency: Currency,
  action: PaymentAction,
  createdAt: Millis,
});
export type PayResponse = z.infer<typeof PayResponse>;

export const ProvidersResponse = z.object({ providers: z.array(PaymentProviderName), default: PaymentProviderName });
export type ProvidersResponse = z.infer<typeof ProvidersResponse>;

/** Header carrying the sandbox provider's webhook signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>`. */
export const SANDBOX_SIGNATURE_HEADER = 'storecast-sandbox-signature';

/** Body the sandbox provider POSTs to the webhook endpoint. */
export const SandboxWebhookEvent = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_-]{6,64}$/),
  type: z.enum(['payment.succeeded', 'payment.failed', 'refund.succeeded']),
  created: z.number().int(),
  data: z.object({
    /** The sandbox's own payment id. */
    providerRef: z.string().min(1).max(128),
    /** The merchant's payment id echoed back (like out_trade_no). */
    merchantRef: z.string().max(128),
    amountMinor: MinorUnits,
    currency: Currency,
  }),
});
export type SandboxWebhookEvent = z.infer<typeof SandboxWebhookEvent>;
