import { describe, expect, it } from 'vitest';
import {
  CART_STORAGE_KEY,
  type Cart,
  type CartLine,
  cartCount,
  cartQtyOfProduct,
  cartReducer,
  EMPTY_CART,
  type KeyValueStorage,
  loadCart,
  MAX_CART_LINES,
  parseCart,
  saveCart,
} from './cart';
import { cartStatus } from './cart-status';
import { product, sku } from './testing';

const line = (skuId: string, qty = 1, productId = 'p_prod0001', seenPriceMinor = 500): CartLine => ({
  skuId,
  productId,
  qty,
  seenPriceMinor,
  currency: 'CNY',
  title: 'Scarf',
  optionsLabel: 'Camel',
  imageUrl: null,
  addedAt: 1,
});

class MemoryStorage implements KeyValueStorage {
  readonly data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

describe('cartReducer', () => {
  it('adds lines and merges a SKU added twice, bounded by max', () => {
    let c = cartReducer(EMPTY_CART, { type: 'add', line: line('s_aaaaaa01', 2), max: 5 });
    c = cartReducer(c, { type: 'add', line: line('s_aaaaaa02', 1), max: 5 });
    expect(c.lines.map((l) => [l.skuId, l.qty])).toEqual([
      ['s_aaaaaa01', 2],
      ['s_aaaaaa02', 1],
    ]);
    c = cartReducer(c, { type: 'add', line: line('s_aaaaaa01', 4, 'p_prod0001', 450), max: 5 });
    expect(c.lines[0]).toMatchObject({ qty: 5, seenPriceMinor: 450 });
    expect(cartCount(c)).toBe(6);
  });

  it('adds nothing when the bound leaves no room', () => {
    const c = cartReducer(EMPTY_CART, { type: 'add', line: line('s_aaaaaa01', 2), max: 0 });
    expect(c).toBe(EMPTY_CART);
  });

  it('holds at most MAX_CART_LINES lines', () => {
    let c: Cart = EMPTY_CART;
    for (let i = 0; i < MAX_CART_LINES + 3; i++) {
      c = cartReducer(c, { type: 'add', line: line(`s_line${String(i).padStart(4, '0')}`), max: 9 });
    }
    expect(c.lines).toHaveLength(MAX_CART_LINES);
  });

  it('sets, removes and clears', () => {
    let c = cartReducer(EMPTY_CART, { type: 'add', line: line('s_aaaaaa01', 2), max: 9 });
    c = cartReducer(c, { type: 'add', line: line('s_aaaaaa02', 1, 'p_prod0002'), max: 9 });
    c = cartReducer(c, { type: 'setQty', skuId: 's_aaaaaa01', qty: 7 });
    expect(c.lines[0]!.qty).toBe(7);
    expect(cartReducer(c, { type: 'setQty', skuId: 's_aaaaaa01', qty: 7 })).toBe(c);
    expect(cartReducer(c, { type: 'setQty', skuId: 's_aaaaaa01', qty: 0 }).lines.map((l) => l.skuId)).toEqual(['s_aaaaaa02']);
    expect(cartReducer(c, { type: 'remove', skuId: 's_aaaaaa02' }).lines.map((l) => l.skuId)).toEqual(['s_aaaaaa01']);
    expect(cartReducer(c, { type: 'clear', skuIds: ['s_aaaaaa01'] }).lines.map((l) => l.skuId)).toEqual(['s_aaaaaa02']);
    expect(cartReducer(c, { type: 'clear' })).toEqual(EMPTY_CART);
    expect(cartQtyOfProduct(c, 'p_prod0001')).toBe(7);
    expect(cartQtyOfProduct(c, 'p_prod0001', 's_aaaaaa01')).toBe(0);
  });
});

describe('cart persistence', () => {
  it('round-trips through storage and survives a reload', () => {
    const storage = new MemoryStorage();
    const c = cartReducer(EMPTY_CART, { type: 'add', line: line('s_aaaaaa01', 3), max: 9 });
    saveCart(storage, c);
    expect(loadCart(storage)).toEqual(c);
    saveCart(storage, EMPTY_CART);
    expect(storage.data.has(CART_STORAGE_KEY)).toBe(false);
  });

  it('drops corrupt or tampered entries instead of trusting them', () => {
    expect(parseCart('not json')).toEqual(EMPTY_CART);
    expect(parseCart(JSON.stringify({ lines: [{ ...line('s_aaaaaa01'), qty: 1000 }] }))).toEqual(EMPTY_CART);
    expect(parseCart(JSON.stringify({ lines: [{ ...line('bad id') }] }))).toEqual(EMPTY_CART);
    expect(parseCart(null)).toEqual(EMPTY_CART);
  });

  it('copes with storage that throws (private mode)', () => {
    const broken: KeyValueStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('quota');
      },
      removeItem: () => {},
    };
    expect(loadCart(broken)).toEqual(EMPTY_CART);
    expect(() => saveCart(broken, { lines: [line('s_aaaaaa01')] })).not.toThrow();
  });
});

describe('cartStatus', () => {
  it('flags changed prices, sold-out lines and lines over the bound', () => {
    const a = sku({ id: 's_status01', options: {}, livePriceMinor: 600, stock: 2, available: 2 });
    const p = product({ id: 'p_status01', skus: [a], perBuyerLimit: 5 });
    const b = sku({ id: 's_status02', options: {}, stock: 0, available: 0 });
    const q = product({ id: 'p_status02', skus: [b] });
    const cart: Cart = { lines: [line('s_status01', 3, 'p_status01', 500), line('s_status02', 1, 'p_status02', 800)] };
    const [first, second] = cartStatus(cart, { [p.id]: p, [q.id]: q }, [], 0);
    expect(first).toMatchObject({ priceMinor: 600, priceChanged: true, max: 2, unavailable: false });
    expect(second).toMatchObject({ priceChanged: false, max: 0, unavailable: true });
    // Details not loaded yet: the line is trusted as is; a deleted product is unavailable.
    expect(cartStatus(cart, {}, [], 0)[0]).toMatchObject({ priceMinor: 500, unavailable: false });
    expect(cartStatus(cart, {}, [], 0, { p_status01: true })[0]).toMatchObject({ unavailable: true });
  });
});
