/**
 * The selling-data service: one write buffer shared by the show event log, viewer-event ingest and the engagement
 * counters, and the reads (metrics, the log) for the staff/studio API. Built by app.ts, which feeds it from the room's
 * overlay hook, the commerce core's and engagement's events and the realtime hub.
 */
import type { ShowLogEntry } from '../../../shared/analytics/events';
import { computeShowMetrics, minuteOf, type ShowMetrics } from '../../../shared/analytics/metrics';
import { computeSellingScreen, type SellingScreen } from '../../../shared/analytics/screen';
import { explanationReport, type SegmentQuestion, type SegmentRow, type SegmentsInput } from '../../../shared/analytics/segments';
import { SqliteCatalogRepository } from '../commerce/store/sqlite/catalog';
import { SqliteOrderRepository } from '../commerce/store/sqlite/orders';
import type { ShowOrderRecord } from '../commerce/store/types';
import type { Database } from '../db/database';
import type { ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import type { RealtimeStore } from '../realtime/store';
import { SqliteRealtimeStore } from '../realtime/store-sqlite';
import { type BufferOptions, DEFAULT_BUFFER, WriteBuffer } from './buffer';
import { ViewerIngest } from './ingest';
import { ShowLogRecorder } from './show-log';
import type { AnalyticsStore, EngagementKind } from './store';
import { SqliteAnalyticsStore } from './store-sqlite';

/** Questions read per show for the explanation rows (a show with more counts its first this many). */
const QUESTIONS_READ = 100_000;

export interface AnalyticsDeps {
  db: Database;
  shows: ShowRepository;
  log: Logger;
  clock?: () => number;
  buffer?: Partial<BufferOptions>;
  /** Where the selling data is kept. Default: the node's SQLite file (`db`); with DATABASE_URL, PostgreSQL. */
  store?: AnalyticsStore;
  /**
   * A show's orders with their lines, from the commerce store (SQLite or PostgreSQL). Default: the commerce tables of
   * `db` (the SQLite engine).
   */
  showOrders?: (showId: string) => Promise<readonly ShowOrderRecord[]>;
  /** A show's lineup (product ids in order), from the commerce catalog. Default: the SQLite engine's, as above. */
  lineupOf?: (showId: string) => readonly string[];
  /** A product's SKU prices (price-change detection); null when it is gone. */
  pricesOf?: (productId: string) => readonly number[] | null;
  /** Where the show's viewer questions are read: the realtime store (either engine). Default: its SQLite engine on `db`. */
  questions?: Pick<RealtimeStore, 'questions'>;
}

export class AnalyticsService {
  readonly store: AnalyticsStore;
  readonly buffer: WriteBuffer;
  readonly ingest: ViewerIngest;
  readonly showLog: ShowLogRecorder;
  private readonly clock: () => number;
  private readonly showOrders: (showId: string) => Promise<readonly ShowOrderRecord[]>;
  private readonly lineupOf: (showId: string) => readonly string[];
  private readonly questionsOf: (showId: string) => Promise<SegmentQuestion[]>;

  constructor(private readonly d: AnalyticsDeps) {
    this.clock = d.clock ?? Date.now;
    const sqlite =
      d.showOrders && d.lineupOf ? null : { orders: new SqliteOrderRepository(d.db), catalog: new SqliteCatalogRepository(d.db) };
    this.showOrders = d.showOrders ?? (async (id) => sqlite!.orders.showOrders(id));
    this.lineupOf = d.lineupOf ?? ((id) => sqlite!.catalog.getLineup(id));
    const questions = d.questions ?? new SqliteRealtimeStore(d.db);
    this.questionsOf = async (id) =>
      (await questions.questions(id, true, QUESTIONS_READ)).map((q) => ({ createdAt: q.created_at, answeredAt: q.answered_at }));
    this.store = d.store ?? new SqliteAnalyticsStore(d.db);
    this.buffer = new WriteBuffer(this.store, { ...DEFAULT_BUFFER, ...d.buffer }, d.log);
    const showLog = new ShowLogRecorder({
      store: this.store,
      buffer: this.buffer,
      shows: d.shows,
      clock: this.clock,
      log: d.log,
      lineupOf: this.lineupOf,
      pricesOf: d.pricesOf ?? (() => null),
    });
    this.showLog = showLog;
    this.ingest = new ViewerIngest(
      this.store,
      this.buffer,
      d.shows,
      this.clock,
      {
        known: (showId) => showLog.explained(showId),
        note: (showId, ids) => showLog.noteExplained(showId, ids),
        meet: (showId) => showLog.meet(showId),
      },
      this.lineupOf,
    );
    this.buffer.beforeFlush = () => this.showLog.checkPrices();
  }

  /** A like / chat message / follow in a show's realtime room (counted per minute). */
  countEngagement(showId: string, kind: EngagementKind, n = 1): void {
    if (n > 0) this.buffer.countEngagement(showId, minuteOf(this.clock()), kind, n);
  }

  /** The show's metrics as of now (rows still in the buffer are stored first). Null for an unknown show. */
  async metrics(showId: string): Promise<ShowMetrics | null> {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    const orders = await this.orders(showId);
    await this.buffer.flush();
    return computeShowMetrics({ show, now: this.clock(), ...(await this.store.viewerInput(showId)), orders });
  }

  /** One row per explanation segment (README "Selling data"). Null for an unknown show. */
  async segments(showId: string): Promise<SegmentRow[] | null> {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    const [orders, questions] = await Promise.all([this.orders(showId), this.questionsOf(showId)]);
    await this.buffer.flush();
    const [input, log] = await Promise.all([this.store.viewerInput(showId), this.store.showLog(showId)]);
    return explanationReport({ show, now: this.clock(), events: input.events, orders, log, questions });
  }

  /**
   * The explanation segments with their viewer figures only (order figures zero): what the replay's chapters need,
   * read without waiting for the commerce store. Null for an unknown show.
   */
  async segmentSpans(showId: string): Promise<SegmentRow[] | null> {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    const questions = await this.questionsOf(showId);
    await this.buffer.flush();
    const [input, log] = await Promise.all([this.store.viewerInput(showId), this.store.showLog(showId)]);
    return explanationReport({ show, now: this.clock(), events: input.events, orders: [], log, questions });
  }

  /** The studio's live big screen: metrics, per-minute trend, markers, per-product totals. Null for an unknown show. */
  async screen(showId: string): Promise<SellingScreen | null> {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    const orders = await this.orders(showId);
    await this.buffer.flush();
    const [input, log] = await Promise.all([this.store.viewerInput(showId), this.store.showLog(showId)]);
    return computeSellingScreen({ show, now: this.clock(), ...input, orders, log, lineup: [...this.lineupOf(showId)] });
  }

  /** The show's orders as the metrics take them. */
  private async orders(showId: string): Promise<SegmentsInput['orders']> {
    return (await this.showOrders(showId)).map((o) => ({
      id: o.id,
      buyerId: o.buyerId,
      currency: o.currency,
      totalMinor: o.total,
      createdAt: o.createdAt,
      paidAt: o.paidAt,
      refundedAt: o.refundedAt,
      items: o.items.map((i) => ({ productId: i.productId, qty: i.qty, unitMinor: i.unitPrice })),
    }));
  }

  /** The show's event log, oldest first. Null for an unknown show. */
  async log(showId: string): Promise<ShowLogEntry[] | null> {
    if (!this.d.shows.get(showId)) return null;
    await this.buffer.flush();
    return this.store.showLog(showId);
  }

  /** Store what waits. */
  close(): Promise<void> {
    return this.buffer.close();
  }
}
