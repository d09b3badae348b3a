/**
 * The selling-data service: one write buffer shared by the show event log, viewer-event ingest and the engagement
 * counters, and the reads (metrics, the log) for the staff/studio API. Built by app.ts, which feeds it from the room's
 * overlay hook, the commerce core's and engagement's events and the realtime hub.
 */
import type { ShowLogEntry } from '../../../shared/analytics/events';
import { computeShowMetrics, minuteOf, type ShowMetrics } from '../../../shared/analytics/metrics';
import { computeSellingScreen, type SellingScreen } from '../../../shared/analytics/screen';
import { explanationReport, type SegmentRow, type SegmentsInput } from '../../../shared/analytics/segments';
import { SqliteCatalogRepository } from '../commerce/store/sqlite/catalog';
import { SqliteOrderRepository } from '../commerce/store/sqlite/orders';
import type { ShowOrderRecord } from '../commerce/store/types';
import type { Database } from '../db/database';
import type { ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import { type BufferOptions, DEFAULT_BUFFER, WriteBuffer } from './buffer';
import { ViewerIngest } from './ingest';
import { ShowLogRecorder } from './show-log';
import { AnalyticsStore, type EngagementKind } from './store';

export interface AnalyticsDeps {
  db: Database;
  shows: ShowRepository;
  log: Logger;
  clock?: () => number;
  buffer?: Partial<BufferOptions>;
  /**
   * A show's orders with their lines, from the commerce store (SQLite or PostgreSQL). Default: the commerce tables of
   * `db` (the SQLite engine).
   */
  showOrders?: (showId: string) => Promise<readonly ShowOrderRecord[]>;
  /** A show's lineup (product ids in order), from the commerce catalog. Default: the SQLite engine's, as above. */
  lineupOf?: (showId: string) => readonly string[];
  /** A product's SKU prices (price-change detection); null when it is gone. */
  pricesOf?: (productId: string) => readonly number[] | null;
}

export class AnalyticsService {
  readonly store: AnalyticsStore;
  readonly buffer: WriteBuffer;
  readonly ingest: ViewerIngest;
  readonly showLog: ShowLogRecorder;
  private readonly clock: () => number;
  private readonly showOrders: (showId: string) => Promise<readonly ShowOrderRecord[]>;

  constructor(private readonly d: AnalyticsDeps) {
    this.clock = d.clock ?? Date.now;
    const sqlite =
      d.showOrders && d.lineupOf ? null : { orders: new SqliteOrderRepository(d.db), catalog: new SqliteCatalogRepository(d.db) };
    this.showOrders = d.showOrders ?? (async (id) => sqlite!.orders.showOrders(id));
    this.store = new AnalyticsStore(d.db, d.lineupOf ?? ((id) => sqlite!.catalog.getLineup(id)));
    this.buffer = new WriteBuffer(this.store, { ...DEFAULT_BUFFER, ...d.buffer }, d.log);
    const showLog = new ShowLogRecorder({
      store: this.store,
      buffer: this.buffer,
      shows: d.shows,
      clock: this.clock,
      pricesOf: d.pricesOf ?? (() => null),
    });
    this.showLog = showLog;
    this.ingest = new ViewerIngest(this.store, this.buffer, d.shows, this.clock, (showId) => showLog.explained(showId));
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
    this.buffer.flush();
    return computeShowMetrics({ show, now: this.clock(), ...this.store.viewerInput(showId), orders });
  }

  /** One row per explanation segment (README "Selling data"). Null for an unknown show. */
  async segments(showId: string): Promise<SegmentRow[] | null> {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    const orders = await this.orders(showId);
    this.buffer.flush();
    return explanationReport({
      show,
      now: this.clock(),
      events: this.store.viewerInput(showId).events,
      orders,
      log: this.store.showLog(showId),
      questions: this.store.questions(showId),
    });
  }

  /**
   * The explanation segments with their viewer figures only (order figures zero): what the replay's chapters need,
   * read without waiting for the commerce store. Null for an unknown show.
   */
  segmentSpans(showId: string): SegmentRow[] | null {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    this.buffer.flush();
    return explanationReport({
      show,
      now: this.clock(),
      events: this.store.viewerInput(showId).events,
      orders: [],
      log: this.store.showLog(showId),
      questions: this.store.questions(showId),
    });
  }

  /** The studio's live big screen: metrics, per-minute trend, markers, per-product totals. Null for an unknown show. */
  async screen(showId: string): Promise<SellingScreen | null> {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    const orders = await this.orders(showId);
    this.buffer.flush();
    return computeSellingScreen({
      show,
      now: this.clock(),
      ...this.store.viewerInput(showId),
      orders,
      log: this.store.showLog(showId),
      lineup: this.store.lineup(showId),
    });
  }

  /** The show's orders as the metrics take them (read before the buffer is flushed, so the flush and the reads that
   * follow it run in one turn and see the same rows). */
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
  log(showId: string): ShowLogEntry[] | null {
    if (!this.d.shows.get(showId)) return null;
    this.buffer.flush();
    return this.store.showLog(showId);
  }

  close(): void {
    this.buffer.close();
  }
}
