import { describe, expect, it } from 'vitest';
import { ProductCreate, type ProductView, ProductUpdate, SkuUpdate } from '../../../shared/commerce/catalog';
import {
  applyDefaults,
  buildCreate,
  buildUpdate,
  combinations,
  emptyForm,
  formFromProduct,
  minorToText,
  optionsKey,
  type ProductForm,
  parseAttributes,
  splitValues,
  syncRows,
} from './product-form';

const defaults = { listPrice: '199', livePrice: '159.9', stock: '20' };

function withAttributes(attributes: ProductForm['attributes']): ProductForm {
  const f = { ...emptyForm('CNY'), title: '纯棉T恤', attributes };
  return { ...f, rows: syncRows(f, defaults) };
}

const existing: ProductView = {
  id: 'p_existing01',
  title: '羊绒围巾',
  description: '70% 羊绒',
  currency: 'CNY',
  faq: [{ q: '起球吗？', a: '不易起球' }],
  attributes: [{ name: '颜色', values: ['驼色', '墨绿'] }],
  perBuyerLimit: 3,
  status: 'active',
  images: [],
  skus: [
    {
      id: 's_camel00001',
      productId: 'p_existing01',
      code: 'SC-CA',
      options: { 颜色: '驼色' },
      listPriceMinor: 39900,
      livePriceMinor: 29900,
      priceMinor: 29900,
      stock: 40,
      available: 40,
      active: true,
      sale: null,
    },
    {
      id: 's_green00001',
      productId: 'p_existing01',
      code: '',
      options: { 颜色: '墨绿' },
      listPriceMinor: 39900,
      livePriceMinor: null,
      priceMinor: 39900,
      stock: 5,
      available: 5,
      active: false,
      sale: null,
    },
  ],
  createdAt: 1,
  updatedAt: 1,
};

describe('money text', () => {
  it('formats minor units as decimal input text without floating point', () => {
    expect(minorToText(19900, 'CNY')).toBe('199.00');
    expect(minorToText(5, 'USD')).toBe('0.05');
    expect(minorToText(0, 'CNY')).toBe('0.00');
    expect(minorToText(1234, 'JPY')).toBe('1234');
    expect(minorToText(99_999_999_999, 'CNY')).toBe('999999999.99');
  });
});

describe('attributes → SKU grid', () => {
  it('splits values on ASCII and CJK separators', () => {
    expect(splitValues(' 黑, 白，灰、 ;蓝 ,')).toEqual(['黑', '白', '灰', '蓝']);
  });

  it('generates the cartesian product in attribute order, like the server', () => {
    const f = withAttributes([
      { name: '颜色', values: '黑, 白' },
      { name: '尺码', values: 'S, M, L' },
    ]);
    expect(f.rows.map((r) => r.options)).toEqual(
      combinations([
        { name: '颜色', values: ['黑', '白'] },
        { name: '尺码', values: ['S', 'M', 'L'] },
      ]),
    );
    expect(f.rows).toHaveLength(6);
    expect(f.rows[0]).toMatchObject({ options: { 颜色: '黑', 尺码: 'S' }, skuId: null, listPrice: '199', livePrice: '159.9', stock: '20' });
  });

  it('keeps edited rows (and their SKU) when values are added, drops removed combinations', () => {
    const f = formFromProduct(existing);
    f.rows[0] = { ...f.rows[0]!, stock: '7' };
    const next = { ...f, attributes: [{ name: '颜色', values: '驼色, 燕麦白' }] };
    const rows = syncRows(next, defaults);
    expect(rows.map((r) => [r.options.颜色, r.skuId, r.stock])).toEqual([
      ['驼色', 's_camel00001', '7'],
      ['燕麦白', null, '20'],
    ]);
  });

  it('reports attribute problems and leaves the grid alone meanwhile', () => {
    const bad = [
      { name: '', values: '黑' },
      { name: '尺码', values: '' },
      { name: '尺码', values: 'S, S' },
    ];
    expect(parseAttributes(bad).errors.map((e) => `${e.field}:${e.key}`)).toEqual([
      'attributes.0.name:attributeNameRequired',
      'attributes.1.values:attributeValuesRequired',
      'attributes.2.name:attributeNameDuplicate',
      'attributes.2.values:attributeValuesDuplicate',
    ]);
    const f = withAttributes([{ name: '颜色', values: '黑' }]);
    expect(syncRows({ ...f, attributes: bad }, defaults)).toBe(f.rows);
    const tooMany = parseAttributes([
      { name: 'a', values: Array.from({ length: 11 }, (_, i) => `v${i}`).join(',') },
      { name: 'b', values: Array.from({ length: 10 }, (_, i) => `v${i}`).join(',') },
    ]);
    expect(tooMany.errors.map((e) => e.key)).toContain('skusTooMany');
  });

  it('applies bulk values to every row (empty fields untouched)', () => {
    const f = withAttributes([{ name: '颜色', values: '黑, 白' }]);
    const rows = applyDefaults(f.rows, { listPrice: '99', livePrice: '', stock: '5' });
    expect(rows.map((r) => [r.listPrice, r.livePrice, r.stock])).toEqual([
      ['99', '159.9', '5'],
      ['99', '159.9', '5'],
    ]);
  });
});

describe('buildCreate', () => {
  it('turns the form into a valid POST body in minor units', () => {
    const f = withAttributes([
      { name: '颜色', values: '黑, 白' },
      { name: '尺码', values: 'M' },
    ]);
    f.perBuyerLimit = '2';
    f.faq = [
      { q: ' 会缩水吗？ ', a: ' 不会 ' },
      { q: '', a: '' },
    ];
    f.rows[1] = { ...f.rows[1]!, code: 'TS-W-M', livePrice: '', active: false };
    const r = buildCreate(f);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.body).toEqual({
      title: '纯棉T恤',
      description: '',
      currency: 'CNY',
      perBuyerLimit: 2,
      faq: [{ q: '会缩水吗？', a: '不会' }],
      attributes: [
        { name: '颜色', values: ['黑', '白'] },
        { name: '尺码', values: ['M'] },
      ],
      skus: [
        { options: { 颜色: '黑', 尺码: 'M' }, listPriceMinor: 19900, livePriceMinor: 15990, stock: 20, active: true },
        { options: { 颜色: '白', 尺码: 'M' }, code: 'TS-W-M', listPriceMinor: 19900, livePriceMinor: null, stock: 20, active: false },
      ],
    });
    expect(ProductCreate.safeParse(r.body).success).toBe(true);
  });

  it('a product without attributes has one SKU', () => {
    const f = { ...emptyForm('USD'), title: 'Mug' };
    f.rows[0] = { ...f.rows[0]!, listPrice: '12.5', stock: '3' };
    const r = buildCreate(f);
    expect(r.ok && r.body.skus).toEqual([{ options: {}, listPriceMinor: 1250, livePriceMinor: null, stock: 3, active: true }]);
  });

  it('collects every field problem', () => {
    const f = withAttributes([{ name: '颜色', values: '黑, 白' }]);
    f.title = ' ';
    f.perBuyerLimit = '0';
    f.faq = [{ q: 'Q?', a: '' }];
    f.rows[0] = { ...f.rows[0]!, listPrice: '', stock: '-1', code: 'bad code' };
    f.rows[1] = { ...f.rows[1]!, listPrice: '10', livePrice: '12.345' };
    const r = buildCreate(f);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.field}:${e.key}`)).toEqual([
      'title:titleRequired',
      'perBuyerLimit:limitInvalid',
      'faq.0.a:faqAnswerRequired',
      'rows.0.listPrice:listPriceRequired',
      'rows.0.stock:stockInvalid',
      'rows.0.code:codeInvalid',
      'rows.1.livePrice:priceInvalid',
    ]);
  });

  it('rejects a live price above the list price and a grid that no longer matches the attributes', () => {
    const f = withAttributes([{ name: '颜色', values: '黑' }]);
    f.rows[0] = { ...f.rows[0]!, listPrice: '10', livePrice: '11' };
    expect(buildCreate(f)).toMatchObject({ ok: false, errors: [{ field: 'rows.0.livePrice', key: 'livePriceAboveList' }] });
    const stale = { ...withAttributes([{ name: '颜色', values: '黑' }]), attributes: [{ name: '颜色', values: '黑, 白' }] };
    expect(buildCreate(stale)).toMatchObject({ ok: false, errors: [{ field: 'rows', key: 'gridOutdated' }] });
  });
});

describe('buildUpdate', () => {
  it('sends the basics and only the SKU fields that were edited (live stock is not overwritten)', () => {
    const f = formFromProduct(existing);
    f.title = '羊绒混纺围巾';
    f.perBuyerLimit = '';
    f.rows[0] = { ...f.rows[0]!, livePrice: '279' };
    const r = buildUpdate(f, existing);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.patch).toEqual({
      title: '羊绒混纺围巾',
      description: '70% 羊绒',
      faq: [{ q: '起球吗？', a: '不易起球' }],
      perBuyerLimit: null,
      status: 'active',
    });
    expect(r.skuPatches).toEqual([{ skuId: 's_camel00001', body: { livePriceMinor: 27900 } }]);
    expect(ProductUpdate.safeParse(r.patch).success).toBe(true);
    for (const p of r.skuPatches) expect(SkuUpdate.safeParse(p.body).success).toBe(true);
  });

  it('unchanged form → no SKU patches', () => {
    const r = buildUpdate(formFromProduct(existing), existing);
    expect(r.ok && r.skuPatches).toEqual([]);
  });

  it('new attribute values: attributes + inputs for the new combinations; keeps an inactive SKU inactive', () => {
    const f = formFromProduct(existing);
    const next = { ...f, attributes: [{ name: '颜色', values: '驼色, 墨绿, 燕麦白' }] };
    next.rows = syncRows(next, defaults);
    next.rows[0] = { ...next.rows[0]!, stock: '60', active: false };
    const r = buildUpdate(next, existing);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.patch.attributes).toEqual([{ name: '颜色', values: ['驼色', '墨绿', '燕麦白'] }]);
    expect(r.patch.skus).toEqual([{ options: { 颜色: '燕麦白' }, listPriceMinor: 19900, livePriceMinor: 15990, stock: 20, active: true }]);
    expect(r.skuPatches).toEqual([
      { skuId: 's_camel00001', body: { stock: 60, active: false } },
      // the server re-activates kept combinations on an attribute change: say again that this one stays off
      { skuId: 's_green00001', body: { active: false } },
    ]);
  });

  it('removing a value drops its row; the server deactivates that SKU', () => {
    const f = formFromProduct(existing);
    const next = { ...f, attributes: [{ name: '颜色', values: '驼色' }] };
    next.rows = syncRows(next, defaults);
    const r = buildUpdate(next, existing);
    expect(r.ok && r.patch.attributes).toEqual([{ name: '颜色', values: ['驼色'] }]);
    expect(r.ok && r.patch.skus).toEqual([]);
    expect(next.rows.map((x) => optionsKey(x.options))).toEqual(['颜色=驼色']);
  });
});
