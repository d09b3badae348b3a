import type pg from 'pg';
import type { CommerceRepos, CommerceStore, CommerceTx } from '../types';
import { groupCommitter, runSavepointed } from '../group-commit';
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
 * fail or see the first. Group commit (../group-commit.ts) runs the units queued in one event-loop turn on one
 * client, each in a savepoint, and commits once.
 */
export function createPostgresStore(pool: pg.Pool, shows: ShowDirectory): CommerceStore {
  const outside = repos(pool as unknown as Queryable, shows);

  const unit = async <T>(fn: (client: pg.PoolClient, tx: CommerceTx) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        const value = await fn(client, repos(client as unknown as Queryable, shows));
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
    } finally {
      client.release(broken);
    }
  };

  const groupCommit = groupCommitter((units) => unit((client, tx) => runSavepointed(units, tx, (sql) => client.query(sql))));

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
