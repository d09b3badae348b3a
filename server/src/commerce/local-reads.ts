/**
 * Synchronous catalog reads for in-process consumers whose contracts are synchronous (suggested answers read the live
 * catalog while ranking; analytics prices a pinned product). They read the SQLite engine directly, outside the async
 * seam; on PostgreSQL there are none (`null`) and those consumers run without catalog data until they go async.
 */
import type { Database } from 'better-sqlite3';
import type { LineupView, ProductView } from '../../../shared/commerce/catalog';
import { productView, runningSale } from './domain/views';
import { notFound } from './errors';
import { SqliteCatalogRepository } from './store/sqlite/catalog';
import { SqliteInventoryRepository } from './store/sqlite/inventory';
import type { ProductRecord } from './store/types';

export interface LocalCatalogReads {
  /** Like CatalogService.view: NOT_FOUND for an unknown product (or an inactive one when not `studio`). */
  view(productId: string, studio: boolean): ProductView;
  /** Like CatalogService.lineup. */
  lineup(showId: string, studio: boolean): LineupView;
}

export function sqliteCatalogReads(db: Database, clock: () => number): LocalCatalogReads {
  const catalog = new SqliteCatalogRepository(db);
  const inventory = new SqliteInventoryRepository(db);
  const viewOf = (p: ProductRecord, studio: boolean): ProductView => {
    const now = clock();
    return productView(
      p,
      inventory.listSkus(p.id),
      catalog.listImages(p.id),
      (s) => runningSale(inventory.getActiveSale(s.id), now),
      studio,
    );
  };
  return {
    view(productId, studio) {
      const p = catalog.getProduct(productId);
      if (!p || (!studio && p.status !== 'active')) throw notFound('product');
      return viewOf(p, studio);
    },
    lineup(showId, studio) {
      if (!catalog.showExists(showId)) throw notFound('show');
      const ids = catalog.getLineup(showId);
      const products = ids.length
        ? ids.map((id) => catalog.getProduct(id)).filter((p): p is ProductRecord => p !== null && (studio || p.status === 'active'))
        : catalog.listProducts(false);
      return { showId, products: products.map((p) => viewOf(p, studio)) };
    },
  };
}
