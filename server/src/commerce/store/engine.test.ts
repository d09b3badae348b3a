/**
 * DATABASE_URL selects PostgreSQL for the whole server's commerce: the shop reads and writes there (the node's SQLite
 * file keeps its shows). A database whose schema is newer than the build stops the server at start with a clear error.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgUnavailable, startTestPostgres, type TestPostgres } from '../../db/pg-testing';
import { migratePostgres, openPostgresPool } from '../../db/postgres';
import { startTestServer } from '../../testing/harness';
import { Buyer, contact } from '../testing';

const unavailable = pgUnavailable();
if (unavailable) console.warn(`skipping the DATABASE_URL server tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('DATABASE_URL=postgres://…', { timeout: 90_000 }, () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startTestPostgres();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('the server keeps its catalog and orders in PostgreSQL', async () => {
    const url = await cluster.createDatabase('node_shop');
    const server = await startTestServer({ databaseUrl: url, seedDemo: true });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const products = (await (await fetch(`${server.url}/api/products`)).json()) as { products: Array<{ skus: Array<{ id: string }> }> };
      const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM products WHERE status = 'active'`);
      expect(products.products.length).toBeGreaterThan(0);
      expect(Number(rows[0]!.n)).toBe(products.products.length);
      const b = new Buyer(server.url);
      const skuId = products.products[0]!.skus[0]!.id;
      const placed = await b.json<{ id: string }>('POST', '/api/orders', {
        idempotencyKey: 'engine-test-1',
        items: [{ skuId, qty: 1 }],
        contact: contact(1),
      });
      expect(placed.status).toBe(201);
      const order = await client.query('SELECT status FROM orders WHERE id = $1', [placed.body.id]);
      expect(order.rows).toEqual([{ status: 'pending_payment' }]);
    } finally {
      await client.end();
      await server.close();
    }
  });

  it('refuses to start on a schema newer than this build, naming the versions', async () => {
    const url = await cluster.createDatabase('node_future');
    const pool = openPostgresPool(url, 1);
    await migratePostgres(pool);
    await pool.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`);
    await pool.end();
    await expect(startTestServer({ databaseUrl: url })).rejects.toThrow(/database schema version 999 is newer than this build supports/);
  });
});
