/**
 * SQLite side of the selling data (migrations 007–009, 013): the append-only show event log, raw viewer events and their
 * per-minute roll-up, and the reads the metrics need from them. A show's orders are read from the commerce store
 * (either engine) by the service.
 */
import type { Database } from 'better-sqlite3';
import type { ShowEventKind, ShowLogEntry, ViewerEventKind } from '../../../shared/analytics/events';
import { type MetricViewerEvent, type MetricsInput, minuteOf } from '../../../shared/analytics/metrics';
import type { SegmentQuestion } from '../../../shared/analytics/segments';

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
}

export type EngagementKind = 'like' | 'chat' | 'follow';

export class AnalyticsStore {
  private readonly s;
  /** Store a batch of rows and their roll-up in one transaction; returns how many viewer events were new. */
  readonly writeAll: (
    viewer: readonly ViewerEventRow[],
    log: readonly (ShowLogRow & { seq: number })[],
    engagement: readonly EngagementCount[],
  ) => number;

  /** `lineupOf`: a show's lineup, from the commerce catalog (either engine). */
  constructor(
    db: Database,
    private readonly lineupOf: (showId: string) => readonly string[],
  ) {
    this.s = {
      // Positional parameters: binding named ones from an object cost ~30 % more CPU per row on the ingest's hot path.
      insertEvent: db.prepare(
        `INSERT OR IGNORE INTO viewer_events (viewer_id, batch_id, seq, show_id, mode, kind, at, product_id, buyer_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      bumpMinute: db.prepare(
        `INSERT INTO show_minutes (show_id, minute, mode, kind, count) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (show_id, minute, mode, kind) DO UPDATE SET count = count + excluded.count`,
      ),
      insertLog: db.prepare(
        `INSERT INTO show_event_log (show_id, seq, kind, at, media_time, media_clock, product_id, data)
         VALUES (@showId, @seq, @kind, @at, @mediaTime, @mediaClock, @productId, @data)`,
      ),
      lastSeq: db.prepare(`SELECT COALESCE(MAX(seq), 0) AS seq FROM show_event_log WHERE show_id = ?`).pluck(),
      viewerKnown: db.prepare(`SELECT 1 FROM viewer_events WHERE viewer_id = ? LIMIT 1`).pluck(),
      batchKnown: db.prepare(`SELECT 1 FROM viewer_events WHERE viewer_id = ? AND batch_id = ? LIMIT 1`).pluck(),
      explained: db
        .prepare(`SELECT DISTINCT product_id FROM show_event_log WHERE show_id = ? AND kind = 'explain.start' AND product_id IS NOT NULL`)
        .pluck(),
      log: db.prepare(
        `SELECT seq, kind, at, media_time AS mediaTime, media_clock AS mediaClock, product_id AS productId, data
         FROM show_event_log WHERE show_id = ? ORDER BY seq`,
      ),
      events: db.prepare(
        `SELECT viewer_id AS viewerId, kind, mode, at, product_id AS productId, buyer_id AS buyerId
         FROM viewer_events WHERE show_id = ?`,
      ),
      minutes: db.prepare(`SELECT minute, mode, kind, count FROM show_minutes WHERE show_id = ? ORDER BY minute`),
      questions: db.prepare(`SELECT created_at AS createdAt, answered_at AS answeredAt FROM realtime_questions WHERE show_id = ?`),
    };
    this.writeAll = db.transaction((viewer, log, engagement) => {
      let fresh = 0;
      const roll = new Map<string, [string, number, string, string, number]>();
      const bump = (showId: string, minute: number, mode: string, kind: string, n: number) => {
        const key = `${showId}\u0000${minute}\u0000${mode}\u0000${kind}`;
        const r = roll.get(key);
        if (r) r[4] += n;
        else roll.set(key, [showId, minute, mode, kind, n]);
      };
      for (const e of viewer) {
        if (this.s.insertEvent.run(e.viewerId, e.batchId, e.seq, e.showId, e.mode, e.kind, e.at, e.productId, e.buyerId).changes === 0)
          continue;
        fresh++;
        bump(e.showId, minuteOf(e.at), e.mode, e.kind, 1);
      }
      for (const l of log) this.s.insertLog.run({ ...l, data: JSON.stringify(l.data) });
      for (const g of engagement) bump(g.showId, g.minute, 'engagement', g.kind, g.count);
      for (const r of roll.values()) this.s.bumpMinute.run(...r);
      return fresh;
    });
  }

  lastLogSeq(showId: string): number {
    return this.s.lastSeq.get(showId) as number;
  }

  viewerKnown(viewerId: string): boolean {
    return this.s.viewerKnown.get(viewerId) !== undefined;
  }

  batchKnown(viewerId: string, batchId: string): boolean {
    return this.s.batchKnown.get(viewerId, batchId) !== undefined;
  }

  lineup(showId: string): string[] {
    return [...this.lineupOf(showId)];
  }

  /** Products the show has explained (pinned) so far. */
  explained(showId: string): string[] {
    return this.s.explained.all(showId) as string[];
  }

  showLog(showId: string): ShowLogEntry[] {
    return (this.s.log.all(showId) as (Omit<ShowLogEntry, 'data'> & { data: string })[]).map((r) => ({
      ...r,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  /** The viewer events and engagement counts of a show (the metrics' inputs kept on this node; orders are commerce's). */
  viewerInput(showId: string): Pick<MetricsInput, 'events' | 'engagement'> {
    const engagement = (this.s.minutes.all(showId) as { minute: number; mode: string; kind: string; count: number }[])
      .filter((m) => m.mode === 'engagement')
      .map((m) => ({ minute: m.minute, kind: m.kind as EngagementKind, count: m.count }));
    return { events: this.s.events.all(showId) as MetricViewerEvent[], engagement };
  }

  /** The show's viewer questions (asked / answered times). */
  questions(showId: string): SegmentQuestion[] {
    return this.s.questions.all(showId) as SegmentQuestion[];
  }

  /** The per-minute roll-up of a show (dashboards' time series). */
  minutes(showId: string): { minute: number; mode: string; kind: string; count: number }[] {
    return this.s.minutes.all(showId) as { minute: number; mode: string; kind: string; count: number }[];
  }
}

export interface EngagementCount {
  showId: string;
  minute: number;
  kind: EngagementKind;
  count: number;
}
