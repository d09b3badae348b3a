/**
 * SQLite storage (better-sqlite3, WAL). One connection per process (beside a checkpoint thread's, which never
 * writes); all stock/order writes happen in synchronous transactions on it. Domain code depends on repositories, not
 * on this module's driver, so a PostgreSQL implementation can replace the repositories behind the same interfaces.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
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
  if (file !== ':memory:') checkpointOffThread(db, file);
  return db;
}

/** How often the checkpoint thread copies the WAL's new pages into the database file. */
export const CHECKPOINT_EVERY_MS = 50;
/** The thread starts this long after the database is opened (a database open for less never needs it). */
const CHECKPOINT_THREAD_AFTER_MS = 1000;
/**
 * WAL pages at which the server's own connection checkpoints after a commit while the thread runs: only the pages the
 * thread has not copied yet, and needed only because the WAL restarts from its beginning after a checkpoint that
 * caught up with every commit, which a thread beside a busy writer rarely does. SQLite's default (1000) otherwise.
 */
export const WRITER_CHECKPOINT_PAGES = 10_000;
const DEFAULT_CHECKPOINT_PAGES = 1000;

// The checkpoint thread's state word: RUNNING once its connection is open, STOP from the server's close, then CLOSED.
const STARTING = 0;
const RUNNING = 1;
const STOP = 2;
const CLOSED = 3;

/**
 * The checkpoint thread: its own connection, a PASSIVE checkpoint every `every` ms (it never waits for the writer nor
 * blocks it), sleeping on the state word so that the server's close wakes it at once.
 */
const CHECKPOINT_THREAD = `
const { workerData } = require('node:worker_threads');
const state = new Int32Array(workerData.state);
if (Atomics.load(state, 0) === ${STARTING}) {
  const Database = require(workerData.driver);
  const db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  if (Atomics.compareExchange(state, 0, ${STARTING}, ${RUNNING}) === ${STARTING}) {
    while (Atomics.load(state, 0) === ${RUNNING}) {
      try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
      Atomics.wait(state, 0, ${RUNNING}, workerData.every);
    }
  }
  db.close();
}
Atomics.store(state, 0, ${CLOSED});
Atomics.notify(state, 0);
`;

/**
 * Move WAL checkpoints off the server's thread. A checkpoint copies the WAL's pages into the database file and syncs
 * both, and SQLite runs it on the committing connection every 1000 pages: with viewer events stored beside a flash
 * sale, several times a second on the thread the checkout runs on. A thread of its own does that work here, and the
 * server's connection only finishes the last pages now and then so that the WAL restarts; if the thread cannot run,
 * the connection checkpoints as before. Closing the database stops the thread first.
 */
function checkpointOffThread(db: Database, file: string): void {
  const state = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker | null = null;
  const start = () => {
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      worker = new Worker(CHECKPOINT_THREAD, { eval: true, workerData: { driver, file, state: state.buffer, every: CHECKPOINT_EVERY_MS } });
    } catch {
      return;
    }
    worker.unref();
    worker.once('online', () => {
      if (db.open && Atomics.load(state, 0) !== CLOSED) db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
    });
    const fallBack = () => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
    };
    worker.once('error', fallBack);
    worker.once('exit', fallBack);
  };
  const timer = setTimeout(start, CHECKPOINT_THREAD_AFTER_MS);
  timer.unref();
  const close = db.close.bind(db);
  db.close = () => {
    clearTimeout(timer);
    // A thread still starting sees STOP before it opens its connection, or closes it unused.
    if (Atomics.compareExchange(state, 0, STARTING, STOP) !== STARTING && Atomics.compareExchange(state, 0, RUNNING, STOP) === RUNNING) {
      const until = Date.now() + 2000;
      while (Atomics.load(state, 0) === STOP && Date.now() < until) Atomics.wait(state, 0, STOP, 50);
    }
    void worker?.terminate();
    return close();
  };
}
