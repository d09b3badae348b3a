/**
 * The per-explanation report: one row per explanation segment of the show event log (`explain.start` → the matching
 * `explain.end`, or the show's end / now while it is still pinned), joined on the server clock with the viewer events,
 * the show's orders and its questions. Definitions in README "Selling data".
 */
import { z } from 'zod';
import type { ShowLogEntry } from './events';
import { type MetricOrder, type MetricViewerEvent, type MetricsInput, visitsByViewer } from './metrics';

/** Orders of the product this long after a segment ended are its "after" orders. */
export const AFTER_SEGMENT_MS = 5 * 60_000;

export interface SegmentQuestion {
  createdAt: number;
  answeredAt: number | null;
}

export interface SegmentsInput extends Pick<MetricsInput, 'show' | 'now' | 'events'> {
  log: readonly ShowLogEntry[];
  /** Orders with each line's unit price. */
  orders: readonly (Omit<MetricOrder, 'items'> & { items: readonly { productId: string; qty: number; unitMinor: number }[] })[];
  questions: readonly SegmentQuestion[];
}

export const SegmentRow = z.object({
  productId: z.string(),
  /** Server clock (joins with viewer events and orders) and media clock (replay chapters) of start and end. */
  start: z.number().int(),
  end: z.number().int(),
  mediaStart: z.number().int(),
  mediaEnd: z.number().int().nullable(),
  /** Still pinned (the end is the show's end or now). */
  open: z.boolean(),
  /** Distinct live viewers whose visit overlaps the segment. */
  viewers: z.number().int(),
  /** Impression and click events of this product during the segment, and their distinct viewers. */
  impressions: z.number().int(),
  impressionUv: z.number().int(),
  clicks: z.number().int(),
  clickUv: z.number().int(),
  /** clickUv ÷ impressionUv (0 without impressions). */
  ctr: z.number(),
  /** Orders with this product created during the segment; of those, paid. */
  orders: z.number().int(),
  paid: z.number().int(),
  /** Units of this product in those paid orders, and their line amounts (unit price × qty, per currency). */
  units: z.number().int(),
  gmv: z.array(z.object({ currency: z.string(), minor: z.number().int(), gpmMinor: z.number().int() })),
  /** Questions asked during the segment; of those, answered (at any time). */
  questionsAsked: z.number().int(),
  questionsAnswered: z.number().int(),
  /** Orders with this product created within AFTER_SEGMENT_MS after the segment ended (0 while open). */
  ordersAfter: z.number().int(),
});
export type SegmentRow = z.infer<typeof SegmentRow>;

interface Open {
  start: number;
  mediaStart: number;
}

/** Pair explanation starts and ends per product, in log order. */
function segmentsOf(
  log: readonly ShowLogEntry[],
  closeAt: number,
): { productId: string; start: number; end: number; mediaStart: number; mediaEnd: number | null; open: boolean }[] {
  const open = new Map<string, Open>();
  const out: ReturnType<typeof segmentsOf> = [];
  for (const e of log) {
    if (e.productId === null) continue;
    if (e.kind === 'explain.start' && !open.has(e.productId)) open.set(e.productId, { start: e.at, mediaStart: e.mediaTime });
    if (e.kind === 'explain.end') {
      const o = open.get(e.productId);
      if (!o) continue;
      open.delete(e.productId);
      out.push({ productId: e.productId, start: o.start, end: e.at, mediaStart: o.mediaStart, mediaEnd: e.mediaTime, open: false });
    }
  }
  for (const [productId, o] of open)
    out.push({ productId, start: o.start, end: Math.max(o.start, closeAt), mediaStart: o.mediaStart, mediaEnd: null, open: true });
  return out.sort((a, b) => a.start - b.start || a.productId.localeCompare(b.productId));
}

const within = (t: number, start: number, end: number) => t >= start && t <= end;

export function explanationReport(input: SegmentsInput): SegmentRow[] {
  const closeAt = input.show.endedAt ?? input.now;
  const liveVisits = [...visitsByViewer(input.events, 'live')];
  return segmentsOf(input.log, closeAt).map((seg) => {
    const inSeg = (e: MetricViewerEvent) => e.mode === 'live' && e.productId === seg.productId && within(e.at, seg.start, seg.end);
    const imps = input.events.filter((e) => e.kind === 'impression' && inSeg(e));
    const clicks = input.events.filter((e) => e.kind === 'click' && inSeg(e));
    const impressionUv = new Set(imps.map((e) => e.viewerId)).size;
    const clickUv = new Set(clicks.map((e) => e.viewerId)).size;
    const viewers = liveVisits.filter(([, visits]) => visits.some((v) => v.start <= seg.end && v.end >= seg.start)).length;
    const withProduct = input.orders.filter((o) => o.items.some((i) => i.productId === seg.productId));
    const orders = withProduct.filter((o) => within(o.createdAt, seg.start, seg.end));
    const paid = orders.filter((o) => o.paidAt !== null);
    const gmv = new Map<string, number>();
    let units = 0;
    for (const o of paid) {
      for (const i of o.items) {
        if (i.productId !== seg.productId) continue;
        units += i.qty;
        gmv.set(o.currency, (gmv.get(o.currency) ?? 0) + i.qty * i.unitMinor);
      }
    }
    const asked = input.questions.filter((q) => within(q.createdAt, seg.start, seg.end));
    return {
      ...seg,
      viewers,
      impressions: imps.length,
      impressionUv,
      clicks: clicks.length,
      clickUv,
      ctr: impressionUv === 0 ? 0 : clickUv / impressionUv,
      orders: orders.length,
      paid: paid.length,
      units,
      gmv: [...gmv]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, minor]) => ({ currency, minor, gpmMinor: viewers === 0 ? 0 : Math.floor((minor * 1000) / viewers) })),
      questionsAsked: asked.length,
      questionsAnswered: asked.filter((q) => q.answeredAt !== null).length,
      ordersAfter: seg.open ? 0 : withProduct.filter((o) => o.createdAt > seg.end && o.createdAt <= seg.end + AFTER_SEGMENT_MS).length,
    };
  });
}
