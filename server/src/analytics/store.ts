/**
 * What the selling data keeps, behind one asynchronous seam: the append-only show event log, raw viewer events and
 * their per-minute roll-up. Two engines: the node's SQLite file (migrations 007–009, 013; ./store-sqlite.ts) or, with
 * DATABASE_URL, PostgreSQL shared by every node of a cluster (pg-migration 005; ./store-postgres.ts), so each node's
 * viewers, clicks and watch time land in one place. A show's orders, lineup and questions are read elsewhere (the
 * commerce and realtime stores, either engine) by the service.
 *
 * The log's `seq` is given by the store when the row is stored (the next of its show, no gaps), never by the node
 * that saw the event, so nodes appending to one show cannot collide. A row with a `key` is stored once per show
 * whichever nodes append it; a viewer event is stored once per (viewer, batch, seq), and only stored ones are rolled up.
 */
import type { ShowEventKind, ShowLogEntry, ViewerEventKind } from '../../../shared/analytics/events';
import type { MetricsInput } from '../../../shared/analytics/metrics';

export interface ViewerEventRow {
  viewerId: string;
  batchId: string;
  seq: number;
  showId: string;
  mode: 'live' | 'replay';
  kind: ViewerEventKind;
  at: number;
  productId: string | null;
  buyerId: string | null;
}

export interface ShowLogRow {
  showId: string;
  kind: ShowEventKind;
  at: number;
  mediaTime: number;
  mediaClock: ShowLogEntry['mediaClock'];
  productId: string | null;
  data: Record<string, unknown>;
  /**
   * The event's identity (a trigger's, a sale's, a coupon's id): a second row with the same key in the same show is
   * dropped (another node saw the same event). Null: no identity (every such row is stored).
   */
  key: string | null;
}

export type EngagementKind = 'like' | 'chat' | 'follow';

export interface EngagementCount {
  showId: string;
  minute: number;
  kind: EngagementKind;
  count: number;
}

export interface MinuteRow {
  minute: number;
  mode: string;
  kind: string;
  count: number;
}

export interface AnalyticsStore {
  /**
   * Store a batch of rows and their roll-up in one transaction; returns how many viewer events were new. Log rows get
   * the next `seq`s of their show in the order given.
   */
  writeAll(viewer: readonly ViewerEventRow[], log: readonly ShowLogRow[], engagement: readonly EngagementCount[]): Promise<number>;
  /** Has this viewer id stored any event (it belongs to a device)? */
  viewerKnown(viewerId: string): Promise<boolean>;
  batchKnown(viewerId: string, batchId: string): Promise<boolean>;
  /** Products the show has explained (pinned) so far. */
  explained(showId: string): Promise<string[]>;
  /** The show's event log, oldest first. */
  showLog(showId: string): Promise<ShowLogEntry[]>;
  /** The viewer events and engagement counts of a show (the metrics' inputs kept here; orders are commerce's). */
  viewerInput(showId: string): Promise<Pick<MetricsInput, 'events' | 'engagement'>>;
  /** The per-minute roll-up of a show (dashboards' time series). */
  minutes(showId: string): Promise<MinuteRow[]>;
}

/** The engagement counts among a show's per-minute rows. */
export function engagementOf(minutes: readonly MinuteRow[]): MetricsInput['engagement'] {
  return minutes.filter((m) => m.mode === 'engagement').map((m) => ({ minute: m.minute, kind: m.kind as EngagementKind, count: m.count }));
}

/** A per-minute roll-up row: show, minute, mode, kind, count. */
export type RollUpRow = [showId: string, minute: number, mode: string, kind: string, count: number];

/** The per-minute counts a write adds, summed per (show, minute, mode, kind) before they are stored. */
export class MinuteRollUp {
  private readonly rows = new Map<string, RollUpRow>();

  add(showId: string, minute: number, mode: string, kind: string, n: number): void {
    const key = `${showId}\u0000${minute}\u0000${mode}\u0000${kind}`;
    const r = this.rows.get(key);
    if (r) r[4] += n;
    else this.rows.set(key, [showId, minute, mode, kind, n]);
  }

  get size(): number {
    return this.rows.size;
  }

  /** The rows, in key order (writers that lock them take them in one order). */
  sorted(): RollUpRow[] {
    return [...this.rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  }

  values(): IterableIterator<RollUpRow> {
    return this.rows.values();
  }
}
