import type { OrderStatus } from '../../../../../shared/commerce/orders';
import {
  IdempotencyKeyTaken,
  type OrderEventRecord,
  type OrderFilter,
  type OrderItemRecord,
  type OrderRecord,
  type OrderRepository,
  type OrderTimestamps,
  type ShowOrderRecord,
  withOrderLines,
} from '../types';
import { changed, one, type Queryable } from './query';

export const ORDER = `o.id, o.buyer_id AS "buyerId", o.idempotency_key AS "idempotencyKey", o.request_hash AS "requestHash",
  o.show_id AS "showId", o.status, o.currency, o.total, o.contact_name AS "contactName", o.contact_phone AS "contactPhone",
  o.contact_address AS "contactAddress", o.created_at AS "createdAt", o.expires_at AS "expiresAt", o.paid_at AS "paidAt",
  o.shipped_at AS "shippedAt", o.carrier, o.tracking_no AS "trackingNo", o.completed_at AS "completedAt",
  o.cancelled_at AS "cancelledAt", o.refunded_at AS "refundedAt"`;
const ITEM = `order_id AS "orderId", line, sku_id AS "skuId", product_id AS "productId", title, options, qty,
  unit_price AS "unitPrice", list_price AS "listPrice", flash_sale_id AS "flashSaleId"`;

/** Orders that still hold (or consumed) their units: they count towards per-buyer limits. */
export const LIVE = `('pending_payment', 'paid', 'shipped', 'completed', 'refund_requested')`;

const TIMESTAMP_COLUMNS: Record<keyof OrderTimestamps, string> = {
  paidAt: 'paid_at',
  shippedAt: 'shipped_at',
  carrier: 'carrier',
  trackingNo: 'tracking_no',
  completedAt: 'completed_at',
  cancelledAt: 'cancelled_at',
  refundedAt: 'refunded_at',
};

export class PgOrderRepository implements OrderRepository {
  constructor(private readonly q: Queryable) {}

  async allowedTransitions(): Promise<Array<{ from: OrderStatus; to: OrderStatus }>> {
    return (
      await this.q.query<{ from: OrderStatus; to: OrderStatus }>('SELECT from_status AS "from", to_status AS "to" FROM order_transitions')
    ).rows;
  }
  findByIdempotencyKey(buyerId: string, key: string): Promise<OrderRecord | null> {
    return one<OrderRecord>(this.q, `SELECT ${ORDER} FROM orders o WHERE o.buyer_id = $1 AND o.idempotency_key = $2`, [buyerId, key]);
  }
  async insertOrder(o: OrderRecord): Promise<void> {
    // A concurrent unit holding the same key makes this wait for its commit; then nothing is inserted.
    const n = await changed(
      this.q,
      `INSERT INTO orders (id, buyer_id, idempotency_key, request_hash, show_id, status, currency, total, contact_name, contact_phone,
         contact_address, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (buyer_id, idempotency_key) DO NOTHING`,
      [
        o.id,
        o.buyerId,
        o.idempotencyKey,
        o.requestHash,
        o.showId,
        o.status,
        o.currency,
        o.total,
        o.contactName,
        o.contactPhone,
        o.contactAddress,
        o.createdAt,
        o.expiresAt,
      ],
    );
    if (n === 0) throw new IdempotencyKeyTaken();
  }
  async insertItem(i: OrderItemRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO order_items (order_id, line, sku_id, product_id, title, options, qty, unit_price, list_price, flash_sale_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [i.orderId, i.line, i.skuId, i.productId, i.title, JSON.stringify(i.options), i.qty, i.unitPrice, i.listPrice, i.flashSaleId],
    );
  }
  getOrder(id: string): Promise<OrderRecord | null> {
    return one<OrderRecord>(this.q, `SELECT ${ORDER} FROM orders o WHERE o.id = $1`, [id]);
  }
  async getItems(orderId: string): Promise<OrderItemRecord[]> {
    return (await this.q.query<OrderItemRecord>(`SELECT ${ITEM} FROM order_items WHERE order_id = $1 ORDER BY line`, [orderId])).rows;
  }
  async transition(orderId: string, from: OrderStatus, to: OrderStatus, fields: OrderTimestamps): Promise<boolean> {
    const keys = (Object.keys(fields) as (keyof OrderTimestamps)[]).filter((k) => fields[k] !== undefined).sort();
    const params: unknown[] = [orderId, from, to];
    const sets = ['status = $3', ...keys.map((k) => `${TIMESTAMP_COLUMNS[k]} = $${params.push(fields[k])}`)].join(', ');
    return (await changed(this.q, `UPDATE orders SET ${sets} WHERE id = $1 AND status = $2`, params)) === 1;
  }
  async markRestocked(orderId: string, at: number): Promise<boolean> {
    return (await changed(this.q, 'UPDATE orders SET restocked_at = $2 WHERE id = $1 AND restocked_at IS NULL', [orderId, at])) === 1;
  }
  async appendEvent(e: OrderEventRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO order_events (order_id, seq, from_status, to_status, at, actor, note)
       VALUES ($1, (SELECT COALESCE(MAX(seq) + 1, 0) FROM order_events WHERE order_id = $1), $2, $3, $4, $5, $6)`,
      [e.orderId, e.from, e.to, e.at, e.actor, e.note],
    );
  }
  async listEvents(orderId: string): Promise<OrderEventRecord[]> {
    return (
      await this.q.query<OrderEventRecord>(
        `SELECT order_id AS "orderId", from_status AS "from", to_status AS "to", at, actor, note FROM order_events WHERE order_id = $1 ORDER BY seq`,
        [orderId],
      )
    ).rows;
  }
  async listByBuyer(buyerId: string, limit: number): Promise<OrderRecord[]> {
    return (
      await this.q.query<OrderRecord>(
        `SELECT ${ORDER} FROM orders o WHERE o.buyer_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2`,
        [buyerId, limit],
      )
    ).rows;
  }
  async list(f: OrderFilter): Promise<OrderRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (f.status) where.push(`o.status = ${p(f.status)}`);
    if (f.showId) where.push(`o.show_id = ${p(f.showId)}`);
    if (f.from !== undefined) where.push(`o.created_at >= ${p(f.from)}`);
    if (f.to !== undefined) where.push(`o.created_at < ${p(f.to)}`);
    if (f.before) where.push(`o.id < ${p(f.before.id)}`);
    if (f.q) {
      const esc = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
      const digits = f.q.replace(/[\s+-]/g, '');
      const like = p(`%${esc(f.q)}%`);
      const phone = /^\d{3,}$/.test(digits) ? ` OR o.contact_phone LIKE ${p(`%${esc(digits)}%`)}` : '';
      // ILIKE: SQLite's LIKE ignores ASCII case, and the search behaves the same on both engines.
      where.push(
        `(o.id = ${p(f.q)} OR o.contact_name ILIKE ${like}${phone}
          OR EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.title ILIKE ${like}))`,
      );
    }
    const sql = `SELECT ${ORDER} FROM orders o ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY o.id DESC LIMIT ${p(f.limit)}`;
    return (await this.q.query<OrderRecord>(sql, params)).rows;
  }
  async listExpired(now: number, limit: number): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      `SELECT id FROM orders o WHERE status = 'pending_payment' AND expires_at <= $1
       AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'pending') ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }
  async listExpiredForSku(skuId: string, now: number): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      `SELECT o.id FROM orders o WHERE o.status = 'pending_payment' AND o.expires_at <= $2
       AND EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.sku_id = $1)`,
      [skuId, now],
    );
    return rows.map((r) => r.id);
  }
  /*
   * A buyer's units towards a limit are counted after locking the product (or sale) row until the unit commits: two
   * checkouts of one buyer on different nodes would otherwise both count the other's uncommitted order as absent. The
   * count is its own statement, so under READ COMMITTED it sees what the lock's previous holder committed.
   */
  async buyerProductQty(buyerId: string, productId: string): Promise<number> {
    await this.q.query('SELECT 1 FROM products WHERE id = $1 FOR NO KEY UPDATE', [productId]);
    const r = await one<{ n: number }>(
      this.q,
      `SELECT COALESCE(SUM(i.qty), 0)::int AS n FROM orders o JOIN order_items i ON i.order_id = o.id
       WHERE o.buyer_id = $1 AND i.product_id = $2 AND o.status IN ${LIVE}`,
      [buyerId, productId],
    );
    return r!.n;
  }
  async buyerSaleQty(buyerId: string, saleId: string): Promise<number> {
    await this.q.query('SELECT 1 FROM flash_sales WHERE id = $1 FOR NO KEY UPDATE', [saleId]);
    const r = await one<{ n: number }>(
      this.q,
      `SELECT COALESCE(SUM(i.qty), 0)::int AS n FROM orders o JOIN order_items i ON i.order_id = o.id
       WHERE o.buyer_id = $1 AND i.flash_sale_id = $2 AND o.status IN ${LIVE}`,
      [buyerId, saleId],
    );
    return r!.n;
  }
  async buyerUnpaid(buyerId: string, now: number): Promise<{ count: number; nextExpiry: number | null }> {
    const r = await one<{ n: number; next: number | null }>(
      this.q,
      `SELECT COUNT(*)::int AS n, MIN(expires_at) AS next FROM orders WHERE buyer_id = $1 AND status = 'pending_payment' AND expires_at > $2`,
      [buyerId, now],
    );
    return { count: r!.n, nextExpiry: r!.next };
  }
  async showOrders(showId: string): Promise<ShowOrderRecord[]> {
    const orders = await this.q.query<Omit<ShowOrderRecord, 'items'>>(
      `SELECT id, buyer_id AS "buyerId", currency, total, created_at AS "createdAt", paid_at AS "paidAt", refunded_at AS "refundedAt"
       FROM orders WHERE show_id = $1`,
      [showId],
    );
    const lines = await this.q.query<{ orderId: string; productId: string; qty: number; unitPrice: number }>(
      `SELECT i.order_id AS "orderId", i.product_id AS "productId", i.qty, i.unit_price AS "unitPrice" FROM order_items i
       JOIN orders o ON o.id = i.order_id WHERE o.show_id = $1 ORDER BY i.order_id, i.line`,
      [showId],
    );
    return withOrderLines(orders.rows, lines.rows);
  }
}
