/**
 * SQLite storage (better-sqlite3, WAL). One connection per process; all stock/order writes happen in
 * synchronous transactions on it. Domain code depends on repositories, not on this module's driver,
 * so a PostgreSQL implementation can replace the repositories behind the same interfaces.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { type Migration, migrations as allMigrations } from './migrations/index';

export type { Database };

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Apply every migration newer than the database's user_version, each in its own transaction. Returns the versions applied. */
export function migrate(db: Database, migrations: readonly Migration[] = allMigrations): number[] {
  for (let i = 0; i < migrations.length; i++) {
    if (migrations[i]!.version !== i + 1)
      throw new MigrationError(`migration #${i} has version ${migrations[i]!.version}, expected ${i + 1}`);
  }
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new MigrationError(`database schema version ${current} is newer than this build supports (${latest}); upgrade Storecast`);
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    const run = db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      run.immediate();
    } catch (err) {
      throw new MigrationError(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
    }
    applied.push(m.version);
  }
  return applied;
}

/** Open (creating if needed) the database file, enable WAL and foreign keys, and migrate it. ':memory:' for tests. */
export function openDatabase(file: string, migrations: readonly Migration[] = allMigrations): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}
