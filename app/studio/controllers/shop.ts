/**
 * Shop controller (outside React): loads the catalog, the show lineup, running flash sales and orders into the
 * store, and applies live commerce events (stock, sales, orders) from the studio's realtime socket (the chat dock's,
 * authenticated as the owner); every (re)connect of that socket catches up on what was missed meanwhile.
 * Components call its actions and show the typed failures it returns.
 */
import type { ProductCreate, ProductView } from '../../../shared/commerce/catalog';
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { OrderListQuery, OrderView, RefundRequest, ShipRequest } from '../../../shared/commerce/orders';
import type { FlashSaleView, StartFlashSale } from '../../../shared/commerce/sales';
import { selectShowId, type ShopFailure, type StudioState, type StudioStore, type StudioTab } from '../store';
import type { UpdatePlan } from './product-form';
import { type ProductRemoved, type ShopApi, ShopApiError } from './shop-api';

const ORDERS_PAGE = 50;
/** Coalesce bursts of order events (a flash sale pays many orders at once). */
const ORDER_REFRESH_DEBOUNCE_MS = 250;

/** A failure → i18n key under shop.errors + the server's message (and field / row issues). */
export function shopFailure(err: unknown): ShopFailure {
  if (err instanceof ShopApiError) {
    return {
      key: err.reason ? `reason.${err.reason}` : `code.${err.code}`,
      detail: err.message,
      ...(err.issues.length ? { issues: err.issues } : {}),
    };
  }
  return { key: 'code.INTERNAL', detail: err instanceof Error ? err.message : String(err) };
}

export type Result<T> = { ok: true; value: T } | { ok: false; failure: ShopFailure; error: unknown };

async function attempt<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, failure: shopFailure(error), error };
  }
}

/** The studio's realtime socket as the shop sees it. */
export interface CommerceFeed {
  onCommerceEvent(listener: (event: CommerceEvent) => void): () => void;
  /** Called on every (re)connect of the socket. */
  onOpen(listener: () => void): () => void;
}

/** Lineup show id: the open (not ended) show, else the last one the studio opened. */
function lineupShowId(s: StudioState): string | null {
  if (s.publish.show && s.publish.show.status !== 'ended') return s.publish.show.id;
  return s.settings.lastShowId;
}

export class ShopController {
  private orderRefreshTimer: ReturnType<typeof setTimeout> | null = null;
  private ordersSeq = 0;
  private lineupSeq = 0;
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly store: StudioStore,
    readonly api: ShopApi,
    private readonly feed: CommerceFeed,
  ) {}

  start(): void {
    this.unsubscribers.push(
      this.feed.onCommerceEvent((e) => this.onEvent(e)),
      this.feed.onOpen(() => this.refreshVisible()),
      this.store.subscribe((s, prev) => {
        // A show opened / resumed: its lineup; a (re)connected socket: catch up on what was missed meanwhile.
        if (lineupShowId(s) !== lineupShowId(prev)) void this.refreshLineup();
        if (s.publish.state === 'live' && prev.publish.state !== 'live') this.refreshVisible();
      }),
    );
    void this.refreshCatalog();
    void this.refreshLineup();
  }

  stop(): void {
    for (const u of this.unsubscribers.splice(0)) u();
    if (this.orderRefreshTimer) clearTimeout(this.orderRefreshTimer);
  }

  private get state(): StudioState {
    return this.store.getState();
  }

  // ---- navigation ---------------------------------------------------------------------------------------------

  openTab(tab: StudioTab): void {
    this.store.setState({ tab });
    this.refreshVisible();
  }

  private refreshVisible(): void {
    const { tab } = this.state;
    if (tab === 'products' || tab === 'live') {
      void this.refreshCatalog();
      void this.refreshLineup();
      void this.refreshSales();
    }
    if (tab === 'orders') void this.refreshOrders();
  }

  // ---- live events --------------------------------------------------------------------------------------------

  private onEvent(e: CommerceEvent): void {
    switch (e.type) {
      case 'stock.changed':
        this.patchProduct(e.productId, (p) => ({
          ...p,
          skus: p.skus.map((s) =>
            s.id === e.skuId
              ? {
                  ...s,
                  stock: e.stock,
                  available: e.saleRemaining ?? e.stock,
                  sale: s.sale && e.saleRemaining !== null ? { ...s.sale, remaining: e.saleRemaining } : s.sale,
                }
              : s,
          ),
        }));
        this.store.setState((st) => ({
          sales: st.sales.map((x) => (x.skuId === e.skuId && e.saleRemaining !== null ? { ...x, remaining: e.saleRemaining } : x)),
        }));
        break;
      case 'sale.started':
        this.upsertSale(e.sale);
        void this.refreshProduct(e.sale.productId);
        break;
      case 'sale.ended':
        this.store.setState((st) => ({ sales: st.sales.filter((x) => x.id !== e.sale.id) }));
        void this.refreshProduct(e.sale.productId);
        break;
      case 'product.changed':
        void this.refreshProduct(e.productId);
        break;
      case 'order.paid':
      case 'order.status': {
        if (this.state.tab === 'orders') this.scheduleOrderRefresh();
        const id = this.state.orders.detailId;
        if (id && id === e.orderId) void this.loadOrder(id, { quiet: true });
        break;
      }
    }
  }

  private scheduleOrderRefresh(): void {
    if (this.orderRefreshTimer) return;
    this.orderRefreshTimer = setTimeout(() => {
      this.orderRefreshTimer = null;
      void this.refreshOrders({ quiet: true });
    }, ORDER_REFRESH_DEBOUNCE_MS);
  }

  // ---- catalog ------------------------------------------------------------------------------------------------

  private patchProduct(productId: string, fn: (p: ProductView) => ProductView): void {
    this.store.setState((s) => {
      if (!s.catalog.products.some((p) => p.id === productId)) return s;
      return { catalog: { ...s.catalog, products: s.catalog.products.map((p) => (p.id === productId ? fn(p) : p)) } };
    });
  }

  /** Put a fresh product view into the catalog (inserted first when new). */
  private putProduct(product: ProductView): void {
    this.store.setState((s) => {
      const exists = s.catalog.products.some((p) => p.id === product.id);
      const products = exists ? s.catalog.products.map((p) => (p.id === product.id ? product : p)) : [product, ...s.catalog.products];
      return { catalog: { ...s.catalog, products } };
    });
  }

  private dropProduct(productId: string): void {
    this.store.setState((s) => ({
      catalog: { ...s.catalog, products: s.catalog.products.filter((p) => p.id !== productId) },
      lineup: { ...s.lineup, productIds: s.lineup.productIds.filter((id) => id !== productId) },
    }));
  }

  async refreshCatalog(): Promise<void> {
    const first = this.state.catalog.status === 'idle' || this.state.catalog.status === 'error';
    if (first) this.store.setState((s) => ({ catalog: { ...s.catalog, status: 'loading' } }));
    const r = await attempt(() => this.api.listProducts());
    this.store.setState((s) => ({
      catalog: r.ok
        ? { products: r.value, status: 'ready', error: null }
        : { ...s.catalog, status: s.catalog.products.length ? 'ready' : 'error', error: r.failure },
    }));
  }

  async refreshProduct(productId: string): Promise<void> {
    const r = await attempt(() => this.api.getProduct(productId));
    if (r.ok) this.putProduct(r.value);
    else if (r.error instanceof ShopApiError && r.error.code === 'NOT_FOUND') this.dropProduct(productId);
  }

  async createProduct(body: ProductCreate): Promise<Result<ProductView>> {
    const r = await attempt(() => this.api.createProduct(body));
    if (r.ok) this.putProduct(r.value);
    return r;
  }

  /** Product PATCH, then the SKU PATCHes; the product is re-read at the end (or after a partial failure). */
  async saveProduct(productId: string, plan: UpdatePlan): Promise<Result<ProductView>> {
    const r = await attempt(async () => {
      let view = await this.api.updateProduct(productId, plan.patch);
      for (const { skuId, body } of plan.skuPatches) await this.api.updateSku(skuId, body);
      if (plan.skuPatches.length) view = await this.api.getProduct(productId);
      return view;
    });
    if (r.ok) this.putProduct(r.value);
    else void this.refreshProduct(productId);
    return r;
  }

  async deleteProduct(productId: string): Promise<Result<ProductRemoved>> {
    const r = await attempt(() => this.api.deleteProduct(productId));
    if (r.ok) {
      if (r.value.deleted) this.dropProduct(productId);
      else await this.refreshProduct(productId);
      this.store.setState((s) => ({ sales: s.sales.filter((x) => x.productId !== productId) }));
    }
    return r;
  }

  async uploadImage(productId: string, file: Blob, onProgress: (f: number) => void): Promise<Result<ProductView>> {
    const r = await attempt(() => this.api.uploadImage(productId, file, onProgress));
    if (r.ok) this.putProduct(r.value);
    return r;
  }

  async deleteImage(productId: string, imageId: string): Promise<Result<ProductView>> {
    const r = await attempt(() => this.api.deleteImage(productId, imageId));
    if (r.ok) this.putProduct(r.value);
    return r;
  }

  async importCsv(text: string): Promise<Result<Awaited<ReturnType<ShopApi['importCatalogCsv']>>>> {
    const r = await attempt(() => this.api.importCatalogCsv(text));
    if (r.ok) await this.refreshCatalog();
    return r;
  }

  exportCsv(): Promise<Result<Blob>> {
    return attempt(() => this.api.exportCatalogCsv());
  }

  // ---- lineup -------------------------------------------------------------------------------------------------

  async refreshLineup(): Promise<void> {
    const showId = lineupShowId(this.state);
    const seq = ++this.lineupSeq;
    if (!showId) {
      this.store.setState({ lineup: { showId: null, productIds: [], status: 'idle', saving: false, error: null } });
      return;
    }
    if (this.state.lineup.showId !== showId)
      this.store.setState({ lineup: { showId, productIds: [], status: 'loading', saving: false, error: null } });
    const r = await attempt(() => this.api.getLineup(showId));
    if (seq !== this.lineupSeq) return;
    this.store.setState((s) => ({
      lineup: r.ok
        ? { showId, productIds: r.value.products.map((p) => p.id), status: 'ready', saving: false, error: null }
        : { ...s.lineup, status: 'error', error: r.failure },
    }));
    if (r.ok) for (const p of r.value.products) if (!this.state.catalog.products.some((x) => x.id === p.id)) this.putProduct(p);
  }

  /** Save a new lineup order (optimistic; rolled back on failure). */
  async setLineup(productIds: string[]): Promise<Result<unknown>> {
    const { showId, productIds: before } = this.state.lineup;
    if (!showId) return { ok: false, failure: { key: 'noShow', detail: '' }, error: null };
    const seq = ++this.lineupSeq;
    this.store.setState((s) => ({ lineup: { ...s.lineup, productIds, saving: true, error: null } }));
    const r = await attempt(() => this.api.setLineup(showId, productIds));
    if (seq !== this.lineupSeq) return r;
    this.store.setState((s) => ({
      lineup: r.ok
        ? { ...s.lineup, productIds: r.value.products.map((p) => p.id), saving: false, status: 'ready' }
        : { ...s.lineup, productIds: before, saving: false, error: r.failure },
    }));
    return r;
  }

  // ---- flash sales --------------------------------------------------------------------------------------------

  private upsertSale(sale: FlashSaleView): void {
    this.store.setState((s) => ({
      sales: sale.status === 'active' ? [...s.sales.filter((x) => x.id !== sale.id), sale] : s.sales.filter((x) => x.id !== sale.id),
    }));
  }

  async refreshSales(): Promise<void> {
    const r = await attempt(() => this.api.listSales(true));
    if (r.ok) this.store.setState({ sales: r.value });
  }

  async startSale(body: StartFlashSale): Promise<Result<FlashSaleView>> {
    const r = await attempt(() => this.api.startSale(body));
    if (r.ok) {
      this.upsertSale(r.value);
      void this.refreshProduct(r.value.productId);
    }
    return r;
  }

  async stopSale(saleId: string): Promise<Result<FlashSaleView>> {
    const r = await attempt(() => this.api.stopSale(saleId));
    if (r.ok) {
      this.upsertSale(r.value);
      void this.refreshProduct(r.value.productId);
    }
    return r;
  }

  // ---- orders -------------------------------------------------------------------------------------------------

  /** The list query for the current filters (first page). */
  ordersQuery(): OrderListQuery {
    const { filters } = this.state.orders;
    const showId = selectShowId(this.state);
    return {
      limit: ORDERS_PAGE,
      ...(filters.status ? { status: filters.status } : {}),
      ...(filters.q.trim() ? { q: filters.q.trim() } : {}),
      ...(filters.thisShow && showId ? { showId } : {}),
    };
  }

  setOrderFilters(patch: Partial<StudioState['orders']['filters']>): void {
    this.store.setState((s) => ({ orders: { ...s.orders, filters: { ...s.orders.filters, ...patch } } }));
    void this.refreshOrders();
  }

  /** Reload the first page (keeps as many rows as were loaded, so "load more" pages survive a live refresh). */
  async refreshOrders(opts: { quiet?: boolean } = {}): Promise<void> {
    const seq = ++this.ordersSeq;
    if (!opts.quiet) this.store.setState((s) => ({ orders: { ...s.orders, status: 'loading' } }));
    const base = this.ordersQuery();
    const limit = Math.min(500, Math.max(ORDERS_PAGE, this.state.orders.list.length));
    const r = await attempt(() => this.api.listOrders({ ...base, limit }));
    if (seq !== this.ordersSeq) return;
    this.store.setState((s) => ({
      orders: r.ok
        ? { ...s.orders, list: r.value.orders, nextCursor: r.value.nextCursor, status: 'ready', error: null, refreshedAt: Date.now() }
        : { ...s.orders, status: 'error', error: r.failure },
    }));
  }

  async loadMoreOrders(): Promise<void> {
    const cursor = this.state.orders.nextCursor;
    if (!cursor) return;
    const seq = ++this.ordersSeq;
    const r = await attempt(() => this.api.listOrders({ ...this.ordersQuery(), cursor }));
    if (seq !== this.ordersSeq) return;
    this.store.setState((s) => ({
      orders: r.ok
        ? {
            ...s.orders,
            list: [...s.orders.list, ...r.value.orders.filter((o) => !s.orders.list.some((x) => x.id === o.id))],
            nextCursor: r.value.nextCursor,
            error: null,
          }
        : { ...s.orders, error: r.failure },
    }));
  }

  openOrder(orderId: string | null): void {
    this.store.setState((s) => ({ orders: { ...s.orders, detailId: orderId, detail: null, detailStatus: 'idle', detailError: null } }));
    if (orderId) void this.loadOrder(orderId);
  }

  async loadOrder(orderId: string, opts: { quiet?: boolean } = {}): Promise<void> {
    if (!opts.quiet) this.store.setState((s) => ({ orders: { ...s.orders, detailStatus: 'loading' } }));
    const r = await attempt(() => this.api.getOrder(orderId));
    if (this.state.orders.detailId !== orderId) return;
    this.store.setState((s) => ({
      orders: r.ok
        ? { ...s.orders, detail: r.value, detailStatus: 'ready', detailError: null }
        : { ...s.orders, detailStatus: s.orders.detail ? 'ready' : 'error', detailError: r.failure },
    }));
  }

  private applyOrder(order: OrderView): void {
    this.store.setState((s) => ({
      orders: {
        ...s.orders,
        // the list shows masked contact: keep the row's, take the rest from the fresh detail
        list: s.orders.list.map((o) => (o.id === order.id ? { ...order, contact: o.contact, events: undefined, payments: undefined } : o)),
        detail: s.orders.detailId === order.id ? order : s.orders.detail,
      },
    }));
  }

  private async orderAction(fn: () => Promise<OrderView>): Promise<Result<OrderView>> {
    const r = await attempt(fn);
    if (r.ok) this.applyOrder(r.value);
    void this.refreshOrders({ quiet: true });
    return r;
  }

  shipOrder(orderId: string, body: ShipRequest): Promise<Result<OrderView>> {
    return this.orderAction(() => this.api.shipOrder(orderId, body));
  }
  completeOrder(orderId: string): Promise<Result<OrderView>> {
    return this.orderAction(() => this.api.completeOrder(orderId));
  }
  cancelOrder(orderId: string): Promise<Result<OrderView>> {
    return this.orderAction(() => this.api.cancelOrder(orderId));
  }
  refundOrder(orderId: string, body: RefundRequest): Promise<Result<OrderView>> {
    return this.orderAction(() => this.api.refundOrder(orderId, body));
  }

  exportOrdersCsv(): Promise<Result<Blob>> {
    return attempt(() => this.api.exportOrdersCsv(this.ordersQuery()));
  }
}
