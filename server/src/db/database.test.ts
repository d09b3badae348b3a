import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ShowId } from '../../../shared/domain/show';
import { MigrationError, migrate, openDatabase } from './database';
import type { Migration } from './migrations/index';
import { ShowRepository, ShowStateError } from './shows';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('migrations', () => {
  it('applies each migration once, guarded by user_version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-db-'));
    dirs.push(dir);
    const file = join(dir, 'a.sqlite');
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const again = new BetterSqlite3(file);
    expect(migrate(again)).toEqual([]);
    again.close();
  });

  it('rolls back a failing migration completely and keeps the old version', () => {
    const db = new BetterSqlite3(':memory:');
    const ms: Migration[] = [
      { version: 1, name: 'ok', up: (d) => d.exec('CREATE TABLE a (x INTEGER)') },
      {
        version: 2,
        name: 'broken',
        up: (d) => {
          d.exec('CREATE TABLE b (x INTEGER)');
          d.exec('INSERT INTO nope VALUES (1)');
        },
      },
    ];
    expect(() => migrate(db, ms)).toThrow(MigrationError);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all() as { name: string }[];
    expect(tables.map((t) => t.name)).toEqual(['a']);
  });

  it('refuses a database from a newer build', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('user_version = 999');
    expect(() => migrate(db)).toThrow(/newer than this build/);
  });

  it('rejects a gap in migration numbering', () => {
    const db = new BetterSqlite3(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'x', up: () => {} }])).toThrow(MigrationError);
  });
});

describe('WAL checkpoints', () => {
  const waitFor = async (ok: () => boolean, ms: number) => {
    const until = Date.now() + ms;
    while (!ok() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return ok();
  };

  it('copies committed pages into the database file off the writer, and stops with the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-db-'));
    dirs.push(dir);
    const file = join(dir, 'w.sqlite');
    const db = openDatabase(file);
    db.exec('CREATE TABLE scratch (x BLOB)');
    const insert = db.prepare('INSERT INTO scratch VALUES (randomblob(3000))');
    const fileSize = () => statSync(file).size;
    // Well under the 1000 WAL pages at which the writer itself checkpoints: without another thread, the file stays.
    const write = db.transaction(() => {
      for (let i = 0; i < 400; i++) insert.run();
    });
    const before = fileSize();
    write();
    // The thread starts a second after opening; give a loaded machine time.
    expect(await waitFor(() => fileSize() > before + 300 * 4096, 10_000)).toBe(true);
    db.close();
    // The server's connection closed last: it checkpointed and removed the WAL.
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});

describe('ShowRepository', () => {
  it('creates, goes live once and ends', () => {
    const repo = new ShowRepository(openDatabase(':memory:'));
    const s = repo.create('Spring sale', 1000);
    expect(ShowId.safeParse(s.id).success).toBe(true);
    expect(s).toMatchObject({ title: 'Spring sale', status: 'ready', createdAt: 1000, startedAt: null });
    expect(repo.markLive(s.id, 2000)).toMatchObject({ status: 'live', startedAt: 2000 });
    expect(repo.markLive(s.id, 3000).startedAt).toBe(2000);
    expect(repo.markEnded(s.id, 4000)).toMatchObject({ status: 'ended', endedAt: 4000 });
    expect(() => repo.markLive(s.id)).toThrow(ShowStateError);
    expect(repo.markEnded(s.id, 5000).endedAt).toBe(4000);
    expect(repo.get('nope-nope')).toBeNull();
    expect(repo.unfinished()).toEqual([]);
  });
});
