import { describe, expect, it } from 'vitest';
import type { SkuView } from '../../../shared/commerce/catalog';
import { StartFlashSale } from '../../../shared/commerce/sales';
import { buildSale, defaultSaleForm } from './flash-sale-form';

const sku: SkuView = {
  id: 's_camel00001',
  productId: 'p_existing01',
  code: '',
  options: { 颜色: '驼色' },
  listPriceMinor: 39900,
  livePriceMinor: 29900,
  priceMinor: 29900,
  stock: 40,
  available: 40,
  active: true,
  sale: null,
};

describe('flash sale form', () => {
  it('defaults: 60 s, 1 per buyer, cap up to 50 of the stock', () => {
    expect(defaultSaleForm(sku)).toEqual({ duration: '60', price: '', cap: '40', perBuyerLimit: '1' });
    expect(defaultSaleForm({ ...sku, stock: 500 }).cap).toBe('50');
  });

  it('builds a StartFlashSale body', () => {
    const r = buildSale({ duration: '90', price: '199', cap: '20', perBuyerLimit: '' }, sku, 'CNY');
    expect(r).toEqual({ ok: true, body: { skuId: 's_camel00001', durationSec: 90, salePriceMinor: 19900, cap: 20, perBuyerLimit: null } });
    if (r.ok) expect(StartFlashSale.safeParse(r.body).success).toBe(true);
  });

  it('validates the countdown 10–300 s, price below the current price, cap within stock, limit 1–999', () => {
    const keys = (f: Parameters<typeof buildSale>[0]) => {
      const r = buildSale(f, sku, 'CNY');
      return r.ok ? [] : r.errors.map((e) => `${e.field}:${e.key}`);
    };
    expect(keys({ duration: '9', price: '299', cap: '41', perBuyerLimit: '0' })).toEqual([
      'duration:durationRange',
      'price:priceNotLower',
      'cap:capAboveStock',
      'perBuyerLimit:limitInvalid',
    ]);
    expect(keys({ duration: '301', price: '', cap: '0', perBuyerLimit: '1000' })).toEqual([
      'duration:durationRange',
      'price:priceRequired',
      'cap:capInvalid',
      'perBuyerLimit:limitInvalid',
    ]);
    expect(keys({ duration: '10', price: '1.999', cap: '1', perBuyerLimit: '1' })).toEqual(['price:priceInvalid']);
    expect(keys({ duration: '300', price: '0.01', cap: '40', perBuyerLimit: '999' })).toEqual([]);
  });
});
