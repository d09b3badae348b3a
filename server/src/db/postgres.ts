/**
 * PostgreSQL (node-postgres) for the commerce store when DATABASE_URL=postgres://… is set. Migrations are numbered
 * per engine (./pg-migrations); each runs in its own transaction recorded in `schema_migrations`, under
 * pg_advisory_xact_lock so nodes starting together apply each migration exactly once. A database whose schema is newer
 * than this build knows is refused.
 */
import pg from 'pg';
import { MigrationError } from './database';
import { type PgMigration, pgMigrations } from './pg-migrations/index';

/** Key of the advisory lock every node takes while migrating ("storecast" in ASCII, as a bigint). */
export const MIGRATION_LOCK_KEY = 0x73746f7265636173n;

// BIGINT columns (epoch milliseconds, money in minor units) fit a JS number: read them as numbers, not strings.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export function openPostgresPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types });
  // An idle client losing its server (a restart, an administrator's shutdown) is reported on the pool, and an
  // unhandled 'error' event would end the process; the next query opens a new connection instead.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * One transaction on one pooled client: BEGIN, `fn`, COMMIT (ROLLBACK when `fn` throws). Only `fn`'s own queries are
 * awaited inside it. A client whose ROLLBACK failed is dropped rather than returned to the pool. With `ownBegin`, `fn`
 * sends BEGIN and COMMIT itself, each in one query string with its own statements (a round trip less for each).
 */
export async function pgTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, opts: { ownBegin?: boolean } = {}): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    if (!opts.ownBegin) await c.query('BEGIN');
    try {
      const v = await fn(c);
      if (!opts.ownBegin) await c.query('COMMIT');
      return v;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    }
  } finally {
    c.release(broken);
  }
}

/** Apply the migrations this database lacks. Returns the versions this call applied. */
export async function migratePostgres(pool: pg.Pool, migrations: readonly PgMigration[] = pgMigrations): Promise<number[]> {
  for (let i = 0; i < migrations.length; i++) {
    if (migrations[i]!.version !== i + 1)
      throw new MigrationError(`postgres migration #${i} has version ${migrations[i]!.version}, expected ${i + 1}`);
  }
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    for (;;) {
      await client.query('BEGIN');
      try {
        // Serialises nodes: the lock is held until this transaction ends, and the version is read under it.
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
        );
        const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
        const current = rows[0]?.v ?? 0;
        if (current > migrations.length) {
          throw new MigrationError(
            `database schema version ${current} is newer than this build supports (${migrations.length}); upgrade Storecast`,
          );
        }
        const next = migrations[current];
        if (!next) {
          await client.query('COMMIT');
          return applied;
        }
        try {
          await client.query(next.up);
        } catch (err) {
          throw new MigrationError(`postgres migration ${next.version} (${next.name}) failed: ${(err as Error).message}`);
        }
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          next.version,
          next.name,
          Date.now(),
        ]);
        await client.query('COMMIT');
        applied.push(next.version);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
  } finally {
    client.release();
  }
}

/** The schema version recorded in the database (0 when none). */
export async function postgresSchemaVersion(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ v: number | null }>(
    `SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE (SELECT COALESCE(MAX(version), 0) FROM schema_migrations) END AS v`,
  );
  return Number(rows[0]?.v ?? 0);
}
