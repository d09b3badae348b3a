import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  SANDBOX_SIGNATURE_HEADER,
  type SandboxWebhookEvent as SandboxEvent,
  SandboxWebhookEvent,
} from '../../../../shared/commerce/payments';
import type { Logger } from '../domain/events';
import { newId } from '../ids';
import type { CommerceStore, SandboxLedgerRecord } from '../store/types';
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

/** Delivery attempts per notification before the outbox gives up (reconciliation still finds the payment). */
export const OUTBOX_MAX_ATTEMPTS = 12;

/** Wait before attempt n+1 after n failed ones: 1 s doubling, at most 15 min (12 attempts span about 40 min). */
export const outboxBackoffMs = (failed: number): number => Math.min(1000 * 2 ** (failed - 1), 15 * 60_000);

/**
 * The embedded sandbox provider. It behaves like a hosted provider: it keeps its own ledger, shows a hosted pay page
 * (`/pay/sandbox/:ref`) and, when the buyer approves or declines there, POSTs a signed notification to the merchant's
 * webhook URL over real HTTP (`t=<ts>,v1=HMAC-SHA256(secret, ts + "." + rawBody)`). The notification is written to an
 * outbox in the transaction that settles the ledger entry and delivered from there (backoff, bounded attempts, resumed
 * by `start()`), so a crash before delivery delays it instead of losing it.
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox' as const;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;

  constructor(
    private readonly store: Pick<CommerceStore, 'sandbox' | 'outbox' | 'transaction'>,
    private readonly secret: string,
    private readonly publicUrl: string,
    private readonly clock: () => number,
    private readonly log: Logger,
    private readonly toleranceSec = 300,
  ) {}

  private get ledger() {
    return this.store.sandbox;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const now = this.clock();
    const ref = newId('sbx');
    await this.ledger.insert({
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
    const r = await this.ledger.get(ref);
    if (!r) return { status: 'failed' };
    const status = r.status === 'open' ? 'pending' : r.status;
    return { status, amountMinor: r.amount, currency: r.currency };
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const r = await this.ledger.get(input.providerRef);
    if (!r) throw new Error(`sandbox: unknown payment ${input.providerRef}`);
    if (r.status === 'refunded') return { status: 'succeeded', refundRef: `${r.ref}_refund` };
    if (!(await this.ledger.setStatus(r.ref, 'succeeded', 'refunded', this.clock())))
      throw new Error(`sandbox: payment ${r.ref} is ${r.status}`);
    return { status: 'succeeded', refundRef: `${r.ref}_refund` };
  }

  ack(): WebhookReply {
    return { status: 200, contentType: 'application/json', body: '{"received":true}' };
  }

  reject(status: number, message: string): WebhookReply {
    return { status, contentType: 'application/json', body: JSON.stringify({ error: message }) };
  }

  // ------------------------------------------------ the provider's side (hosted page actions)

  entry(ref: string): Promise<SandboxLedgerRecord | null> {
    return this.ledger.get(ref);
  }

  /**
   * Buyer decided on the hosted page: settle the ledger entry and queue its notification in one transaction, then
   * deliver. Approving an entry that is already approved re-sends a notification that has not been delivered yet.
   */
  async decide(ref: string, approve: boolean): Promise<SandboxLedgerRecord | null> {
    const r = await this.ledger.get(ref);
    if (!r) return null;
    const now = this.clock();
    const settled = await this.store.transaction(async (tx) => {
      if (!(await tx.sandbox.setStatus(ref, 'open', approve ? 'succeeded' : 'failed', now))) return false;
      const event: SandboxEvent = {
        id: newId('evt'),
        type: approve ? 'payment.succeeded' : 'payment.failed',
        created: Math.floor(now / 1000),
        data: { providerRef: r.ref, merchantRef: r.merchantRef, amountMinor: r.amount, currency: r.currency },
      };
      await tx.outbox.insert({
        id: event.id,
        ref,
        url: r.notifyUrl,
        body: JSON.stringify(event),
        attempts: 0,
        nextAttemptAt: now,
        deliveredAt: null,
        gaveUpAt: null,
        lastError: null,
        createdAt: now,
      });
      return true;
    });
    if (!settled && approve && (await this.ledger.get(ref))?.status === 'succeeded') {
      const n = await this.store.outbox.retrigger(ref, now);
      if (n) this.log.info({ ref }, 'sandbox: approved again; re-sending its notification');
    }
    await this.deliverDue();
    return this.ledger.get(ref);
  }

  /** Resume delivering the outbox (start-up: everything waiting is due now) and keep delivering until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.store.outbox.resume(this.clock()).then(
      (n) => {
        if (n) this.log.info({ waiting: n }, 'sandbox: resuming undelivered notifications');
        return this.deliverDue();
      },
      (err: unknown) => this.log.error({ err }, 'sandbox: resuming the outbox failed'),
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Attempt every notification that is due (one pass at a time; a call during a pass runs another after it). */
  deliverDue(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.deliveryPass();
        } while (this.again);
      } catch (err) {
        this.log.error({ err }, 'sandbox: outbox delivery failed');
      } finally {
        this.running = null;
        await this.schedule();
      }
    })();
    return this.running;
  }

  private async deliveryPass(): Promise<void> {
    for (;;) {
      const due = await this.store.outbox.due(this.clock(), 20);
      for (const row of due) {
        const attempts = row.attempts + 1;
        const error = await this.post(row.url, row.body);
        const now = this.clock();
        if (error === null) await this.store.outbox.markDelivered(row.id, attempts, now);
        else {
          const giveUp = attempts >= OUTBOX_MAX_ATTEMPTS;
          await this.store.outbox.markFailed(row.id, attempts, now + outboxBackoffMs(attempts), giveUp ? now : null, error);
          if (giveUp) this.log.error({ ref: row.ref, eventId: row.id, attempts, error }, 'sandbox: gave up delivering a notification');
          else this.log.warn({ ref: row.ref, eventId: row.id, attempts, error }, 'sandbox: notification not delivered; will retry');
        }
      }
      if (due.length < 20) return;
    }
  }

  /** Wake up when the next waiting notification is due. */
  private async schedule(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    let next: number | null;
    try {
      next = await this.store.outbox.nextDueAt();
    } catch {
      return; // the database is closing
    }
    if (next === null) return;
    this.timer = setTimeout(() => void this.deliverDue(), Math.max(50, Math.min(next - this.clock(), 15 * 60_000))).unref();
  }

  /** One signed POST; null when the merchant accepted it (2xx), else why not. */
  private async post(url: string, body: string): Promise<string | null> {
    const ts = Math.floor(this.clock() / 1000);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signSandbox(this.secret, ts, body) },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      return res.ok ? null : `HTTP ${res.status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`.slice(0, 200);
    }
  }
}
