/**
 * The analytics write buffer on a real SQLite store: a full buffer is stored on the next turn of the event loop, never
 * on the viewer batch's stack (the requests answered in the same turn do not wait for it); a backlog is stored in
 * slices of whole batches with the loop's queued work run between them; far too many waiting rows are stored before
 * the next batch is answered (bounded memory); a batch counts as pending until its slice is stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database';
import { ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import { DEFAULT_BUFFER, WriteBuffer } from './buffer';
import type { ViewerEventRow } from './store';
import { SqliteAnalyticsStore } from './store-sqlite';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('analytics write buffer', () => {
  let dir: string;
  let db: Database;
  let showId: string;
  let store: SqliteAnalyticsStore;
  /** Each transaction's viewer rows, and other work that ran between them. */
  let marks: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-buffer-'));
    db = openDatabase(join(dir, 'db.sqlite'));
    showId = new ShowRepository(db).create('Buffered show', 1_000_000).id;
    store = new SqliteAnalyticsStore(db);
    marks = [];
    const writeAll = store.writeAll.bind(store);
    Object.defineProperty(store, 'writeAll', {
      value: (...args: Parameters<typeof writeAll>) => {
        const own = marks;
        own.push(`write ${args[0].length}`);
        // Work queued while a slice is written (as a request arriving then would be) runs before the next slice.
        setImmediate(() => own.push('other'));
        return writeAll(...args);
      },
    });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = () => db.prepare('SELECT count(*) FROM viewer_events').pluck().get() as number;
  const batch = (buffer: WriteBuffer, i: number, n = 100) => {
    const viewerId = `viewer-${String(i).padStart(4, '0')}`;
    const rows: ViewerEventRow[] = Array.from({ length: n }, (_, seq) => ({
      viewerId,
      batchId: `batch-${i}-x`,
      seq,
      showId,
      mode: 'live',
      kind: 'alive',
      at: 1_000_000 + seq,
      productId: null,
      buyerId: null,
    }));
    return buffer.addViewerEvents(viewerId, `batch-${i}-x`, rows);
  };

  it('stores a full buffer on the next turn, in one transaction, not on the viewer batch’s stack', async () => {
    const buffer = new WriteBuffer(store, { ...DEFAULT_BUFFER, flushMs: 60_000 }, quiet);
    for (let i = 0; i < 3; i++) batch(buffer, i);
    expect(stored()).toBe(0);
    expect(buffer.hasBatch('viewer-0002', 'batch-2-x')).toBe(true);
    await nextTurn();
    expect(stored()).toBe(300);
    expect(marks.filter((m) => m.startsWith('write'))).toEqual(['write 300']);
    expect([buffer.hasBatch('viewer-0002', 'batch-2-x'), buffer.hasViewer('viewer-0002')]).toEqual([false, false]);
    await buffer.close();
  });

  it('stores a backlog in slices of whole batches, with queued work run between two', async () => {
    const buffer = new WriteBuffer(store, { flushMs: 60_000, maxRows: 250, sliceRows: 300 }, quiet);
    // 9 batches of 100 rows and one of 50: under the catch-up mark (4 × 250), so every slice yields.
    for (let i = 0; i < 9; i++) batch(buffer, i);
    batch(buffer, 9, 50);
    expect(stored()).toBe(0);
    await nextTurn();
    expect(stored()).toBe(300);
    // Stored batches are no longer pending; the others still are (a resent batch is a duplicate either way).
    expect([buffer.hasBatch('viewer-0002', 'batch-2-x'), buffer.hasBatch('viewer-0003', 'batch-3-x')]).toEqual([false, true]);
    expect(await store.batchKnown('viewer-0002', 'batch-2-x')).toBe(true);
    for (let i = 0; i < 5 && stored() < 950; i++) await nextTurn();
    expect(stored()).toBe(950);
    expect(marks).toEqual(['write 300', 'other', 'write 300', 'other', 'write 300', 'other', 'write 50']);
    await buffer.close();
  });

  it('stores far too many waiting rows before it answers the next viewer batch', async () => {
    const buffer = new WriteBuffer(store, { flushMs: 60_000, maxRows: 10, sliceRows: 50 }, quiet);
    // BACKLOG (16) × maxRows waiting: the batch that reaches it is stored at once, in slices, with everything before it.
    for (let i = 0; i < 15; i++) batch(buffer, i, 10);
    expect(stored()).toBe(0);
    await batch(buffer, 15, 10);
    expect(stored()).toBe(160);
    expect(marks.filter((m) => m.startsWith('write'))).toEqual(['write 50', 'write 50', 'write 50', 'write 10']);
    await buffer.close();
  });
});
