/**
 * The analytics store's contract on both engines (the node's SQLite file; PostgreSQL shared by the nodes of a
 * cluster): the log is numbered per show from 1 without gaps, a viewer event is stored and rolled up once, a show's
 * questions are read from the realtime store of the same engine. On PostgreSQL, two services (two nodes) recording one
 * show: both nodes' viewers are counted, once each, whichever nodes a batch reached; both nodes' log entries share one
 * numbering, and an event both nodes saw is stored once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { ViewerEventBatch } from '../../../shared/analytics/events';
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { EngagementEvent } from '../../../shared/protocol/engagement';
import type { OverlayTrigger } from '../../../shared/protocol/overlay';
import { type Database, openDatabase } from '../db/database';
import { type Engine, postgresSuite } from '../db/pg-suite';
import { migratePostgres, openPostgresPool } from '../db/postgres';
import { ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import type { RealtimeStore } from '../realtime/store';
import { PgRealtimeStore } from '../realtime/store-postgres';
import { SqliteRealtimeStore } from '../realtime/store-sqlite';
import { type AnalyticsDeps, AnalyticsService } from './service';
import type { ShowLogRow, ViewerEventRow } from './store';
import { PgAnalyticsStore } from './store-postgres';

const suite = postgresSuite('the analytics store contract');
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const S = 1000;

interface Node {
  db: Database;
  shows: ShowRepository;
  analytics: AnalyticsService;
  realtime: RealtimeStore;
}

let dir = '';
let now = T0;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** A node: its own SQLite file (shows, and the selling data on SQLite) and, on PostgreSQL, its own pool. */
function openNode(name: string, pgUrl: string | null, deps: Partial<AnalyticsDeps> = {}): Node {
  const db = openDatabase(join(dir, `${name}.sqlite`));
  const shows = new ShowRepository(db);
  let pool: pg.Pool | null = null;
  if (pgUrl) pool = openPostgresPool(pgUrl, 4);
  const realtime = pool ? new PgRealtimeStore(pool) : new SqliteRealtimeStore(db);
  const analytics = new AnalyticsService({
    db,
    shows,
    log: quiet,
    clock: () => now,
    buffer: { flushMs: 60_000 },
    ...(pool ? { store: new PgAnalyticsStore(pool) } : {}),
    questions: realtime,
    ...deps,
  });
  cleanups.push(async () => {
    await analytics.close();
    await pool?.end();
    db.close();
  });
  return { db, shows, analytics, realtime };
}

async function setup(engine: Engine): Promise<string | null> {
  dir = mkdtempSync(join(tmpdir(), 'sc-analytics-contract-'));
  now = T0;
  if (engine === 'sqlite') return null;
  const url = await suite.createDatabase('analytics_contract');
  const pool = openPostgresPool(url, 1);
  await migratePostgres(pool);
  await pool.end();
  return url;
}

const pin = (id: string, productId: string): OverlayTrigger => ({
  type: 'product.pin',
  id,
  at: now,
  product: { productId, name: productId, priceMinor: 100, currency: 'CNY' },
});

const batch = (showId: string, viewerId: string, batchId: string, events: [number, string, string?][]): ViewerEventBatch => ({
  showId,
  viewerId,
  batchId,
  mode: 'live',
  sentAt: now,
  events: events.map(([at, kind, productId], seq) => ({
    seq,
    kind,
    at: T0 + at,
    ...(productId ? { productId } : {}),
  })) as ViewerEventBatch['events'],
});

const viewerRow = (showId: string, viewerId: string, seq: number): ViewerEventRow => ({
  viewerId,
  batchId: 'batch-0001',
  seq,
  showId,
  mode: 'live',
  kind: 'enter',
  at: T0 + seq,
  productId: null,
  buyerId: null,
});

const logRow = (showId: string, key: string | null): ShowLogRow => ({
  showId,
  kind: 'coupon.published',
  at: T0,
  mediaTime: T0,
  mediaClock: 'server',
  productId: null,
  data: { key },
  key,
});

describe.each(suite.engines)('analytics store on %s', { timeout: 60_000 }, (engine) => {
  it('numbers each show’s log from 1, stores a viewer event once and rolls up only the stored ones', async () => {
    const node = openNode('a', await setup(engine));
    const one = node.shows.create('One', T0).id;
    const two = node.shows.create('Two', T0).id;
    const store = node.analytics.store;
    const fresh = await store.writeAll(
      [viewerRow(one, 'viewer-0001', 0), viewerRow(one, 'viewer-0001', 1)],
      [logRow(one, 'c1'), logRow(two, 'c1'), logRow(one, 'c2')],
      [{ showId: one, minute: T0, kind: 'like', count: 3 }],
    );
    expect(fresh).toBe(2);
    // A batch resent (the same viewer, batch and seq) is not stored nor counted again.
    expect(
      await store.writeAll([viewerRow(one, 'viewer-0001', 1)], [logRow(one, 'c3')], [{ showId: one, minute: T0, kind: 'like', count: 2 }]),
    ).toBe(0);
    expect((await store.showLog(one)).map((e) => [e.seq, e.data.key])).toEqual([
      [1, 'c1'],
      [2, 'c2'],
      [3, 'c3'],
    ]);
    expect((await store.showLog(two)).map((e) => e.seq)).toEqual([1]);
    expect((await store.minutes(one)).sort((x, y) => x.mode.localeCompare(y.mode))).toEqual([
      { minute: T0, mode: 'engagement', kind: 'like', count: 5 },
      { minute: T0, mode: 'live', kind: 'enter', count: 2 },
    ]);
    expect([await store.viewerKnown('viewer-0001'), await store.batchKnown('viewer-0001', 'batch-0001')]).toEqual([true, true]);
    expect([await store.viewerKnown('viewer-0002'), await store.batchKnown('viewer-0001', 'batch-0002')]).toEqual([false, false]);
  });

  it('counts the questions asked and answered in the realtime store of its engine per explanation', async () => {
    const node = openNode('a', await setup(engine));
    const show = node.shows.create('Questions', T0);
    node.shows.markLive(show.id, T0);
    node.analytics.showLog.onOverlay(show.id, pin('pin-0001', 'p-a'));
    const asker = { show_id: show.id, asker_key: 'k', asker_public: 'p', asker_name: 'n', product_id: null };
    await node.realtime.insertQuestion({ ...asker, id: 'q-1', text: 'how big?', created_at: T0 + 10 * S });
    await node.realtime.insertQuestion({ ...asker, id: 'q-2', text: 'what colour?', created_at: T0 + 20 * S });
    await node.realtime.answer('q-1', 'this big', { id: 'staff-1', name: 'Staff', role: 'moderator' }, 'public', T0 + 30 * S);
    now = T0 + 60 * S;
    const rows = (await node.analytics.segments(show.id))!;
    expect(rows.map((r) => [r.productId, r.questionsAsked, r.questionsAnswered])).toEqual([['p-a', 2, 1]]);
  });

  it.runIf(engine === 'postgres')('counts both nodes’ viewers once and numbers both nodes’ log entries as one log', async () => {
    const url = await setup(engine);
    const a = openNode('a', url);
    const b = openNode('b', url);
    const show = a.shows.markLive(a.shows.create('Two nodes', T0).id, T0);
    b.shows.keepCopy(show, 'node-a');
    now = T0 + 5 * S;
    // The studio is on node A: its pin is logged there, and node B learns of it from the shared log.
    a.analytics.showLog.onOverlay(show.id, pin('pin-0001', 'p-a'));
    await a.analytics.buffer.flush();
    now = T0 + 30 * S;
    const sender = (viewerId: string) => ({ cookieViewerId: viewerId, buyerId: null });
    const va = batch(show.id, 'viewer-on-a', 'batch-a-01', [
      [10 * S, 'enter'],
      [12 * S, 'impression', 'p-a'],
      [14 * S, 'click', 'p-a'],
    ]);
    const vb = batch(show.id, 'viewer-on-b', 'batch-b-01', [
      [11 * S, 'enter'],
      [13 * S, 'impression', 'p-a'],
    ]);
    expect((await a.analytics.ingest.accept(va, sender('viewer-on-a'))).accepted).toBe(3);
    expect((await b.analytics.ingest.accept(vb, sender('viewer-on-b'))).accepted).toBe(2);
    // The balancer retried B's batch through node A before either node stored it.
    expect((await a.analytics.ingest.accept(vb, sender('viewer-on-b'))).accepted).toBe(2);

    // Both nodes log at once, a few times over: their own events and one both of them saw (a coupon).
    for (let i = 0; i < 5; i++) {
      const coupon = { type: 'coupon.available', coupon: { id: `coupon-${i}` } } as unknown as EngagementEvent;
      a.analytics.showLog.onEngagement(show.id, coupon);
      b.analytics.showLog.onEngagement(show.id, coupon);
      b.analytics.showLog.onEngagement(show.id, {
        type: 'giveaway.started',
        giveaway: { id: `giveaway-${i}` },
      } as unknown as EngagementEvent);
      a.analytics.showLog.onOverlay(show.id, pin(`pin-1${i}`, `p-${i}`));
      a.analytics.countEngagement(show.id, 'like', 1);
      b.analytics.countEngagement(show.id, 'like', 2);
      await Promise.all([a.analytics.buffer.flush(), b.analytics.buffer.flush()]);
    }

    for (const node of [a, b]) {
      const m = (await node.analytics.metrics(show.id))!;
      expect(m.live.views).toBe(2);
      expect(m.funnel).toMatchObject({ impressionUv: 2, clickUv: 1 });
      const minutes = await node.analytics.store.minutes(show.id);
      const count = (kind: string) => minutes.filter((r) => r.kind === kind).reduce((n, r) => n + r.count, 0);
      expect([count('enter'), count('impression'), count('click'), count('like')]).toEqual([2, 2, 1, 15]);
    }
    const log = (await b.analytics.log(show.id))!;
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const kinds = (kind: string) => log.filter((e) => e.kind === kind).length;
    expect([kinds('coupon.published'), kinds('giveaway.started')]).toEqual([5, 5]);
    // Six pins: the last three each push the oldest of three cards off.
    expect([kinds('explain.start'), kinds('explain.end')]).toEqual([6, 3]);
  });

  it.runIf(engine === 'postgres')('logs a commerce event told to another node once, for the show it serves viewers of', async () => {
    const url = await setup(engine);
    let price = 10000;
    const shop = { lineupOf: () => ['p-a'], pricesOf: () => [price] };
    const a = openNode('a', url, shop);
    const b = openNode('b', url, shop);
    const show = a.shows.markLive(a.shows.create('Shop on two nodes', T0).id, T0);
    b.shows.keepCopy(show, 'node-a');
    now = T0 + 5 * S;
    a.analytics.showLog.onOverlay(show.id, pin('pin-0001', 'p-a'));
    // A viewer of the show watches through node B (and may buy there).
    await b.analytics.ingest.accept(batch(show.id, 'viewer-on-b', 'batch-b-01', [[1 * S, 'enter']]), {
      cookieViewerId: 'viewer-on-b',
      buyerId: null,
    });
    await Promise.all([a.analytics.buffer.flush(), b.analytics.buffer.flush()]);

    now = T0 + 60 * S;
    price = 8000;
    // The price is changed through node A; node B notices at its next checkout, against its older baseline.
    a.analytics.showLog.onCommerce({ type: 'product.changed', productId: 'p-a', deleted: false });
    await a.analytics.buffer.flush();
    now = T0 + 70 * S;
    b.analytics.showLog.onCommerce({ type: 'stock.changed', productId: 'p-a', skuId: 'sku-a', stock: 3, saleRemaining: null });
    await b.analytics.buffer.flush();
    // A sale both nodes hear of, and the last units sold through node B.
    const sale = { id: 'sale-1', skuId: 'sku-a', productId: 'p-a', salePriceMinor: 5000, currency: 'CNY', cap: 3, remaining: 3 };
    const started = { type: 'sale.started', sale } as unknown as CommerceEvent;
    a.analytics.showLog.onCommerce(started);
    b.analytics.showLog.onCommerce(started);
    await Promise.all([a.analytics.buffer.flush(), b.analytics.buffer.flush()]);
    b.analytics.showLog.onCommerce({ type: 'stock.changed', productId: 'p-a', skuId: 'sku-a', stock: 0, saleRemaining: null });

    // The sell-out is node B's entry: in the log once B has stored what it waits with.
    const beforeB = (await a.analytics.log(show.id))!;
    await b.analytics.buffer.flush();
    const all = (await a.analytics.log(show.id))!;
    expect(all.length).toBe(beforeB.length + 1);
    expect(all.map((e) => [e.seq, e.kind, e.productId])).toEqual([
      [1, 'explain.start', 'p-a'],
      [2, 'price.changed', 'p-a'],
      [3, 'sale.started', 'p-a'],
      [4, 'sold.out', 'p-a'],
    ]);
    expect(all[1]!.data).toMatchObject({ priceMinor: [8000], before: [10000] });
  });
});
