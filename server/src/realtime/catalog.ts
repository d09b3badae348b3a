/**
 * What the realtime module needs from the catalog for suggested answers, and an adapter for the commerce
 * CatalogService (the lead passes `catalogForSuggestions(core.catalog)`).
 */
import type { ProductView } from '../../../shared/commerce/catalog';
import { RpcError } from '../../../shared/protocol/rpc';

export interface SuggestionProduct {
  id: string;
  title: string;
  description: string;
  faq: readonly { q: string; a: string }[];
}

export interface SuggestionCatalog {
  /** An active product, or null when unknown. */
  product(productId: string): SuggestionProduct | null;
  /** The products offered in a show (its lineup). */
  showProducts(showId: string): SuggestionProduct[];
}

interface CatalogLike {
  view(productId: string, studio: boolean): ProductView;
  lineup(showId: string, studio: boolean): { products: ProductView[] };
}

const pick = (p: ProductView): SuggestionProduct => ({ id: p.id, title: p.title, description: p.description, faq: p.faq });

/** Adapter over commerce's CatalogService: NOT_FOUND errors become null / []. */
export function catalogForSuggestions(catalog: CatalogLike): SuggestionCatalog {
  const notFound = (err: unknown) => err instanceof RpcError && err.code === 'NOT_FOUND';
  return {
    product(productId) {
      try {
        return pick(catalog.view(productId, false));
      } catch (err) {
        if (notFound(err)) return null;
        throw err;
      }
    },
    showProducts(showId) {
      try {
        return catalog.lineup(showId, false).products.map(pick);
      } catch (err) {
        if (notFound(err)) return [];
        throw err;
      }
    },
  };
}
