/**
 * Storage seam of the commerce core. Domain services (../domain) depend only on these interfaces; the engines live in
 * ./sqlite (better-sqlite3, the default) and ./postgres (node-postgres). The contract is an *asynchronous unit of work*:
 * `transaction(async (tx) => …)` runs the function atomically and every repository call made through `tx` joins that
 * transaction, which is what lets stock reservation, per-buyer limits and the order insert commit or roll back
 * together. Inside a unit nothing awaits anything but its own `tx` queries (no provider call, no timer, no other
 * store): on SQLite the unit holds the one connection until it settles. Repository calls on the store itself (outside
 * a unit) run on their own.
 */
import type { FaqItem, ProductStatus, SkuOptions, SpecAttribute } from '../../../../shared/commerce/catalog';
import type { OrderActor, OrderStatus } from '../../../../shared/commerce/orders';
import type { PaymentProviderName, PaymentStatus } from '../../../../shared/commerce/payments';

export interface ProductRecord {
  id: string;
  title: string;
  description: string;
  currency: string;
  faq: FaqItem[];
  attributes: SpecAttribute[];
  perBuyerLimit: number | null;
  status: ProductStatus;
  createdAt: number;
  updatedAt: number;
}

export interface ImageRecord {
  id: string;
  productId: string;
  position: number;
  width: number;
  height: number;
  createdAt: number;
}

export interface SkuRecord {
  id: string;
  productId: string;
  code: string;
  options: SkuOptions;
  optionsKey: string;
  position: number;
  listPrice: number;
  livePrice: number | null;
  stock: number;
  active: boolean;
}

export interface FlashSaleRecord {
  id: string;
  skuId: string;
  salePrice: number;
  cap: number;
  remaining: number;
  perBuyerLimit: number | null;
  startsAt: number;
  endsAt: number;
  status: 'active' | 'ended';
  endedAt: number | null;
}

export interface OrderRecord {
  id: string;
  buyerId: string;
  idempotencyKey: string;
  requestHash: string;
  showId: string | null;
  status: OrderStatus;
  currency: string;
  total: number;
  contactName: string;
  contactPhone: string;
  contactAddress: string;
  createdAt: number;
  expiresAt: number;
  paidAt: number | null;
  shippedAt: number | null;
  carrier: string | null;
  trackingNo: string | null;
  completedAt: number | null;
  cancelledAt: number | null;
  refundedAt: number | null;
}

export interface OrderItemRecord {
  orderId: string;
  /** Position in the order (0-based). */
  line: number;
  skuId: string;
  productId: string;
  title: string;
  options: SkuOptions;
  qty: number;
  unitPrice: number;
  listPrice: number;
  flashSaleId: string | null;
}

export interface OrderEventRecord {
  orderId: string;
  from: OrderStatus | null;
  to: OrderStatus;
  at: number;
  actor: OrderActor;
  note: string | null;
}

/** An order placed in a show with its lines, as the selling metrics read it. */
export interface ShowOrderRecord {
  id: string;
  buyerId: string;
  currency: string;
  total: number;
  createdAt: number;
  paidAt: number | null;
  refundedAt: number | null;
  items: Array<{ productId: string; qty: number; unitPrice: number }>;
}

/** Attach each order's lines (both engines read orders and lines as two result sets). */
export function withOrderLines(
  orders: readonly Omit<ShowOrderRecord, 'items'>[],
  lines: readonly { orderId: string; productId: string; qty: number; unitPrice: number }[],
): ShowOrderRecord[] {
  const byOrder = new Map<string, ShowOrderRecord['items']>();
  for (const l of lines) {
    let list = byOrder.get(l.orderId);
    if (!list) {
      list = [];
      byOrder.set(l.orderId, list);
    }
    list.push({ productId: l.productId, qty: l.qty, unitPrice: l.unitPrice });
  }
  return orders.map((o) => ({ ...o, items: byOrder.get(o.id) ?? [] }));
}

/** Columns set together with a status change. */
export type OrderTimestamps = Partial<
  Pick<OrderRecord, 'paidAt' | 'shippedAt' | 'carrier' | 'trackingNo' | 'completedAt' | 'cancelledAt' | 'refundedAt'>
>;

export interface OrderFilter {
  status?: OrderStatus;
  showId?: string;
  q?: string;
  from?: number;
  to?: number;
  limit: number;
  /** Keyset cursor: rows before this id (ids are time-ordered). */
  before?: { id: string };
}

export interface PaymentRecord {
  id: string;
  orderId: string;
  provider: PaymentProviderName;
  providerRef: string | null;
  status: PaymentStatus;
  amount: number;
  currency: string;
  /** JSON of the PaymentAction handed to the buyer. */
  action: string | null;
  refundRef: string | null;
  failure: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface WebhookEventRecord {
  provider: PaymentProviderName;
  eventId: string;
  type: string;
  paymentId: string | null;
  outcome: string;
  receivedAt: number;
  payload: string;
}

export interface SandboxLedgerRecord {
  ref: string;
  /** The merchant's payment id. */
  merchantRef: string;
  amount: number;
  currency: string;
  description: string;
  notifyUrl: string;
  returnUrl: string;
  status: 'open' | 'succeeded' | 'failed' | 'refunded';
  createdAt: number;
  updatedAt: number;
}

/** A notification the sandbox provider owes the merchant (its outbox). */
export interface OutboxRecord {
  /** The event id inside `body`. */
  id: string;
  /** The sandbox ledger entry it is about. */
  ref: string;
  url: string;
  /** The exact JSON body (signed afresh with the current time on every attempt). */
  body: string;
  attempts: number;
  nextAttemptAt: number;
  deliveredAt: number | null;
  gaveUpAt: number | null;
  lastError: string | null;
  createdAt: number;
}

export interface CouponRecord {
  id: string;
  showId: string;
  title: string;
  kind: 'amount' | 'percent';
  value: number;
  currency: string;
  minSpend: number | null;
  quantity: number | null;
  claimed: number;
  /** Claims currently tied to an order. */
  used: number;
  createdAt: number;
  endsAt: number | null;
  endedAt: number | null;
  createdBy: string;
}

export interface CouponClaimRecord {
  couponId: string;
  buyerId: string;
  claimedAt: number;
  orderId: string | null;
  discount: number | null;
  usedAt: number | null;
}

export interface CouponRepository {
  insert(c: Omit<CouponRecord, 'claimed' | 'used'>): Promise<void>;
  get(id: string): Promise<CouponRecord | null>;
  listForShow(showId: string): Promise<CouponRecord[]>;
  /** Coupons not ended by hand whose window closed in (from, to]: the scheduled `coupon.ended` announcements. */
  lapsedBetween(from: number, to: number): Promise<CouponRecord[]>;
  /** Mark ended; false when it already was. */
  end(id: string, at: number): Promise<boolean>;
  /**
   * Claim once per buyer: 'claimed', 'already' (this buyer has it), or 'gone' (quantity exhausted; nothing changed).
   * Call inside a transaction.
   */
  claim(couponId: string, buyerId: string, at: number): Promise<'claimed' | 'already' | 'gone'>;
  getClaim(couponId: string, buyerId: string): Promise<CouponClaimRecord | null>;
  /** Tie an unused claim to an order; false when the claim is missing or already used. */
  redeem(couponId: string, buyerId: string, orderId: string, discount: number, at: number): Promise<boolean>;
  /** Free the claim an order used (unpaid order cancelled or expired); false when the order used none. */
  releaseOrder(orderId: string): Promise<boolean>;
  /** The coupon an order used and the discount recorded for it. */
  forOrder(orderId: string): Promise<{ coupon: CouponRecord; discount: number } | null>;
  /** A buyer's claims (newest first), optionally for one show. */
  claimsOf(buyerId: string, showId: string | null): Promise<Array<{ claim: CouponClaimRecord; coupon: CouponRecord }>>;
  /** 'ready' | 'live' | 'ended', or null for an unknown show. */
  showStatus(showId: string): Promise<string | null>;
}

export interface CatalogRepository {
  insertProduct(p: ProductRecord): Promise<void>;
  updateProduct(p: ProductRecord): Promise<void>;
  deleteProduct(id: string): Promise<void>;
  getProduct(id: string): Promise<ProductRecord | null>;
  listProducts(includeArchived: boolean): Promise<ProductRecord[]>;
  countProducts(): Promise<number>;
  /** True when any order line references one of the product's SKUs (then it can only be archived). */
  productHasOrders(id: string): Promise<boolean>;
  insertImage(i: ImageRecord): Promise<void>;
  deleteImage(id: string): Promise<void>;
  listImages(productId: string): Promise<ImageRecord[]>;
  setImagePosition(id: string, position: number): Promise<void>;
  showExists(showId: string): Promise<boolean>;
  setLineup(showId: string, productIds: readonly string[]): Promise<void>;
  getLineup(showId: string): Promise<string[]>;
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
}

export interface InventoryRepository {
  insertSku(s: SkuRecord): Promise<void>;
  updateSku(s: Omit<SkuRecord, 'stock'>): Promise<void>;
  getSku(id: string): Promise<SkuRecord | null>;
  listSkus(productId: string): Promise<SkuRecord[]>;
  getSkuByCode(code: string): Promise<SkuRecord | null>;
  /** Conditional decrement; returns the new stock, or null (and no change) when fewer than `qty` units are left. */
  takeStock(skuId: string, qty: number): Promise<number | null>;
  /** Put units back; returns the new stock (null for an unknown SKU). */
  returnStock(skuId: string, qty: number): Promise<number | null>;
  /** Set stock to an absolute value (≥ 0). */
  setStock(skuId: string, stock: number): Promise<void>;
  /** Relative change that never takes stock below zero; false when it would. */
  adjustStock(skuId: string, delta: number): Promise<boolean>;
  insertSale(s: FlashSaleRecord): Promise<void>;
  getSale(id: string): Promise<FlashSaleRecord | null>;
  /** The sale marked active for a SKU (it may be past its end time; callers check). */
  getActiveSale(skuId: string): Promise<FlashSaleRecord | null>;
  listActiveSales(): Promise<FlashSaleRecord[]>;
  listSales(limit: number): Promise<FlashSaleRecord[]>;
  /** Conditional decrement of a running sale's cap; returns the new remaining count or null (no change). */
  takeSaleUnits(saleId: string, qty: number, now: number): Promise<number | null>;
  /** Give units back to a sale that is still running (clamped to its cap); returns its remaining count or null if it is not running. */
  returnSaleUnits(saleId: string, qty: number, now: number): Promise<number | null>;
  /** Mark ended; false when it already was. */
  endSale(saleId: string, at: number): Promise<boolean>;
}

export interface OrderRepository {
  allowedTransitions(): Promise<Array<{ from: OrderStatus; to: OrderStatus }>>;
  findByIdempotencyKey(buyerId: string, key: string): Promise<OrderRecord | null>;
  insertOrder(o: OrderRecord): Promise<void>;
  insertItem(i: OrderItemRecord): Promise<void>;
  getOrder(id: string): Promise<OrderRecord | null>;
  getItems(orderId: string): Promise<OrderItemRecord[]>;
  /** Conditional status change (WHERE status = from); false when the order was not in `from`. */
  transition(orderId: string, from: OrderStatus, to: OrderStatus, fields: OrderTimestamps): Promise<boolean>;
  /** Claim the one-time return of an order's units to stock; false when they were already returned. */
  markRestocked(orderId: string, at: number): Promise<boolean>;
  appendEvent(e: OrderEventRecord): Promise<void>;
  listEvents(orderId: string): Promise<OrderEventRecord[]>;
  listByBuyer(buyerId: string, limit: number): Promise<OrderRecord[]>;
  list(filter: OrderFilter): Promise<OrderRecord[]>;
  /** Pending orders whose reservation lapsed at or before `now` and that no pending payment holds. */
  listExpired(now: number, limit: number): Promise<string[]>;
  /** Same, restricted to orders holding a given SKU. */
  listExpiredForSku(skuId: string, now: number): Promise<string[]>;
  /** Units of a product the buyer holds in live orders (pending, paid, shipped, completed, refund requested). */
  buyerProductQty(buyerId: string, productId: string): Promise<number>;
  /** Units the buyer bought within one flash sale (live orders). */
  buyerSaleQty(buyerId: string, saleId: string): Promise<number>;
  /** The buyer's unpaid orders whose reservation has not lapsed at `now`, and the earliest of their expiries. */
  buyerUnpaid(buyerId: string, now: number): Promise<{ count: number; nextExpiry: number | null }>;
  /** Every order placed in a show, with its lines (selling metrics; two queries, whatever the count). */
  showOrders(showId: string): Promise<ShowOrderRecord[]>;
}

export interface PaymentRepository {
  insert(p: PaymentRecord): Promise<void>;
  get(id: string): Promise<PaymentRecord | null>;
  getByProviderRef(provider: PaymentProviderName, ref: string): Promise<PaymentRecord | null>;
  update(p: PaymentRecord): Promise<void>;
  listForOrder(orderId: string): Promise<PaymentRecord[]>;
  /** Payments pending (or refund pending) since before `before`, oldest first. */
  listStale(before: number, limit: number): Promise<PaymentRecord[]>;
}

export interface WebhookEventRepository {
  /**
   * Record an event unless (provider, eventId) was already applied; false for such a duplicate. An event recorded but
   * not applied is overwritten (and evaluated again by the caller).
   */
  record(e: WebhookEventRecord): Promise<boolean>;
  /** Set the outcome; `applied` = the event changed (or confirmed) payment state, which consumes its id. */
  setOutcome(provider: PaymentProviderName, eventId: string, outcome: string, paymentId: string | null, applied: boolean): Promise<void>;
  get(provider: PaymentProviderName, eventId: string): Promise<WebhookEventRecord | null>;
  count(provider?: PaymentProviderName): Promise<number>;
}

export interface SandboxLedgerRepository {
  insert(r: SandboxLedgerRecord): Promise<void>;
  get(ref: string): Promise<SandboxLedgerRecord | null>;
  /** Conditional status change; false when the entry was not in `from`. */
  setStatus(ref: string, from: SandboxLedgerRecord['status'], to: SandboxLedgerRecord['status'], at: number): Promise<boolean>;
}

export interface SandboxOutboxRepository {
  insert(r: OutboxRecord): Promise<void>;
  /** Undelivered notifications due at `now`, oldest due first. */
  due(now: number, limit: number): Promise<OutboxRecord[]>;
  /** When the next undelivered notification is due (null: none waiting). */
  nextDueAt(): Promise<number | null>;
  forRef(ref: string): Promise<OutboxRecord[]>;
  markDelivered(id: string, attempts: number, at: number): Promise<void>;
  /** Record a failed attempt; `gaveUpAt` set = no more attempts. */
  markFailed(id: string, attempts: number, nextAttemptAt: number, gaveUpAt: number | null, error: string): Promise<void>;
  /** Make a ledger entry's undelivered notifications due now with a fresh attempt budget; returns how many. */
  retrigger(ref: string, now: number): Promise<number>;
  /** Make every waiting notification due by `now` (start-up); returns how many. */
  resume(now: number): Promise<number>;
}

/**
 * insertOrder found the buyer's idempotency key taken by a unit of work that committed meanwhile (engines that run
 * units concurrently). Nothing of the caller's unit may stand: retrying it finds that order.
 */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('idempotency key taken concurrently');
    this.name = 'IdempotencyKeyTaken';
  }
}

/** The repositories; inside a unit of work they are the unit's, outside it each call stands alone. */
export interface CommerceRepos {
  readonly catalog: CatalogRepository;
  readonly inventory: InventoryRepository;
  readonly orders: OrderRepository;
  readonly payments: PaymentRepository;
  readonly webhooks: WebhookEventRepository;
  readonly sandbox: SandboxLedgerRepository;
  readonly outbox: SandboxOutboxRepository;
  readonly coupons: CouponRepository;
}

export type CommerceTx = CommerceRepos;

/**
 * What a checkout unit will touch: its buyer, idempotency key and SKUs. Given to `groupCommit`, it lets an engine lock
 * and read those rows (and the buyer's counts) once for a whole batch; the unit must behave the same without it.
 */
export interface CheckoutKeys {
  buyerId: string;
  idempotencyKey: string;
  skuIds: readonly string[];
}

export interface CommerceStore extends CommerceRepos {
  readonly engine: 'sqlite' | 'postgres';
  /** Run `fn` as one atomic unit of work on `tx`. Throwing (or rejecting) rolls everything back. */
  transaction<T>(fn: (tx: CommerceTx) => Promise<T>): Promise<T>;
  /**
   * Group commit for the checkout hot path: `fn` runs as its own atomic unit (a savepoint — throwing undoes exactly its
   * changes) inside one transaction shared with the other units queued in the same event-loop turn; the promise settles
   * after that transaction committed. Same guarantees as transaction(), one commit for many checkouts. `fn` may run
   * more than once (an engine may undo a batch and run it again): it may only act through `tx` and return values.
   */
  groupCommit<T>(fn: (tx: CommerceTx) => Promise<T>, keys?: CheckoutKeys): Promise<T>;
  close(): Promise<void>;
}

/** The synchronous shape of a repository (the SQLite classes implement this; the store wraps them). */
export type Sync<R> = {
  [K in keyof R]: R[K] extends (...args: infer A) => Promise<infer T> ? (...args: A) => T : R[K];
};
