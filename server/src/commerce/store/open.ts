/** The commerce store's engine, chosen by configuration: SQLite (default, the node's own file) or PostgreSQL. */
import { migratePostgres, openPostgresPool } from '../../db/postgres';
import { createPostgresStore, type ShowDirectory } from './postgres/index';
import type { CommerceStore } from './types';

/**
 * Open the PostgreSQL store at `url`: connect, apply the missing migrations (under the advisory lock) and refuse a
 * schema newer than this build (MigrationError). Nothing is left open when it fails.
 */
export async function openPostgresCommerceStore(url: string, shows: ShowDirectory): Promise<CommerceStore> {
  const pool = openPostgresPool(url);
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return createPostgresStore(pool, shows);
}
