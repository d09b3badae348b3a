import type { Database } from 'better-sqlite3';
import type { PaymentRecord, PaymentRepository, Sync } from '../types';

interface PaymentRow {
  id: string;
  order_id: string;
  provider: PaymentRecord['provider'];
  provider_ref: string | null;
  status: PaymentRecord['status'];
  amount: number;
  currency: string;
  action: string | null;
  refund_ref: string | null;
  failure: string | null;
  created_at: number;
  updated_at: number;
}

const toPayment = (r: PaymentRow): PaymentRecord => ({
  id: r.id,
  orderId: r.order_id,
  provider: r.provider,
  providerRef: r.provider_ref,
  status: r.status,
  amount: r.amount,
  currency: r.currency,
  action: r.action,
  refundRef: r.refund_ref,
  failure: r.failure,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class SqlitePaymentRepository implements Sync<PaymentRepository> {
  private readonly s;

  constructor(db: Database) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO payments (id, order_id, provider, provider_ref, status, amount, currency, action, refund_ref, failure, created_at, updated_at)
         VALUES (@id, @orderId, @provider, @providerRef, @status, @amount, @currency, @action, @refundRef, @failure, @createdAt, @updatedAt)`,
      ),
      update: db.prepare(
        `UPDATE payments SET provider_ref = @providerRef, status = @status, action = @action, refund_ref = @refundRef, failure = @failure,
         updated_at = @updatedAt WHERE id = @id`,
      ),
      get: db.prepare<[string], PaymentRow>('SELECT * FROM payments WHERE id = ?'),
      byRef: db.prepare<[string, string], PaymentRow>('SELECT * FROM payments WHERE provider = ? AND provider_ref = ?'),
      forOrder: db.prepare<[string], PaymentRow>('SELECT * FROM payments WHERE order_id = ? ORDER BY created_at, id'),
      stale: db.prepare<[number, number], PaymentRow>(
        `SELECT * FROM payments WHERE status IN ('pending', 'refund_pending') AND updated_at < ? ORDER BY updated_at LIMIT ?`,
      ),
    };
  }

  insert(p: PaymentRecord): void {
    this.s.insert.run(p);
  }
  get(id: string): PaymentRecord | null {
    const r = this.s.get.get(id);
    return r ? toPayment(r) : null;
  }
  getByProviderRef(provider: PaymentRecord['provider'], ref: string): PaymentRecord | null {
    const r = this.s.byRef.get(provider, ref);
    return r ? toPayment(r) : null;
  }
  update(p: PaymentRecord): void {
    this.s.update.run(p);
  }
  listForOrder(orderId: string): PaymentRecord[] {
    return this.s.forOrder.all(orderId).map(toPayment);
  }
  listStale(before: number, limit: number): PaymentRecord[] {
    return this.s.stale.all(before, limit).map(toPayment);
  }
}
