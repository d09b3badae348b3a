/**
 * Overlay triggers: what the studio sends through its DataProducer (label OVERLAY_LABEL) and viewers
 * receive through DataConsumers. The server also consumes them (DirectTransport) to keep the current
 * overlay state for viewers who join later.
 */
import { z } from 'zod';
import { Currency, MinorUnits } from '../domain/money';

export const OVERLAY_LABEL = 'overlay';
export const OVERLAY_PROTOCOL = 'storecast-overlay/1';
export const MAX_OVERLAY_BYTES = 4096;

export const TriggerId = z.string().regex(/^[A-Za-z0-9_-]{4,40}$/);

export const PinnedProduct = z.object({
  productId: z.string().min(1).max(64),
  name: z.string().trim().min(1).max(80),
  priceMinor: MinorUnits,
  listPriceMinor: MinorUnits.optional(),
  currency: Currency,
  imageUrl: z.string().max(2048).optional(),
});
export type PinnedProduct = z.infer<typeof PinnedProduct>;

export const OverlayTrigger = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('product.pin'),
    id: TriggerId,
    /** Wall-clock ms when the studio sent it. */
    at: z.number(),
    /** Media timestamp of the program frame carrying the burned-in card (frame-synced overlays), if known. */
    mediaTime: z.number().optional(),
    product: PinnedProduct,
  }),
  z.object({
    type: z.literal('product.unpin'),
    id: TriggerId,
    at: z.number(),
    productId: z.string().min(1).max(64),
  }),
]);
export type OverlayTrigger = z.infer<typeof OverlayTrigger>;

/** Parse a DataChannel message (string) into a trigger, or null if invalid. */
export function parseOverlay(text: string): OverlayTrigger | null {
  if (text.length > MAX_OVERLAY_BYTES) return null;
  try {
    const r = OverlayTrigger.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Fold a trigger into the list of currently pinned products (newest first, at most MAX_PINNED). */
export const MAX_PINNED = 3;
export function applyOverlay(pinned: readonly PinnedTrigger[], t: OverlayTrigger): PinnedTrigger[] {
  if (t.type === 'product.unpin') return pinned.filter((p) => p.product.productId !== t.productId);
  const rest = pinned.filter((p) => p.product.productId !== t.product.productId);
  return [t, ...rest].slice(0, MAX_PINNED);
}
export type PinnedTrigger = Extract<OverlayTrigger, { type: 'product.pin' }>;
