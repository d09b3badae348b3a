/**
 * Commerce slice of the viewer store. The shop controller writes through these actions; React reads through
 * selectors (shop/selectors.ts). Stock, prices and sales live inside the cached ProductViews and are updated by
 * live events; anything that depends on the clock (is the sale still running?) is derived at render time.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { ProductView } from '../../../shared/commerce/catalog';
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { OrderView } from '../../../shared/commerce/orders';
import type { ViewerState } from '../store';
import { type Cart, type CartAction, cartReducer, EMPTY_CART } from './cart';
import { applyCommerceEvent } from './catalog';
import type { CheckoutItem, ErrorMessage } from './checkout';

export type Sheet =
  | { kind: 'buy'; productId: string }
  | { kind: 'cart' }
  | { kind: 'checkout'; items: CheckoutItem[]; fromCart: boolean }
  | null;

export type CheckoutPhase = 'form' | 'placing' | 'placed' | 'paying';

export interface CheckoutState {
  phase: CheckoutPhase;
  error: ErrorMessage | null;
  /** The order placed by this checkout (phase placed/paying). */
  order: OrderView | null;
  /** Total the buyer saw before placing (to say when the server priced differently). */
  expectedTotalMinor: number | null;
}

export interface Toast {
  id: number;
  kind: 'bought' | 'added' | 'error';
  key: string;
  params?: Record<string, string | number>;
}

export type OrderAction = 'pay' | 'cancel' | 'refund';

export interface OrderPageState {
  loading: boolean;
  order: OrderView | null;
  error: ErrorMessage | null;
  busy: OrderAction | null;
  actionError: ErrorMessage | null;
}

export interface ShopSlice {
  /** A payment provider is enabled and the shop controller runs: Buy is live. */
  checkoutAvailable: boolean;
  products: Record<string, ProductView>;
  /** Pinned ids that are not (or no longer) catalog products: shown from the pin, not buyable. */
  missingProducts: Record<string, true>;
  lineup: string[];
  cart: Cart;
  sheet: Sheet;
  /** The buyer's orders (null until loaded); also bounds per-buyer limits. */
  myOrders: OrderView[] | null;
  myOrdersError: ErrorMessage | null;
  /** server clock − local clock (ms), from HTTP Date headers. */
  clockSkewMs: number;
  toast: Toast | null;
  checkout: CheckoutState;
  orderPage: OrderPageState;
  setCheckoutAvailable(available: boolean): void;
  productsLoaded(products: readonly ProductView[]): void;
  productMissing(productId: string): void;
  setLineup(productIds: string[]): void;
  commerceEvent(evt: CommerceEvent): void;
  cartDispatch(action: CartAction): void;
  openSheet(sheet: Sheet): void;
  setMyOrders(orders: OrderView[] | null, error?: ErrorMessage | null): void;
  orderUpdated(order: OrderView): void;
  setClockSkew(ms: number): void;
  showToast(toast: Omit<Toast, 'id'>): number;
  hideToast(id: number): void;
  setCheckout(patch: Partial<CheckoutState>): void;
  setOrderPage(patch: Partial<OrderPageState>): void;
}

export const INITIAL_CHECKOUT: CheckoutState = { phase: 'form', error: null, order: null, expectedTotalMinor: null };

let toastSeq = 0;

export const shopSlice: StateCreator<ViewerState, [], [], ShopSlice> = (set, get) => ({
  checkoutAvailable: false,
  products: {},
  missingProducts: {},
  lineup: [],
  cart: EMPTY_CART,
  sheet: null,
  myOrders: null,
  myOrdersError: null,
  clockSkewMs: 0,
  toast: null,
  checkout: INITIAL_CHECKOUT,
  orderPage: { loading: false, order: null, error: null, busy: null, actionError: null },
  setCheckoutAvailable: (checkoutAvailable) => set({ checkoutAvailable }),
  productsLoaded: (list) => {
    if (list.length === 0) return;
    const products = { ...get().products };
    const missing = { ...get().missingProducts };
    for (const p of list) {
      products[p.id] = p;
      delete missing[p.id];
    }
    set({ products, missingProducts: missing });
  },
  productMissing: (productId) => {
    const { [productId]: _gone, ...products } = get().products;
    set({ products, missingProducts: { ...get().missingProducts, [productId]: true } });
  },
  setLineup: (lineup) => set({ lineup }),
  commerceEvent: (evt) => {
    const products = applyCommerceEvent(get().products, evt);
    if (products !== get().products) set({ products });
  },
  cartDispatch: (action) => {
    const cart = cartReducer(get().cart, action);
    if (cart !== get().cart) set({ cart });
  },
  openSheet: (sheet) => {
    const prev = get().sheet;
    // A new checkout starts from the form; leaving a placed order keeps it reachable from My orders.
    const fresh = sheet?.kind === 'checkout' && prev?.kind !== 'checkout';
    set(fresh ? { sheet, checkout: INITIAL_CHECKOUT } : { sheet });
  },
  setMyOrders: (myOrders, error = null) => set({ myOrders, myOrdersError: error }),
  orderUpdated: (order) => {
    const s = get();
    const patch: Partial<ShopSlice> = {};
    if (s.myOrders) {
      const i = s.myOrders.findIndex((o) => o.id === order.id);
      patch.myOrders = i >= 0 ? s.myOrders.map((o) => (o.id === order.id ? { ...o, ...order } : o)) : [order, ...s.myOrders];
    }
    if (s.orderPage.order?.id === order.id) patch.orderPage = { ...s.orderPage, order: { ...s.orderPage.order, ...order } };
    if (s.checkout.order?.id === order.id) patch.checkout = { ...s.checkout, order };
    set(patch);
  },
  setClockSkew: (clockSkewMs) => {
    if (Math.abs(clockSkewMs - get().clockSkewMs) >= 50) set({ clockSkewMs });
  },
  showToast: (toast) => {
    const id = ++toastSeq;
    set({ toast: { ...toast, id } });
    return id;
  },
  hideToast: (id) => {
    if (get().toast?.id === id) set({ toast: null });
  },
  setCheckout: (patch) => set({ checkout: { ...get().checkout, ...patch } }),
  setOrderPage: (patch) => set({ orderPage: { ...get().orderPage, ...patch } }),
});
