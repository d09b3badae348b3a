/**
 * The selling metrics, defined once (README "Selling metrics" documents each). Pure functions of the raw logs: the
 * viewer events of a show, its orders, and its engagement counts. The server feeds them from SQLite; tests feed them a
 * scripted show and compare every number.
 */
import { z } from 'zod';
import type { ViewerEventKind } from './events';

/** A live viewer whose last event is older than this is no longer online (the page reports `alive` every flush). */
export const ONLINE_STALE_MS = 90_000;

export interface MetricViewerEvent {
  viewerId: string;
  kind: ViewerEventKind;
  mode: 'live' | 'replay';
  at: number;
  productId: string | null;
  /** The guest buyer session the event came with (joins viewers to orders), if any. */
  buyerId: string | null;
}

export interface MetricOrder {
  id: string;
  buyerId: string;
  currency: string;
  totalMinor: number;
  createdAt: number;
  paidAt: number | null;
  refundedAt: number | null;
  items: readonly { productId: string; qty: number }[];
}

export interface MetricsInput {
  show: { startedAt: number | null; endedAt: number | null };
  now: number;
  events: readonly MetricViewerEvent[];
  orders: readonly MetricOrder[];
  /** Per-minute engagement counts (minute = epoch ms of its start). */
  engagement: readonly { minute: number; kind: 'like' | 'chat' | 'follow'; count: number }[];
}

export const AudienceMetrics = z.object({
  /** Visits: `enter` events. */
  views: z.number().int(),
  /** Distinct viewer ids that entered. */
  uniqueViewers: z.number().int(),
  /** Total watch time ÷ unique viewers, each viewer's total capped at the show's length (ms). */
  avgWatchMs: z.number().int(),
});

export const GmvRow = z.object({
  currency: z.string(),
  /** Paid amount of the show's orders, by payment time, refunded orders included. */
  grossMinor: z.number().int(),
  /** The same without orders refunded since. */
  netMinor: z.number().int(),
  /** floor(gross × 1000 ÷ views), views of live and replay together. */
  gpmMinor: z.number().int(),
});

export const ShowMetrics = z.object({
  showLengthMs: z.number().int(),
  online: z.object({ current: z.number().int(), peak: z.number().int() }),
  live: AudienceMetrics,
  replay: AudienceMetrics,
  funnel: z.object({
    /** Unique viewers (live + replay) who entered / saw a card ≥ 1 s / opened product details. */
    enteredUv: z.number().int(),
    impressionUv: z.number().int(),
    clickUv: z.number().int(),
    cartUv: z.number().int(),
    checkoutUv: z.number().int(),
    ordersCreated: z.number().int(),
    ordersPaid: z.number().int(),
  }),
  /** clickUv ÷ impressionUv (0 without impressions). */
  ctr: z.number(),
  /**
   * Clicking viewers who created an order for the show ÷ clickUv (0 without clicks). A viewer is joined to its orders
   * through the guest buyer session any of its events came with.
   */
  clickToOrder: z.number(),
  gmv: z.array(GmvRow),
  /** Units in paid orders (refunded included). */
  itemsSold: z.number().int(),
  payingBuyers: z.number().int(),
  newFollowers: z.number().int(),
  likes: z.number().int(),
  chats: z.number().int(),
  /** Per show minute (epoch ms of the minute's start), minutes with none omitted. */
  perMinute: z.array(z.object({ minute: z.number().int(), likes: z.number().int(), chats: z.number().int() })),
});
export type ShowMetrics = z.infer<typeof ShowMetrics>;

/** Length of the show: started → ended (or now while live); 0 before it started. */
export function showLength(show: MetricsInput['show'], now: number): number {
  if (show.startedAt === null) return 0;
  return Math.max(0, (show.endedAt ?? now) - show.startedAt);
}

export interface Visit {
  start: number;
  end: number;
  open: boolean;
}

/**
 * Each viewer's visits: `enter` opens one, `leave` closes it, any other event extends it (last seen). An `enter` while
 * a visit is open closes that one at its last-seen time.
 */
export function visitsByViewer(events: readonly MetricViewerEvent[], mode: 'live' | 'replay'): Map<string, Visit[]> {
  const byViewer = new Map<string, MetricViewerEvent[]>();
  for (const e of events) {
    if (e.mode !== mode) continue;
    let list = byViewer.get(e.viewerId);
    if (!list) {
      list = [];
      byViewer.set(e.viewerId, list);
    }
    list.push(e);
  }
  const out = new Map<string, Visit[]>();
  for (const [viewer, list] of byViewer) {
    list.sort((a, b) => a.at - b.at || kindOrder(a.kind) - kindOrder(b.kind));
    const visits: Visit[] = [];
    let cur: Visit | null = null;
    for (const e of list) {
      if (e.kind === 'enter') {
        if (cur) cur.open = false;
        cur = { start: e.at, end: e.at, open: true };
        visits.push(cur);
      } else if (cur?.open) {
        cur.end = Math.max(cur.end, e.at);
        if (e.kind === 'leave') cur.open = false;
      }
    }
    if (visits.length) out.set(viewer, visits);
  }
  return out;
}

function kindOrder(k: ViewerEventKind): number {
  return k === 'enter' ? 0 : k === 'leave' ? 2 : 1;
}

function audience(events: readonly MetricViewerEvent[], mode: 'live' | 'replay', capMs: number): z.infer<typeof AudienceMetrics> {
  const visits = visitsByViewer(events, mode);
  let views = 0;
  let watch = 0;
  for (const list of visits.values()) {
    views += list.length;
    const total = list.reduce((s, v) => s + (v.end - v.start), 0);
    watch += Math.min(total, capMs);
  }
  const uv = visits.size;
  return { views, uniqueViewers: uv, avgWatchMs: uv === 0 ? 0 : Math.floor(watch / uv) };
}

/** Peak of concurrent live visits (sweep over visit boundaries) and how many are open and fresh at `now`. */
function online(events: readonly MetricViewerEvent[], now: number): { current: number; peak: number } {
  const edges: [number, number][] = [];
  let current = 0;
  for (const list of visitsByViewer(events, 'live').values()) {
    for (const v of list) {
      const fresh = v.open && now - v.end <= ONLINE_STALE_MS;
      if (fresh) current++;
      edges.push([v.start, 1], [fresh ? now : v.end, -1]);
    }
  }
  // A visit ending at the instant another starts does not overlap it.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let n = 0;
  let peak = 0;
  for (const [, d] of edges) {
    n += d;
    peak = Math.max(peak, n);
  }
  return { current, peak };
}

function uv(events: readonly MetricViewerEvent[], kind: ViewerEventKind): number {
  return new Set(events.filter((e) => e.kind === kind).map((e) => e.viewerId)).size;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

export function computeShowMetrics(input: MetricsInput): ShowMetrics {
  const { events, orders, now } = input;
  const len = showLength(input.show, now);
  const live = audience(events, 'live', len);
  const replay = audience(events, 'replay', len);
  const impressionUv = uv(events, 'impression');
  const clickUv = uv(events, 'click');
  const paid = orders.filter((o) => o.paidAt !== null);
  const gmv = new Map<string, { gross: number; net: number }>();
  for (const o of paid) {
    const g = gmv.get(o.currency) ?? { gross: 0, net: 0 };
    g.gross += o.totalMinor;
    if (o.refundedAt === null) g.net += o.totalMinor;
    gmv.set(o.currency, g);
  }
  const views = live.views + replay.views;
  const perMinute = new Map<number, { likes: number; chats: number }>();
  const totals = { like: 0, chat: 0, follow: 0 };
  for (const e of input.engagement) {
    totals[e.kind] += e.count;
    if (e.kind === 'follow') continue;
    const m = perMinute.get(e.minute) ?? { likes: 0, chats: 0 };
    if (e.kind === 'like') m.likes += e.count;
    else m.chats += e.count;
    perMinute.set(e.minute, m);
  }
  return {
    showLengthMs: len,
    online: online(events, now),
    live,
    replay,
    funnel: {
      enteredUv: uv(events, 'enter'),
      impressionUv,
      clickUv,
      cartUv: uv(events, 'cart.add'),
      checkoutUv: uv(events, 'checkout.start'),
      ordersCreated: orders.length,
      ordersPaid: paid.length,
    },
    ctr: ratio(clickUv, impressionUv),
    clickToOrder: ratio(clickersWhoOrdered(events, orders), clickUv),
    gmv: [...gmv]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, g]) => ({
        currency,
        grossMinor: g.gross,
        netMinor: g.net,
        gpmMinor: views === 0 ? 0 : Math.floor((g.gross * 1000) / views),
      })),
    itemsSold: paid.reduce((s, o) => s + o.items.reduce((t, i) => t + i.qty, 0), 0),
    payingBuyers: new Set(paid.map((o) => o.buyerId)).size,
    newFollowers: totals.follow,
    likes: totals.like,
    chats: totals.chat,
    perMinute: [...perMinute].sort(([a], [b]) => a - b).map(([minute, m]) => ({ minute, ...m })),
  };
}

function clickersWhoOrdered(events: readonly MetricViewerEvent[], orders: readonly MetricOrder[]): number {
  const ordering = new Set(orders.map((o) => o.buyerId));
  const buyersOf = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.buyerId === null) continue;
    const set = buyersOf.get(e.viewerId) ?? new Set<string>();
    set.add(e.buyerId);
    buyersOf.set(e.viewerId, set);
  }
  const clickers = new Set(events.filter((e) => e.kind === 'click').map((e) => e.viewerId));
  return [...clickers].filter((v) => [...(buyersOf.get(v) ?? [])].some((b) => ordering.has(b))).length;
}

/** Start of the minute containing `at` (the per-minute aggregates' key). */
export function minuteOf(at: number): number {
  return at - (at % 60_000);
}
