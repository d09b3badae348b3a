/**
 * Viewer events for the selling data (contract: shared/analytics/events.ts, `POST /api/events`). Started with the
 * rest of the UI, after the first picture (never on the join path). Product events are read from the store, not
 * from components: opening a card's details or its buy sheet is a click, a cart line grown from the buy sheet is an
 * add-to-cart, the checkout sheet opening is a checkout start; impressions come from `analytics-impressions.ts`.
 *
 * Events are queued and sent in batches every `flushMs` (each with an `alive`, so a page that dies without `leave`
 * still has its watch time), and with `navigator.sendBeacon` when the page is hidden. A batch keeps its id when it is
 * resent after a network failure, so the server counts it once; a refused batch (4xx) is dropped.
 */
import { ANALYTICS_LIMITS, type ViewerEventKind } from '../../../shared/analytics/events';
import { deviceIdFrom, randomId } from '../../ui/realtime/connection';
import type { ViewerState, ViewerStore } from '../store';
import { ImpressionWatcher } from './analytics-impressions';

export const EVENTS_PATH = '/api/events';
const DEFAULT_FLUSH_MS = 30_000;
/** Events waiting beyond this are dropped (a page offline for long); batches waiting for a resend likewise. */
const MAX_QUEUED = 1000;
const MAX_RETRY_BATCHES = 5;

export type SendResult = 'ok' | 'retry' | 'drop';

export interface AnalyticsTransport {
  /** `final`: the page is going away (use a beacon, nothing waits for the answer). */
  send(body: string, final: boolean): Promise<SendResult>;
}

/** fetch (keepalive) normally, sendBeacon when the page is leaving. */
export function httpTransport(url = EVENTS_PATH): AnalyticsTransport {
  return {
    send(body, final) {
      // A string body goes as text/plain, which the server accepts (no preflight, works from unload).
      if (final && typeof navigator !== 'undefined' && navigator.sendBeacon?.(url, body)) return Promise.resolve('ok');
      return fetch(url, {
        method: 'POST',
        body,
        keepalive: true,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
      }).then(
        (r) => (r.ok ? 'ok' : r.status === 429 || r.status >= 500 ? 'retry' : 'drop'),
        () => 'retry' as const,
      );
    },
  };
}

interface Queued {
  kind: ViewerEventKind;
  at: number;
  productId?: string;
}

interface Batch {
  batchId: string;
  events: Queued[];
}

export interface AnalyticsOptions {
  store: ViewerStore;
  showId: string;
  /** The device id (the realtime hello's). */
  viewerId: string;
  mode?: 'live' | 'replay';
  transport?: AnalyticsTransport;
  now?: () => number;
  flushMs?: number;
  randomId: () => string;
}

export class AnalyticsReporter {
  private queue: Queued[] = [];
  private retry: Batch[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private lastBuyProduct: string | null = null;
  /** Products seen pinned on this page (they count as the show's even outside its lineup). */
  private readonly pinnedSeen = new Set<string>();
  private inflight: Promise<void> | null = null;
  private stopped = false;
  private readonly now: () => number;
  private readonly transport: AnalyticsTransport;

  constructor(private readonly opts: AnalyticsOptions) {
    this.now = opts.now ?? Date.now;
    this.transport = opts.transport ?? httpTransport();
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.record('enter');
    this.unsubscribe = this.opts.store.subscribe((s, prev) => this.observe(s, prev));
    this.timer = setInterval(() => {
      this.record('alive');
      void this.flush(false);
    }, this.opts.flushMs ?? DEFAULT_FLUSH_MS);
    void this.flush(false);
  }

  /** The page is going away (pagehide): `leave`, and everything queued goes out by beacon. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.record('leave');
    void this.flush(true);
  }

  /** A product card was visible for at least ANALYTICS_LIMITS.impressionMinMs. */
  impression(productId: string): void {
    this.recordProduct('impression', productId);
  }

  private record(kind: ViewerEventKind, productId?: string): void {
    if (this.queue.length >= MAX_QUEUED) return;
    this.queue.push(productId === undefined ? { kind, at: this.now() } : { kind, at: this.now(), productId });
  }

  /** Product events only for products of the show — its lineup and what it pinned (the server refuses others). */
  private recordProduct(kind: ViewerEventKind, productId: string): void {
    if (this.stopped) return;
    const s = this.opts.store.getState();
    if (s.pinned.some((p) => p.product.productId === productId)) this.pinnedSeen.add(productId);
    if (!s.lineup.includes(productId) && !this.pinnedSeen.has(productId)) return;
    this.record(kind, productId);
  }

  private observe(s: ViewerState, prev: ViewerState): void {
    if (s.expandedProductId !== null && s.expandedProductId !== prev.expandedProductId) this.recordProduct('click', s.expandedProductId);
    if (s.sheet !== prev.sheet) {
      if (s.sheet?.kind === 'buy') {
        this.lastBuyProduct = s.sheet.productId;
        if (prev.sheet?.kind !== 'buy' || prev.sheet.productId !== s.sheet.productId) this.recordProduct('click', s.sheet.productId);
      } else if (s.sheet?.kind === 'checkout') {
        const ids = new Set(s.sheet.items.map((i) => productOfSku(s, i.skuId) ?? this.lastBuyProduct));
        for (const id of ids) if (id) this.recordProduct('checkout.start', id);
      }
    }
    // Lines grow from the buy sheet only (a cart restored from storage is no add).
    if (s.cart !== prev.cart && prev.sheet?.kind === 'buy') {
      const before = new Map(prev.cart.lines.map((l) => [l.skuId, l.qty]));
      for (const l of s.cart.lines) if (l.qty > (before.get(l.skuId) ?? 0)) this.recordProduct('cart.add', l.productId);
    }
  }

  /** Send what is queued (and batches waiting for a resend). One send at a time (a flush asked for meanwhile runs
   * after it), except the final beacon, which goes at once. */
  flush(final: boolean): Promise<void> {
    if (final) return this.send(true);
    const next = (this.inflight ?? Promise.resolve()).then(() => this.send(false));
    this.inflight = next;
    void next.finally(() => {
      if (this.inflight === next) this.inflight = null;
    });
    return next;
  }

  private async send(final: boolean): Promise<void> {
    const fresh: Batch[] = [];
    while (this.queue.length)
      fresh.push({ batchId: this.opts.randomId(), events: this.queue.splice(0, ANALYTICS_LIMITS.maxEventsPerBatch) });
    const batches = [...this.retry.splice(0), ...fresh];
    for (const b of batches) {
      const result = await this.transport.send(this.body(b), final).catch((): SendResult => 'retry');
      if (result === 'retry' && !final) this.retry.push(b);
    }
    this.retry.splice(0, Math.max(0, this.retry.length - MAX_RETRY_BATCHES));
  }

  private body(b: Batch): string {
    return JSON.stringify({
      showId: this.opts.showId,
      viewerId: this.opts.viewerId,
      batchId: b.batchId,
      mode: this.opts.mode ?? 'live',
      sentAt: this.now(),
      events: b.events.map((e, seq) => ({ seq, ...e })),
    });
  }
}

function productOfSku(s: ViewerState, skuId: string): string | null {
  const line = s.cart.lines.find((l) => l.skuId === skuId);
  if (line) return line.productId;
  for (const p of Object.values(s.products)) if (p.skus.some((k) => k.id === skuId)) return p.id;
  return null;
}

/**
 * The viewer page's analytics: reporter + impression watcher, under the device id the realtime hello uses. Call after
 * the first picture; `stop` on pagehide. A hidden page sends what it has by beacon (a phone may never fire pagehide).
 */
export function startViewerAnalytics(opts: {
  store: ViewerStore;
  showId: string;
  storage: Storage | null;
  root: Element;
  mode?: 'live' | 'replay';
}): {
  stop(): void;
} {
  const reporter = new AnalyticsReporter({
    store: opts.store,
    showId: opts.showId,
    mode: opts.mode ?? 'live',
    viewerId: deviceIdFrom(opts.storage, randomId),
    randomId,
  });
  const impressions = new ImpressionWatcher({ root: opts.root, onImpression: (id) => reporter.impression(id) });
  const onHidden = () => {
    if (document.visibilityState === 'hidden') void reporter.flush(true);
  };
  reporter.start();
  impressions.start();
  document.addEventListener('visibilitychange', onHidden);
  return {
    stop() {
      document.removeEventListener('visibilitychange', onHidden);
      impressions.stop();
      reporter.stop();
    },
  };
}
