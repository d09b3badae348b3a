/**
 * The selling-data service: one write buffer shared by the show event log, viewer-event ingest and the engagement
 * counters, and the reads (metrics, the log) for the staff/studio API. Built by app.ts, which feeds it from the room's
 * overlay hook, the commerce core's and engagement's events and the realtime hub.
 */
import type { ShowLogEntry } from '../../../shared/analytics/events';
import { computeShowMetrics, minuteOf, type ShowMetrics } from '../../../shared/analytics/metrics';
import { computeSellingScreen, type SellingScreen } from '../../../shared/analytics/screen';
import { explanationReport, type SegmentRow } from '../../../shared/analytics/segments';
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
  /** A product's SKU prices (price-change detection); null when it is gone. */
  pricesOf?: (productId: string) => readonly number[] | null;
}

export class AnalyticsService {
  readonly store: AnalyticsStore;
  readonly buffer: WriteBuffer;
  readonly ingest: ViewerIngest;
  readonly showLog: ShowLogRecorder;
  private readonly clock: () => number;

  constructor(private readonly d: AnalyticsDeps) {
    this.clock = d.clock ?? Date.now;
    this.store = new AnalyticsStore(d.db);
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
  metrics(showId: string): ShowMetrics | null {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    this.buffer.flush();
    return computeShowMetrics({ show, now: this.clock(), ...this.store.metricsInput(showId) });
  }

  /** One row per explanation segment (README "Selling data"). Null for an unknown show. */
  segments(showId: string): SegmentRow[] | null {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    this.buffer.flush();
    const { events, orders } = this.store.metricsInput(showId);
    return explanationReport({
      show,
      now: this.clock(),
      events,
      orders,
      log: this.store.showLog(showId),
      questions: this.store.questions(showId),
    });
  }

  /** The studio's live big screen: metrics, per-minute trend, markers, per-product totals. Null for an unknown show. */
  screen(showId: string): SellingScreen | null {
    const show = this.d.shows.get(showId);
    if (!show) return null;
    this.buffer.flush();
    return computeSellingScreen({
      show,
      now: this.clock(),
      ...this.store.metricsInput(showId),
      log: this.store.showLog(showId),
      lineup: this.store.lineup(showId),
    });
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
