import { describe, expect, it } from 'vitest';
import type { ProductView } from '../../../shared/commerce/catalog';
import type { FlashSaleView } from '../../../shared/commerce/sales';
import { applyCommerceEvent, optionsLabel, productSummary, skuAvailable, skuPrice } from './catalog';
import { product, sku } from './testing';

const flash = (over: Partial<FlashSaleView> = {}): FlashSaleView => ({
  id: 'fs_sale00001',
  skuId: 's_camel0001',
  productId: 'p_scarf0001',
  currency: 'CNY',
  salePriceMinor: 19900,
  cap: 10,
  remaining: 10,
  perBuyerLimit: 1,
  startsAt: 1_000,
  endsAt: 61_000,
  status: 'active',
  endedAt: null,
  ...over,
});

function scarf() {
  return product({
    id: 'p_scarf0001',
    attributes: [{ name: '颜色', values: ['驼色', '墨绿'] }],
    skus: [
      sku({ id: 's_camel0001', options: { 颜色: '驼色' }, listPriceMinor: 39900, livePriceMinor: 29900, stock: 8 }),
      sku({ id: 's_green0001', options: { 颜色: '墨绿' }, listPriceMinor: 39900, livePriceMinor: 31900, stock: 3 }),
    ],
  });
}

describe('live catalog', () => {
  it('summarises the cheapest buyable SKU, total stock and sold-out state', () => {
    const p = scarf();
    expect(productSummary(p, 0)).toMatchObject({ priceMinor: 29900, listPriceMinor: 39900, available: 11, soldOut: false, sale: null });
    const events = [
      { type: 'stock.changed', skuId: 's_camel0001', productId: p.id, stock: 0, saleRemaining: null },
      { type: 'stock.changed', skuId: 's_green0001', productId: p.id, stock: 1, saleRemaining: null },
    ] as const;
    let products = { [p.id]: p };
    products = applyCommerceEvent(products, events[0]);
    // The sold-out SKU no longer sets the "from" price.
    expect(productSummary(products[p.id]!, 0)).toMatchObject({ priceMinor: 31900, available: 3 });
    products = applyCommerceEvent(products, { ...events[1], stock: 0 });
    expect(productSummary(products[p.id]!, 0)).toMatchObject({ available: 0, soldOut: true });
  });

  it('starts a flash sale, counts its remaining cap down, and ends it on the clock or on sale.ended', () => {
    let products: Record<string, ProductView> = { p_scarf0001: scarf() };
    products = applyCommerceEvent(products, { type: 'sale.started', sale: flash() });
    const camel = () => products.p_scarf0001!.skus[0]!;
    expect(skuPrice(camel(), 2_000)).toBe(19900);
    expect(camel().priceMinor).toBe(19900);
    expect(productSummary(products.p_scarf0001!, 2_000)?.sale).toEqual({ endsAt: 61_000, salePriceMinor: 19900, remaining: 10, cap: 10 });

    products = applyCommerceEvent(products, {
      type: 'stock.changed',
      skuId: 's_camel0001',
      productId: 'p_scarf0001',
      stock: 7,
      saleRemaining: 2,
    });
    expect(skuAvailable(camel(), 2_000)).toBe(2);
    expect(camel().available).toBe(2);
    // After the end time the sale no longer applies, even before the server says so.
    expect(skuPrice(camel(), 61_000)).toBe(29900);
    expect(skuAvailable(camel(), 61_000)).toBe(7);

    products = applyCommerceEvent(products, { type: 'sale.ended', sale: flash({ status: 'ended' }), reason: 'stopped' });
    expect(camel().sale).toBeNull();
    expect(skuPrice(camel(), 2_000)).toBe(29900);
  });

  it('ignores events for products it has not cached (same object back)', () => {
    const products = { p_scarf0001: scarf() };
    expect(
      applyCommerceEvent(products, {
        type: 'stock.changed',
        skuId: 's_other0001',
        productId: 'p_other0001',
        stock: 1,
        saleRemaining: null,
      }),
    ).toBe(products);
    expect(applyCommerceEvent(products, { type: 'product.changed', productId: 'p_scarf0001', deleted: false })).toBe(products);
  });

  it('labels options in attribute order', () => {
    const p = product({
      attributes: [
        { name: 'a', values: ['1'] },
        { name: 'b', values: ['2'] },
      ],
      skus: [sku({ options: { b: '2', a: '1' } })],
    });
    expect(optionsLabel(p, { b: '2', a: '1' })).toBe('1 / 2');
  });
});
