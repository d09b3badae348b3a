import type { PaymentProviderName } from '../../../../../shared/commerce/payments';
import type {
  OutboxRecord,
  PaymentRecord,
  PaymentRepository,
  SandboxLedgerRecord,
  SandboxLedgerRepository,
  SandboxOutboxRepository,
  WebhookEventRecord,
  WebhookEventRepository,
} from '../types';
import { changed, one, type Queryable } from './query';

const PAYMENT = `id, order_id AS "orderId", provider, provider_ref AS "providerRef", status, amount, currency, action,
  refund_ref AS "refundRef", failure, created_at AS "createdAt", updated_at AS "updatedAt"`;
const EVENT = `provider, event_id AS "eventId", type, payment_id AS "paymentId", outcome, received_at AS "receivedAt", payload`;
const LEDGER = `ref, merchant_ref AS "merchantRef", amount, currency, description, notify_url AS "notifyUrl", return_url AS "returnUrl",
  status, created_at AS "createdAt", updated_at AS "updatedAt"`;
const OUTBOX = `id, ref, url, body, attempts, next_attempt_at AS "nextAttemptAt", delivered_at AS "deliveredAt", gave_up_at AS "gaveUpAt",
  last_error AS "lastError", created_at AS "createdAt"`;
const OPEN = 'delivered_at IS NULL AND gave_up_at IS NULL';

export class PgPaymentRepository implements PaymentRepository {
  constructor(private readonly q: Queryable) {}

  async insert(p: PaymentRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO payments (id, order_id, provider, provider_ref, status, amount, currency, action, refund_ref, failure, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        p.id,
        p.orderId,
        p.provider,
        p.providerRef,
        p.status,
        p.amount,
        p.currency,
        p.action,
        p.refundRef,
        p.failure,
        p.createdAt,
        p.updatedAt,
      ],
    );
  }
  get(id: string): Promise<PaymentRecord | null> {
    return one<PaymentRecord>(this.q, `SELECT ${PAYMENT} FROM payments WHERE id = $1`, [id]);
  }
  getByProviderRef(provider: PaymentProviderName, ref: string): Promise<PaymentRecord | null> {
    return one<PaymentRecord>(this.q, `SELECT ${PAYMENT} FROM payments WHERE provider = $1 AND provider_ref = $2`, [provider, ref]);
  }
  async update(p: PaymentRecord): Promise<void> {
    await this.q.query(
      'UPDATE payments SET provider_ref = $2, status = $3, action = $4, refund_ref = $5, failure = $6, updated_at = $7 WHERE id = $1',
      [p.id, p.providerRef, p.status, p.action, p.refundRef, p.failure, p.updatedAt],
    );
  }
  async listForOrder(orderId: string): Promise<PaymentRecord[]> {
    return (await this.q.query<PaymentRecord>(`SELECT ${PAYMENT} FROM payments WHERE order_id = $1 ORDER BY created_at, id`, [orderId]))
      .rows;
  }
  async listStale(before: number, limit: number): Promise<PaymentRecord[]> {
    return (
      await this.q.query<PaymentRecord>(
        `SELECT ${PAYMENT} FROM payments WHERE status IN ('pending', 'refund_pending') AND updated_at < $1 ORDER BY updated_at LIMIT $2`,
        [before, limit],
      )
    ).rows;
  }
}

export class PgWebhookEventRepository implements WebhookEventRepository {
  constructor(private readonly q: Queryable) {}

  async record(e: WebhookEventRecord): Promise<boolean> {
    // The (provider, event_id) key makes a concurrent second delivery wait for the first's transaction, then see it.
    const n = await changed(
      this.q,
      `INSERT INTO webhook_events (provider, event_id, type, payment_id, outcome, received_at, payload) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (provider, event_id) DO UPDATE SET type = excluded.type, payment_id = excluded.payment_id, outcome = excluded.outcome,
         received_at = excluded.received_at, payload = excluded.payload
       WHERE webhook_events.applied = FALSE`,
      [e.provider, e.eventId, e.type, e.paymentId, e.outcome, e.receivedAt, e.payload],
    );
    return n === 1;
  }
  async setOutcome(
    provider: PaymentProviderName,
    eventId: string,
    outcome: string,
    paymentId: string | null,
    applied: boolean,
  ): Promise<void> {
    await this.q.query('UPDATE webhook_events SET outcome = $3, payment_id = $4, applied = $5 WHERE provider = $1 AND event_id = $2', [
      provider,
      eventId,
      outcome,
      paymentId,
      applied,
    ]);
  }
  get(provider: PaymentProviderName, eventId: string): Promise<WebhookEventRecord | null> {
    return one<WebhookEventRecord>(this.q, `SELECT ${EVENT} FROM webhook_events WHERE provider = $1 AND event_id = $2`, [
      provider,
      eventId,
    ]);
  }
  async count(provider?: PaymentProviderName): Promise<number> {
    const r = provider
      ? await one<{ n: number }>(this.q, 'SELECT COUNT(*)::int AS n FROM webhook_events WHERE provider = $1', [provider])
      : await one<{ n: number }>(this.q, 'SELECT COUNT(*)::int AS n FROM webhook_events', []);
    return r!.n;
  }
}

export class PgSandboxLedgerRepository implements SandboxLedgerRepository {
  constructor(private readonly q: Queryable) {}

  async insert(r: SandboxLedgerRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO sandbox_ledger (ref, merchant_ref, amount, currency, description, notify_url, return_url, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [r.ref, r.merchantRef, r.amount, r.currency, r.description, r.notifyUrl, r.returnUrl, r.status, r.createdAt, r.updatedAt],
    );
  }
  get(ref: string): Promise<SandboxLedgerRecord | null> {
    return one<SandboxLedgerRecord>(this.q, `SELECT ${LEDGER} FROM sandbox_ledger WHERE ref = $1`, [ref]);
  }
  async setStatus(ref: string, from: SandboxLedgerRecord['status'], to: SandboxLedgerRecord['status'], at: number): Promise<boolean> {
    return (
      (await changed(this.q, 'UPDATE sandbox_ledger SET status = $3, updated_at = $4 WHERE ref = $1 AND status = $2', [
        ref,
        from,
        to,
        at,
      ])) === 1
    );
  }
}

export class PgSandboxOutboxRepository implements SandboxOutboxRepository {
  constructor(private readonly q: Queryable) {}

  async insert(r: OutboxRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO sandbox_outbox (id, ref, url, body, attempts, next_attempt_at, delivered_at, gave_up_at, last_error, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [r.id, r.ref, r.url, r.body, r.attempts, r.nextAttemptAt, r.deliveredAt, r.gaveUpAt, r.lastError, r.createdAt],
    );
  }
  async due(now: number, limit: number): Promise<OutboxRecord[]> {
    return (
      await this.q.query<OutboxRecord>(
        `SELECT ${OUTBOX} FROM sandbox_outbox WHERE ${OPEN} AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2`,
        [now, limit],
      )
    ).rows;
  }
  async nextDueAt(): Promise<number | null> {
    return (await one<{ at: number | null }>(this.q, `SELECT MIN(next_attempt_at) AS at FROM sandbox_outbox WHERE ${OPEN}`, []))!.at;
  }
  async forRef(ref: string): Promise<OutboxRecord[]> {
    return (await this.q.query<OutboxRecord>(`SELECT ${OUTBOX} FROM sandbox_outbox WHERE ref = $1 ORDER BY created_at, id`, [ref])).rows;
  }
  async markDelivered(id: string, attempts: number, at: number): Promise<void> {
    await this.q.query(`UPDATE sandbox_outbox SET delivered_at = $2, attempts = $3 WHERE id = $1 AND ${OPEN}`, [id, at, attempts]);
  }
  async markFailed(id: string, attempts: number, nextAttemptAt: number, gaveUpAt: number | null, error: string): Promise<void> {
    await this.q.query(
      `UPDATE sandbox_outbox SET attempts = $2, next_attempt_at = $3, gave_up_at = $4, last_error = $5 WHERE id = $1 AND ${OPEN}`,
      [id, attempts, nextAttemptAt, gaveUpAt, error.slice(0, 500)],
    );
  }
  retrigger(ref: string, now: number): Promise<number> {
    return changed(
      this.q,
      'UPDATE sandbox_outbox SET next_attempt_at = $2, gave_up_at = NULL, attempts = 0 WHERE ref = $1 AND delivered_at IS NULL',
      [ref, now],
    );
  }
  resume(now: number): Promise<number> {
    return changed(this.q, `UPDATE sandbox_outbox SET next_attempt_at = LEAST(next_attempt_at, $1) WHERE ${OPEN}`, [now]);
  }
}
