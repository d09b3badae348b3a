import type pg from 'pg';
import type { CommerceRepos, CommerceStore, CommerceTx } from '../types';
import { type BatchUnit, groupCommitter, runSavepointed } from '../group-commit';
import { pgTransaction } from '../../../db/postgres';
import { runCheckoutBatch } from './batch';
import { PgCatalogRepository, PgInventoryRepository } from './catalog';
import { PgCouponRepository } from './coupons';
import { PgOrderRepository } from './orders';
import { PgPaymentRepository, PgSandboxLedgerRepository, PgSandboxOutboxRepository, PgWebhookEventRepository } from './payments';
import type { Queryable, ShowDirectory } from './query';

export type { ShowDirectory } from './query';

function repos(q: Queryable, shows: ShowDirectory): CommerceRepos {
  return {
    catalog: new PgCatalogRepository(q, shows),
    inventory: new PgInventoryRepository(q),
    orders: new PgOrderRepository(q),
    payments: new PgPaymentRepository(q),
    webhooks: new PgWebhookEventRepository(q),
    sandbox: new PgSandboxLedgerRepository(q),
    outbox: new PgSandboxOutboxRepository(q),
    coupons: new PgCouponRepository(q, shows),
  };
}

/**
 * The commerce store on PostgreSQL (node-postgres pool, schema from db/pg-migrations). A unit of work is a READ
 * COMMITTED transaction on one pooled client: stock and caps are taken by conditional UPDATEs whose row locks order
 * concurrent checkouts, and unique keys (idempotency key, provider event id) make a concurrent duplicate wait and then
 * fail or see the first. Group commit (../group-commit.ts) runs the units queued while the previous batch committed
 * as one transaction: checkouts through ./batch.ts (their rows locked and read once, their writes in one statement),
 * the rest each in a savepoint.
 */
export function createPostgresStore(pool: pg.Pool, shows: ShowDirectory): CommerceStore {
  const outside = repos(pool as unknown as Queryable, shows);

  const unit = <T>(fn: (client: pg.PoolClient, tx: CommerceTx) => Promise<T>, opts?: { ownBegin: true }): Promise<T> =>
    pgTransaction(pool, (client) => fn(client, repos(client as unknown as Queryable, shows)), opts);

  const savepointed = (client: pg.PoolClient, tx: CommerceTx, units: BatchUnit[]) =>
    runSavepointed(
      units.map((u) => u.run),
      tx,
      (sql) => client.query(sql),
    );
  const plain = (units: BatchUnit[]) => unit((client, tx) => savepointed(client, tx, units));
  // The checkout batch opens and commits its own transaction (its BEGIN and COMMIT ride with its statements).
  const checkouts = (units: BatchUnit[]) =>
    unit((client, tx) => runCheckoutBatch(client as unknown as Queryable, tx, units, (later) => savepointed(client, tx, later)), {
      ownBegin: true,
    });
  const groupCommit = groupCommitter(async (units) => {
    if (!units.some((u) => u.keys)) return plain(units);
    try {
      return await checkouts(units);
    } catch {
      // Undone (a key committed elsewhere meanwhile, a deadlock, a lost connection): every unit again, one by one.
      return plain(units);
    }
  });

  return {
    ...outside,
    engine: 'postgres',
    transaction<T>(fn: (tx: CommerceTx) => Promise<T>): Promise<T> {
      return unit((_client, tx) => fn(tx));
    },
    groupCommit,
    async close() {
      await pool.end();
    },
  };
}
