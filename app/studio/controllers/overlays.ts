/**
 * Product pinning: validates the streamer's input, folds it into the pinned list (drawn into the program by the
 * compositor) and sends the trigger to viewers through the publisher's DataProducer. A pin carries `mediaTime`:
 * the capture time of the first program frame showing the card (same clock as the timestamp strip), so viewers
 * can show their interactive card in sync with the video.
 */
import { Currency, parseMinor } from '../../../shared/domain/money';
import { applyOverlay, MAX_OVERLAY_BYTES, OverlayTrigger, type PinnedProduct, type PinnedTrigger } from '../../../shared/protocol/overlay';
import type { StudioStore } from '../store';

export interface PinForm {
  name: string;
  price: string;
  listPrice: string;
  currency: string;
}

export type PinFormError =
  | 'nameRequired'
  | 'nameTooLong'
  | 'priceInvalid'
  | 'listPriceInvalid'
  | 'listPriceNotHigher'
  | 'currencyInvalid'
  | 'tooLarge';

export interface OverlaySinks {
  /** Resolves with the capture time of the first frame showing this product. */
  nextFrameWith(productId: string): Promise<number>;
  send(trigger: OverlayTrigger): void;
}

const FRAME_WAIT_MS = 1000;

function randomId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Validate the pin form into a product, or the first problem found. */
export function productFromForm(form: PinForm, productId: string): { product: PinnedProduct } | { error: PinFormError } {
  const name = form.name.trim();
  if (!name) return { error: 'nameRequired' };
  if ([...name].length > 80) return { error: 'nameTooLong' };
  const currency = Currency.safeParse(form.currency);
  if (!currency.success) return { error: 'currencyInvalid' };
  const price = parseMinor(form.price, currency.data);
  if (price === null) return { error: 'priceInvalid' };
  let listPriceMinor: number | undefined;
  if (form.listPrice.trim()) {
    const lp = parseMinor(form.listPrice, currency.data);
    if (lp === null) return { error: 'listPriceInvalid' };
    if (lp <= price) return { error: 'listPriceNotHigher' };
    listPriceMinor = lp;
  }
  return {
    product: { productId, name, priceMinor: price, currency: currency.data, ...(listPriceMinor !== undefined ? { listPriceMinor } : {}) },
  };
}

export class OverlayController {
  constructor(
    private readonly store: StudioStore,
    private readonly sinks: OverlaySinks,
  ) {}

  /** Pin a product from the form. Returns an error key for the form, or null on success. */
  async pin(form: PinForm): Promise<PinFormError | null> {
    const r = productFromForm(form, randomId('p-'));
    if ('error' in r) return r.error;
    const draft: PinnedTrigger = { type: 'product.pin', id: randomId('t'), at: Date.now(), product: r.product };
    const checked = OverlayTrigger.safeParse(draft);
    if (!checked.success) return 'nameTooLong';
    if (JSON.stringify({ ...draft, mediaTime: Date.now() }).length > MAX_OVERLAY_BYTES) return 'tooLarge';

    const shown = this.sinks.nextFrameWith(r.product.productId);
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
