import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  SANDBOX_SIGNATURE_HEADER,
  type SandboxWebhookEvent as SandboxEvent,
  SandboxWebhookEvent,
} from '../../../../shared/commerce/payments';
import type { Logger } from '../domain/events';
import { newId } from '../ids';
import type { SandboxLedgerRecord, SandboxLedgerRepository } from '../store/types';
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

export function signSandbox(secret: string, timestampSec: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.`).update(rawBody).digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}

/**
 * The embedded sandbox provider. It behaves like a hosted provider: it keeps its own ledger, shows a hosted pay page
 * (`/pay/sandbox/:ref`) and, when the buyer approves or declines there, POSTs a signed notification to the merchant's
 * webhook URL over real HTTP (`t=<ts>,v1=HMAC-SHA256(secret, ts + "." + rawBody)`).
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox' as const;

  constructor(
    private readonly ledger: SandboxLedgerRepository,
    private readonly secret: string,
    private readonly publicUrl: string,
    private readonly clock: () => number,
    private readonly log: Logger,
    private readonly toleranceSec = 300,
  ) {}

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const now = this.clock();
    const ref = newId('sbx');
    this.ledger.insert({
      ref,
      merchantRef: input.paymentId,
      amount: input.amountMinor,
      currency: input.currency,
      description: input.description,
      notifyUrl: input.notifyUrl,
      returnUrl: input.returnUrl,
      status: 'open',
      createdAt: now,
      updatedAt: now,
    });
    return { providerRef: ref, action: { kind: 'redirect', url: `${this.publicUrl}/pay/sandbox/${ref}` } };
  }

  verifyWebhook(rawBody: Buffer, headers: IncomingHttpHeaders, now: number): ProviderEvent {
    const sig = header(headers, SANDBOX_SIGNATURE_HEADER);
    if (!sig) throw new WebhookVerificationError('missing signature header');
    const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(sig);
    if (!m) throw new WebhookVerificationError('malformed signature header');
    const ts = Number(m[1]);
    if (Math.abs(now / 1000 - ts) > this.toleranceSec) throw new WebhookVerificationError('timestamp outside tolerance', true);
    const expected = Buffer.from(signSandbox(this.secret, ts, rawBody).slice(-64), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'))) throw new WebhookVerificationError('signature mismatch');
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new WebhookVerificationError('body is not JSON');
    }
    const evt = SandboxWebhookEvent.safeParse(json);
    if (!evt.success) throw new WebhookVerificationError('unexpected event shape');
    const e = evt.data;
    const kind = e.type === 'payment.succeeded' ? 'payment.succeeded' : e.type === 'payment.failed' ? 'payment.failed' : 'refund.succeeded';
    return {
      eventId: e.id,
      type: e.type,
      kind,
      providerRef: e.data.providerRef,
      paymentId: e.data.merchantRef,
      amountMinor: e.data.amountMinor,
      currency: e.data.currency,
    };
  }

  async queryPayment(ref: string): Promise<ProviderPaymentState> {
    const r = this.ledger.get(ref);
    if (!r) return { status: 'failed' };
    const status = r.status === 'open' ? 'pending' : r.status;
    return { status, amountMinor: r.amount, currency: r.currency };
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const r = this.ledger.get(input.providerRef);
    if (!r) throw new Error(`sandbox: unknown payment ${input.providerRef}`);
    if (r.status === 'refunded') return { status: 'succeeded', refundRef: `${r.ref}_refund` };
    if (!this.ledger.setStatus(r.ref, 'succeeded', 'refunded', this.clock())) throw new Error(`sandbox: payment ${r.ref} is ${r.status}`);
    return { status: 'succeeded', refundRef: `${r.ref}_refund` };
  }

  ack(): WebhookReply {
    return { status: 200, contentType: 'application/json', body: '{"received":true}' };
  }

  reject(status: number, message: string): WebhookReply {
    return { status, contentType: 'application/json', body: JSON.stringify({ error: message }) };
  }

  // ------------------------------------------------ the provider's side (hosted page actions)

  entry(ref: string): SandboxLedgerRecord | null {
    return this.ledger.get(ref);
  }

  /** Buyer decided on the hosted page: settle the ledger entry and notify the merchant over HTTP. */
  async decide(ref: string, approve: boolean): Promise<SandboxLedgerRecord | null> {
    const r = this.ledger.get(ref);
    if (!r) return null;
    if (!this.ledger.setStatus(ref, 'open', approve ? 'succeeded' : 'failed', this.clock())) return this.ledger.get(ref);
    const event: SandboxEvent = {
      id: newId('evt'),
      type: approve ? 'payment.succeeded' : 'payment.failed',
      created: Math.floor(this.clock() / 1000),
      data: { providerRef: r.ref, merchantRef: r.merchantRef, amountMinor: r.amount, currency: r.currency },
    };
    await this.deliver(r.notifyUrl, JSON.stringify(event));
    return this.ledger.get(ref);
  }

  /** POST a signed notification; retried a few times like a real provider would. */
  async deliver(url: string, body: string, attempts = 3): Promise<boolean> {
    for (let i = 0; i < attempts; i++) {
      const ts = Math.floor(this.clock() / 1000);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signSandbox(this.secret, ts, body) },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.ok) return true;
        this.log.warn({ status: res.status, url }, 'sandbox webhook delivery rejected');
        if (res.status >= 400 && res.status < 500) return false;
      } catch (err) {
        this.log.warn({ err, url }, 'sandbox webhook delivery failed');
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** i));
    }
    return false;
  }
}
