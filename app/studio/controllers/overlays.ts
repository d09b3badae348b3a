/**
 * Product pinning from the catalog: turns a catalog product into the overlay's PinnedProduct (live price of the
 * cheapest active SKU, list price, first image), folds it into the pinned list (drawn into the program by the
 * compositor) and sends the trigger to viewers through the publisher's DataProducer. A pin carries `mediaTime`:
 * the capture time of the first program frame showing the card (same clock as the timestamp strip), so viewers
 * can show their interactive card in sync with the video.
 */
import type { ProductView } from '../../../shared/commerce/catalog';
import {
  applyOverlay,
  MAX_OVERLAY_BYTES,
  MAX_PINNED,
  OverlayTrigger,
  type PinnedProduct,
  type PinnedTrigger,
} from '../../../shared/protocol/overlay';
import type { StudioStore } from '../store';
import { cheapestSku } from './catalog';

export type PinError = 'noActiveSku' | 'full' | 'tooLarge';

export interface OverlaySinks {
  /** Resolves with the capture time of the first frame showing this product. */
  nextFrameWith(productId: string): Promise<number>;
  send(trigger: OverlayTrigger): void;
}

const FRAME_WAIT_MS = 1000;
const MAX_NAME = 80;

function randomId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The overlay card for a catalog product: the cheapest active SKU's live price (else its list price), its list
 * price when higher, the first image's thumbnail (a server-rooted path), the title cut to the overlay's 80 characters.
 * null when the product has no active SKU.
 */
export function pinFromProduct(p: ProductView): PinnedProduct | null {
  const sku = cheapestSku(p);
  if (!sku) return null;
  const priceMinor = sku.livePriceMinor ?? sku.listPriceMinor;
  const chars = [...p.title.trim()];
  const name = chars.length > MAX_NAME ? `${chars.slice(0, MAX_NAME - 1).join('')}…` : chars.join('');
  const image = p.images[0]?.thumbUrl;
  return {
    productId: p.id,
    name,
    priceMinor,
    currency: p.currency,
    ...(sku.listPriceMinor > priceMinor ? { listPriceMinor: sku.listPriceMinor } : {}),
    ...(image && image.length <= 2048 ? { imageUrl: image } : {}),
  };
}

export class OverlayController {
  constructor(
    private readonly store: StudioStore,
    private readonly sinks: OverlaySinks,
  ) {}

  /** Pin a catalog product (re-pinning one moves it to the top). Returns an error key, or null on success. */
  async pin(catalogProduct: ProductView): Promise<PinError | null> {
    const product = pinFromProduct(catalogProduct);
    if (!product) return 'noActiveSku';
    const { pinned } = this.store.getState();
    if (pinned.length >= MAX_PINNED && !pinned.some((p) => p.product.productId === product.productId)) return 'full';
    const draft: PinnedTrigger = { type: 'product.pin', id: randomId('t'), at: Date.now(), product };
    const checked = OverlayTrigger.safeParse(draft);
    if (!checked.success) return 'tooLarge';
    if (JSON.stringify({ ...draft, mediaTime: Date.now() }).length > MAX_OVERLAY_BYTES) return 'tooLarge';

    const shown = this.sinks.nextFrameWith(product.productId);
    this.store.setState((s) => ({ pinned: applyOverlay(s.pinned, draft) }));
    const mediaTime = await Promise.race([shown, new Promise<undefined>((res) => setTimeout(() => res(undefined), FRAME_WAIT_MS))]);
    const trigger: PinnedTrigger = mediaTime === undefined ? draft : { ...draft, mediaTime };
    // Still pinned (not unpinned while we waited)? Record the final trigger and send it.
    if (!this.store.getState().pinned.some((p) => p.id === draft.id)) return null;
    this.store.setState((s) => ({ pinned: s.pinned.map((p) => (p.id === draft.id ? trigger : p)) }));
    this.sinks.send(trigger);
    return null;
  }

  unpin(productId: string): void {
    const trigger: OverlayTrigger = { type: 'product.unpin', id: randomId('t'), at: Date.now(), productId };
    this.store.setState((s) => ({ pinned: applyOverlay(s.pinned, trigger) }));
    this.sinks.send(trigger);
  }
}
