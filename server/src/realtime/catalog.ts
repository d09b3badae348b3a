/**
 * What the realtime module needs from the catalog for suggested answers, and an adapter for the commerce
 * CatalogService (the lead passes `catalogForSuggestions(core.catalog)`).
 */
import type { ProductView, SkuView, SpecAttribute } from '../../../shared/commerce/catalog';
import { RpcError } from '../../../shared/protocol/rpc';

export interface SuggestionProduct {
  id: string;
  title: string;
  description: string;
  faq: readonly { q: string; a: string }[];
  /** Live data for structured answers (price, flash sale, stock, variants, limit). */
  currency: string;
  attributes: readonly SpecAttribute[];
  perBuyerLimit: number | null;
  skus: readonly Pick<SkuView, 'options' | 'listPriceMinor' | 'livePriceMinor' | 'priceMinor' | 'available' | 'active' | 'sale'>[];
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

/** The suggestion view of a catalog product. */
export const suggestionProduct = (p: ProductView): SuggestionProduct => ({
  id: p.id,
  title: p.title,
  description: p.description,
  faq: p.faq,
  currency: p.currency,
  attributes: p.attributes,
  perBuyerLimit: p.perBuyerLimit,
  skus: p.skus,
});

/** Adapter over commerce's CatalogService: NOT_FOUND errors become null / []. */
export function catalogForSuggestions(catalog: CatalogLike): SuggestionCatalog {
  const notFound = (err: unknown) => err instanceof RpcError && err.code === 'NOT_FOUND';
  return {
    product(productId) {
      try {
        return suggestionProduct(catalog.view(productId, false));
      } catch (err) {
        if (notFound(err)) return null;
        throw err;
      }
    },
    showProducts(showId) {
      try {
        return catalog.lineup(showId, false).products.map(suggestionProduct);
      } catch (err) {
        if (notFound(err)) return [];
        throw err;
      }
    },
  };
}
