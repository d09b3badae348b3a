/**
 * The write buffer behind every analytics write: rows accumulate in memory and are stored in one transaction every
 * `flushMs` or once `maxRows` are waiting, so the hot paths (viewer batches, the checkout's commerce events) never
 * wait for SQLite. Rows still waiting are written on close.
 */
import type { Logger } from '../log';
import type { AnalyticsStore, EngagementCount, ShowLogRow, ViewerEventRow } from './store';

export interface BufferOptions {
  flushMs: number;
  maxRows: number;
}

/**
 * A flush runs on the server's one thread and holds it for its whole transaction, so `maxRows` bounds the stall a flood
 * of viewer events adds to everything else (checkout, viewer API). bench:events on the shared 2-core machine: 2000-row
 * flushes held it 26 ms (p50), 250-row ones 2.5 ms, for ~2 µs more CPU per row in commits (WAL, synchronous = NORMAL).
 */
export const DEFAULT_BUFFER: Readonly<BufferOptions> = Object.freeze({ flushMs: 1000, maxRows: 250 });

export class WriteBuffer {
  private viewer: ViewerEventRow[] = [];
  private log: (ShowLogRow & { seq: number })[] = [];
  private engagement = new Map<string, EngagementCount>();
  /** `viewer\0batch` of batches waiting here (duplicate check before they reach the table). */
  private readonly pendingBatches = new Set<string>();
  private readonly pendingViewers = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
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
    this.pendingBatches.add(`${viewerId}\u0000${batchId}`);
    this.pendingViewers.add(viewerId);
    for (const r of rows) this.viewer.push(r);
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
    return this.viewer.length + this.log.length + this.engagement.size;
  }

  /**
   * Make sure a flush comes. Only viewer batches (`inline`) may flush on the caller's stack when the buffer is full;
   * the others (checkout events, overlay triggers, chat) never wait for SQLite: a full buffer flushes on the next turn.
   */
  private schedule(inline = false): void {
    if (this.closed) {
      this.flush();
      return;
    }
    const full = this.size >= this.opts.maxRows;
    if (full && inline) {
      this.flush();
      return;
    }
    if (this.timer && !full) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.flush();
      },
      full ? 0 : this.opts.flushMs,
    );
    this.timer.unref?.();
  }

  /** Make sure a flush comes (deferred work is waiting). */
  poke(): void {
    this.schedule();
  }

  /** Store everything waiting in one transaction. A failed write is logged and its rows are kept for the next try. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    try {
      this.beforeFlush?.();
    } catch (err) {
      this.logger.error({ err }, 'analytics pre-flush step failed');
    }
    if (this.size === 0) return;
    const viewer = this.viewer;
    const log = this.log;
    const engagement = [...this.engagement.values()];
    try {
      this.store.writeAll(viewer, log, engagement);
    } catch (err) {
      this.logger.error({ err, rows: this.size }, 'cannot store analytics rows; retrying at the next flush');
      if (!this.closed && !this.timer) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.flush();
        }, this.opts.flushMs);
        this.timer.unref?.();
      }
      return;
    }
    this.viewer = [];
    this.log = [];
    this.engagement = new Map();
    this.pendingBatches.clear();
    this.pendingViewers.clear();
  }

  close(): void {
    this.closed = true;
    this.flush();
  }
}
