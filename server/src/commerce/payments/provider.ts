import type { IncomingHttpHeaders } from 'node:http';
import type { PaymentAction, PaymentProviderName } from '../../../../shared/commerce/payments';

export interface CreatePaymentInput {
  paymentId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  description: string;
  /** Where the provider posts asynchronous notifications (our webhook endpoint for this provider). */
  notifyUrl: string;
  /** Where the buyer's browser goes after the hosted page. */
  returnUrl: string;
  /** When the order's reservation lapses (providers that support it expire the payment then). */
  expiresAt: number;
}

export interface CreatedPayment {
  providerRef: string;
  action: PaymentAction;
}

/** A verified provider notification, normalised. `ignored` = authentic but irrelevant (e.g. WAIT_BUYER_PAY). */
export interface ProviderEvent {
  eventId: string;
  /** The provider's own event type, recorded for audit. */
  type: string;
  kind: 'payment.succeeded' | 'payment.failed' | 'refund.succeeded' | 'ignored';
  providerRef?: string;
  /** Our payment id when the provider echoes it (out_trade_no, client_reference_id…). */
  paymentId?: string;
  amountMinor?: number;
  currency?: string;
}

export interface ProviderPaymentState {
  status: 'pending' | 'succeeded' | 'failed' | 'refunded';
  amountMinor?: number;
  currency?: string;
}

export interface RefundInput {
  paymentId: string;
  providerRef: string;
  amountMinor: number;
  currency: string;
  reason: string;
  notifyUrl: string;
}

export interface RefundResult {
  status: 'succeeded' | 'pending';
  refundRef: string;
}

export interface WebhookReply {
  status: number;
  contentType: string;
  body: string;
}

/** Signature, timestamp or format check failed: the request is rejected with 4xx and nothing changes. */
export class WebhookVerificationError extends Error {
  constructor(
    message: string,
    readonly stale = false,
  ) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** One payment provider. Network calls happen here, never inside a database transaction. */
export interface PaymentProvider {
  readonly name: PaymentProviderName;
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  /** Verify signature + timestamp of a raw notification and normalise it. Throws WebhookVerificationError. */
  verifyWebhook(rawBody: Buffer, headers: IncomingHttpHeaders, now: number): ProviderEvent;
  queryPayment(providerRef: string): Promise<ProviderPaymentState>;
  refund(input: RefundInput): Promise<RefundResult>;
  /** The acknowledgement body this provider expects (Alipay: "success"). */
  ack(): WebhookReply;
  /** The rejection body this provider understands. */
  reject(status: number, message: string): WebhookReply;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Decimal text ("88.80") for a CNY amount in fen. */
export function yuan(amountMinor: number): string {
  return `${Math.floor(amountMinor / 100)}.${String(amountMinor % 100).padStart(2, '0')}`;
}
