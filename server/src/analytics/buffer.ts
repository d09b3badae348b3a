/**
 * The write buffer behind every analytics write: rows accumulate in memory and are stored every `flushMs` or, once
 * `maxRows` are waiting, on the next turn of the event loop, in transactions of at most `sliceRows` rows with the
 * event loop's queued work run between two, so the hot paths (viewer batches, the checkout's commerce events, the
 * viewer API) never wait for the store (SQLite or PostgreSQL) for long. One write runs at a time; rows added meanwhile
 * wait for the next. Rows still waiting are written on close.
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
 * turn (ingest outpacing one slice per turn). Beyond BACKLOG × `maxRows` waiting rows, a viewer batch is not answered
 * before they are stored: memory stays bounded whatever the load.
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
  private log: ShowLogRow[] = [];
  private engagement = new Map<string, EngagementCount>();
  /** `viewer\0batch` of batches waiting here or being written (duplicate check before they reach the table). */
  private readonly pendingBatches = new Set<string>();
  /** Viewers with batches waiting here or being written, and how many. */
  private readonly pendingViewers = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;
  /** The drains, one after another (a write is never started while another runs). */
  private chain: Promise<void> = Promise.resolve();
  private readonly pending = new Set<Promise<unknown>>();
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

  /** Queue a viewer batch. Beyond the backlog mark, the returned promise settles once the waiting rows are stored. */
  addViewerEvents(viewerId: string, batchId: string, rows: readonly ViewerEventRow[]): Promise<void> | undefined {
    const key = `${viewerId}\u0000${batchId}`;
    this.pendingBatches.add(key);
    this.pendingViewers.set(viewerId, (this.pendingViewers.get(viewerId) ?? 0) + 1);
    this.batches.push({ key, viewerId, rows });
    this.viewerRows += rows.length;
    return this.schedule(true);
  }

  addLog(row: ShowLogRow): void {
    this.log.push(row);
    void this.schedule();
  }

  countEngagement(showId: string, minute: number, kind: EngagementCount['kind'], n: number): void {
    const key = `${showId}\u0000${minute}\u0000${kind}`;
    const c = this.engagement.get(key);
    if (c) c.count += n;
    else this.engagement.set(key, { showId, minute, kind, count: n });
    void this.schedule();
  }

  private get size(): number {
    return this.viewerRows + this.log.length + this.engagement.size;
  }

  /**
   * Make sure a flush comes: in `flushMs`, or on the next turn once `maxRows` wait. Nothing is written on the caller's
   * stack (checkout events, overlay triggers, chat, viewer batches); viewer batches piling up beyond BACKLOG are
   * stored before the batch is answered (the promise returned).
   */
  private schedule(viewerBatch = false): Promise<void> | undefined {
    if (this.closed) return this.flush();
    if (viewerBatch && this.size >= this.opts.maxRows * BACKLOG) return this.flush();
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
      void this.enqueue(true);
    });
    this.immediate.unref?.();
  }

  /** Make sure a flush comes (deferred work is waiting). */
  poke(): void {
    void this.schedule();
  }

  /**
   * Work that will add rows soon (a show's log state being read while its events wait): a flush waits for it first,
   * so a read after an event sees it.
   */
  await(work: Promise<unknown>): void {
    const p: Promise<unknown> = work.then(
      () => this.pending.delete(p),
      () => this.pending.delete(p),
    );
    this.pending.add(p);
  }

  /** Store everything waiting now (reads, tests, close), in slices without yielding; settles when it is stored. */
  async flush(): Promise<void> {
    if (this.pending.size > 0) await Promise.all(this.pending);
    return this.enqueue(false);
  }

  private enqueue(yieldBetween: boolean): Promise<void> {
    this.chain = this.chain.then(() => this.drain(yieldBetween));
    return this.chain;
  }

  /**
   * Store waiting rows, a slice per transaction: all of them (`yieldBetween` false), or a slice and the rest on the
   * next turn (see CATCH_UP). A failed write is logged and its rows are kept for the next try (in `flushMs`). Never
   * rejects.
   */
  private async drain(yieldBetween: boolean): Promise<void> {
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
      if (!(await this.writeSlice())) {
        this.retryLater();
        return;
      }
      if (yieldBetween && this.size > 0 && this.size < this.opts.maxRows * CATCH_UP) {
        this.drainSoon();
        return;
      }
    }
  }

  /**
   * One transaction: whole viewer batches up to `sliceRows` rows, with every waiting log row and engagement count.
   * The slice leaves the queues while it is written (rows added meanwhile wait for the next) and goes back to their
   * front if the write fails.
   */
  private async writeSlice(): Promise<boolean> {
    let n = 0;
    let rows = 0;
    while (n < this.batches.length && (n === 0 || rows + this.batches[n]!.rows.length <= this.opts.sliceRows)) {
      rows += this.batches[n]!.rows.length;
      n++;
    }
    const slice = this.batches.splice(0, n);
    this.viewerRows -= rows;
    const viewer: ViewerEventRow[] = [];
    for (const b of slice) for (const r of b.rows) viewer.push(r);
    const log = this.log;
    const engagement = this.engagement;
    this.log = [];
    this.engagement = new Map();
    try {
      await this.store.writeAll(viewer, log, [...engagement.values()]);
    } catch (err) {
      this.logger.error(
        { err, rows: viewer.length + log.length + engagement.size },
        'cannot store analytics rows; retrying at the next flush',
      );
      this.batches.unshift(...slice);
      this.viewerRows += rows;
      this.log = log.concat(this.log);
      for (const [key, c] of this.engagement) {
        const before = engagement.get(key);
        if (before) before.count += c.count;
        else engagement.set(key, c);
      }
      this.engagement = engagement;
      return false;
    }
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
      void this.enqueue(true);
    }, this.opts.flushMs);
    this.timer.unref?.();
  }

  /** Store what waits (a failed write is not retried after this). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
