import { createHash } from 'node:crypto';
import type { CommerceEvent } from '../../../../shared/commerce/events';
import {
  BuyerRefundRequest,
  CreateOrderRequest,
  type OrderActor,
  type OrderList,
  OrderListQuery,
  type OrderStatus,
  type OrderView,
  ShipRequest,
} from '../../../../shared/commerce/orders';
import type { CommerceReason } from '../../../../shared/commerce/common';
import { badRequest, badState, CommerceError, conflict, notFound, parse } from '../errors';
import { newOrderId } from '../ids';
import { RateLimitedError } from '../limits';
import { maskName } from '../mask';
import {
  type CommerceStore,
  type CommerceTx,
  IdempotencyKeyTaken,
  type OrderItemRecord,
  type OrderRecord,
  type OrderTimestamps,
} from '../store/types';
import type { CouponService } from './coupons';
import type { CommerceEvents, Logger } from './events';
import { orderView, runningSale, unitPrice } from './views';

/** Not enough units of one SKU; carries the SKU so the caller can release lapsed reservations and retry once. */
class StockError extends CommerceError {
  constructor(
    readonly skuId: string,
    reason: CommerceReason,
    message: string,
  ) {
    super('CONFLICT', message, reason);
  }
}

/** How many new orders' buyers OrderService keeps for routing their first status event. */
const NEW_BUYERS_KEPT = 10_000;

/** Checkout policy beyond stock: the flash-sale reservation window and the unpaid-order cap. */
export interface OrderPolicy {
  /** An order holding flash-sale units lapses after this long (capped at the normal reservation). */
  flashSaleReservationMs: number;
  /** Unpaid orders one buyer may hold at once; 0 = unlimited. */
  maxUnpaidOrders: number;
}

export interface PlacedOrder {
  order: OrderView;
  /** false when the idempotency key matched an earlier order (a retry). */
  created: boolean;
}

/**
 * Checkout and the order lifecycle. Every status change goes through `move()`, which checks the state-machine table,
 * updates conditionally and appends to order_events — always inside the caller's transaction.
 */
export class OrderService {
  private allowed = new Set<string>();
  /** Buyers of orders just created here, kept until their first status event is routed (routeOf). */
  private readonly newBuyers = new Map<string, string>();

  constructor(
    private readonly store: CommerceStore,
    private readonly events: CommerceEvents,
    private readonly clock: () => number,
    private readonly log: Logger,
    private readonly reservationMs: number,
    private readonly coupons: CouponService,
    private readonly policy: OrderPolicy = { flashSaleReservationMs: reservationMs, maxUnpaidOrders: 0 },
  ) {}

  /** Read the state-machine table (once, at start-up). */
  async init(): Promise<void> {
    this.allowed = new Set((await this.store.orders.allowedTransitions()).map((t) => `${t.from}>${t.to}`));
  }

  canMove(from: OrderStatus, to: OrderStatus): boolean {
    return this.allowed.has(`${from}>${to}`);
  }

  // ---------------------------------------------------------------- checkout

  async place(buyerId: string, raw: unknown): Promise<PlacedOrder> {
    const req = parse(CreateOrderRequest, raw, 'order');
    const hash = requestHash(req);
    try {
      return await this.tryPlace(buyerId, req, hash);
    } catch (err) {
      // Check on access: lapsed reservations of this SKU still hold units until the sweeper runs; release and retry once.
      if (err instanceof StockError && (await this.releaseExpiredFor(err.skuId))) return this.tryPlace(buyerId, req, hash);
      // The same key committed by a concurrent unit of work: this attempt is undone; the retry finds that order.
      if (err instanceof IdempotencyKeyTaken) return this.tryPlace(buyerId, req, hash);
      throw err;
    }
  }

  private async tryPlace(buyerId: string, req: ReturnType<typeof CreateOrderRequest.parse>, hash: string): Promise<PlacedOrder> {
    // One atomic unit: idempotency lookup, limits, conditional decrements and the order insert (group-committed). It
    // acts only through tx and returns its events: the engine may run it again.
    const keys = { buyerId, idempotencyKey: req.idempotencyKey, skuIds: req.items.map((i) => i.skuId) };
    const unit = await this.store.groupCommit(async (tx) => {
      const evts: CommerceEvent[] = [];
      const now = this.clock();
      const prior = await tx.orders.findByIdempotencyKey(buyerId, req.idempotencyKey);
      if (prior) {
        if (prior.requestHash !== hash) throw conflict('idempotencyKey was already used for a different order', 'IDEMPOTENCY_MISMATCH');
        return { order: prior, items: await tx.orders.getItems(prior.id), created: false, now, evts, discount: undefined };
      }
      if (req.showId && !(await tx.catalog.showExists(req.showId))) throw notFound('show');
      await this.checkUnpaid(tx, buyerId, now);
      const orderId = newOrderId(now);
      const items: OrderItemRecord[] = [];
      const perProduct = new Map<string, number>();
      let currency: string | null = null;
      let total = 0;
      for (const it of req.items) {
        const sku = await tx.inventory.getSku(it.skuId);
        if (!sku) throw notFound(`SKU ${it.skuId}`);
        const product = (await tx.catalog.getProduct(sku.productId))!;
        if (!sku.active || product.status !== 'active') throw conflict(`SKU ${sku.id} is not on sale`, 'SKU_UNAVAILABLE');
        if (currency !== null && currency !== product.currency) throw badRequest('all items of an order must share one currency');
        currency = product.currency;
        const sale = runningSale(await tx.inventory.getActiveSale(sku.id), now);
        // Sold out is the common answer during a flash sale: give it before the per-buyer queries.
        if (sku.stock === 0 || sale?.remaining === 0) throw shortage(sku.id, 0, it.qty);
        if (product.perBuyerLimit !== null) {
          const had = (await tx.orders.buyerProductQty(buyerId, product.id)) + (perProduct.get(product.id) ?? 0);
          if (had + it.qty > product.perBuyerLimit) {
            throw conflict(`at most ${product.perBuyerLimit} per buyer (you already have ${had})`, 'LIMIT_EXCEEDED');
          }
        }
        perProduct.set(product.id, (perProduct.get(product.id) ?? 0) + it.qty);
        if (sale && sale.perBuyerLimit !== null) {
          const had = await tx.orders.buyerSaleQty(buyerId, sale.id);
          if (had + it.qty > sale.perBuyerLimit) {
            throw conflict(`flash sale limit is ${sale.perBuyerLimit} per buyer (you already have ${had})`, 'LIMIT_EXCEEDED');
          }
        }
        let saleRemaining: number | null = null;
        if (sale) {
          saleRemaining = await tx.inventory.takeSaleUnits(sale.id, it.qty, now);
          if (saleRemaining === null) throw shortage(sku.id, sale.remaining, it.qty);
        }
        const stock = await tx.inventory.takeStock(sku.id, it.qty);
        if (stock === null) throw shortage(sku.id, sku.stock, it.qty);
        const price = unitPrice(sku, sale);
        total += price * it.qty;
        items.push({
          orderId,
          line: items.length,
          skuId: sku.id,
          productId: product.id,
          title: product.title,
          options: sku.options,
          qty: it.qty,
          unitPrice: price,
          listPrice: sku.listPrice,
          flashSaleId: sale?.id ?? null,
        });
        evts.push({ type: 'stock.changed', skuId: sku.id, productId: product.id, stock, saleRemaining });
      }
      // The coupon is checked against the server's subtotal; its use is recorded below in this same unit of work.
      const applied = req.couponId ? await this.coupons.check(tx, buyerId, req.couponId, currency!, total, now) : null;
      if (applied) total -= applied.discount;
      const order: OrderRecord = {
        id: orderId,
        buyerId,
        idempotencyKey: req.idempotencyKey,
        requestHash: hash,
        showId: req.showId ?? null,
        status: 'pending_payment',
        currency: currency!,
        total,
        contactName: req.contact.name,
        contactPhone: req.contact.phone,
        contactAddress: req.contact.address,
        createdAt: now,
        // Flash-sale units are the ones worth hoarding: an order holding any gets the short window.
        expiresAt:
          now + (items.some((i) => i.flashSaleId) ? Math.min(this.policy.flashSaleReservationMs, this.reservationMs) : this.reservationMs),
        paidAt: null,
        shippedAt: null,
        carrier: null,
        trackingNo: null,
        completedAt: null,
        cancelledAt: null,
        refundedAt: null,
      };
      await tx.orders.insertOrder(order);
      for (const i of items) await tx.orders.insertItem(i);
      await tx.orders.appendEvent({ orderId, from: null, to: 'pending_payment', at: now, actor: 'buyer', note: null });
      if (applied) await this.coupons.redeemInTx(tx, buyerId, applied.coupon.id, orderId, applied.discount, now);
      const discount = applied ? { couponId: applied.coupon.id, title: applied.coupon.title, amountMinor: applied.discount } : null;
      return { order, items, created: true, now, evts, discount };
    }, keys);
    const { order, items, created, now } = unit;
    if (created) {
      this.newBuyers.set(order.id, buyerId);
      // Bounded: a publisher that never asks leaves at most this many behind (the oldest go first).
      if (this.newBuyers.size > NEW_BUYERS_KEPT) this.newBuyers.delete(this.newBuyers.keys().next().value!);
      this.events.emitAll(unit.evts);
      this.events.emit({ type: 'order.status', orderId: order.id, status: order.status, at: now });
    }
    // A new order's discount is the one just recorded; a replayed order's is read back.
    const discount = unit.discount !== undefined ? unit.discount : await this.coupons.discountOf(order.id);
    return { order: orderView(order, items, false, { discount }), created };
  }

  /**
   * Whose order it is, for routing its status event: a new order's buyer is known here (an order's buyer never
   * changes), any other is read.
   */
  async routeOf(orderId: string): Promise<{ buyerId: string } | null> {
    const buyerId = this.newBuyers.get(orderId);
    if (buyerId === undefined) return this.store.orders.getOrder(orderId);
    this.newBuyers.delete(orderId);
    return { buyerId };
  }

  /** Refuse a new order while the buyer holds the maximum of unpaid ones (they may pay or cancel one, or wait). */
  private async checkUnpaid(tx: CommerceTx, buyerId: string, now: number): Promise<void> {
    const max = this.policy.maxUnpaidOrders;
    if (max <= 0) return;
    const { count, nextExpiry } = await tx.orders.buyerUnpaid(buyerId, now);
    if (count < max) return;
    const after = Math.max(1, Math.ceil(((nextExpiry ?? now) - now) / 1000));
    throw new RateLimitedError(`you already have ${count} unpaid orders (at most ${max}); pay or cancel one first`, after, 'UNPAID_LIMIT');
  }

  // ---------------------------------------------------------------- transitions (call inside a transaction)

  /** Change status (checked against the state-machine table) and log the transition. */
  async move(
    tx: CommerceTx,
    o: OrderRecord,
    to: OrderStatus,
    actor: OrderActor,
    note: string | null,
    fields: OrderTimestamps,
    evts: CommerceEvent[],
  ): Promise<OrderRecord> {
    if (!this.canMove(o.status, to)) throw badState(`order ${o.id} is ${o.status}; cannot become ${to}`, 'INVALID_TRANSITION');
    const at = this.clock();
    if (!(await tx.orders.transition(o.id, o.status, to, fields))) {
      throw badState(`order ${o.id} changed concurrently`, 'INVALID_TRANSITION');
    }
    await tx.orders.appendEvent({ orderId: o.id, from: o.status, to, at, actor, note });
    evts.push({ type: 'order.status', orderId: o.id, status: to, at });
    return { ...o, ...fields, status: to };
  }

  /** Return an order's units to stock (and to its flash sale if that is still running), once. */
  async restock(tx: CommerceTx, orderId: string, evts: CommerceEvent[]): Promise<boolean> {
    const now = this.clock();
    if (!(await tx.orders.markRestocked(orderId, now))) return false;
    for (const i of await tx.orders.getItems(orderId)) {
      const stock = await tx.inventory.returnStock(i.skuId, i.qty);
      if (i.flashSaleId) await tx.inventory.returnSaleUnits(i.flashSaleId, i.qty, now);
      if (stock === null) continue;
      const sale = runningSale(await tx.inventory.getActiveSale(i.skuId), now);
      evts.push({ type: 'stock.changed', skuId: i.skuId, productId: i.productId, stock, saleRemaining: sale?.remaining ?? null });
    }
    return true;
  }

  /**
   * Cancel a lapsed pending order and release its units. Inside a transaction. A payment still pending holds the
   * reservation: the buyer may have paid and the webhook not arrived yet, so it expires only once reconciliation has
   * asked the provider and settled that payment (PaymentService.reconcile).
   */
  async expireInTx(tx: CommerceTx, orderId: string, evts: CommerceEvent[]): Promise<boolean> {
    const o = await tx.orders.getOrder(orderId);
    const now = this.clock();
    if (o?.status !== 'pending_payment' || o.expiresAt > now) return false;
    if ((await tx.payments.listForOrder(o.id)).some((p) => p.status === 'pending')) return false;
    await this.move(tx, o, 'cancelled', 'system', 'reservation expired', { cancelledAt: now }, evts);
    await this.restock(tx, o.id, evts);
    await this.coupons.releaseInTx(tx, o.id);
    return true;
  }

  /** Sweeper: expire every lapsed reservation. Returns how many were released. */
  async expireDue(): Promise<number> {
    let n = 0;
    for (;;) {
      const ids = await this.store.orders.listExpired(this.clock(), 200);
      if (!ids.length) return n;
      const evts: CommerceEvent[] = [];
      await this.store.transaction(async (tx) => {
        for (const id of ids) if (await this.expireInTx(tx, id, evts)) n++;
      });
      this.events.emitAll(evts);
      if (ids.length < 200) return n;
    }
  }

  private async releaseExpiredFor(skuId: string): Promise<boolean> {
    const ids = await this.store.orders.listExpiredForSku(skuId, this.clock());
    if (!ids.length) return false;
    const evts: CommerceEvent[] = [];
    const n = await this.store.transaction(async (tx) => {
      let released = 0;
      for (const id of ids) if (await this.expireInTx(tx, id, evts)) released++;
      return released;
    });
    this.events.emitAll(evts);
    if (n) this.log.debug({ skuId, released: n }, 'released lapsed reservations on access');
    return n > 0;
  }

  /** Load an order, expiring it first when its reservation lapsed (check on access). */
  async load(orderId: string): Promise<OrderRecord | null> {
    const o = await this.store.orders.getOrder(orderId);
    if (o && o.status === 'pending_payment' && o.expiresAt <= this.clock()) {
      const evts: CommerceEvent[] = [];
      await this.store.transaction((tx) => this.expireInTx(tx, orderId, evts));
      this.events.emitAll(evts);
      return this.store.orders.getOrder(orderId);
    }
    return o;
  }

  // ---------------------------------------------------------------- buyer

  private async requireOwn(buyerId: string, orderId: string): Promise<OrderRecord> {
    const o = await this.load(orderId);
    // Someone else's order looks exactly like a missing one.
    if (!o || o.buyerId !== buyerId) throw notFound('order');
    return o;
  }

  async getForBuyer(buyerId: string, orderId: string): Promise<OrderView> {
    const o = await this.requireOwn(buyerId, orderId);
    return this.fullView(o, false);
  }

  private async fullView(o: OrderRecord, studio: boolean): Promise<OrderView> {
    return orderView(o, await this.store.orders.getItems(o.id), studio, {
      events: await this.store.orders.listEvents(o.id),
      payments: await this.store.payments.listForOrder(o.id),
      discount: await this.coupons.discountOf(o.id),
    });
  }

  private async listViews(orders: OrderRecord[]): Promise<OrderView[]> {
    const out: OrderView[] = [];
    for (const o of orders) out.push(orderView(o, await this.store.orders.getItems(o.id), false));
    return out;
  }

  async listForBuyer(buyerId: string): Promise<OrderView[]> {
    await this.expireDueFor(buyerId);
    return this.listViews(await this.store.orders.listByBuyer(buyerId, 100));
  }

  private async expireDueFor(buyerId: string): Promise<void> {
    const now = this.clock();
    const lapsed = (await this.store.orders.listByBuyer(buyerId, 100)).filter((o) => o.status === 'pending_payment' && o.expiresAt <= now);
    for (const o of lapsed) await this.load(o.id);
  }

  async cancelByBuyer(buyerId: string, orderId: string): Promise<OrderView> {
    await this.requireOwn(buyerId, orderId);
    return this.cancel(orderId, 'buyer', 'cancelled by buyer');
  }

  async requestRefund(buyerId: string, orderId: string, raw: unknown): Promise<OrderView> {
    const { reason } = parse(BuyerRefundRequest, raw, 'refund request');
    await this.requireOwn(buyerId, orderId);
    const evts: CommerceEvent[] = [];
    await this.store.transaction(async (tx) => {
      const o = (await tx.orders.getOrder(orderId))!;
      await this.move(tx, o, 'refund_requested', 'buyer', reason, {}, evts);
    });
    this.events.emitAll(evts);
    return this.getForBuyer(buyerId, orderId);
  }

  // ---------------------------------------------------------------- studio

  async list(rawQuery: unknown): Promise<OrderList> {
    const q = parse(OrderListQuery, rawQuery, 'order filter');
    const before = q.cursor ? { id: q.cursor } : undefined;
    const rows = await this.store.orders.list({
      limit: q.limit + 1,
      ...(q.status ? { status: q.status } : {}),
      ...(q.showId ? { showId: q.showId } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
      ...(before ? { before } : {}),
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      orders: await this.listViews(page),
      nextCursor: rows.length > q.limit && last ? last.id : null,
    };
  }

  /** Studio detail: full contact, events and payments. */
  async detail(orderId: string): Promise<OrderView> {
    const o = await this.load(orderId);
    if (!o) throw notFound('order');
    return this.fullView(o, true);
  }

  ship(orderId: string, raw: unknown): Promise<OrderView> {
    const req = parse(ShipRequest, raw, 'shipment');
    return this.studioMove(orderId, 'shipped', `${req.carrier} ${req.trackingNo}`, () => ({
      shippedAt: this.clock(),
      carrier: req.carrier,
      trackingNo: req.trackingNo,
    }));
  }

  complete(orderId: string): Promise<OrderView> {
    return this.studioMove(orderId, 'completed', null, () => ({ completedAt: this.clock() }));
  }

  async cancelByStudio(orderId: string): Promise<OrderView> {
    if (!(await this.load(orderId))) throw notFound('order');
    await this.cancel(orderId, 'studio', 'cancelled by studio');
    return this.detail(orderId);
  }

  private async cancel(orderId: string, actor: OrderActor, note: string): Promise<OrderView> {
    const evts: CommerceEvent[] = [];
    const o = await this.store.transaction(async (tx) => {
      const cur = (await tx.orders.getOrder(orderId))!;
      if (cur.status === 'cancelled') return cur;
      const next = await this.move(tx, cur, 'cancelled', actor, note, { cancelledAt: this.clock() }, evts);
      await this.restock(tx, orderId, evts);
      // An unpaid order gives its coupon back (a paid one keeps it: the discount was spent).
      if (cur.status === 'pending_payment') await this.coupons.releaseInTx(tx, orderId);
      return next;
    });
    this.events.emitAll(evts);
    return orderView(o, await this.store.orders.getItems(orderId), false);
  }

  private async studioMove(orderId: string, to: OrderStatus, note: string | null, fields: () => OrderTimestamps): Promise<OrderView> {
    if (!(await this.load(orderId))) throw notFound('order');
    const evts: CommerceEvent[] = [];
    await this.store.transaction(async (tx) => {
      await this.move(tx, (await tx.orders.getOrder(orderId))!, to, 'studio', note, fields(), evts);
    });
    this.events.emitAll(evts);
    return this.detail(orderId);
  }

  /** Event for the "just bought" ticker. */
  async paidEvent(tx: CommerceTx, o: OrderRecord, at: number): Promise<CommerceEvent> {
    return {
      type: 'order.paid',
      orderId: o.id,
      showId: o.showId,
      buyer: maskName(o.contactName),
      items: (await tx.orders.getItems(o.id)).map((i) => ({ skuId: i.skuId, productId: i.productId, title: i.title, qty: i.qty })),
      totalMinor: o.total,
      currency: o.currency,
      paidAt: at,
    };
  }
}

function shortage(skuId: string, left: number, want: number): StockError {
  return left <= 0
    ? new StockError(skuId, 'SOLD_OUT', `SKU ${skuId} is sold out`)
    : new StockError(skuId, 'INSUFFICIENT_STOCK', `only ${left} left of SKU ${skuId} (asked ${want})`);
}

/** Fingerprint of what a checkout asked for, to tell a retry from a reused key. */
function requestHash(req: ReturnType<typeof CreateOrderRequest.parse>): string {
  const items = [...req.items].sort((a, b) => (a.skuId < b.skuId ? -1 : 1)).map((i) => `${i.skuId}*${i.qty}`);
  const parts = [items.join(','), req.contact.name, req.contact.phone, req.contact.address, req.showId ?? ''];
  // Only orders with a coupon hash it (keeps the fingerprint of every coupon-less order unchanged).
  if (req.couponId) parts.push(`coupon:${req.couponId}`);
  const text = parts.join('\n');
  return createHash('sha256').update(text).digest('base64url');
}
