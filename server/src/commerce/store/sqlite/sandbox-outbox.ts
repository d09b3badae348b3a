import type { Database } from 'better-sqlite3';
import type { OutboxRecord, SandboxOutboxRepository, Sync } from '../types';

interface Row {
  id: string;
  ref: string;
  url: string;
  body: string;
  attempts: number;
  next_attempt_at: number;
  delivered_at: number | null;
  gave_up_at: number | null;
  last_error: string | null;
  created_at: number;
}

const toRecord = (r: Row): OutboxRecord => ({
  id: r.id,
  ref: r.ref,
  url: r.url,
  body: r.body,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  deliveredAt: r.delivered_at,
  gaveUpAt: r.gave_up_at,
  lastError: r.last_error,
  createdAt: r.created_at,
});

const OPEN = 'delivered_at IS NULL AND gave_up_at IS NULL';

/** Notifications the sandbox provider still has to deliver (written with the ledger change that caused them). */
export class SqliteSandboxOutboxRepository implements Sync<SandboxOutboxRepository> {
  private readonly s;

  constructor(db: Database) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO sandbox_outbox (id, ref, url, body, attempts, next_attempt_at, delivered_at, gave_up_at, last_error, created_at)
         VALUES (@id, @ref, @url, @body, @attempts, @nextAttemptAt, @deliveredAt, @gaveUpAt, @lastError, @createdAt)`,
      ),
      due: db.prepare<[number, number], Row>(
        `SELECT * FROM sandbox_outbox WHERE ${OPEN} AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
      ),
      nextDue: db.prepare<[], { at: number | null }>(`SELECT MIN(next_attempt_at) AS at FROM sandbox_outbox WHERE ${OPEN}`),
      forRef: db.prepare<[string], Row>('SELECT * FROM sandbox_outbox WHERE ref = ? ORDER BY created_at, id'),
      delivered: db.prepare<[number, number, string]>(`UPDATE sandbox_outbox SET delivered_at = ?, attempts = ? WHERE id = ? AND ${OPEN}`),
      failed: db.prepare<[number, number, number | null, string, string]>(
        `UPDATE sandbox_outbox SET attempts = ?, next_attempt_at = ?, gave_up_at = ?, last_error = ? WHERE id = ? AND ${OPEN}`,
      ),
      retrigger: db.prepare<[number, string]>(
        'UPDATE sandbox_outbox SET next_attempt_at = ?, gave_up_at = NULL, attempts = 0 WHERE ref = ? AND delivered_at IS NULL',
      ),
      resume: db.prepare<[number]>(`UPDATE sandbox_outbox SET next_attempt_at = MIN(next_attempt_at, ?) WHERE ${OPEN}`),
    };
  }

  insert(r: OutboxRecord): void {
    this.s.insert.run(r);
  }
  due(now: number, limit: number): OutboxRecord[] {
    return this.s.due.all(now, limit).map(toRecord);
  }
  nextDueAt(): number | null {
    return this.s.nextDue.get()!.at;
  }
  forRef(ref: string): OutboxRecord[] {
    return this.s.forRef.all(ref).map(toRecord);
  }
  markDelivered(id: string, attempts: number, at: number): void {
    this.s.delivered.run(at, attempts, id);
  }
  markFailed(id: string, attempts: number, nextAttemptAt: number, gaveUpAt: number | null, error: string): void {
    this.s.failed.run(attempts, nextAttemptAt, gaveUpAt, error.slice(0, 500), id);
  }
  retrigger(ref: string, now: number): number {
    return this.s.retrigger.run(now, ref).changes;
  }
  resume(now: number): number {
    return this.s.resume.run(now).changes;
  }
}
