/**
 * The Data tab's live big screen: polls `GET /api/analytics/shows/:id/screen` about once a second while the tab is
 * open, the window is visible and the open show is live, and writes the reply into the store's `selling` slice.
 * Once the show is not live (ready or ended) one read shows its numbers and polling stops. Polls never overlap: the
 * next starts a second after the previous one started, or when it ends if it took longer.
 */
import type { SellingScreen } from '../../../shared/analytics/screen';
import type { StudioState, StudioStore } from '../store';

export interface SellingScreenApi {
  sellingScreen(showId: string): Promise<SellingScreen>;
}

/** Whether the page is visible, and a way to hear when that changes (document.visibilityState in the browser). */
export interface PageVisibility {
  visible(): boolean;
  onChange(cb: () => void): () => void;
}

export const SELLING_POLL_MS = 1000;

export const documentVisibility: PageVisibility = {
  visible: () => document.visibilityState === 'visible',
  onChange: (cb) => {
    document.addEventListener('visibilitychange', cb);
    return () => document.removeEventListener('visibilitychange', cb);
  },
};

export interface SellingScreenOptions {
  visibility?: PageVisibility;
  intervalMs?: number;
  now?: () => number;
}

/** The show to read, and whether to keep reading it every second. */
function wanted(s: StudioState, visible: boolean): { showId: string; live: boolean } | null {
  const show = s.publish.show;
  if (s.tab !== 'data' || !visible || !show) return null;
  return { showId: show.id, live: show.status === 'live' };
}

export class SellingScreenController {
  private readonly visibility: PageVisibility;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight = false;
  /** Key of the target last read once (a show that is not live is read once per (show, status, visit)). */
  private readOnce: string | null = null;
  private unsubs: (() => void)[] = [];

  constructor(
    private readonly store: StudioStore,
    private readonly api: SellingScreenApi,
    opts: SellingScreenOptions = {},
  ) {
    this.visibility = opts.visibility ?? documentVisibility;
    this.intervalMs = opts.intervalMs ?? SELLING_POLL_MS;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.unsubs.length) return;
    let last = this.key();
    this.unsubs.push(
      this.store.subscribe(() => {
        const k = this.key();
        if (k === last) return;
        last = k;
        this.evaluate();
      }),
      this.visibility.onChange(() => {
        last = this.key();
        this.evaluate();
      }),
    );
    this.evaluate();
  }

  stop(): void {
    for (const u of this.unsubs) u();
    this.unsubs = [];
    this.clearTimer();
  }

  /** What decides polling: tab, visibility, show and its status. */
  private key(): string {
    const s = this.store.getState();
    const w = wanted(s, this.visibility.visible());
    return w ? `${w.showId}:${w.live ? 'live' : (s.publish.show?.status ?? '')}` : '';
  }

  private evaluate(): void {
    const k = this.key();
    if (!k) {
      this.readOnce = null;
      this.clearTimer();
      return;
    }
    if (this.inFlight || this.timer) return;
    void this.poll();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    this.timer = null;
    const target = wanted(this.store.getState(), this.visibility.visible());
    if (!target) return;
    const k = this.key();
    if (!target.live && this.readOnce === k) return;
    this.inFlight = true;
    const started = this.now();
    const { showId } = target;
    this.store.setState((s) => ({
      selling:
        s.selling.showId === showId
          ? { ...s.selling, status: s.selling.data ? s.selling.status : 'loading' }
          : {
              ...s.selling,
              showId,
              data: null,
              status: 'loading',
              error: null,
            },
    }));
    try {
      const data = await this.api.sellingScreen(showId);
      if (this.store.getState().selling.showId === showId)
        this.store.setState((s) => ({ selling: { ...s.selling, data, status: 'ready', error: null } }));
    } catch (err) {
      if (this.store.getState().selling.showId === showId)
        this.store.setState((s) => ({
          selling: { ...s.selling, status: 'error', error: err instanceof Error ? err.message : String(err) },
        }));
    } finally {
      this.inFlight = false;
    }
    if (!target.live) this.readOnce = k;
    if (!this.unsubs.length) return;
    const next = wanted(this.store.getState(), this.visibility.visible());
    if (!next) return;
    if (next.live) this.timer = setTimeout(() => void this.poll(), Math.max(0, this.intervalMs - (this.now() - started)));
    else if (this.key() !== k) void this.poll();
  }
}
