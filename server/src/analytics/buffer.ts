/**
 * The write buffer behind every analytics write: rows accumulate in memory and are stored every `flushMs` or, once
 * `maxRows` are waiting, on the next turn of the event loop, in transactions of at most `sliceRows` rows with the
 * event loop's queued work run between two, so the hot paths (viewer batches, the checkout's commerce events, the
 * viewer API) never wait for SQLite for long. Rows still waiting are written on close.
 */
import type { Logger } from '../log';
import type { AnalyticsStore, EngagementCount, ShowLogRow, ViewerEventRow } from './store';

export interface BufferOptions {
  flushMs: number;
  /** A flush starts (on the next turn of the event loop) once this many rows wait. */
  maxRows: number;
  /**
   * Rows one transaction stores at most (whole viewer batches: a batch of up to `maxEventsPerBatch` rows is never
   * split); a flush of more stores them in slices and yields to the event loop between two (`setImmediate`).
   */
  sliceRows: number;
}

/**
 * A write runs on the server's one thread and holds it for its whole transaction: bench:events on the shared 2-core
 * machine, 2000-row transactions held it 26 ms (p50), 250-row ones 2.5 ms. Smaller ones cost more CPU per row (each
 * commit rewrites the WAL pages it touched): ~10–12 µs per row at 100 rows, ~7 µs at 300. So a flush is one
 * transaction for the usual `maxRows`-and-a-batch, run off the request's stack once the event loop's current I/O is
 * answered; only a backlog (a stall, a slow disk) is split into `sliceRows` slices with the event loop's queued work
 * between them.
 */
export const DEFAULT_BUFFER: Readonly<BufferOptions> = Object.freeze({ flushMs: 1000, maxRows: 250, sliceRows: 500 });

/**
 * A flush yields after each slice while fewer than CATCH_UP × `maxRows` rows wait; beyond that it goes on in the same
 * turn (ingest outpacing one slice per turn). Beyond BACKLOG × `maxRows` waiting rows, a viewer batch is not queued
 * before they are stored (on its stack): memory stays bounded whatever the load.
 */
const CATCH_UP = 4;
const BACKLOG = 16;

interface PendingBatch {
  key: string;
  viewerId: string;
  rows: readonly ViewerEventRow[];
}

export class WriteBuffer {
  private batches: PendingBatch[] = [];
  private viewerRows = 0;
  private log: (ShowLogRow & { seq: number })[] = [];
  private engagement = new Map<string, EngagementCount>();
  /** `viewer\0batch` of batches waiting here (duplicate check before they reach the table). */
  private readonly pendingBatches = new Set<string>();
  /** Viewers with batches waiting here, and how many. */
  private readonly pendingViewers = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;
  private closed = false;
  /** Runs at the start of each flush (deferred work that produces rows, e.g. price comparisons). */
  beforeFlush: (() => void) | null = null;

  constructor(
    private readonly store: AnalyticsStore,
    private readonly opts: BufferOptions,
    private readonly logger: Logger,
  ) {}

  hasBatch(viewerId: string, batchId: string): boolean {
    return this.pendingBatches.has(`${viewerId}\u0000${batchId}`);
  }

  hasViewer(viewerId: string): boolean {
    return this.pendingViewers.has(viewerId);
  }

  addViewerEvents(viewerId: string, batchId: string, rows: readonly ViewerEventRow[]): void {
    const key = `${viewerId}\u0000${batchId}`;
    this.pendingBatches.add(key);
    this.pendingViewers.set(viewerId, (this.pendingViewers.get(viewerId) ?? 0) + 1);
    this.batches.push({ key, viewerId, rows });
    this.viewerRows += rows.length;
    this.schedule(true);
  }

  addLog(row: ShowLogRow & { seq: number }): void {
    this.log.push(row);
    this.schedule();
  }

  countEngagement(showId: string, minute: number, kind: EngagementCount['kind'], n: number): void {
    const key = `${showId}\u0000${minute}\u0000${kind}`;
    const c = this.engagement.get(key);
    if (c) c.count += n;
    else this.engagement.set(key, { showId, minute, kind, count: n });
    this.schedule();
  }

  private get size(): number {
    return this.viewerRows + this.log.length + this.engagement.size;
  }

  /**
   * Make sure a flush comes: in `flushMs`, or on the next turn once `maxRows` wait. Nothing is written on the caller's
   * stack (checkout events, overlay triggers, chat, viewer batches) unless viewer batches pile up beyond BACKLOG,
   * which are then stored before the batch is answered.
   */
  private schedule(viewerBatch = false): void {
    if (this.closed) {
      this.flush();
      return;
    }
    if (viewerBatch && this.size >= this.opts.maxRows * BACKLOG) {
      this.flush();
      return;
    }
    if (this.immediate) return;
    if (this.size >= this.opts.maxRows) {
      this.drainSoon();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drainSoon();
    }, this.opts.flushMs);
    this.timer.unref?.();
  }

  private drainSoon(): void {
    if (this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.drain(true);
    });
    this.immediate.unref?.();
  }

  /** Make sure a flush comes (deferred work is waiting). */
  poke(): void {
    this.schedule();
  }

  /** Store everything waiting now (reads, tests, close), in slices without yielding. */
  flush(): void {
    this.drain(false);
  }

  /**
   * Store waiting rows, a slice per transaction: all of them (`yieldBetween` false), or a slice and the rest on the
   * next turn (see CATCH_UP). A failed write is logged and its rows are kept for the next try (in `flushMs`).
   */
  private drain(yieldBetween: boolean): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    try {
      this.beforeFlush?.();
    } catch (err) {
      this.logger.error({ err }, 'analytics pre-flush step failed');
    }
    while (this.size > 0) {
      if (!this.writeSlice()) {
        this.retryLater();
        return;
      }
      if (yieldBetween && this.size > 0 && this.size < this.opts.maxRows * CATCH_UP) {
        this.drainSoon();
        return;
      }
    }
  }

  /** One transaction: whole viewer batches up to `sliceRows` rows, with every waiting log row and engagement count. */
  private writeSlice(): boolean {
    let n = 0;
    let rows = 0;
    while (n < this.batches.length && (n === 0 || rows + this.batches[n]!.rows.length <= this.opts.sliceRows)) {
      rows += this.batches[n]!.rows.length;
      n++;
    }
    const slice = this.batches.slice(0, n);
    const viewer: ViewerEventRow[] = [];
    for (const b of slice) for (const r of b.rows) viewer.push(r);
    const log = this.log;
    const engagement = [...this.engagement.values()];
    try {
      this.store.writeAll(viewer, log, engagement);
    } catch (err) {
      this.logger.error(
        { err, rows: viewer.length + log.length + engagement.length },
        'cannot store analytics rows; retrying at the next flush',
      );
      return false;
    }
    this.batches = n === this.batches.length ? [] : this.batches.slice(n);
    this.viewerRows -= rows;
    this.log = [];
    this.engagement = new Map();
    for (const b of slice) {
      this.pendingBatches.delete(b.key);
      const left = (this.pendingViewers.get(b.viewerId) ?? 1) - 1;
      if (left > 0) this.pendingViewers.set(b.viewerId, left);
      else this.pendingViewers.delete(b.viewerId);
    }
    return true;
  }

  private retryLater(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drain(true);
    }, this.opts.flushMs);
    this.timer.unref?.();
  }

  close(): void {
    this.closed = true;
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
