import { describe, expect, it } from 'vitest';
import type { ProductView, SkuView } from '../../../shared/commerce/catalog';
import { MAX_PINNED, OverlayTrigger } from '../../../shared/protocol/overlay';
import { createStudioStore } from '../store';
import { OverlayController, pinFromProduct } from './overlays';

let n = 0;
function sku(over: Partial<SkuView> = {}): SkuView {
  n++;
  return {
    id: `s_sku${String(n).padStart(6, '0')}`,
    productId: 'p_product01',
    code: '',
    options: {},
    listPriceMinor: 19900,
    livePriceMinor: 12900,
    priceMinor: 12900,
    stock: 10,
    available: 10,
    active: true,
    sale: null,
    ...over,
  };
}
function product(over: Partial<ProductView> = {}): ProductView {
  return {
    id: 'p_product01',
    title: '亚麻短袖衬衫',
    description: '',
    currency: 'CNY',
    faq: [],
    attributes: [],
    perBuyerLimit: null,
    status: 'active',
    images: [],
    skus: [sku()],
    createdAt: 1,
    updatedAt: 1,
    ...over,
  };
}

describe('pinFromProduct', () => {
  it('uses the cheapest active SKU: live price, list price when higher, first thumbnail', () => {
    const p = product({
      images: [
        {
          id: 'img_first01',
          url: '/media/products/img_first01-large.webp',
          thumbUrl: '/media/products/img_first01-thumb.webp',
          width: 1,
          height: 1,
        },
        { id: 'img_second1', url: '/x-large.webp', thumbUrl: '/x-thumb.webp', width: 1, height: 1 },
      ],
      skus: [
        sku({ listPriceMinor: 39900, livePriceMinor: 29900 }),
        sku({ listPriceMinor: 19900, livePriceMinor: 9900, active: false }),
        sku({ listPriceMinor: 29900, livePriceMinor: 25900 }),
      ],
    });
    expect(pinFromProduct(p)).toEqual({
      productId: 'p_product01',
      name: '亚麻短袖衬衫',
      priceMinor: 25900,
      listPriceMinor: 29900,
      currency: 'CNY',
      imageUrl: '/media/products/img_first01-thumb.webp',
    });
  });

  it('falls back to the list price, omits a list price that is not higher, and cuts long names to 80 characters', () => {
    const p = product({ title: '长'.repeat(100), currency: 'USD', skus: [sku({ listPriceMinor: 500, livePriceMinor: null })] });
    const pin = pinFromProduct(p)!;
    expect(pin).toMatchObject({ priceMinor: 500, currency: 'USD' });
    expect(pin.listPriceMinor).toBeUndefined();
    expect(pin.imageUrl).toBeUndefined();
    expect([...pin.name]).toHaveLength(80);
    expect(pin.name.endsWith('…')).toBe(true);
  });

  it('is null without an active SKU', () => {
    expect(pinFromProduct(product({ skus: [sku({ active: false })] }))).toBeNull();
  });
});

describe('OverlayController', () => {
  it('pins with the capture time of the first frame showing the card, refuses a 4th product, unpins', async () => {
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
    const a = product({ id: 'p_aaaaaaaa', title: 'A' });
    expect(await ctl.pin(a)).toBeNull();
    expect(await ctl.pin(product({ id: 'p_nosku000', skus: [sku({ active: false })] }))).toBe('noActiveSku');
    for (const id of ['p_bbbbbbbb', 'p_cccccccc']) expect(await ctl.pin(product({ id, title: id.slice(2, 3).toUpperCase() }))).toBeNull();
    expect(await ctl.pin(product({ id: 'p_dddddddd', title: 'D' }))).toBe('full');
    // re-pinning one that is already pinned moves it to the top
    expect(await ctl.pin(a)).toBeNull();
    const pinned = store.getState().pinned;
    expect(pinned.map((p) => p.product.name)).toEqual(['A', 'C', 'B']);
    expect(pinned).toHaveLength(MAX_PINNED);
    expect(sent).toHaveLength(4);
    for (const t of sent) expect(OverlayTrigger.parse(t)).toEqual(t);
    expect(sent[0]).toMatchObject({
      type: 'product.pin',
      mediaTime: 1_760_000_000_000,
      product: { productId: 'p_aaaaaaaa', priceMinor: 12900 },
    });
    ctl.unpin('p_cccccccc');
    expect(store.getState().pinned.map((p) => p.product.name)).toEqual(['A', 'B']);
    expect(sent.at(-1)).toMatchObject({ type: 'product.unpin', productId: 'p_cccccccc' });
  });
});
