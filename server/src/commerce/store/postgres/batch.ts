/**
 * Checkout batches on PostgreSQL. A flash sale is many checkouts of one hot SKU; run one by one in savepoints, every
 * checkout costs a dozen round trips while the batch holds the SKU's, product's and sale's row locks, and the nodes of a
 * cluster queue on those rows. Here a batch whose units said what they touch (CheckoutKeys) takes the locks for all of
 * them in one statement, reads under them everything the units will ask (idempotency keys, the buyers' counts towards
 * limits, their unpaid orders), runs the units against that state in memory, and writes every order, line, event and
 * the new stock and sale counts in one statement before the commit: two round trips per batch (./batch-sql.ts).
 *
 * The units run the domain's own code; only the repository calls a checkout makes are answered here, with the same
 * results the SQL would give (the rows are locked by this transaction, so nothing else changes them meanwhile). A unit
 * that calls anything else is undone and run afterwards in a savepoint on the real repositories; a batch that fails
 * (an idempotency key committed by another node meanwhile, a deadlock) is rolled back and run the plain way.
 */
import type { BatchUnit, Outcome } from '../group-commit';
import {
  type CommerceTx,
  type FlashSaleRecord,
  IdempotencyKeyTaken,
  type OrderEventRecord,
  type OrderItemRecord,
  type OrderRecord,
  type ProductRecord,
  type SkuRecord,
} from '../types';
import { openSql, writeSql } from './batch-sql';
import type { Queryable } from './query';

/** A unit asked for something the batch does not serve: undo it and run it on the real repositories. */
class SlowPath extends Error {}

const key = (a: string, b: string) => `${a}\n${b}`;

/** The locked rows and what was read under the locks. */
interface Loaded {
  skuIds: Set<string>;
  skus: Map<string, SkuRecord>;
  products: Map<string, ProductRecord>;
  /** Active sale by SKU id. */
  sales: Map<string, FlashSaleRecord>;
  idemAsked: Set<string>;
  idem: Map<string, OrderRecord>;
  buyers: Set<string>;
  productQty: Map<string, number>;
  saleQty: Map<string, number>;
  unpaid: Map<string, number[]>;
}

type Count = { b: string; id: string; n: number };
type Opened = [unknown, { rows: [{ p: ProductRecord[]; s: SkuRecord[]; f: FlashSaleRecord[] }] }, { rows: [Read] }];
type Read = { idem: OrderRecord[]; pq: Count[]; sq: Count[]; unpaid: Array<{ b: string; e: number }> };

/** BEGIN, lock and read: one round trip. */
async function load(client: Queryable, units: BatchUnit[]): Promise<Loaded> {
  const skuIds = new Set(units.flatMap((u) => u.keys?.skuIds ?? []));
  const buyers = new Set<string>();
  const pairs: Array<[string, string]> = [];
  for (const u of units) {
    if (!u.keys) continue;
    buyers.add(u.keys.buyerId);
    pairs.push([u.keys.buyerId, u.keys.idempotencyKey]);
  }
  const [, lockedResult, readResult] = (await client.query(openSql([...skuIds], pairs, [...buyers]))) as unknown as Opened;
  const locked = lockedResult.rows[0];
  const read = readResult.rows[0];
  const limitedProducts = locked.p.filter((p) => p.perBuyerLimit !== null).map((p) => p.id);
  const limitedSales = locked.f.filter((f) => f.perBuyerLimit !== null).map((f) => f.id);
  const counts = (ids: string[], rows: Count[]) => {
    const m = new Map<string, number>();
    for (const b of buyers) for (const id of ids) m.set(key(b, id), 0);
    for (const r of rows) m.set(key(r.b, r.id), r.n);
    return m;
  };
  const unpaid = new Map<string, number[]>([...buyers].map((b) => [b, []]));
  for (const r of read.unpaid) unpaid.get(r.b)!.push(r.e);
  return {
    skuIds,
    skus: new Map(locked.s.map((s) => [s.id, s])),
    products: new Map(locked.p.map((p) => [p.id, p])),
    sales: new Map(locked.f.map((f) => [f.skuId, f])),
    idemAsked: new Set(pairs.map(([b, k]) => key(b, k))),
    idem: new Map(read.idem.map((o) => [key(o.buyerId, o.idempotencyKey), o])),
    buyers,
    productQty: counts(limitedProducts, read.pq),
    saleQty: counts(limitedSales, read.sq),
    unpaid,
  };
}

/** The batch's writes, kept in memory until the one write statement; `undo` takes back a failed unit's. */
class Pending {
  readonly orders: OrderRecord[] = [];
  readonly items: OrderItemRecord[] = [];
  readonly events: OrderEventRecord[] = [];
  readonly skus = new Set<string>();
  readonly sales = new Set<string>();
  private undos: Array<() => void> = [];
  /** A query of the real repositories failed inside a unit: the transaction may be aborted, so the batch is undone. */
  broken = false;

  constructor(readonly l: Loaded) {}

  private readonly byId = new Map<string, OrderRecord>();

  mark(): number[] {
    return [this.orders.length, this.items.length, this.events.length, this.undos.length];
  }
  addOrder(o: OrderRecord): void {
    this.orders.push(o);
    this.byId.set(o.id, o);
  }
  undo([o, i, e, u]: number[]): void {
    for (const x of this.orders.slice(o)) this.byId.delete(x.id);
    this.orders.length = o!;
    this.items.length = i!;
    this.events.length = e!;
    while (this.undos.length > u!) this.undos.pop()!();
  }
  order(id: string): OrderRecord | undefined {
    return this.byId.get(id);
  }
  /** Units a buyer holds in this batch's new orders (all pending, so all live) by product or by sale. */
  held(buyerId: string, match: (i: OrderItemRecord) => boolean): number {
    let n = 0;
    for (const i of this.items) if (match(i) && this.order(i.orderId)?.buyerId === buyerId) n += i.qty;
    return n;
  }
  take(row: { stock: number } | { remaining: number }, field: 'stock' | 'remaining', qty: number): number {
    const r = row as Record<'stock' | 'remaining', number>;
    const before = r[field];
    r[field] = before - qty;
    this.undos.push(() => {
      r[field] = before;
    });
    return r[field];
  }
}

/** The repositories as a checkout unit sees them inside the batch: answered from `p`, the rest refused (SlowPath). */
function batchTx(p: Pending, real: CommerceTx): CommerceTx {
  const l = p.l;
  const viaReal = <T>(q: Promise<T>): Promise<T> =>
    q.catch((err: unknown) => {
      p.broken = true;
      throw err;
    });
  const slow = (): never => {
    throw new SlowPath();
  };
  const refuse = <T extends object>(served: Partial<T>): T =>
    new Proxy(served, { get: (t, name) => (t as Record<string | symbol, unknown>)[name] ?? slow }) as T;
  const saleById = (id: string) => [...l.sales.values()].find((s) => s.id === id);
  return {
    catalog: refuse<CommerceTx['catalog']>({
      showExists: (id) => viaReal(real.catalog.showExists(id)),
      getProduct: async (id) => {
        const product = l.products.get(id);
        return product ? { ...product } : slow();
      },
    }),
    inventory: refuse<CommerceTx['inventory']>({
      getSku: async (id) => {
        if (!l.skuIds.has(id)) slow();
        const sku = l.skus.get(id);
        return sku ? { ...sku } : null;
      },
      getActiveSale: async (skuId) => {
        if (!l.skuIds.has(skuId)) slow();
        const sale = l.sales.get(skuId);
        return sale ? { ...sale } : null;
      },
      takeSaleUnits: async (saleId, qty, now) => {
        const sale = saleById(saleId) ?? slow();
        if (sale.status !== 'active' || sale.endsAt <= now || sale.remaining < qty) return null;
        p.sales.add(sale.id);
        return p.take(sale, 'remaining', qty);
      },
      takeStock: async (skuId, qty) => {
        if (!l.skuIds.has(skuId)) slow();
        const sku = l.skus.get(skuId);
        if (!sku || sku.stock < qty) return null;
        p.skus.add(sku.id);
        return p.take(sku, 'stock', qty);
      },
    }),
    orders: refuse<CommerceTx['orders']>({
      findByIdempotencyKey: async (buyerId, k) => {
        const mine = p.orders.find((o) => o.buyerId === buyerId && o.idempotencyKey === k);
        if (mine) return { ...mine };
        if (!l.idemAsked.has(key(buyerId, k))) return viaReal(real.orders.findByIdempotencyKey(buyerId, k));
        const o = l.idem.get(key(buyerId, k));
        return o ? { ...o } : null;
      },
      getItems: async (orderId) =>
        p.order(orderId) ? p.items.filter((i) => i.orderId === orderId).map((i) => ({ ...i })) : viaReal(real.orders.getItems(orderId)),
      buyerProductQty: async (buyerId, productId) =>
        (l.productQty.get(key(buyerId, productId)) ?? (await viaReal(real.orders.buyerProductQty(buyerId, productId)))) +
        p.held(buyerId, (i) => i.productId === productId),
      buyerSaleQty: async (buyerId, saleId) =>
        (l.saleQty.get(key(buyerId, saleId)) ?? (await viaReal(real.orders.buyerSaleQty(buyerId, saleId)))) +
        p.held(buyerId, (i) => i.flashSaleId === saleId),
      buyerUnpaid: async (buyerId, now) => {
        const known = l.unpaid.get(buyerId);
        if (!known) return slow();
        const expiries = [...known, ...p.orders.filter((o) => o.buyerId === buyerId).map((o) => o.expiresAt)].filter((e) => e > now);
        return { count: expiries.length, nextExpiry: expiries.length ? Math.min(...expiries) : null };
      },
      insertOrder: async (o) => {
        if (o.status !== 'pending_payment') slow();
        const k = key(o.buyerId, o.idempotencyKey);
        if (l.idem.has(k) || p.orders.some((x) => key(x.buyerId, x.idempotencyKey) === k)) throw new IdempotencyKeyTaken();
        p.addOrder({ ...o });
      },
      insertItem: async (i) => {
        if (!p.order(i.orderId)) slow();
        p.items.push({ ...i });
      },
      appendEvent: async (e) => {
        if (!p.order(e.orderId)) slow();
        p.events.push({ ...e });
      },
    }),
    payments: refuse<CommerceTx['payments']>({}),
    webhooks: refuse<CommerceTx['webhooks']>({}),
    sandbox: refuse<CommerceTx['sandbox']>({}),
    outbox: refuse<CommerceTx['outbox']>({}),
    coupons: refuse<CommerceTx['coupons']>({}),
  };
}

/** The batch's write statement, or null when it wrote nothing. */
function writes(p: Pending): string | null {
  if (!p.orders.length && !p.skus.size && !p.sales.size) return null;
  const seq = new Map<string, number>();
  const events = p.events.map((e) => {
    const n = seq.get(e.orderId) ?? 0;
    seq.set(e.orderId, n + 1);
    return { ...e, seq: n };
  });
  const sales = [...p.l.sales.values()].filter((s) => p.sales.has(s.id));
  return writeSql({ orders: p.orders, items: p.items, events, skus: [...p.skus].map((id) => p.l.skus.get(id)!), sales });
}

/**
 * Run a batch as one transaction on `client`, which is in none (`real`: the repositories on that client). Units
 * without keys, and units that need more than a checkout's calls, run after the batch's writes, each in a savepoint.
 * Throws when the batch must be undone: the caller rolls back and runs every unit the plain way.
 */
export async function runCheckoutBatch(
  client: Queryable,
  real: CommerceTx,
  units: BatchUnit[],
  savepointed: (units: BatchUnit[]) => Promise<Outcome[]>,
): Promise<Outcome[]> {
  const pending = new Pending(await load(client, units));
  const tx = batchTx(pending, real);
  const outcomes: Array<Outcome | null> = [];
  const later: number[] = [];
  for (const [n, u] of units.entries()) {
    outcomes.push(null);
    if (!u.keys) {
      later.push(n);
      continue;
    }
    const mark = pending.mark();
    const seq = n - later.length;
    try {
      outcomes[n] = { ok: true, value: await u.run(tx), seq };
    } catch (error) {
      pending.undo(mark);
      if (error instanceof SlowPath) later.push(n);
      else outcomes[n] = { ok: false, error, seq };
    }
  }
  if (pending.broken) throw new Error('a query inside the checkout batch failed');
  const sql = writes(pending);
  if (!later.length) {
    // A failing write skips the COMMIT after it and leaves the transaction for the caller to roll back.
    await client.query(sql ? `${sql};\nCOMMIT` : 'COMMIT');
    return outcomes as Outcome[];
  }
  if (sql) await client.query(sql);
  const rest = await savepointed(later.map((n) => units[n]!));
  later.forEach((n, j) => {
    outcomes[n] = { ...rest[j]!, seq: units.length - later.length + j };
  });
  await client.query('COMMIT');
  return outcomes as Outcome[];
}
