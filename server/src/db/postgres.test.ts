/**
 * PostgreSQL migrations on a real throwaway cluster: nodes starting together apply each migration once (advisory
 * lock), a schema newer than the build is refused, and the schema keeps stock and the order state machine honest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError } from './database';
import { pgUnavailable, startTestPostgres, type TestPostgres } from './pg-testing';
import { migratePostgres, openPostgresPool, postgresSchemaVersion } from './postgres';
import { pgMigrations } from './pg-migrations/index';

const unavailable = pgUnavailable();
if (unavailable) console.warn(`skipping PostgreSQL migration tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('postgres migrations', { timeout: 60_000 }, () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('nodes migrating at the same moment apply every migration exactly once', async () => {
    const url = await pg.createDatabase('race');
    const pools = Array.from({ length: 5 }, () => openPostgresPool(url, 2));
    try {
      const applied = await Promise.all(pools.map((p) => migratePostgres(p)));
      expect(applied.flat().sort()).toEqual(pgMigrations.map((m) => m.version));
      const rows = await pools[0]!.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.rows.map((r) => r.version)).toEqual(pgMigrations.map((m) => m.version));
      expect(await postgresSchemaVersion(pools[0]!)).toBe(pgMigrations.length);
      // Again: nothing left to apply.
      expect(await migratePostgres(pools[1]!)).toEqual([]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('refuses a database whose schema is newer than this build, changing nothing', async () => {
    const url = await pg.createDatabase('newer');
    const pool = openPostgresPool(url, 2);
    try {
      await migratePostgres(pool);
      const future = pgMigrations.length + 1;
      await pool.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)`, [future]);
      const err = await migratePostgres(pool).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(new RegExp(`schema version ${future} is newer than this build supports`));
      expect(await postgresSchemaVersion(pool)).toBe(future);
    } finally {
      await pool.end();
    }
  });

  it('keeps stock at or above zero and enforces the order state machine', async () => {
    const url = await pg.createDatabase('rules');
    const pool = openPostgresPool(url, 2);
    try {
      await migratePostgres(pool);
      await pool.query(`INSERT INTO products (id, title, currency, created_at, updated_at) VALUES ('p1', 'cup', 'CNY', 1, 1)`);
      await pool.query(`INSERT INTO skus (id, product_id, options_key, position, list_price, stock) VALUES ('s1', 'p1', '', 0, 100, 3)`);
      const take = (qty: number) =>
        pool.query('UPDATE skus SET stock = stock - $1 WHERE id = $2 AND stock >= $1 RETURNING stock', [qty, 's1']);
      expect((await take(2)).rows).toEqual([{ stock: 1 }]);
      expect((await take(2)).rowCount).toBe(0);
      await expect(pool.query(`UPDATE skus SET stock = -1 WHERE id = 's1'`)).rejects.toThrow(/check constraint/);
      const order = `INSERT INTO orders (id, buyer_id, idempotency_key, request_hash, status, currency, total, contact_name,
        contact_phone, contact_address, created_at, expires_at) VALUES ($1, 'b1', $2, 'h', $3, 'CNY', 100, 'n', 'p', 'a', 1, 2)`;
      await expect(pool.query(order, ['o0', 'k0', 'paid'])).rejects.toThrow(/orders start in pending_payment/);
      await pool.query(order, ['o1', 'k1', 'pending_payment']);
      await expect(pool.query(order, ['o2', 'k1', 'pending_payment'])).rejects.toThrow(/duplicate key/);
      await expect(pool.query(`UPDATE orders SET status = 'shipped' WHERE id = 'o1'`)).rejects.toThrow(/transition not allowed/);
      await pool.query(`UPDATE orders SET status = 'paid' WHERE id = 'o1'`);
      const { rows } = await pool.query(`SELECT status, total, created_at FROM orders WHERE id = 'o1'`);
      expect(rows).toEqual([{ status: 'paid', total: 100, created_at: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
