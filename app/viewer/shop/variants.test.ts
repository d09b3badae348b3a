import { describe, expect, it } from 'vitest';
import { product, order, sku } from './testing';
import { attributeStates, boughtQty, clampQty, initialSelection, maxQty, missingAttributes, selectedSku, toggleOption } from './variants';

const attributes = [
  { name: '颜色', values: ['黑', '白'] },
  { name: '尺码', values: ['S', 'M'] },
];

function tee() {
  return product({
    id: 'p_teeshirt1',
    attributes,
    perBuyerLimit: 3,
    skus: [
      sku({ id: 's_blacks001', options: { 颜色: '黑', 尺码: 'S' }, stock: 5, available: 5 }),
      sku({ id: 's_blackm001', options: { 颜色: '黑', 尺码: 'M' }, stock: 0, available: 0 }),
      sku({ id: 's_whites001', options: { 颜色: '白', 尺码: 'S' }, stock: 0, available: 0 }),
      sku({ id: 's_whitem001', options: { 颜色: '白', 尺码: 'M' }, stock: 2, available: 2 }),
    ],
  });
}

const state = (p: ReturnType<typeof tee>, sel: Record<string, string>) =>
  Object.fromEntries(attributeStates(p, sel, 0).map((a) => [a.name, a.options.filter((o) => o.disabled).map((o) => o.value)]));

describe('variant availability', () => {
  it('disables values with no buyable SKU given the other choices', () => {
    const p = tee();
    expect(state(p, {})).toEqual({ 颜色: [], 尺码: [] });
    expect(state(p, { 颜色: '黑' })).toEqual({ 颜色: [], 尺码: ['M'] });
    expect(state(p, { 尺码: 'S' })).toEqual({ 颜色: ['白'], 尺码: [] });
    expect(state(p, { 颜色: '白', 尺码: 'M' })).toEqual({ 颜色: ['黑'], 尺码: ['S'] });
  });

  it('a SKU whose stock is gone or that is inactive is not buyable', () => {
    const p = tee();
    p.skus[0]!.active = false;
    expect(state(p, {})).toEqual({ 颜色: ['黑'], 尺码: ['S'] });
  });

  it('chooses, clears and resolves the SKU only once every attribute is chosen', () => {
    const p = tee();
    let sel = toggleOption({}, '颜色', '黑');
    expect(selectedSku(p, sel)).toBeNull();
    expect(missingAttributes(p, sel)).toEqual(['尺码']);
    sel = toggleOption(sel, '尺码', 'S');
    expect(selectedSku(p, sel)?.id).toBe('s_blacks001');
    expect(toggleOption(sel, '尺码', 'S')).toEqual({ 颜色: '黑' });
  });

  it('preselects single buyable values and the only buyable SKU', () => {
    const p = tee();
    expect(initialSelection(p, 0)).toEqual({});
    p.skus[3]!.stock = 0;
    expect(initialSelection(p, 0)).toEqual({ 颜色: '黑', 尺码: 'S' });
    const plain = product({ skus: [sku({ id: 's_plain0001', options: {} })] });
    expect(selectedSku(plain, initialSelection(plain, 0))?.id).toBe('s_plain0001');
  });
});

describe('quantity bounds', () => {
  const item = (productId: string, qty: number, flashSaleId: string | null = null) => ({
    skuId: 's_blacks001',
    productId,
    title: 'Tee',
    options: {},
    qty,
    unitPriceMinor: 800,
    listPriceMinor: 1000,
    flashSaleId,
  });

  it('counts only live orders against limits', () => {
    const orders = [
      order({ status: 'paid', items: [item('p_teeshirt1', 1, 'fs_sale00001')] }),
      order({ status: 'cancelled', items: [item('p_teeshirt1', 2)] }),
      order({ status: 'refunded', items: [item('p_teeshirt1', 2)] }),
      order({ status: 'pending_payment', items: [item('p_teeshirt1', 1), item('p_other00001', 4)] }),
    ];
    expect(boughtQty(orders, 'p_teeshirt1', 'fs_sale00001')).toEqual({ product: 2, sale: 1 });
  });

  it('takes the tightest of stock, per-buyer limit (minus bought and cart) and the line maximum', () => {
    const p = tee();
    const black = p.skus[0]!;
    expect(maxQty(p, black, [], 0)).toEqual({ max: 3, reason: 'limit' });
    expect(maxQty(p, black, [order({ items: [item(p.id, 1)] })], 0)).toEqual({ max: 2, reason: 'limit' });
    expect(maxQty(p, black, [], 0, 3)).toEqual({ max: 0, reason: 'limit' });
    expect(maxQty(p, p.skus[3]!, [], 0)).toEqual({ max: 2, reason: 'stock' });
    const unlimited = product({ skus: [sku({ options: {}, stock: 500, available: 500 })] });
    expect(maxQty(unlimited, unlimited.skus[0]!, [], 0)).toEqual({ max: 99, reason: 'max' });
  });

  it('applies a running flash sale: its remaining cap and its own per-buyer limit, until it ends', () => {
    const sale = { id: 'fs_sale00001', salePriceMinor: 500, cap: 10, remaining: 4, perBuyerLimit: 1, startsAt: 0, endsAt: 1000 };
    const p = product({ skus: [sku({ options: {}, stock: 50, available: 4, sale })] });
    const s = p.skus[0]!;
    expect(maxQty(p, s, [], 500)).toEqual({ max: 1, reason: 'saleLimit' });
    expect(maxQty(p, s, [], 1000)).toEqual({ max: 50, reason: 'stock' });
    expect(clampQty(7, 3)).toBe(3);
    expect(clampQty(0, 3)).toBe(1);
    expect(clampQty(Number.NaN, 0)).toBe(0);
  });
});
