import { describe, expect, it } from 'vitest';
import { MAX_PINNED, OverlayTrigger } from '../../../shared/protocol/overlay';
import { createStudioStore } from '../store';
import { OverlayController, productFromForm } from './overlays';

const form = (over: Partial<Record<'name' | 'price' | 'listPrice' | 'currency', string>> = {}) => ({
  name: '亚麻短袖衬衫',
  price: '129',
  listPrice: '',
  currency: 'CNY',
  ...over,
});

describe('productFromForm', () => {
  it('turns the form into integer minor units', () => {
    expect(productFromForm(form({ price: '129.9', listPrice: '199' }), 'p1')).toEqual({
      product: { productId: 'p1', name: '亚麻短袖衬衫', priceMinor: 12990, listPriceMinor: 19900, currency: 'CNY' },
    });
    expect(productFromForm(form({ name: '  Shirt  ', price: '0.5', currency: 'USD' }), 'p2')).toEqual({
      product: { productId: 'p2', name: 'Shirt', priceMinor: 50, currency: 'USD' },
    });
  });

  it('reports the first problem', () => {
    expect(productFromForm(form({ name: '   ' }), 'p')).toEqual({ error: 'nameRequired' });
    expect(productFromForm(form({ name: 'x'.repeat(81) }), 'p')).toEqual({ error: 'nameTooLong' });
    expect(productFromForm(form({ price: '12.345' }), 'p')).toEqual({ error: 'priceInvalid' });
    expect(productFromForm(form({ price: '-3' }), 'p')).toEqual({ error: 'priceInvalid' });
    expect(productFromForm(form({ listPrice: 'abc' }), 'p')).toEqual({ error: 'listPriceInvalid' });
    expect(productFromForm(form({ listPrice: '129' }), 'p')).toEqual({ error: 'listPriceNotHigher' });
    expect(productFromForm(form({ currency: 'yen' }), 'p')).toEqual({ error: 'currencyInvalid' });
  });
});

describe('OverlayController', () => {
  it('pins with the capture time of the first frame showing the card, keeps at most MAX_PINNED, unpins', async () => {
    const store = createStudioStore();
    const sent: OverlayTrigger[] = [];
    let frameTime = 1_760_000_000_000;
    const ctl = new OverlayController(store, {
      // what the compositor does: resolve once a frame containing the product has been drawn
      nextFrameWith: (productId) =>
        new Promise((resolve) => {
          const check = () =>
            store.getState().pinned.some((p) => p.product.productId === productId) ? resolve(frameTime++) : setTimeout(check, 5);
          check();
        }),
      send: (t) => sent.push(t),
    });
    expect(await ctl.pin(form({ name: 'A' }))).toBeNull();
    expect(await ctl.pin(form({ name: '' }))).toBe('nameRequired');
    for (const n of ['B', 'C', 'D']) await ctl.pin(form({ name: n }));
    const pinned = store.getState().pinned;
    expect(pinned.map((p) => p.product.name)).toEqual(['D', 'C', 'B']);
    expect(pinned).toHaveLength(MAX_PINNED);
    expect(sent).toHaveLength(4);
    for (const t of sent) expect(OverlayTrigger.parse(t)).toEqual(t);
    expect(sent[0]).toMatchObject({ type: 'product.pin', mediaTime: 1_760_000_000_000, product: { name: 'A', priceMinor: 12900 } });
    ctl.unpin(pinned[1]!.product.productId);
    expect(store.getState().pinned.map((p) => p.product.name)).toEqual(['D', 'B']);
    expect(sent.at(-1)).toMatchObject({ type: 'product.unpin', productId: pinned[1]!.product.productId });
  });
});
