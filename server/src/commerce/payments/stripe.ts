import type { IncomingHttpHeaders } from 'node:http';
import Stripe from 'stripe';
import type { z } from 'zod';
import type { StripeConfig } from '../config';
import {
  type CreatedPayment,
  type CreatePaymentInput,
  header,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderPaymentState,
  type RefundInput,
  type RefundResult,
  type WebhookReply,
  WebhookVerificationError,
} from './provider';

/** Stripe Checkout: a hosted Checkout Session per payment; webhooks verified with stripe.webhooks.constructEvent (300 s tolerance). */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(private readonly cfg: z.output<typeof StripeConfig>) {
    this.stripe = new Stripe(cfg.secretKey, {
      maxNetworkRetries: 2,
      timeout: 15_000,
      ...(cfg.apiHost ? { host: cfg.apiHost } : {}),
      ...(cfg.apiPort ? { port: cfg.apiPort } : {}),
      ...(cfg.apiProtocol ? { protocol: cfg.apiProtocol } : {}),
    });
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: input.currency.toLowerCase(),
              unit_amount: input.amountMinor,
              product_data: { name: input.description },
            },
          },
        ],
        client_reference_id: input.paymentId,
        metadata: { paymentId: input.paymentId, orderId: input.orderId },
        success_url: input.returnUrl,
        cancel_url: input.returnUrl,
        // Checkout Sessions must live at least 30 minutes.
        expires_at: Math.floor(Math.max(input.expiresAt, Date.now() + 31 * 60_000) / 1000),
      },
      { idempotencyKey: `checkout-${input.paymentId}` },
    );
    if (!session.url) throw new Error('Stripe returned a session without url');
    return { providerRef: session.id, action: { kind: 'redirect', url: session.url } };
  }

  verifyWebhook(rawBody: Buffer, headers: IncomingHttpHeaders, now: number): ProviderEvent {
    const sig = header(headers, 'stripe-signature');
    if (!sig) throw new WebhookVerificationError('missing Stripe-Signature');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, sig, this.cfg.webhookSecret, 300, undefined, now);
    } catch (err) {
      const msg = (err as Error).message;
      throw new WebhookVerificationError(`stripe: ${msg}`, /tolerance/i.test(msg));
    }
    const base = { eventId: event.id, type: event.type };
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
      case 'checkout.session.async_payment_failed':
      case 'checkout.session.expired': {
        const s = event.data.object as Stripe.Checkout.Session;
        const common = {
          ...base,
          providerRef: s.id,
          ...(s.client_reference_id ? { paymentId: s.client_reference_id } : {}),
          ...(typeof s.amount_total === 'number' ? { amountMinor: s.amount_total } : {}),
          ...(s.currency ? { currency: s.currency.toUpperCase() } : {}),
        };
        if (event.type === 'checkout.session.expired' || event.type === 'checkout.session.async_payment_failed') {
          return { ...common, kind: 'payment.failed' };
        }
        // completed with payment_status "unpaid" = a delayed method (bank debit); its outcome comes as async_payment_*.
        return { ...common, kind: s.payment_status === 'paid' ? 'payment.succeeded' : 'ignored' };
      }
      default:
        return { ...base, kind: 'ignored' };
    }
  }

  async queryPayment(ref: string): Promise<ProviderPaymentState> {
    const s = await this.stripe.checkout.sessions.retrieve(ref);
    const base = {
      ...(typeof s.amount_total === 'number' ? { amountMinor: s.amount_total } : {}),
      ...(s.currency ? { currency: s.currency.toUpperCase() } : {}),
    };
    if (s.payment_status === 'paid') return { status: 'succeeded', ...base };
    if (s.status === 'expired') return { status: 'failed', ...base };
    return { status: 'pending', ...base };
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const s = await this.stripe.checkout.sessions.retrieve(input.providerRef);
    const pi = typeof s.payment_intent === 'string' ? s.payment_intent : s.payment_intent?.id;
    if (!pi) throw new Error(`checkout session ${input.providerRef} has no payment intent`);
    const r = await this.stripe.refunds.create(
      { payment_intent: pi, amount: input.amountMinor, metadata: { paymentId: input.paymentId } },
      { idempotencyKey: `refund-${input.paymentId}` },
    );
    if (r.status === 'failed' || r.status === 'canceled') throw new Error(`stripe refund ${r.id} ${r.status}`);
    return { status: r.status === 'succeeded' ? 'succeeded' : 'pending', refundRef: r.id };
  }

  ack(): WebhookReply {
    return { status: 200, contentType: 'application/json', body: '{"received":true}' };
  }

  reject(status: number, message: string): WebhookReply {
    return { status, contentType: 'application/json', body: JSON.stringify({ error: message }) };
  }
}
