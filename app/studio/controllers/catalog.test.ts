import { describe, expect, it } from 'vitest';
import type { ProductView, SkuView } from '../../../shared/commerce/catalog';
import type { FlashSaleView } from '../../../shared/commerce/sales';
import { formatMoney, formatMoneyRange } from '../../ui/format';
import { addToLineup, cheapestSku, moveId, moveItem, priceRange, removeFromLineup, runningSales, skuLabel, totalStock } from './catalog';

const sku = (id: string, over: Partial<SkuView>): SkuView => ({
  id,
  productId: 'p_product01',
  code: '',
  options: {},
  listPriceMinor: 1000,
  livePriceMinor: null,
  priceMinor: 1000,
  stock: 1,
  available: 1,
  active: true,
  sale: null,
  ...over,
});
const product = (skus: SkuView[]): ProductView => ({
  id: 'p_product01',
  title: 'T',
  description: '',
  currency: 'CNY',
  faq: [],
  attributes: [],
  perBuyerLimit: null,
  status: 'active',
  images: [],
  skus,
  createdAt: 0,
  updatedAt: 0,
});

describe('derived catalog values', () => {
  const p = product([
    sku('s_aaaaaaaa', { priceMinor: 29900, livePriceMinor: 29900, listPriceMinor: 39900, stock: 40 }),
    sku('s_bbbbbbbb', { priceMinor: 9900, stock: 100, active: false }),
    sku('s_cccccccc', { priceMinor: 19900, livePriceMinor: 24900, listPriceMinor: 39900, stock: 2, options: { 颜色: '墨绿', 尺码: 'L' } }),
  ]);

  it('price range and stock count only active SKUs', () => {
    expect(priceRange(p)).toEqual({ min: 19900, max: 29900 });
    expect(totalStock(p)).toBe(42);
    expect(priceRange(product([sku('s_dddddddd', { active: false })]))).toBeNull();
  });

  it('cheapest SKU by live price (else list price)', () => {
    expect(cheapestSku(p)?.id).toBe('s_cccccccc');
  });

  it('labels', () => {
    expect(skuLabel({ 颜色: '墨绿', 尺码: 'L' })).toBe('墨绿 / L');
    expect(skuLabel({})).toBe('');
  });
});

describe('money formatting (minor units, Intl)', () => {
  it('formats per currency digits and locale', () => {
    expect(formatMoney(12990, 'CNY', 'zh-CN')).toBe('¥129.90');
    expect(formatMoney(12990, 'USD', 'en')).toBe('$129.90');
    expect(formatMoney(1500, 'JPY', 'en')).toBe('¥1,500');
    expect(formatMoneyRange(19900, 29900, 'CNY', 'zh-CN')).toBe('¥199.00 – ¥299.00');
    expect(formatMoneyRange(500, 500, 'USD', 'en')).toBe('$5.00');
  });
});

describe('lineup reorder', () => {
  const ids = ['p_a', 'p_b', 'p_c', 'p_d'];
  it('moves items (clamped), by id for drag and drop', () => {
    expect(moveItem(ids, 0, 2)).toEqual(['p_b', 'p_c', 'p_a', 'p_d']);
    expect(moveItem(ids, 3, 0)).toEqual(['p_d', 'p_a', 'p_b', 'p_c']);
    expect(moveItem(ids, 1, 99)).toEqual(['p_a', 'p_c', 'p_d', 'p_b']);
    expect(moveItem(ids, 7, 0)).toEqual(ids);
    expect(moveId(ids, 'p_d', 'p_b')).toEqual(['p_a', 'p_d', 'p_b', 'p_c']);
    expect(moveId(ids, 'p_a', 'p_c')).toEqual(['p_b', 'p_c', 'p_a', 'p_d']);
    expect(ids).toEqual(['p_a', 'p_b', 'p_c', 'p_d']);
  });
  it('adds without duplicates, removes', () => {
    expect(addToLineup(ids, 'p_e')).toEqual([...ids, 'p_e']);
    expect(addToLineup(ids, 'p_b')).toEqual(ids);
    expect(removeFromLineup(ids, 'p_b')).toEqual(['p_a', 'p_c', 'p_d']);
  });
});

describe('running sales', () => {
  const sale = (id: string, endsAt: number, status: 'active' | 'ended' = 'active'): FlashSaleView => ({
    id,
    skuId: 's_aaaaaaaa',
    productId: 'p_product01',
    currency: 'CNY',
    salePriceMinor: 100,
    cap: 5,
    remaining: 5,
    perBuyerLimit: 1,
    startsAt: 0,
    endsAt,
    status,
    endedAt: null,
  });
  it('keeps active, unexpired sales, soonest end first', () => {
    const list = [sale('fs_late0001', 5000), sale('fs_gone0001', 900), sale('fs_soon0001', 2000), sale('fs_ended001', 9000, 'ended')];
    expect(runningSales(list, 1000).map((s) => s.id)).toEqual(['fs_soon0001', 'fs_late0001']);
  });
});
