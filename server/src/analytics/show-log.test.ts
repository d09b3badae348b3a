/**
 * The show event log across a restart and with a crowded screen: explanations left open by a previous process end
 * when the studio unpins after the restart; a fourth pin ends the explanation of the card it pushes off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OverlayTrigger } from '../../../shared/protocol/overlay';
import { openDatabase } from '../db/database';
import { ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import { AnalyticsService } from './service';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;
let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const pin = (id: string, productId: string, at: number): OverlayTrigger => ({
  type: 'product.pin',
  id,
  at,
  product: { productId, name: productId, priceMinor: 100, currency: 'CNY' },
});

function open(file: string, now: () => number, buffer?: { maxRows: number; flushMs: number }) {
  const db = openDatabase(file);
  const shows = new ShowRepository(db);
  return { db, shows, analytics: new AnalyticsService({ db, shows, log: quiet, clock: now, ...(buffer ? { buffer } : {}) }) };
}

describe('show event log', () => {
  it('ends, after a restart, an explanation the previous process opened', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-showlog-'));
    const file = join(dir, 'db.sqlite');
    let now = 1_000_000;
    const first = open(file, () => now);
    const show = first.shows.create('Restart show', now);
    first.shows.markLive(show.id, now);
    first.analytics.showLog.onOverlay(show.id, pin('pin-0001', 'p-a', now));
    await first.analytics.close();
    first.db.close();

    now += 60_000;
    const second = open(file, () => now);
    second.analytics.showLog.onOverlay(show.id, { type: 'product.unpin', id: 'unpin-001', at: now, productId: 'p-a' });
    const log = (await second.analytics.log(show.id))!;
    expect(log.map((e) => [e.seq, e.kind, e.productId])).toEqual([
      [1, 'explain.start', 'p-a'],
      [2, 'explain.end', 'p-a'],
    ]);
    await second.analytics.close();
    second.db.close();
  });

  it('ends the explanation of a card pushed off by a fourth pin', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-showlog-'));
    const now = 2_000_000;
    const { db, shows, analytics } = open(join(dir, 'db.sqlite'), () => now);
    const show = shows.create('Crowded show', now);
    for (const [i, p] of ['p-1', 'p-2', 'p-3', 'p-4'].entries()) analytics.showLog.onOverlay(show.id, pin(`pin-000${i}`, p, now + i));
    const log = (await analytics.log(show.id))!;
    expect(log.map((e) => [e.kind, e.productId, e.data.reason ?? null])).toEqual([
      ['explain.start', 'p-1', null],
      ['explain.start', 'p-2', null],
      ['explain.start', 'p-3', null],
      ['explain.end', 'p-1', 'displaced'],
      ['explain.start', 'p-4', null],
    ]);
    await analytics.close();
    db.close();
  });

  it('never writes on the caller stack, even with a full buffer (checkout events, studio triggers)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-showlog-'));
    const now = 3_000_000;
    const { db, shows, analytics } = open(join(dir, 'db.sqlite'), () => now, { maxRows: 1, flushMs: 60_000 });
    const show = shows.create('Busy show', now);
    const count = () => db.prepare('SELECT count(*) FROM show_event_log').pluck().get();
    analytics.showLog.onOverlay(show.id, pin('pin-0001', 'p-a', now));
    expect(count()).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(count()).toBe(1);
    await analytics.close();
    db.close();
  });
});
