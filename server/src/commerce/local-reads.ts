/**
 * Synchronous catalog reads for in-process consumers whose contracts are synchronous (suggested answers read the live
 * catalog while ranking; analytics prices a pinned product and checks a show's lineup). On SQLite they read the
 * node's file directly. On PostgreSQL (`catalogSnapshot`) they read a copy of the catalog loaded through the store's
 * async seam: reloaded shortly after any commerce event of this node and every `refreshMs` (other nodes' edits and
 * lineups, which raise no event), so a fact may be that much old; the clock is applied at read time, so a flash sale's
 * time left is always current. A reload costs two queries per product.
 */
import type { Database } from 'better-sqlite3';
import type { LineupView, ProductView } from '../../../shared/commerce/catalog';
import type { CommerceEvents, Logger } from './domain/events';
import { productView, runningSale } from './domain/views';
import { notFound } from './errors';
import { SqliteCatalogRepository } from './store/sqlite/catalog';
import { SqliteInventoryRepository } from './store/sqlite/inventory';
import type { CommerceRepos, FlashSaleRecord, ImageRecord, ProductRecord, SkuRecord } from './store/types';

export interface LocalCatalogReads {
  /** Like CatalogService.view: NOT_FOUND for an unknown product (or an inactive one when not `studio`). */
  view(productId: string, studio: boolean): ProductView;
  /** Like CatalogService.lineup. */
  lineup(showId: string, studio: boolean): LineupView;
  /** The product ids of a show's lineup, in order (empty: none set, or unknown show). */
  lineupIds(showId: string): string[];
  close(): void;
}

interface CatalogSource {
  getProduct(id: string): ProductRecord | null;
  listProducts(includeArchived: boolean): ProductRecord[];
  listSkus(productId: string): SkuRecord[];
  listImages(productId: string): ImageRecord[];
  activeSale(skuId: string): FlashSaleRecord | null;
  showExists(showId: string): boolean;
  getLineup(showId: string): string[];
}

function readsOver(src: CatalogSource, clock: () => number, close: () => void): LocalCatalogReads {
  const viewOf = (p: ProductRecord, studio: boolean): ProductView => {
    const now = clock();
    return productView(p, src.listSkus(p.id), src.listImages(p.id), (s) => runningSale(src.activeSale(s.id), now), studio);
  };
  return {
    view(productId, studio) {
      const p = src.getProduct(productId);
      if (!p || (!studio && p.status !== 'active')) throw notFound('product');
      return viewOf(p, studio);
    },
    lineup(showId, studio) {
      if (!src.showExists(showId)) throw notFound('show');
      const ids = src.getLineup(showId);
      const products = ids.length
        ? ids.map((id) => src.getProduct(id)).filter((p): p is ProductRecord => p !== null && (studio || p.status === 'active'))
        : src.listProducts(false);
      return { showId, products: products.map((p) => viewOf(p, studio)) };
    },
    lineupIds: (showId) => src.getLineup(showId),
    close,
  };
}

export function sqliteCatalogReads(db: Database, clock: () => number): LocalCatalogReads {
  const catalog = new SqliteCatalogRepository(db);
  const inventory = new SqliteInventoryRepository(db);
  return readsOver(
    {
      getProduct: (id) => catalog.getProduct(id),
      listProducts: (all) => catalog.listProducts(all),
      listSkus: (id) => inventory.listSkus(id),
      listImages: (id) => catalog.listImages(id),
      activeSale: (id) => inventory.getActiveSale(id),
      showExists: (id) => catalog.showExists(id),
      getLineup: (id) => catalog.getLineup(id),
    },
    clock,
    () => undefined,
  );
}

interface Snapshot {
  products: ProductRecord[];
  byId: Map<string, { p: ProductRecord; skus: SkuRecord[]; images: ImageRecord[] }>;
  sales: Map<string, FlashSaleRecord>;
  lineups: Map<string, string[]>;
}

export interface SnapshotOptions {
  store: CommerceRepos;
  events: CommerceEvents;
  clock: () => number;
  log: Logger;
  /** Whether a show exists (shows live with the node's other state). */
  showExists: (showId: string) => boolean;
  /** The shows whose lineups every reload reads (those not ended). */
  activeShows: () => readonly string[];
  /** Reload at least this often (other nodes' edits, lineups); default 2 s. */
  refreshMs?: number;
  /** Reload this long after a commerce event of this node (events come in bursts, a flash sale's without end); default 1 s. */
  settleMs?: number;
}

/**
 * The reads over a copy of the catalog loaded through the async store (PostgreSQL). Resolves once the first copy is
 * loaded. Each reload reads the lineups of the shows not ended and of those read before; a show read for the first
 * time has none until the reload that this read starts.
 */
export async function catalogSnapshot(o: SnapshotOptions): Promise<LocalCatalogReads> {
  const refreshMs = o.refreshMs ?? 2_000;
  const settleMs = o.settleMs ?? 1_000;
  let snap: Snapshot = { products: [], byId: new Map(), sales: new Map(), lineups: new Map() };
  const wanted = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let loading: Promise<void> | null = null;
  let again = false;
  let closed = false;

  const load = async (): Promise<void> => {
    const shows = new Set([...wanted, ...o.activeShows()]);
    wanted.clear();
    for (const id of snap.lineups.keys()) if (shows.size < 1000) shows.add(id);
    // One query at a time: a reload holds at most one of the pool's connections, never a checkout's turn.
    const products = await o.store.catalog.listProducts(true);
    const sales = await o.store.inventory.listActiveSales();
    const byId: Snapshot['byId'] = new Map();
    for (const p of products) {
      byId.set(p.id, { p, skus: await o.store.inventory.listSkus(p.id), images: await o.store.catalog.listImages(p.id) });
    }
    const lineups: Snapshot['lineups'] = new Map();
    for (const id of shows) lineups.set(id, await o.store.catalog.getLineup(id));
    snap = { products, byId, sales: new Map(sales.map((s) => [s.skuId, s])), lineups };
  };
  const refresh = (): Promise<void> => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = load()
      .catch((err) => o.log.warn({ err }, 'catalog snapshot reload failed'))
      .finally(() => {
        loading = null;
        if (again && !closed) {
          again = false;
          schedule(settleMs);
        }
      });
    return loading;
  };
  // A reload is due at `dueAt`; asking for an earlier one brings it forward, a later one changes nothing (so a steady
  // stream of events reloads every `settleMs`, never later).
  let dueAt = Number.POSITIVE_INFINITY;
  const schedule = (ms: number) => {
    if (closed || Date.now() + ms >= dueAt) return;
    if (timer) clearTimeout(timer);
    dueAt = Date.now() + ms;
    timer = setTimeout(() => {
      timer = null;
      dueAt = Number.POSITIVE_INFINITY;
      void refresh().then(() => schedule(refreshMs));
    }, ms);
    timer.unref();
  };
  const offEvents = o.events.on('*', () => schedule(settleMs));

  await load();
  schedule(refreshMs);
  return readsOver(
    {
      getProduct: (id) => snap.byId.get(id)?.p ?? null,
      listProducts: (all) => (all ? snap.products : snap.products.filter((p) => p.status === 'active')),
      listSkus: (id) => snap.byId.get(id)?.skus ?? [],
      listImages: (id) => snap.byId.get(id)?.images ?? [],
      activeSale: (skuId) => snap.sales.get(skuId) ?? null,
      showExists: o.showExists,
      getLineup(showId) {
        const ids = snap.lineups.get(showId);
        if (ids) return ids;
        if (!wanted.has(showId)) {
          wanted.add(showId);
          schedule(0);
        }
        return [];
      },
    },
    o.clock,
    () => {
      closed = true;
      offEvents();
      if (timer) clearTimeout(timer);
      timer = null;
    },
  );
}
