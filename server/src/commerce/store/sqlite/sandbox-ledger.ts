import type { Database } from 'better-sqlite3';
import type { SandboxLedgerRecord, SandboxLedgerRepository, Sync } from '../types';

interface Row {
  ref: string;
  merchant_ref: string;
  amount: number;
  currency: string;
  description: string;
  notify_url: string;
  return_url: string;
  status: SandboxLedgerRecord['status'];
  created_at: number;
  updated_at: number;
}

export class SqliteSandboxLedgerRepository implements Sync<SandboxLedgerRepository> {
  private readonly s;

  constructor(db: Database) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO sandbox_ledger (ref, merchant_ref, amount, currency, description, notify_url, return_url, status, created_at, updated_at)
         VALUES (@ref, @merchantRef, @amount, @currency, @description, @notifyUrl, @returnUrl, @status, @createdAt, @updatedAt)`,
      ),
      get: db.prepare<[string], Row>('SELECT * FROM sandbox_ledger WHERE ref = ?'),
      status: db.prepare<[string, number, string, string]>(
        'UPDATE sandbox_ledger SET status = ?, updated_at = ? WHERE ref = ? AND status = ?',
      ),
    };
  }

  insert(r: SandboxLedgerRecord): void {
    this.s.insert.run(r);
  }
  get(ref: string): SandboxLedgerRecord | null {
    const r = this.s.get.get(ref);
    return r
      ? {
          ref: r.ref,
          merchantRef: r.merchant_ref,
          amount: r.amount,
          currency: r.currency,
          description: r.description,
          notifyUrl: r.notify_url,
          returnUrl: r.return_url,
          status: r.status,
          createdAt: r.created_at,
          updatedAt: r.updated_at,
        }
      : null;
  }
  setStatus(ref: string, from: SandboxLedgerRecord['status'], to: SandboxLedgerRecord['status'], at: number): boolean {
    return this.s.status.run(to, at, ref, from).changes === 1;
  }
}
