import type { Database } from 'better-sqlite3';
import type { PaymentProviderName } from '../../../../../shared/commerce/payments';
import type { WebhookEventRecord, WebhookEventRepository, Sync } from '../types';

interface Row {
  provider: PaymentProviderName;
  event_id: string;
  type: string;
  payment_id: string | null;
  outcome: string;
  received_at: number;
  payload: string;
}

/**
 * Provider events keyed by (provider, event id): the unique key is what makes webhook handling idempotent. A row that
 * was not applied does not block its id: recording the id again overwrites it (the upsert's WHERE applied = 0).
 */
export class SqliteWebhookEventRepository implements Sync<WebhookEventRepository> {
  private readonly s;

  constructor(db: Database) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO webhook_events (provider, event_id, type, payment_id, outcome, received_at, payload)
         VALUES (@provider, @eventId, @type, @paymentId, @outcome, @receivedAt, @payload)
         ON CONFLICT (provider, event_id) DO UPDATE SET type = excluded.type, payment_id = excluded.payment_id, outcome = excluded.outcome,
           received_at = excluded.received_at, payload = excluded.payload
         WHERE webhook_events.applied = 0`,
      ),
      outcome: db.prepare<[string, string | null, number, string, string]>(
        'UPDATE webhook_events SET outcome = ?, payment_id = ?, applied = ? WHERE provider = ? AND event_id = ?',
      ),
      get: db.prepare<[string, string], Row>('SELECT * FROM webhook_events WHERE provider = ? AND event_id = ?'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM webhook_events'),
      countFor: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM webhook_events WHERE provider = ?'),
    };
  }

  record(e: WebhookEventRecord): boolean {
    return this.s.insert.run(e).changes === 1;
  }
  setOutcome(provider: PaymentProviderName, eventId: string, outcome: string, paymentId: string | null, applied: boolean): void {
    this.s.outcome.run(outcome, paymentId, applied ? 1 : 0, provider, eventId);
  }
  get(provider: PaymentProviderName, eventId: string): WebhookEventRecord | null {
    const r = this.s.get.get(provider, eventId);
    return r
      ? {
          provider: r.provider,
          eventId: r.event_id,
          type: r.type,
          paymentId: r.payment_id,
          outcome: r.outcome,
          receivedAt: r.received_at,
          payload: r.payload,
        }
      : null;
  }
  count(provider?: PaymentProviderName): number {
    return (provider ? this.s.countFor.get(provider) : this.s.count.get())!.n;
  }
}
