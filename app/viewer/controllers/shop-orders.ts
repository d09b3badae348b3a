/**
 * The order pages' side of the shop: the buyer's order list, one order kept fresh (polled while it may change soon,
 * refreshed when the tab comes back), and its actions (pay, cancel, refund).
 */
import type { OrderView } from '../../../shared/commerce/orders';
import type { PaymentAction } from '../../../shared/commerce/payments';
import type { ShopApi } from '../shop/api';
import { explainError } from '../shop/checkout';
import type { ViewerStore } from '../store';

/** Pending orders (reservation countdown) and refund requests are polled this often on the order page. */
const ORDER_POLL_MS = 3_000;

export interface OrderDeps {
  store: ViewerStore;
  api: ShopApi;
  ensureSession(): Promise<void>;
  follow(action: PaymentAction): void;
}

export class ShopOrders {
  constructor(private readonly deps: OrderDeps) {}

  async loadMyOrders(): Promise<void> {
    const { store } = this.deps;
    try {
      await this.deps.ensureSession();
      const res = await this.deps.api.orders();
      store.getState().setMyOrders(res.orders);
    } catch (err) {
      const s = store.getState();
      s.setMyOrders(s.myOrders, explainError(err));
    }
  }

  async loadOrder(orderId: string): Promise<void> {
    const { store } = this.deps;
    const s = store.getState();
    if (s.orderPage.order?.id !== orderId) s.setOrderPage({ loading: true, order: null, error: null, actionError: null });
    try {
      const order = await this.deps.api.order(orderId);
      store.getState().setOrderPage({ loading: false, order, error: null });
    } catch (err) {
      const page = store.getState().orderPage;
      // Keep showing a loaded order through a failed refresh.
      store.getState().setOrderPage({ loading: false, error: page.order ? null : explainError(err) });
    }
  }

  /** Keep an order page fresh: poll while something may change soon, and refresh when the tab comes back. */
  watchOrder(orderId: string): () => void {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let active = true;
    const tick = async () => {
      await this.loadOrder(orderId);
      if (!active) return;
      const status = this.deps.store.getState().orderPage.order?.status;
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
      const res = await this.deps.api.pay(orderId);
      this.deps.follow(res.action);
      return null;
    });
  }

  async cancelOrder(orderId: string): Promise<void> {
    await this.orderAction('cancel', () => this.deps.api.cancel(orderId));
    await this.loadOrder(orderId);
  }

  async requestRefund(orderId: string, reason: string): Promise<boolean> {
    const ok = await this.orderAction('refund', () => this.deps.api.requestRefund(orderId, reason));
    await this.loadOrder(orderId);
    return ok;
  }

  private async orderAction(kind: 'pay' | 'cancel' | 'refund', run: () => Promise<OrderView | null>): Promise<boolean> {
    const { store } = this.deps;
    const s = store.getState();
    if (s.orderPage.busy) return false;
    s.setOrderPage({ busy: kind, actionError: null });
    try {
      await this.deps.ensureSession();
      const updated = await run();
      if (updated) store.getState().orderUpdated(updated);
      // `pay` navigates away: stay busy so the button cannot be pressed twice.
      if (kind !== 'pay') store.getState().setOrderPage({ busy: null });
      return true;
    } catch (err) {
      store.getState().setOrderPage({ busy: null, actionError: explainError(err) });
      return false;
    }
  }
}
