import type { Database } from 'better-sqlite3';
import type { CommerceStore } from '../types';
import { SqliteCatalogRepository } from './catalog';
import { SqliteCouponRepository } from './coupons';
import { SqliteInventoryRepository } from './inventory';
import { SqliteOrderRepository } from './orders';
import { SqlitePaymentRepository } from './payments';
import { SqliteSandboxLedgerRepository } from './sandbox-ledger';
import { SqliteSandboxOutboxRepository } from './sandbox-outbox';
import { SqliteWebhookEventRepository } from './webhook-events';

/** The commerce store on one better-sqlite3 connection (WAL). Units of work are synchronous IMMEDIATE transactions. */
export function createSqliteStore(db: Database): CommerceStore {
  const catalog = new SqliteCatalogRepository(db);
  const inventory = new SqliteInventoryRepository(db);
  const orders = new SqliteOrderRepository(db);
  const payments = new SqlitePaymentRepository(db);
  const webhooks = new SqliteWebhookEventRepository(db);
  const sandbox = new SqliteSandboxLedgerRepository(db);
  const outbox = new SqliteSandboxOutboxRepository(db);
  const coupons = new SqliteCouponRepository(db);

  type Job = { fn: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };
  let queue: Job[] = [];
  const flush = () => {
    const jobs = queue;
    queue = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      db.transaction(() => {
        for (const job of jobs) {
          try {
            // Nested: better-sqlite3 runs it in a SAVEPOINT and rolls back to it when it throws.
            outcomes.push({ ok: true, value: db.transaction(job.fn)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      }).immediate();
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const o = outcomes[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
  };

  return {
    catalog,
    inventory,
    orders,
    payments,
    webhooks,
    sandbox,
    outbox,
    coupons,
    transaction<T>(fn: () => T): T {
      // better-sqlite3 turns a nested transaction into a savepoint, so nested units join the outer one.
      if (db.inTransaction) return db.transaction(fn)();
      return db.transaction(fn).immediate();
    },
    groupCommit<T>(fn: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (queue.push({ fn, resolve: resolve as (v: unknown) => void, reject }) === 1) setImmediate(flush);
      });
    },
  };
}
