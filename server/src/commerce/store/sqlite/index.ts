import type { Database } from 'better-sqlite3';
import type {
  CatalogRepository,
  CommerceRepos,
  CommerceStore,
  CommerceTx,
  CouponRepository,
  InventoryRepository,
  OrderRepository,
  PaymentRepository,
  SandboxLedgerRepository,
  SandboxOutboxRepository,
  Sync,
  WebhookEventRepository,
} from '../types';
import { groupCommitter, runSavepointed } from '../group-commit';
import { SqliteCatalogRepository } from './catalog';
import { SqliteCouponRepository } from './coupons';
import { SqliteInventoryRepository } from './inventory';
import { SqliteOrderRepository } from './orders';
import { SqlitePaymentRepository } from './payments';
import { SqliteSandboxLedgerRepository } from './sandbox-ledger';
import { SqliteSandboxOutboxRepository } from './sandbox-outbox';
import { SqliteWebhookEventRepository } from './webhook-events';

/**
 * Units of work on one connection take turns: while one is open (between its BEGIN and COMMIT, across the awaits of
 * its own queries) the others wait, and so does every repository call made outside a unit, so nothing joins a
 * transaction that is not its own.
 */
class Turns {
  private tail: Promise<unknown> = Promise.resolve();
  open = 0;

  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(async () => {
      this.open++;
      try {
        return await fn();
      } finally {
        this.open--;
      }
    });
    this.tail = p.catch(() => undefined);
    return p;
  }
}

type Method = (...args: unknown[]) => unknown;

/** The async face of a synchronous repository. `turns` given: calls wait while a unit of work is open. */
function asyncRepo<R>(repo: Sync<R>, turns: Turns | null): R {
  const out: Record<string, Method> = {};
  const proto = Object.getPrototypeOf(repo) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const f = proto[name];
    if (name === 'constructor' || typeof f !== 'function') continue;
    const call = (args: unknown[]) => (f as Method).apply(repo, args);
    out[name] = (...args: unknown[]) => {
      if (turns && turns.open > 0) return turns.run(async () => call(args));
      try {
        return Promise.resolve(call(args));
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }
  return out as R;
}

function repos(db: Database, turns: Turns | null): CommerceRepos {
  return {
    catalog: asyncRepo<CatalogRepository>(new SqliteCatalogRepository(db), turns),
    inventory: asyncRepo<InventoryRepository>(new SqliteInventoryRepository(db), turns),
    orders: asyncRepo<OrderRepository>(new SqliteOrderRepository(db), turns),
    payments: asyncRepo<PaymentRepository>(new SqlitePaymentRepository(db), turns),
    webhooks: asyncRepo<WebhookEventRepository>(new SqliteWebhookEventRepository(db), turns),
    sandbox: asyncRepo<SandboxLedgerRepository>(new SqliteSandboxLedgerRepository(db), turns),
    outbox: asyncRepo<SandboxOutboxRepository>(new SqliteSandboxOutboxRepository(db), turns),
    coupons: asyncRepo<CouponRepository>(new SqliteCouponRepository(db), turns),
  };
}

/**
 * The commerce store on one better-sqlite3 connection (WAL). A unit of work is an IMMEDIATE transaction held while
 * its function runs; since its queries complete synchronously, it settles within the same turn of the event loop.
 */
export function createSqliteStore(db: Database): CommerceStore {
  const turns = new Turns();
  const outside = repos(db, turns);
  const tx: CommerceTx = repos(db, null);

  const unit = async <T>(fn: () => Promise<T>): Promise<T> => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const value = await fn();
      db.exec('COMMIT');
      return value;
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  };

  const groupCommit = groupCommitter((units) =>
    turns.run(() =>
      unit(() =>
        runSavepointed(
          units.map((u) => u.run),
          tx,
          (sql) => db.exec(sql),
        ),
      ),
    ),
  );

  return {
    ...outside,
    engine: 'sqlite',
    transaction<T>(fn: (tx: CommerceTx) => Promise<T>): Promise<T> {
      return turns.run(() => unit(() => fn(tx)));
    },
    groupCommit,
    async close() {
      // The connection belongs to the caller (db/), which closes it.
    },
  };
}
