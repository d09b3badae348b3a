/**
 * Commerce controller, outside React: keeps the buyer session, the show's lineup and the pinned products' live
 * details (stock, flash sales) in the store, applies commerce events from the page's realtime socket, owns
 * the cart's persistence, and runs checkout (idempotent order placement → payment redirect) and the order pages'
 * actions. React components call its methods and read the store.
 */
import type { ProductView, SkuView } from '../../../shared/commerce/catalog';
import { ProductId } from '../../../shared/commerce/common';
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { OrderView } from '../../../shared/commerce/orders';
import type { PaymentAction } from '../../../shared/commerce/payments';
import type { OrderStatusUpdate } from '../../../shared/protocol/realtime';
import { type ShopApi, ShopApiError } from '../shop/api';
import { BUY_EVENT, type BuyEventDetail } from '../shop/buy-event';
import { CART_STORAGE_KEY, type CartLine, cartQtyOfProduct, type KeyValueStorage, loadCart, parseCart, saveCart } from '../shop/cart';
import { optionsLabel, skuPrice } from '../shop/catalog';
import {
  type Attempt,
  type CheckoutItem,
  type ContactInput,
  checkoutFingerprint,
  explainError,
  nextAttempt,
  validateContact,
} from '../shop/checkout';
import { SkewEstimator } from '../shop/countdown';
import type { Toast } from '../shop/slice';
import { maxQty } from '../shop/variants';
import type { ViewerStore } from '../store';

/** Network retries of one order placement (same idempotency key) before asking the buyer. */
const PLACE_RETRIES = 2;
const RETRY_BASE_MS = 600;
/** Pending orders (reservation countdown) and refund requests are polled this often on the order page. */
const ORDER_POLL_MS = 3_000;
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
  private readonly inflight = new Map<string, Promise<ProductView | null>>();
  private session: Promise<void> | null = null;
  private attempt: Attempt | null = null;
  private toastTimer: ReturnType<typeof setTimeout> | null = null;
  private lastBoughtToast = 0;
  private stopped = false;

  constructor(private readonly opts: ShopOptions) {
    this.store = opts.store;
    this.api = opts.api;
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
        if (s.pinned !== prev.pinned) this.fetchPinned();
        // Back on the signaling socket after a drop: events were missed, refresh what is on screen.
        if (s.connection === 'open' && prev.connection === 'reconnecting') this.refreshVisible();
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
    if (this.opts.showId) void this.loadLineup();
    this.fetchPinned();
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

  // ---------------------------------------------------------------- session, providers, catalog

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

  private async loadLineup(): Promise<void> {
    const showId = this.opts.showId;
    if (!showId) return;
    try {
      const lineup = await this.api.lineup(showId);
      const s = this.store.getState();
      s.productsLoaded(lineup.products);
      s.setLineup(lineup.products.map((p) => p.id));
    } catch (err) {
      console.warn('storecast: lineup unavailable', err);
    }
  }

  /** Fetch a product's current details (deduplicated while in flight). Null when it is not a catalog product. */
  fetchProduct(productId: string): Promise<ProductView | null> {
    const running = this.inflight.get(productId);
    if (running) return running;
    if (!ProductId.safeParse(productId).success) {
      this.store.getState().productMissing(productId);
      return Promise.resolve(null);
    }
    const p = this.api
      .product(productId)
      .then(
        (product) => {
          this.store.getState().productsLoaded([product]);
          return product;
        },
        (err: unknown) => {
          if (err instanceof ShopApiError && err.status === 404) this.store.getState().productMissing(productId);
          else console.warn('storecast: product details unavailable', productId, err);
          return null;
        },
      )
      .finally(() => this.inflight.delete(productId));
    this.inflight.set(productId, p);
    return p;
  }

  private fetchPinned(): void {
    const s = this.store.getState();
    for (const pin of s.pinned) {
      const id = pin.product.productId;
      if (!s.products[id] && !s.missingProducts[id]) void this.fetchProduct(id);
    }
  }

  private refreshVisible(): void {
    if (this.opts.showId) void this.loadLineup();
    for (const pin of this.store.getState().pinned) void this.fetchProduct(pin.product.productId);
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
        else if (s.pinned.some((p) => p.product.productId === evt.sale.productId)) void this.fetchProduct(evt.sale.productId);
        break;
      case 'product.changed':
        if (evt.deleted) s.productMissing(evt.productId);
        else if (s.products[evt.productId] || s.pinned.some((p) => p.product.productId === evt.productId)) {
          void this.fetchProduct(evt.productId);
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
    for (const id of ids) void this.fetchProduct(id);
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
  async placeOrder(contactInput: ContactInput, expectedTotalMinor: number | null, couponId: string | null = null): Promise<void> {
    const s = this.store.getState();
    const sheet = s.sheet;
    if (sheet?.kind !== 'checkout' || s.checkout.phase !== 'form') return;
    const valid = validateContact(contactInput);
    if (!valid.ok) return;
    const showId = this.opts.showId ?? undefined;
    const items: CheckoutItem[] = sheet.items;
    // A different coupon is a different order: it gets its own idempotency key.
    const fingerprint = checkoutFingerprint(items, valid.contact, showId ?? null) + (couponId ? `|coupon:${couponId}` : '');
    const attempt = nextAttempt(this.attempt, fingerprint);
    this.attempt = attempt;
    s.setCheckout({ phase: 'placing', error: null, expectedTotalMinor });
    let order: OrderView | null = null;
    for (let i = 0; ; i++) {
      try {
        await this.ensureSession();
        order = await this.api.placeOrder({
          idempotencyKey: attempt.key,
          items,
          contact: valid.contact,
          ...(showId ? { showId } : {}),
          ...(couponId ? { couponId } : {}),
        });
        this.attempt = null;
        break;
      } catch (err) {
        const network = err instanceof ShopApiError && err.network;
        if (network) {
          // The order may exist: the next try (automatic or the buyer's) must send the same key.
          this.attempt = { ...attempt, unresolved: true };
          if (i < PLACE_RETRIES && !this.stopped) {
            await sleep(RETRY_BASE_MS * 2 ** i);
            continue;
          }
        } else {
          this.attempt = null;
        }
        this.store.getState().setCheckout({ phase: 'form', error: explainError(err) });
        this.afterRejectedOrder(err, items);
        return;
      }
    }
    const now = this.store.getState();
    now.setCheckout({ phase: 'placed', order, error: null });
    if (sheet.fromCart) now.cartDispatch({ type: 'clear', skuIds: items.map((it) => it.skuId) });
    void this.loadMyOrders();
  }

  /** Sold out / over limit: refresh what the buyer sees so the sheet shows the new bounds. */
  private afterRejectedOrder(err: unknown, items: readonly CheckoutItem[]): void {
    if (!(err instanceof ShopApiError)) return;
    if (err.reason === 'LIMIT_EXCEEDED') void this.loadMyOrders();
    if (err.reason === 'SOLD_OUT' || err.reason === 'INSUFFICIENT_STOCK' || err.reason === 'SKU_UNAVAILABLE') {
      const products = this.store.getState().products;
      const ids = new Set<string>();
      for (const it of items) {
        for (const p of Object.values(products)) if (p.skus.some((k) => k.id === it.skuId)) ids.add(p.id);
      }
      for (const id of ids) void this.fetchProduct(id);
    }
  }

  /** Start paying the checkout's order: off to the provider's page. */
  async payCheckout(): Promise<void> {
    const s = this.store.getState();
    const order = s.checkout.order;
    if (!order || s.checkout.phase !== 'placed') return;
    s.setCheckout({ phase: 'paying', error: null });
    try {
      const res = await this.api.pay(order.id);
      this.follow(res.action);
    } catch (err) {
      this.store.getState().setCheckout({ phase: 'placed', error: explainError(err) });
    }
  }

  private follow(action: PaymentAction): void {
    if (action.kind !== 'redirect')
      throw new ShopApiError(501, 'INTERNAL', `payment action ${action.kind} is not supported here`, 'PROVIDER_ERROR');
    const url = new URL(action.url, location.href);
    // Same-origin relative URLs and https provider pages only.
    if (url.origin !== location.origin && url.protocol !== 'https:') {
      throw new ShopApiError(502, 'INTERNAL', 'refusing an insecure payment page', 'PROVIDER_ERROR');
    }
    // Our own (sandbox) pay page speaks the page's language; it passes it on to the return page.
    const lang = document.documentElement.lang;
    if (url.origin === location.origin && (lang === 'en' || lang === 'zh-CN')) url.searchParams.set('lang', lang);
    (this.opts.navigate ?? ((u: string) => location.assign(u)))(url.href);
  }

  // ---------------------------------------------------------------- orders

  async loadMyOrders(): Promise<void> {
    try {
      await this.ensureSession();
      const res = await this.api.orders();
      this.store.getState().setMyOrders(res.orders);
    } catch (err) {
      const s = this.store.getState();
      s.setMyOrders(s.myOrders, explainError(err));
    }
  }

  async loadOrder(orderId: string): Promise<void> {
    const s = this.store.getState();
    if (s.orderPage.order?.id !== orderId) s.setOrderPage({ loading: true, order: null, error: null, actionError: null });
    try {
      const order = await this.api.order(orderId);
      this.store.getState().setOrderPage({ loading: false, order, error: null });
    } catch (err) {
      const page = this.store.getState().orderPage;
      // Keep showing a loaded order through a failed refresh.
      this.store.getState().setOrderPage({ loading: false, error: page.order ? null : explainError(err) });
    }
  }

  /** Keep an order page fresh: poll while something may change soon, and refresh when the tab comes back. */
  watchOrder(orderId: string): () => void {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let active = true;
    const tick = async () => {
      await this.loadOrder(orderId);
      if (!active) return;
      const status = this.store.getState().orderPage.order?.status;
      const soon = status === 'pending_payment' || status === 'refund_requested' || status === undefined;
      timer = setTimeout(tick, soon ? ORDER_POLL_MS : ORDER_POLL_MS * 5);
    };
    const onFocus = () => {
      if (document.visibilityState !== 'visible') return;
      if (timer) clearTimeout(timer);
      void tick();
    };
    void tick();
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onFocus);
    return () => {
      active = false;
      if (timer) clearTimeout(timer);
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onFocus);
    };
  }

  /** The order list page: load now, refresh on focus. */
  watchOrders(): () => void {
    const onFocus = () => document.visibilityState === 'visible' && void this.loadMyOrders();
    void this.loadMyOrders();
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onFocus);
    return () => {
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onFocus);
    };
  }

  async payOrder(orderId: string): Promise<void> {
    await this.orderAction('pay', async () => {
      const res = await this.api.pay(orderId);
      this.follow(res.action);
      return null;
    });
  }

  async cancelOrder(orderId: string): Promise<void> {
    await this.orderAction('cancel', () => this.api.cancel(orderId));
    await this.loadOrder(orderId);
  }

  async requestRefund(orderId: string, reason: string): Promise<boolean> {
    const ok = await this.orderAction('refund', () => this.api.requestRefund(orderId, reason));
    await this.loadOrder(orderId);
    return ok;
  }

  private async orderAction(kind: 'pay' | 'cancel' | 'refund', run: () => Promise<OrderView | null>): Promise<boolean> {
    const s = this.store.getState();
    if (s.orderPage.busy) return false;
    s.setOrderPage({ busy: kind, actionError: null });
    try {
      await this.ensureSession();
      const updated = await run();
      if (updated) this.store.getState().orderUpdated(updated);
      // `pay` navigates away: stay busy so the button cannot be pressed twice.
      if (kind !== 'pay') this.store.getState().setOrderPage({ busy: null });
      return true;
    } catch (err) {
      this.store.getState().setOrderPage({ busy: null, actionError: explainError(err) });
      return false;
    }
  }
}

/** Feed the API's Date headers into the store's clock skew. */
export function trackServerClock(store: ViewerStore, skew = new SkewEstimator()): (serverMs: number, localMs: number) => void {
  return (serverMs, localMs) => store.getState().setClockSkew(skew.add(serverMs, localMs));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
