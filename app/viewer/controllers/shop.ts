/**
 * Commerce controller, outside React: keeps the buyer session and the cart's persistence, applies commerce events
 * from the page's realtime socket, and opens the buy, cart and checkout sheets. Its parts: the lineup and the pinned
 * products' live details (shop-catalog.ts), checkout with idempotent order placement → payment redirect
 * (shop-checkout.ts), and the order pages' loading and actions (shop-orders.ts). React components call its methods and
 * read the store.
 */
import type { ProductView, SkuView } from '../../../shared/commerce/catalog';
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { PaymentAction } from '../../../shared/commerce/payments';
import type { OrderStatusUpdate } from '../../../shared/protocol/realtime';
import type { ShopApi } from '../shop/api';
import { BUY_EVENT, type BuyEventDetail } from '../shop/buy-event';
import { CART_STORAGE_KEY, type CartLine, cartQtyOfProduct, type KeyValueStorage, loadCart, parseCart, saveCart } from '../shop/cart';
import { optionsLabel, skuPrice } from '../shop/catalog';
import type { ContactInput } from '../shop/checkout';
import { SkewEstimator } from '../shop/countdown';
import type { Toast } from '../shop/slice';
import { maxQty } from '../shop/variants';
import type { ViewerStore } from '../store';
import { ShopCatalog } from './shop-catalog';
import { Checkout, followPayment } from './shop-checkout';
import { ShopOrders } from './shop-orders';

const TOAST_MS = 3_500;
/** "Someone just bought" toasts at most this often. */
const BOUGHT_TOAST_GAP_MS = 4_000;

/** The page's realtime socket as the shop sees it: commerce events, and this buyer's own order status changes. */
export interface CommerceEventSource {
  onCommerceEvent(fn: (evt: CommerceEvent) => void): () => void;
  onOrderStatus(fn: (update: OrderStatusUpdate) => void): () => void;
}

export interface ShopOptions {
  store: ViewerStore;
  api: ShopApi;
  /** The live show this page watches (null on the order pages). */
  showId: string | null;
  storage: KeyValueStorage | null;
  /** Leave the page for a payment provider (tests replace it). */
  navigate?: (url: string) => void;
}

export class ShopController {
  private readonly store: ViewerStore;
  private readonly api: ShopApi;
  private readonly cleanups: (() => void)[] = [];
  private readonly catalog: ShopCatalog;
  private readonly checkout: Checkout;
  private readonly orders: ShopOrders;
  private session: Promise<void> | null = null;
  private toastTimer: ReturnType<typeof setTimeout> | null = null;
  private lastBoughtToast = 0;
  private stopped = false;

  constructor(private readonly opts: ShopOptions) {
    this.store = opts.store;
    this.api = opts.api;
    const follow = (action: PaymentAction) => followPayment(action, opts.navigate);
    const ensureSession = () => this.ensureSession();
    this.catalog = new ShopCatalog(opts.store, opts.api, opts.showId);
    this.orders = new ShopOrders({ store: opts.store, api: opts.api, ensureSession, follow });
    this.checkout = new Checkout({
      store: opts.store,
      api: opts.api,
      showId: opts.showId,
      ensureSession,
      stopped: () => this.stopped,
      loadMyOrders: () => this.orders.loadMyOrders(),
      fetchProduct: (id) => this.catalog.fetchProduct(id),
      follow,
    });
  }

  /** The server's clock now (countdowns run against it). */
  serverNow(): number {
    return Date.now() + this.store.getState().clockSkewMs;
  }

  start(): void {
    const { store, storage } = this.opts;
    store.getState().cartDispatch({ type: 'replace', cart: loadCart(storage) });
    this.cleanups.push(
      store.subscribe((s, prev) => {
        if (s.cart !== prev.cart) saveCart(storage, s.cart);
        if (s.pinned !== prev.pinned) this.catalog.fetchPinned();
        // Back on the signaling socket after a drop: events were missed, refresh what is on screen.
        if (s.connection === 'open' && prev.connection === 'reconnecting') this.catalog.refreshVisible();
      }),
    );
    const onStorage = (e: StorageEvent) => {
      if (e.key === CART_STORAGE_KEY) store.getState().cartDispatch({ type: 'replace', cart: parseCart(e.newValue) });
    };
    const onBuy = (e: Event) => {
      const detail = (e as CustomEvent<BuyEventDetail>).detail;
      if (detail && typeof detail.productId === 'string') void this.openBuy(detail.productId);
    };
    window.addEventListener('storage', onStorage);
    window.addEventListener(BUY_EVENT, onBuy);
    this.cleanups.push(() => {
      window.removeEventListener('storage', onStorage);
      window.removeEventListener(BUY_EVENT, onBuy);
    });
    void this.ensureSession();
    void this.loadProviders();
    if (this.opts.showId) void this.catalog.loadLineup();
    this.catalog.fetchPinned();
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.cleanups.splice(0)) c();
    if (this.toastTimer) clearTimeout(this.toastTimer);
  }

  /** Subscribe to live commerce events and this buyer's order updates (the page's realtime socket). */
  attach(source: CommerceEventSource): void {
    this.cleanups.push(
      source.onCommerceEvent((evt) => this.onEvent(evt)),
      source.onOrderStatus((u) => void this.onOrderStatus(u)),
    );
  }

  /** One of this buyer's orders moved (paid, expired, shipped…): refresh it wherever the page shows it. */
  private async onOrderStatus(u: OrderStatusUpdate): Promise<void> {
    const s = this.store.getState();
    const shown = s.checkout.order?.id === u.orderId || s.orderPage.order?.id === u.orderId || s.myOrders?.some((o) => o.id === u.orderId);
    if (!shown) return;
    try {
      this.store.getState().orderUpdated(await this.api.order(u.orderId));
    } catch (err) {
      console.warn('storecast: order refresh failed', err);
    }
  }

  // ---------------------------------------------------------------- session, providers, catalog events

  ensureSession(): Promise<void> {
    this.session ??= this.api.session().then(
      () => undefined,
      (err: unknown) => {
        this.session = null; // try again on the next call
        throw err;
      },
    );
    return this.session;
  }

  private async loadProviders(attempt = 0): Promise<void> {
    try {
      const res = await this.api.providers();
      this.store.getState().setCheckoutAvailable(res.providers.length > 0);
    } catch (err) {
      if (this.stopped || attempt >= 5) return;
      console.warn('storecast: payment providers unavailable', err);
      setTimeout(() => void this.loadProviders(attempt + 1), 1000 * 2 ** attempt);
    }
  }

  /** Fetch a product's current details (deduplicated while in flight). Null when it is not a catalog product. */
  fetchProduct(productId: string): Promise<ProductView | null> {
    return this.catalog.fetchProduct(productId);
  }

  private onEvent(evt: CommerceEvent): void {
    const s = this.store.getState();
    switch (evt.type) {
      case 'stock.changed':
      case 'sale.ended':
        s.commerceEvent(evt);
        break;
      case 'sale.started':
        // A sale on a product we have not cached yet: fetch it if it is on screen.
        if (s.products[evt.sale.productId]) s.commerceEvent(evt);
        else if (s.pinned.some((p) => p.product.productId === evt.sale.productId)) void this.catalog.fetchProduct(evt.sale.productId);
        break;
      case 'product.changed':
        if (evt.deleted) s.productMissing(evt.productId);
        else if (s.products[evt.productId] || s.pinned.some((p) => p.product.productId === evt.productId)) {
          void this.catalog.fetchProduct(evt.productId);
        }
        break;
      case 'order.paid': {
        if (evt.showId !== this.opts.showId || evt.items.length === 0) break;
        const now = Date.now();
        if (now - this.lastBoughtToast < BOUGHT_TOAST_GAP_MS || (s.toast && s.toast.kind !== 'bought')) break;
        this.lastBoughtToast = now;
        const first = evt.items[0]!;
        this.toast({ kind: 'bought', key: 'shop.toast.bought', params: { buyer: evt.buyer, title: first.title, qty: first.qty } });
        break;
      }
      case 'order.status':
        break;
    }
  }

  toast(t: Omit<Toast, 'id'>): void {
    const id = this.store.getState().showToast(t);
    if (this.toastTimer) clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => this.store.getState().hideToast(id), TOAST_MS);
  }

  // ---------------------------------------------------------------- buy sheet, cart

  async openBuy(productId: string): Promise<void> {
    const s = this.store.getState();
    if (!s.checkoutAvailable) return;
    s.openSheet({ kind: 'buy', productId });
    // Fresh stock and limits for the sheet.
    await Promise.all([this.fetchProduct(productId), this.loadMyOrders()]);
  }

  openCart(): void {
    this.store.getState().openSheet({ kind: 'cart' });
    const ids = new Set(this.store.getState().cart.lines.map((l) => l.productId));
    for (const id of ids) void this.catalog.fetchProduct(id);
    void this.loadMyOrders();
  }

  close(): void {
    const s = this.store.getState();
    if (s.checkout.phase === 'placing' || s.checkout.phase === 'paying') return;
    s.openSheet(null);
  }

  /** Add to the cart (bounded by stock and per-buyer limits). Returns the units added. */
  addToCart(product: ProductView, sku: SkuView, qty: number): number {
    const s = this.store.getState();
    const now = this.serverNow();
    const inCart = s.cart.lines.find((l) => l.skuId === sku.id)?.qty ?? 0;
    const { max } = maxQty(product, sku, s.myOrders ?? [], now, cartQtyOfProduct(s.cart, product.id, sku.id));
    const line: CartLine = {
      skuId: sku.id,
      productId: product.id,
      qty,
      seenPriceMinor: skuPrice(sku, now),
      currency: product.currency,
      title: product.title,
      optionsLabel: optionsLabel(product, sku.options),
      imageUrl: product.images[0]?.thumbUrl ?? null,
      addedAt: Date.now(),
    };
    s.cartDispatch({ type: 'add', line, max });
    const added = (this.store.getState().cart.lines.find((l) => l.skuId === sku.id)?.qty ?? 0) - inCart;
    this.toast(
      added > 0 ? { kind: 'added', key: 'shop.toast.added', params: { qty: added } } : { kind: 'error', key: 'shop.toast.notAdded' },
    );
    if (added > 0) s.openSheet(null);
    return added;
  }

  buyNow(sku: SkuView, qty: number): void {
    this.store.getState().openSheet({ kind: 'checkout', items: [{ skuId: sku.id, qty }], fromCart: false });
  }

  checkoutCart(): void {
    const lines = this.store.getState().cart.lines;
    if (lines.length === 0) return;
    this.store.getState().openSheet({ kind: 'checkout', items: lines.map((l) => ({ skuId: l.skuId, qty: l.qty })), fromCart: true });
  }

  // ---------------------------------------------------------------- checkout

  /** Place the checkout's order (validated contact). Resolves when placed or failed (state in `checkout`). */
  placeOrder(contactInput: ContactInput, expectedTotalMinor: number | null, couponId: string | null = null): Promise<void> {
    return this.checkout.placeOrder(contactInput, expectedTotalMinor, couponId);
  }

  /** Start paying the checkout's order: off to the provider's page. */
  payCheckout(): Promise<void> {
    return this.checkout.pay();
  }

  // ---------------------------------------------------------------- orders

  loadMyOrders(): Promise<void> {
    return this.orders.loadMyOrders();
  }

  /** Keep an order page fresh: poll while something may change soon, and refresh when the tab comes back. */
  watchOrder(orderId: string): () => void {
    return this.orders.watchOrder(orderId);
  }

  /** The order list page: load now, refresh on focus. */
  watchOrders(): () => void {
    return this.orders.watchOrders();
  }

  payOrder(orderId: string): Promise<void> {
    return this.orders.payOrder(orderId);
  }

  cancelOrder(orderId: string): Promise<void> {
    return this.orders.cancelOrder(orderId);
  }

  requestRefund(orderId: string, reason: string): Promise<boolean> {
    return this.orders.requestRefund(orderId, reason);
  }
}

/** Feed the API's Date headers into the store's clock skew. */
export function trackServerClock(store: ViewerStore, skew = new SkewEstimator()): (serverMs: number, localMs: number) => void {
  return (serverMs, localMs) => store.getState().setClockSkew(skew.add(serverMs, localMs));
}
