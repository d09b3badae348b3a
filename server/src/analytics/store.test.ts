/**
 * What storing viewer events costs the database file: every commit rewrites the pages it touched into the WAL, and a
 * WAL checkpoint (on the writer's thread, the one the checkout runs on) follows every thousand such pages. Viewer
 * batches from many devices cover overlapping times, so an index ordered by event time gives nearly every stored row a
 * page of its own; rows that follow the table's own order cost a few pages per batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database';
import { ShowRepository } from '../db/shows';
import type { ViewerEventRow } from './store';
import { SqliteAnalyticsStore } from './store-sqlite';

const VIEWERS = 2000;
const BATCH = 100;
/** Rows one flush stores (the write buffer's usual transaction). */
const FLUSH = 500;
const WINDOW_MS = 60_000;

describe('analytics store on disk', () => {
  let dir: string;
  let db: Database;
  let showId: string;
  let store: SqliteAnalyticsStore;
  let batchNo = 0;
  // A fixed pseudo-random sequence: the same rows on every run.
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  /** Whole batches of random viewers; each batch's events spread over a random part of the last minute. */
  const flushRows = (now: number): ViewerEventRow[] => {
    const rows: ViewerEventRow[] = [];
    for (let b = 0; b < FLUSH / BATCH; b++) {
      const viewerId = `viewer-${Math.floor(random() * VIEWERS)}`;
      const batchId = `batch-${(batchNo++).toString(36)}`;
      for (let seq = 0; seq < BATCH; seq++) {
        const at = now - Math.floor(random() * WINDOW_MS);
        rows.push({ viewerId, batchId, seq, showId, mode: 'live', kind: 'impression', at, productId: 'product-1', buyerId: null });
      }
    }
    return rows;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-analytics-store-'));
    db = openDatabase(join(dir, 'db.sqlite'));
    db.pragma('wal_autocheckpoint = 0');
    showId = new ShowRepository(db).create('Stored show', 1_000_000).id;
    store = new SqliteAnalyticsStore(db);
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rewrites a few pages per stored viewer batch, not one per event', async () => {
    const now = 10_000_000;
    for (let i = 0; i < 100; i++) await store.writeAll(flushRows(now), [], []);
    // Empty the WAL: what it holds next is what the measured flushes wrote (no checkpoint runs between them).
    db.pragma('wal_checkpoint(TRUNCATE)');
    let rows = 0;
    for (let i = 0; i < 10; i++) rows += await store.writeAll(flushRows(now), [], []);
    const [wal] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(rows).toBe(10 * FLUSH);
    // Measured: ~0.9 pages per row with an index in time order, ~0.1 without.
    expect(wal!.log / rows).toBeLessThan(0.3);
  });
});
