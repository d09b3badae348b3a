/**
 * Selling data: the show event log (what the studio and the shop did, when, on the media clock) and the viewer
 * events the viewer page reports (`POST /api/events`). Analytics, replay chapters and clips are all derived from
 * these two append-only logs plus the orders table; nothing else is recorded for them.
 */
import { z } from 'zod';
import { ShowId } from '../domain/show';

// ---- show event log ---------------------------------------------------------------------------------------------

/**
 * Kinds of product actions in a show's log. `explain.start` / `explain.end` are the studio's pin / unpin of a product
 * (one "explanation" segment); `card.shown` is the moment the pinned card is burned into the program (frame-synced
 * overlays' `mediaTime`).
 */
export const ShowEventKind = z.enum([
  'explain.start',
  'explain.end',
  'card.shown',
  'price.changed',
  'stock.changed',
  'sold.out',
  'sale.started',
  'sale.ended',
  'coupon.published',
  'giveaway.started',
  'giveaway.drawn',
]);
export type ShowEventKind = z.infer<typeof ShowEventKind>;

export const ShowLogEntry = z.object({
  /** Position in the show's log (1, 2, …; no gaps). */
  seq: z.number().int().positive(),
  kind: ShowEventKind,
  /** Server clock, ms since the epoch. */
  at: z.number().int(),
  /**
   * The program's media clock (the studio's capture clock, the one pins' `mediaTime` is on), ms since the epoch. Events
   * the studio timed carry its own value; server-side events (price, stock, sales) are mapped through the latest
   * known offset between the studio's clock and the server's (`mediaClock` tells which).
   */
  mediaTime: z.number().int(),
  mediaClock: z.enum(['frame', 'studio', 'server']),
  productId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type ShowLogEntry = z.infer<typeof ShowLogEntry>;

// ---- viewer events ----------------------------------------------------------------------------------------------

export const ViewerEventKind = z.enum([
  /** Entered the show's room (page joined the stream, or opened the replay). */
  'enter',
  /** Left (page hidden / closed / navigated away). */
  'leave',
  /** Still watching (sent with each flush so a page that dies without `leave` still has its watch time). */
  'alive',
  /** A product card was visible for at least IMPRESSION_MIN_MS. */
  'impression',
  /** Product details opened. */
  'click',
  'cart.add',
  'checkout.start',
]);
export type ViewerEventKind = z.infer<typeof ViewerEventKind>;

export const ANALYTICS_LIMITS = Object.freeze({
  /** Events in one batch; more → 413 TOO_LARGE (the page flushes well before). */
  maxEventsPerBatch: 100,
  /** Request body bytes of POST /api/events. */
  maxBodyBytes: 32 * 1024,
  /** A client timestamp further than this from the server's clock is clamped to the server's receive time. */
  maxClockSkewMs: 5 * 60_000,
  /** Visible this long (ms) before a card counts as an impression. */
  impressionMinMs: 1000,
  /** Batches one client address may post per minute. */
  batchesPerIpPerMinute: 120,
});

/** The anonymous per-device viewer id (the same id the realtime hello carries). */
export const ViewerId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'invalid viewer id');
export const BatchId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'invalid batch id');

export const ViewerEvent = z.object({
  /** Position in the batch, 0-based; (viewer, batch, seq) identifies the event, so a resent batch counts once. */
  seq: z.number().int().min(0).max(9999),
  kind: ViewerEventKind,
  /** Client clock, ms since the epoch (clamped by the server when skewed). */
  at: z.number().int().nonnegative(),
  /** For impression / click / cart.add / checkout.start: a product of the show's lineup. */
  productId: z.string().min(1).max(64).optional(),
});
export type ViewerEvent = z.infer<typeof ViewerEvent>;

export const ViewerEventBatch = z.object({
  showId: ShowId,
  viewerId: ViewerId,
  batchId: BatchId,
  /** Watching live or the replay; the two are counted apart. */
  mode: z.enum(['live', 'replay']),
  /** The client's clock when it sent the batch (skew estimate). */
  sentAt: z.number().int().nonnegative(),
  events: z.array(ViewerEvent).min(1),
});
export type ViewerEventBatch = z.infer<typeof ViewerEventBatch>;

export const ViewerEventBatchResult = z.object({
  /** Events stored now (0 for a batch that had already been accepted). */
  accepted: z.number().int(),
  duplicate: z.boolean(),
  /** Events whose time was clamped to the server clock. */
  clamped: z.number().int(),
});
export type ViewerEventBatchResult = z.infer<typeof ViewerEventBatchResult>;

/** Kinds that must name a product of the show. */
export const PRODUCT_EVENT_KINDS: ReadonlySet<ViewerEventKind> = new Set(['impression', 'click', 'cart.add', 'checkout.start']);
