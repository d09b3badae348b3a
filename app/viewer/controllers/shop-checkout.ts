/**
 * The checkout sheet's side of the shop: idempotent order placement (network retries keep the key, a different
 * order gets a new one), what a refusal refreshes, and the payment redirect.
 */
import type { OrderView } from '../../../shared/commerce/orders';
import type { PaymentAction } from '../../../shared/commerce/payments';
import { type ShopApi, ShopApiError } from '../shop/api';
import {
  type Attempt,
  type CheckoutItem,
  type ContactInput,
  checkoutFingerprint,
  explainError,
  nextAttempt,
  validateContact,
} from '../shop/checkout';
import type { ViewerStore } from '../store';

/** Network retries of one order placement (same idempotency key) before asking the buyer. */
const PLACE_RETRIES = 2;
const RETRY_BASE_MS = 600;

export interface CheckoutDeps {
  store: ViewerStore;
  api: ShopApi;
  /** The live show this page watches (null on the order pages). */
  showId: string | null;
  ensureSession(): Promise<void>;
  stopped(): boolean;
  loadMyOrders(): Promise<void>;
  fetchProduct(productId: string): Promise<unknown>;
  follow(action: PaymentAction): void;
}

export class Checkout {
  private attempt: Attempt | null = null;

  constructor(private readonly deps: CheckoutDeps) {}

  /** Place the checkout's order (validated contact). Resolves when placed or failed (state in `checkout`). */
  async placeOrder(contactInput: ContactInput, expectedTotalMinor: number | null, couponId: string | null): Promise<void> {
    const { store, api } = this.deps;
    const s = store.getState();
    const sheet = s.sheet;
    if (sheet?.kind !== 'checkout' || s.checkout.phase !== 'form') return;
    const valid = validateContact(contactInput);
    if (!valid.ok) return;
    const showId = this.deps.showId ?? undefined;
    const items: CheckoutItem[] = sheet.items;
    // A different coupon is a different order: it gets its own idempotency key.
    const fingerprint = checkoutFingerprint(items, valid.contact, showId ?? null) + (couponId ? `|coupon:${couponId}` : '');
    const attempt = nextAttempt(this.attempt, fingerprint);
    this.attempt = attempt;
    s.setCheckout({ phase: 'placing', error: null, expectedTotalMinor });
    let order: OrderView | null = null;
    for (let i = 0; ; i++) {
      try {
        await this.deps.ensureSession();
        order = await api.placeOrder({
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
          if (i < PLACE_RETRIES && !this.deps.stopped()) {
            await sleep(RETRY_BASE_MS * 2 ** i);
            continue;
          }
        } else {
          this.attempt = null;
        }
        store.getState().setCheckout({ phase: 'form', error: explainError(err) });
        this.afterRejectedOrder(err, items);
        return;
      }
    }
    const now = store.getState();
    now.setCheckout({ phase: 'placed', order, error: null });
    if (sheet.fromCart) now.cartDispatch({ type: 'clear', skuIds: items.map((it) => it.skuId) });
    void this.deps.loadMyOrders();
  }

  /** Sold out / over limit: refresh what the buyer sees so the sheet shows the new bounds. */
  private afterRejectedOrder(err: unknown, items: readonly CheckoutItem[]): void {
    if (!(err instanceof ShopApiError)) return;
    if (err.reason === 'LIMIT_EXCEEDED') void this.deps.loadMyOrders();
    if (err.reason === 'SOLD_OUT' || err.reason === 'INSUFFICIENT_STOCK' || err.reason === 'SKU_UNAVAILABLE') {
      const products = this.deps.store.getState().products;
      const ids = new Set<string>();
      for (const it of items) {
        for (const p of Object.values(products)) if (p.skus.some((k) => k.id === it.skuId)) ids.add(p.id);
      }
      for (const id of ids) void this.deps.fetchProduct(id);
    }
  }

  /** Start paying the checkout's order: off to the provider's page. */
  async pay(): Promise<void> {
    const { store, api } = this.deps;
    const s = store.getState();
    const order = s.checkout.order;
    if (!order || s.checkout.phase !== 'placed') return;
    s.setCheckout({ phase: 'paying', error: null });
    try {
      const res = await api.pay(order.id);
      this.deps.follow(res.action);
    } catch (err) {
      store.getState().setCheckout({ phase: 'placed', error: explainError(err) });
    }
  }
}

/** Leave for the payment provider's page (same-origin relative URLs and https pages only); throws on anything else. */
export function followPayment(action: PaymentAction, navigate: (url: string) => void = (u) => location.assign(u)): void {
  if (action.kind !== 'redirect')
    throw new ShopApiError(501, 'INTERNAL', `payment action ${action.kind} is not supported here`, 'PROVIDER_ERROR');
  const url = new URL(action.url, location.href);
  if (url.origin !== location.origin && url.protocol !== 'https:') {
    throw new ShopApiError(502, 'INTERNAL', 'refusing an insecure payment page', 'PROVIDER_ERROR');
  }
  // Our own (sandbox) pay page speaks the page's language; it passes it on to the return page.
  const lang = document.documentElement.lang;
  if (url.origin === location.origin && (lang === 'en' || lang === 'zh-CN')) url.searchParams.set('lang', lang);
  navigate(url.href);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
