/**
 * Viewer events in: checks one batch from `POST /api/events` and queues its rows. Everything here is in memory except
 * two indexed look-ups (is this viewer / batch already stored?), so a flood of batches never queues behind the store's
 * writes, and the checkout never waits for them.
 *
 * - Forged viewer ids: a viewer id belongs to the device that first used it, which holds it in a signed cookie; a
 *   batch for an id that cookie does not carry is FORBIDDEN.
 * - Replayed or duplicated batches: (viewer, batch, seq) is the stored key and known batches are answered as
 *   duplicates, so a batch counts once however often it arrives.
 * - Unknown shows NOT_FOUND; live events for an ended show and replay events for an unfinished one BAD_STATE;
 *   products neither in the show's lineup nor pinned in it BAD_REQUEST; more than `maxEventsPerBatch` TOO_LARGE.
 * - Client clocks: times are shifted by the batch's own skew (`sentAt` against the server clock) and clamped into
 *   [now − maxClockSkewMs, now].
 */
import {
  ANALYTICS_LIMITS,
  PRODUCT_EVENT_KINDS,
  type ViewerEventBatch,
  type ViewerEventBatchResult,
} from '../../../shared/analytics/events';
import type { ShowRepository } from '../db/shows';
import type { WriteBuffer } from './buffer';
import type { AnalyticsStore, ViewerEventRow } from './store';

/** Products a show has pinned: as this node knows them, and noting what the stored (maybe shared) log adds. */
export interface ExplainedProducts {
  known(showId: string): Promise<ReadonlySet<string>>;
  note(showId: string, productIds: readonly string[]): void;
  /** A live show whose viewers this node serves. */
  meet(showId: string): void;
}

export type AnalyticsErrorCode = 'BAD_REQUEST' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_STATE' | 'TOO_LARGE';

const STATUS: Record<AnalyticsErrorCode, number> = { BAD_REQUEST: 400, FORBIDDEN: 403, NOT_FOUND: 404, BAD_STATE: 409, TOO_LARGE: 413 };

export class AnalyticsError extends Error {
  readonly status: number;
  constructor(
    readonly code: AnalyticsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AnalyticsError';
    this.status = STATUS[code];
  }
}

/** Who sent the batch, as far as the request tells. */
export interface BatchSender {
  /** The viewer id in the sender's verified viewer cookie, if it has one. */
  cookieViewerId: string | null;
  /** The sender's guest buyer session, if any (joins its events to its orders). */
  buyerId: string | null;
}

const LINEUP_TTL_MS = 10_000;
const LINEUP_RECHECK_MS = 1000;

export class ViewerIngest {
  private readonly lineups = new Map<string, { ids: Set<string>; at: number }>();
  /** When each show's explained products were last read from the store. */
  private readonly explainedRead = new Map<string, number>();

  constructor(
    private readonly store: AnalyticsStore,
    private readonly buffer: WriteBuffer,
    private readonly shows: ShowRepository,
    private readonly clock: () => number,
    /** Products the show has pinned so far (a show may pin catalog products outside its lineup). */
    private readonly explained: ExplainedProducts,
    private readonly lineupOf: (showId: string) => readonly string[],
  ) {}

  /** Check and queue a batch; rejects with AnalyticsError for anything refused (nothing is queued then). */
  async accept(batch: ViewerEventBatch, sender: BatchSender): Promise<ViewerEventBatchResult> {
    if (batch.events.length > ANALYTICS_LIMITS.maxEventsPerBatch) {
      throw new AnalyticsError('TOO_LARGE', `at most ${ANALYTICS_LIMITS.maxEventsPerBatch} events per batch`);
    }
    const show = this.shows.get(batch.showId);
    if (!show) throw new AnalyticsError('NOT_FOUND', 'no such show');
    if (batch.mode === 'live' && show.status === 'ended') throw new AnalyticsError('BAD_STATE', 'the show has ended');
    if (batch.mode === 'replay' && show.status !== 'ended') throw new AnalyticsError('BAD_STATE', 'the show has no replay yet');
    if (batch.mode === 'live') this.explained.meet(batch.showId);
    const { viewerId, batchId } = batch;
    if (sender.cookieViewerId !== null) {
      if (sender.cookieViewerId !== viewerId) throw new AnalyticsError('FORBIDDEN', 'these events are for another viewer');
    } else if (this.buffer.hasViewer(viewerId) || (await this.store.viewerKnown(viewerId))) {
      throw new AnalyticsError('FORBIDDEN', 'this viewer id belongs to another device');
    }
    if (this.buffer.hasBatch(viewerId, batchId) || (await this.store.batchKnown(viewerId, batchId))) {
      return { accepted: 0, duplicate: true, clamped: 0 };
    }
    const seen = new Set<number>();
    for (const e of batch.events) {
      if (seen.has(e.seq)) throw new AnalyticsError('BAD_REQUEST', `event seq ${e.seq} appears twice in the batch`);
      seen.add(e.seq);
      if (!PRODUCT_EVENT_KINDS.has(e.kind)) continue;
      if (e.productId === undefined) throw new AnalyticsError('BAD_REQUEST', `a ${e.kind} event needs a productId`);
      if (!this.lineup(batch.showId, e.productId).has(e.productId) && !(await this.pinned(batch.showId, e.productId))) {
        throw new AnalyticsError('BAD_REQUEST', `product ${e.productId} is not in this show`);
      }
    }
    // The same batch may have come in again while the look-ups above waited.
    if (this.buffer.hasBatch(viewerId, batchId)) return { accepted: 0, duplicate: true, clamped: 0 };
    const now = this.clock();
    const skew = now - batch.sentAt;
    const earliest = now - ANALYTICS_LIMITS.maxClockSkewMs;
    let clamped = 0;
    const rows: ViewerEventRow[] = batch.events.map((e) => {
      const shifted = e.at + skew;
      const at = Math.min(now, Math.max(earliest, shifted));
      if (at !== shifted) clamped++;
      return {
        viewerId,
        batchId,
        seq: e.seq,
        showId: batch.showId,
        mode: batch.mode,
        kind: e.kind,
        at,
        productId: PRODUCT_EVENT_KINDS.has(e.kind) ? (e.productId ?? null) : null,
        buyerId: sender.buyerId,
      };
    });
    await this.buffer.addViewerEvents(viewerId, batchId, rows);
    return { accepted: rows.length, duplicate: false, clamped };
  }

  /**
   * Has the show pinned this product? As this node knows, or else as the stored log tells (with a shared store, the
   * studio's node logs the pins: read again at most once a second per show).
   */
  private async pinned(showId: string, productId: string): Promise<boolean> {
    if ((await this.explained.known(showId)).has(productId)) return true;
    const now = this.clock();
    if (now - (this.explainedRead.get(showId) ?? Number.NEGATIVE_INFINITY) < LINEUP_RECHECK_MS) return false;
    this.explainedRead.set(showId, now);
    if (this.explainedRead.size > 1000) this.explainedRead.delete(this.explainedRead.keys().next().value as string);
    const stored = await this.store.explained(showId);
    this.explained.note(showId, stored);
    return stored.includes(productId);
  }

  /** The show's lineup, cached; a product missing from a copy older than a second is looked up again (just added). */
  private lineup(showId: string, productId: string): Set<string> {
    const now = this.clock();
    const cached = this.lineups.get(showId);
    if (cached && now - cached.at < LINEUP_TTL_MS && (cached.ids.has(productId) || now - cached.at < LINEUP_RECHECK_MS)) return cached.ids;
    const ids = new Set(this.lineupOf(showId));
    this.lineups.set(showId, { ids, at: now });
    if (this.lineups.size > 1000) this.lineups.delete(this.lineups.keys().next().value as string);
    return ids;
  }
}
