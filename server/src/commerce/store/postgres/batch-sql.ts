/**
 * The SQL of a checkout batch (./batch.ts). Each part is sent as one simple-protocol query of several statements, so
 * the batch costs two round trips: `BEGIN; lock; read` and `write; COMMIT`. The simple protocol takes no parameters:
 * values are written as literals, strings through pg.escapeLiteral and numbers only when they are safe integers.
 */
import pg from 'pg';
import type { OrderEventRecord, OrderItemRecord, OrderRecord } from '../types';
import { PRODUCT, SALE, SKU } from './catalog';
import { LIVE, ORDER } from './orders';

type Value = string | number | null;

function lit(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
    return String(v);
  }
  return pg.escapeLiteral(v);
}

function arr(values: readonly Value[], type: 'text' | 'int' | 'bigint'): string {
  return values.length ? `ARRAY[${values.map(lit).join(',')}]::${type}[]` : `'{}'::${type}[]`;
}

/**
 * Open the batch's transaction, lock its products, SKUs and sales (lockSql), then read under the locks (readSql), in a
 * statement of its own, which under READ COMMITTED sees what the locks' previous holders committed.
 */
export function openSql(skuIds: readonly string[], pairs: ReadonlyArray<readonly [string, string]>, buyers: readonly string[]): string {
  return `BEGIN;\n${lockSql(skuIds)};\n${readSql(skuIds, pairs, buyers)}`;
}

/** Lock the products, SKUs and sales of `skuIds` (in that order, each by id: the order in which returning an expired order's units locks them). */
export function lockSql(skuIds: readonly string[]): string {
  const s = arr(skuIds, 'text');
  return `WITH
  p AS (SELECT ${PRODUCT} FROM products WHERE id IN (SELECT product_id FROM skus WHERE id = ANY(${s})) ORDER BY id FOR NO KEY UPDATE),
  s AS (SELECT ${SKU} FROM skus WHERE id = ANY(${s}) ORDER BY id FOR NO KEY UPDATE),
  f AS (SELECT ${SALE} FROM flash_sales WHERE sku_id = ANY(${s}) AND status = 'active' ORDER BY id FOR NO KEY UPDATE)
SELECT (SELECT COALESCE(json_agg(p), '[]') FROM p) AS p, (SELECT COALESCE(json_agg(s), '[]') FROM s) AS s,
  (SELECT COALESCE(json_agg(f), '[]') FROM f) AS f`;
}

/**
 * The buyers' orders under their keys, their units of these products and sales in live orders, and the expiries of
 * their unpaid orders. It runs while the batch holds the hot rows' locks, so its cost must not grow with the shop's
 * orders: it starts from each buyer's own orders (the (buyer_id, idempotency_key) index, a nested loop the planner may
 * not flatten) and their lines by primary key — during a sale the tables grow faster than their statistics, and a
 * planner that thinks them small scans every line of the hot product instead.
 */
export function readSql(skuIds: readonly string[], pairs: ReadonlyArray<readonly [string, string]>, buyers: readonly string[]): string {
  const s = arr(skuIds, 'text');
  const b = arr(buyers, 'text');
  const kb = arr(
    pairs.map((p) => p[0]),
    'text',
  );
  const kk = arr(
    pairs.map((p) => p[1]),
    'text',
  );
  return `WITH
  bo AS MATERIALIZED (SELECT x.* FROM unnest(${b}) AS k(b),
    LATERAL (SELECT ${ORDER} FROM orders o WHERE o.buyer_id = k.b OFFSET 0) x),
  bi AS MATERIALIZED (SELECT bo."buyerId" AS b, i.product_id, i.flash_sale_id, i.qty FROM bo,
    LATERAL (SELECT product_id, flash_sale_id, qty FROM order_items WHERE order_id = bo.id OFFSET 0) i WHERE bo.status IN ${LIVE})
SELECT
  (SELECT COALESCE(json_agg(bo), '[]') FROM bo JOIN unnest(${kb}, ${kk}) AS k(b, k) ON bo."buyerId" = k.b AND bo."idempotencyKey" = k.k) AS idem,
  (SELECT COALESCE(json_agg(x), '[]') FROM (SELECT b, product_id AS id, SUM(qty)::int AS n FROM bi
     WHERE product_id IN (SELECT product_id FROM skus WHERE id = ANY(${s})) GROUP BY 1, 2) x) AS pq,
  (SELECT COALESCE(json_agg(x), '[]') FROM (SELECT b, flash_sale_id AS id, SUM(qty)::int AS n FROM bi
     WHERE flash_sale_id IN (SELECT id FROM flash_sales WHERE sku_id = ANY(${s}) AND status = 'active') GROUP BY 1, 2) x) AS sq,
  (SELECT COALESCE(json_agg(x), '[]') FROM (SELECT "buyerId" AS b, "expiresAt" AS e FROM bo WHERE status = 'pending_payment') x) AS unpaid`;
}

export interface BatchWrites {
  orders: readonly OrderRecord[];
  items: readonly OrderItemRecord[];
  events: ReadonlyArray<OrderEventRecord & { seq: number }>;
  skus: ReadonlyArray<{ id: string; stock: number }>;
  sales: ReadonlyArray<{ id: string; remaining: number }>;
}

/**
 * Every order, line and event of the batch and the new stock and sale counts, in one statement. An order whose key
 * another transaction committed meanwhile is not inserted (ON CONFLICT DO NOTHING), and then its lines break their
 * foreign key: the statement fails and nothing of the batch is written.
 */
export function writeSql(w: BatchWrites): string {
  const col = <R>(rows: readonly R[], k: keyof R, type: 'text' | 'int' | 'bigint') =>
    arr(
      rows.map((r) => r[k] as Value),
      type,
    );
  const { orders: o, items: i, events: e } = w;
  return `WITH
  o AS (INSERT INTO orders (id, buyer_id, idempotency_key, request_hash, show_id, status, currency, total, contact_name,
          contact_phone, contact_address, created_at, expires_at)
        SELECT * FROM unnest(${col(o, 'id', 'text')}, ${col(o, 'buyerId', 'text')}, ${col(o, 'idempotencyKey', 'text')},
          ${col(o, 'requestHash', 'text')}, ${col(o, 'showId', 'text')}, ${col(o, 'status', 'text')}, ${col(o, 'currency', 'text')},
          ${col(o, 'total', 'bigint')}, ${col(o, 'contactName', 'text')}, ${col(o, 'contactPhone', 'text')},
          ${col(o, 'contactAddress', 'text')}, ${col(o, 'createdAt', 'bigint')}, ${col(o, 'expiresAt', 'bigint')})
        ON CONFLICT (buyer_id, idempotency_key) DO NOTHING),
  i AS (INSERT INTO order_items (order_id, line, sku_id, product_id, title, options, qty, unit_price, list_price, flash_sale_id)
        SELECT v.o, v.line, v.sku, v.product, v.title, v.options::jsonb, v.qty, v.unit, v.list, v.sale
        FROM unnest(${col(i, 'orderId', 'text')}, ${col(i, 'line', 'int')}, ${col(i, 'skuId', 'text')}, ${col(i, 'productId', 'text')},
          ${col(i, 'title', 'text')}, ${arr(
            i.map((x) => JSON.stringify(x.options)),
            'text',
          )}, ${col(i, 'qty', 'int')}, ${col(i, 'unitPrice', 'bigint')},
          ${col(i, 'listPrice', 'bigint')}, ${col(i, 'flashSaleId', 'text')}) AS v(o, line, sku, product, title, options, qty, unit, list, sale)),
  e AS (INSERT INTO order_events (order_id, seq, from_status, to_status, at, actor, note)
        SELECT * FROM unnest(${col(e, 'orderId', 'text')}, ${col(e, 'seq', 'int')}, ${col(e, 'from', 'text')}, ${col(e, 'to', 'text')},
          ${col(e, 'at', 'bigint')}, ${col(e, 'actor', 'text')}, ${col(e, 'note', 'text')})),
  s AS (UPDATE skus SET stock = v.n FROM unnest(${col(w.skus, 'id', 'text')}, ${col(w.skus, 'stock', 'int')}) AS v(id, n)
        WHERE skus.id = v.id),
  f AS (UPDATE flash_sales SET remaining = v.n FROM unnest(${col(w.sales, 'id', 'text')}, ${col(w.sales, 'remaining', 'int')}) AS v(id, n)
        WHERE flash_sales.id = v.id)
SELECT 1`;
}
