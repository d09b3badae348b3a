import type { Database } from 'better-sqlite3';
import type { OrderStatus } from '../../../../../shared/commerce/orders';
import {
  type OrderEventRecord,
  type OrderFilter,
  type OrderItemRecord,
  type OrderRecord,
  type OrderRepository,
  type OrderTimestamps,
  type ShowOrderRecord,
  type Sync,
  withOrderLines,
} from '../types';

interface OrderRow {
  id: string;
  buyer_id: string;
  idempotency_key: string;
  request_hash: string;
  show_id: string | null;
  status: OrderStatus;
  currency: string;
  total: number;
  contact_name: string;
  contact_phone: string;
  contact_address: string;
  created_at: number;
  expires_at: number;
  paid_at: number | null;
  shipped_at: number | null;
  carrier: string | null;
  tracking_no: string | null;
  completed_at: number | null;
  cancelled_at: number | null;
  refunded_at: number | null;
}

interface ItemRow {
  order_id: string;
  line: number;
  sku_id: string;
  product_id: string;
  title: string;
  options: string;
  qty: number;
  unit_price: number;
  list_price: number;
  flash_sale_id: string | null;
}

interface EventRow {
  order_id: string;
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  at: number;
  actor: OrderEventRecord['actor'];
  note: string | null;
}

const toOrder = (r: OrderRow): OrderRecord => ({
  id: r.id,
  buyerId: r.buyer_id,
  idempotencyKey: r.idempotency_key,
  requestHash: r.request_hash,
  showId: r.show_id,
  status: r.status,
  currency: r.currency,
  total: r.total,
  contactName: r.contact_name,
  contactPhone: r.contact_phone,
  contactAddress: r.contact_address,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  paidAt: r.paid_at,
  shippedAt: r.shipped_at,
  carrier: r.carrier,
  trackingNo: r.tracking_no,
  completedAt: r.completed_at,
  cancelledAt: r.cancelled_at,
  refundedAt: r.refunded_at,
});

const toItem = (r: ItemRow): OrderItemRecord => ({
  orderId: r.order_id,
  line: r.line,
  skuId: r.sku_id,
  productId: r.product_id,
  title: r.title,
  options: JSON.parse(r.options),
  qty: r.qty,
  unitPrice: r.unit_price,
  listPrice: r.list_price,
  flashSaleId: r.flash_sale_id,
});

/**
 * Orders that still hold (or consumed) their units: they count towards per-buyer limits. The limit queries start from the
 * buyer's orders (orders_buyer index; the unary + keeps SQLite from scanning every line of a hot SKU or sale instead).
 */
const LIVE = `('pending_payment', 'paid', 'shipped', 'completed', 'refund_requested')`;

const TIMESTAMP_COLUMNS: Record<keyof OrderTimestamps, string> = {
  paidAt: 'paid_at',
  shippedAt: 'shipped_at',
  carrier: 'carrier',
  trackingNo: 'tracking_no',
  completedAt: 'completed_at',
  cancelledAt: 'cancelled_at',
  refundedAt: 'refunded_at',
};

export class SqliteOrderRepository implements Sync<OrderRepository> {
  private readonly s;
  private readonly transitionStmts = new Map<string, ReturnType<Database['prepare']>>();

  constructor(private readonly db: Database) {
    this.s = {
      transitions: db.prepare<[], { from_status: OrderStatus; to_status: OrderStatus }>(
        'SELECT from_status, to_status FROM order_transitions',
      ),
      byKey: db.prepare<[string, string], OrderRow>('SELECT * FROM orders WHERE buyer_id = ? AND idempotency_key = ?'),
      insert: db.prepare(
        `INSERT INTO orders (id, buyer_id, idempotency_key, request_hash, show_id, status, currency, total, contact_name, contact_phone,
           contact_address, created_at, expires_at)
         VALUES (@id, @buyerId, @idempotencyKey, @requestHash, @showId, @status, @currency, @total, @contactName, @contactPhone,
           @contactAddress, @createdAt, @expiresAt)`,
      ),
      insertItem: db.prepare(
        `INSERT INTO order_items (order_id, line, sku_id, product_id, title, options, qty, unit_price, list_price, flash_sale_id)
         VALUES (@orderId, @line, @skuId, @productId, @title, @options, @qty, @unitPrice, @listPrice, @flashSaleId)`,
      ),
      get: db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE id = ?'),
      items: db.prepare<[string], ItemRow>('SELECT * FROM order_items WHERE order_id = ? ORDER BY line'),
      event: db.prepare(
        `INSERT INTO order_events (order_id, seq, from_status, to_status, at, actor, note)
         VALUES (@orderId, (SELECT COALESCE(MAX(seq) + 1, 0) FROM order_events WHERE order_id = @orderId), @from, @to, @at, @actor, @note)`,
      ),
      restocked: db.prepare<[number, string]>('UPDATE orders SET restocked_at = ? WHERE id = ? AND restocked_at IS NULL'),
      events: db.prepare<[string], EventRow>('SELECT * FROM order_events WHERE order_id = ? ORDER BY seq'),
      byBuyer: db.prepare<[string, number], OrderRow>('SELECT * FROM orders WHERE buyer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?'),
      expired: db.prepare<[number, number], { id: string }>(
        // Orders held by a pending payment are left to reconciliation (see OrderService.expireInTx).
        `SELECT id FROM orders o WHERE status = 'pending_payment' AND expires_at <= ?
         AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'pending') ORDER BY expires_at LIMIT ?`,
      ),
      expiredForSku: db.prepare<[{ skuId: string; now: number }], { id: string }>(
        // Starts from the (usually empty) set of lapsed pending orders, not from every line of a hot SKU.
        `SELECT o.id FROM orders o WHERE o.status = 'pending_payment' AND o.expires_at <= @now
         AND EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.sku_id = @skuId)`,
      ),
      productQty: db.prepare<[string, string], { n: number }>(
        `SELECT COALESCE(SUM(i.qty), 0) AS n FROM orders o JOIN order_items i ON i.order_id = o.id
         WHERE o.buyer_id = ? AND +i.product_id = ? AND o.status IN ${LIVE}`,
      ),
      saleQty: db.prepare<[string, string], { n: number }>(
        `SELECT COALESCE(SUM(i.qty), 0) AS n FROM orders o JOIN order_items i ON i.order_id = o.id
         WHERE o.buyer_id = ? AND +i.flash_sale_id = ? AND o.status IN ${LIVE}`,
      ),
      unpaid: db.prepare<[string, number], { n: number; next: number | null }>(
        `SELECT COUNT(*) AS n, MIN(expires_at) AS next FROM orders
         WHERE buyer_id = ? AND status = 'pending_payment' AND expires_at > ?`,
      ),
      showOrders: db.prepare<[string], Omit<ShowOrderRecord, 'items'>>(
        `SELECT id, buyer_id AS buyerId, currency, total, created_at AS createdAt, paid_at AS paidAt, refunded_at AS refundedAt
         FROM orders WHERE show_id = ?`,
      ),
      showItems: db.prepare<[string], { orderId: string; productId: string; qty: number; unitPrice: number }>(
        `SELECT i.order_id AS orderId, i.product_id AS productId, i.qty, i.unit_price AS unitPrice FROM order_items i
         JOIN orders o ON o.id = i.order_id WHERE o.show_id = ? ORDER BY i.order_id, i.line`,
      ),
    };
  }

  allowedTransitions(): Array<{ from: OrderStatus; to: OrderStatus }> {
    return this.s.transitions.all().map((r) => ({ from: r.from_status, to: r.to_status }));
  }
  findByIdempotencyKey(buyerId: string, key: string): OrderRecord | null {
    const r = this.s.byKey.get(buyerId, key);
    return r ? toOrder(r) : null;
  }
  insertOrder(o: OrderRecord): void {
    this.s.insert.run(o);
  }
  insertItem(i: OrderItemRecord): void {
    this.s.insertItem.run({ ...i, options: JSON.stringify(i.options) });
  }
  getOrder(id: string): OrderRecord | null {
    const r = this.s.get.get(id);
    return r ? toOrder(r) : null;
  }
  getItems(orderId: string): OrderItemRecord[] {
    return this.s.items.all(orderId).map(toItem);
  }
  transition(orderId: string, from: OrderStatus, to: OrderStatus, fields: OrderTimestamps): boolean {
    const keys = (Object.keys(fields) as (keyof OrderTimestamps)[]).filter((k) => fields[k] !== undefined).sort();
    const sig = keys.join(',');
    let stmt = this.transitionStmts.get(sig);
    if (!stmt) {
      const sets = ['status = @to', ...keys.map((k) => `${TIMESTAMP_COLUMNS[k]} = @${k}`)].join(', ');
      stmt = this.db.prepare(`UPDATE orders SET ${sets} WHERE id = @orderId AND status = @from`);
      this.transitionStmts.set(sig, stmt);
    }
    const params: Record<string, unknown> = { orderId, from, to };
    for (const k of keys) params[k] = fields[k];
    return stmt.run(params).changes === 1;
  }
  markRestocked(orderId: string, at: number): boolean {
    return this.s.restocked.run(at, orderId).changes === 1;
  }
  appendEvent(e: OrderEventRecord): void {
    this.s.event.run(e);
  }
  listEvents(orderId: string): OrderEventRecord[] {
    return this.s.events.all(orderId).map((r) => ({
      orderId: r.order_id,
      from: r.from_status,
      to: r.to_status,
      at: r.at,
      actor: r.actor,
      note: r.note,
    }));
  }
  listByBuyer(buyerId: string, limit: number): OrderRecord[] {
    return this.s.byBuyer.all(buyerId, limit).map(toOrder);
  }
  list(f: OrderFilter): OrderRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: f.limit };
    if (f.status) {
      where.push('o.status = @status');
      params.status = f.status;
    }
    if (f.showId) {
      where.push('o.show_id = @showId');
      params.showId = f.showId;
    }
    if (f.from !== undefined) {
      where.push('o.created_at >= @from');
      params.from = f.from;
    }
    if (f.to !== undefined) {
      where.push('o.created_at < @to');
      params.to = f.to;
    }
    if (f.before) {
      where.push('o.id < @bId');
      params.bId = f.before.id;
    }
    if (f.q) {
      const digits = f.q.replace(/[\s+-]/g, '');
      where.push(
        `(o.id = @q OR o.contact_name LIKE @like ESCAPE '\\' OR (@digits != '' AND o.contact_phone LIKE @digitsLike ESCAPE '\\')
          OR EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.title LIKE @like ESCAPE '\\'))`,
      );
      const esc = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
      params.q = f.q;
      params.like = `%${esc(f.q)}%`;
      params.digits = /^\d{3,}$/.test(digits) ? digits : '';
      params.digitsLike = `%${esc(digits)}%`;
    }
    const sql = `SELECT o.* FROM orders o ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY o.id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as OrderRow[]).map(toOrder);
  }
  listExpired(now: number, limit: number): string[] {
    return this.s.expired.all(now, limit).map((r) => r.id);
  }
  listExpiredForSku(skuId: string, now: number): string[] {
    return this.s.expiredForSku.all({ skuId, now }).map((r) => r.id);
  }
  buyerProductQty(buyerId: string, productId: string): number {
    return this.s.productQty.get(buyerId, productId)!.n;
  }
  buyerSaleQty(buyerId: string, saleId: string): number {
    return this.s.saleQty.get(buyerId, saleId)!.n;
  }
  buyerUnpaid(buyerId: string, now: number): { count: number; nextExpiry: number | null } {
    const r = this.s.unpaid.get(buyerId, now)!;
    return { count: r.n, nextExpiry: r.next };
  }
  showOrders(showId: string): ShowOrderRecord[] {
    return withOrderLines(this.s.showOrders.all(showId), this.s.showItems.all(showId));
  }
}
