/**
 * The selling data on PostgreSQL (pg-migration 005), shared by every node of a cluster, so each show's metrics count
 * the viewers of every node. A flush is one transaction of a few statements whatever its size (arrays through
 * `unnest`). A show's log rows are appended under a transaction-scoped advisory lock on the show: the next `seq` is
 * read after the lock is held, so nodes appending to one show get consecutive, distinct seqs. Under the same lock a row
 * whose `key` the show's log already holds, or a price change the log's latest price of that product already tells,
 * is dropped (another node saw the same event). Viewer events are inserted once per (viewer, batch, seq) and only the
 * rows inserted are rolled up; roll-up rows are upserted in key order (two nodes' flushes never lock them crosswise).
 */
import type pg from 'pg';
import type { ShowLogEntry } from '../../../shared/analytics/events';
import { type MetricViewerEvent, minuteOf } from '../../../shared/analytics/metrics';
import { pgTransaction } from '../db/postgres';
import {
  type AnalyticsStore,
  type EngagementCount,
  engagementOf,
  MinuteRollUp,
  type MinuteRow,
  type ShowLogRow,
  type ViewerEventRow,
} from './store';

/** The advisory lock space of the show event log (two-key form: this, the show id's hash). */
const LOG_LOCK = 0x5343_4c47; // "SCLG"

const samePrices = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]);

export class PgAnalyticsStore implements AnalyticsStore {
  constructor(private readonly pool: pg.Pool) {}

  async writeAll(viewer: readonly ViewerEventRow[], log: readonly ShowLogRow[], engagement: readonly EngagementCount[]): Promise<number> {
    if (viewer.length === 0 && log.length === 0 && engagement.length === 0) return 0;
    return pgTransaction(this.pool, async (c) => {
      const byShow = new Map<string, ShowLogRow[]>();
      for (const l of log) byShow.set(l.showId, [...(byShow.get(l.showId) ?? []), l]);
      for (const showId of [...byShow.keys()].sort()) await this.appendLog(c, showId, byShow.get(showId)!);

      const roll = new MinuteRollUp();
      let fresh = 0;
      if (viewer.length > 0) {
        const { rows } = await c.query<{ show_id: string; mode: string; kind: string; at: number }>(
          `INSERT INTO viewer_events (viewer_id, batch_id, seq, show_id, mode, kind, at, product_id, buyer_id)
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[])
           ON CONFLICT DO NOTHING RETURNING show_id, mode, kind, at`,
          [
            viewer.map((e) => e.viewerId),
            viewer.map((e) => e.batchId),
            viewer.map((e) => e.seq),
            viewer.map((e) => e.showId),
            viewer.map((e) => e.mode),
            viewer.map((e) => e.kind),
            viewer.map((e) => e.at),
            viewer.map((e) => e.productId),
            viewer.map((e) => e.buyerId),
          ],
        );
        fresh = rows.length;
        for (const r of rows) roll.add(r.show_id, minuteOf(r.at), r.mode, r.kind, 1);
      }
      for (const g of engagement) roll.add(g.showId, g.minute, 'engagement', g.kind, g.count);
      if (roll.size > 0) {
        const up = roll.sorted();
        await c.query(
          `INSERT INTO show_minutes (show_id, minute, mode, kind, count)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[])
           ON CONFLICT (show_id, minute, mode, kind) DO UPDATE SET count = show_minutes.count + excluded.count`,
          [up.map((r) => r[0]), up.map((r) => r[1]), up.map((r) => r[2]), up.map((r) => r[3]), up.map((r) => r[4])],
        );
      }
      return fresh;
    });
  }

  /** One show's new log rows: lock the show's log, drop what it already holds, number the rest after its last seq. */
  private async appendLog(c: pg.PoolClient, showId: string, rows: readonly ShowLogRow[]): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [LOG_LOCK, showId]);
    const keys = rows.flatMap((r) => (r.key === null ? [] : [r.key]));
    const [head] = (
      await c.query<{ seq: number; keys: string[] }>(
        `SELECT (SELECT COALESCE(MAX(seq), 0) FROM show_event_log WHERE show_id = $1) AS seq,
                ARRAY(SELECT dedupe_key FROM show_event_log WHERE show_id = $1 AND dedupe_key = ANY($2::text[])) AS keys`,
        [showId, keys],
      )
    ).rows;
    const held = new Set(head!.keys);
    const priced = [...new Set(rows.flatMap((r) => (r.kind === 'price.changed' && r.productId !== null ? [r.productId] : [])))];
    const lastPrice = new Map<string, unknown>();
    if (priced.length > 0) {
      const { rows: last } = await c.query<{ product_id: string; prices: unknown }>(
        `SELECT DISTINCT ON (product_id) product_id, data->'priceMinor' AS prices FROM show_event_log
         WHERE show_id = $1 AND kind = 'price.changed' AND product_id = ANY($2::text[]) ORDER BY product_id, seq DESC`,
        [showId, priced],
      );
      for (const r of last) lastPrice.set(r.product_id, r.prices);
    }
    const keep: ShowLogRow[] = [];
    for (const r of rows) {
      if (r.key !== null) {
        if (held.has(r.key)) continue;
        held.add(r.key);
      }
      if (r.kind === 'price.changed' && r.productId !== null) {
        if (samePrices(lastPrice.get(r.productId), r.data.priceMinor)) continue;
        lastPrice.set(r.productId, r.data.priceMinor);
      }
      keep.push(r);
    }
    if (keep.length === 0) return;
    const seq0 = Number(head!.seq);
    await c.query(
      `INSERT INTO show_event_log (show_id, seq, kind, at, media_time, media_clock, product_id, data, dedupe_key)
       SELECT $1, s, k, a, m, mc, p, d::jsonb, dk
       FROM unnest($2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS t(s, k, a, m, mc, p, d, dk)`,
      [
        showId,
        keep.map((_, i) => seq0 + i + 1),
        keep.map((r) => r.kind),
        keep.map((r) => r.at),
        keep.map((r) => r.mediaTime),
        keep.map((r) => r.mediaClock),
        keep.map((r) => r.productId),
        keep.map((r) => JSON.stringify(r.data)),
        keep.map((r) => r.key),
      ],
    );
  }

  async viewerKnown(viewerId: string): Promise<boolean> {
    return (await this.pool.query('SELECT 1 FROM viewer_events WHERE viewer_id = $1 LIMIT 1', [viewerId])).rows.length > 0;
  }

  async batchKnown(viewerId: string, batchId: string): Promise<boolean> {
    return (
      (await this.pool.query('SELECT 1 FROM viewer_events WHERE viewer_id = $1 AND batch_id = $2 LIMIT 1', [viewerId, batchId])).rows
        .length > 0
    );
  }

  async explained(showId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ product_id: string }>(
      `SELECT DISTINCT product_id FROM show_event_log WHERE show_id = $1 AND kind = 'explain.start' AND product_id IS NOT NULL`,
      [showId],
    );
    return rows.map((r) => r.product_id);
  }

  async showLog(showId: string): Promise<ShowLogEntry[]> {
    const { rows } = await this.pool.query<ShowLogEntry>(
      `SELECT seq, kind, at, media_time AS "mediaTime", media_clock AS "mediaClock", product_id AS "productId", data
       FROM show_event_log WHERE show_id = $1 ORDER BY seq`,
      [showId],
    );
    return rows;
  }

  async viewerInput(showId: string) {
    const [events, minutes] = await Promise.all([
      this.pool.query<MetricViewerEvent>(
        `SELECT viewer_id AS "viewerId", kind, mode, at, product_id AS "productId", buyer_id AS "buyerId"
         FROM viewer_events WHERE show_id = $1`,
        [showId],
      ),
      this.minutes(showId),
    ]);
    return { events: events.rows, engagement: engagementOf(minutes) };
  }

  async minutes(showId: string): Promise<MinuteRow[]> {
    return (
      await this.pool.query<MinuteRow>('SELECT minute, mode, kind, count FROM show_minutes WHERE show_id = $1 ORDER BY minute', [showId])
    ).rows;
  }
}
