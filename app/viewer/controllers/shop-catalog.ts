/**
 * The shop's view of the catalog: the show's lineup and the details (stock, limits, flash sales) of the products on
 * screen, fetched once at a time per product and refreshed after a reconnect.
 */
import type { ProductView } from '../../../shared/commerce/catalog';
import { ProductId } from '../../../shared/commerce/common';
import { type ShopApi, ShopApiError } from '../shop/api';
import type { ViewerStore } from '../store';

export class ShopCatalog {
  private readonly inflight = new Map<string, Promise<ProductView | null>>();

  constructor(
    private readonly store: ViewerStore,
    private readonly api: ShopApi,
    /** The live show this page watches (null on the order pages). */
    private readonly showId: string | null,
  ) {}

  async loadLineup(): Promise<void> {
    const showId = this.showId;
    if (!showId) return;
    try {
      const lineup = await this.api.lineup(showId);
      const s = this.store.getState();
      s.productsLoaded(lineup.products);
      s.setLineup(lineup.products.map((p) => p.id));
    } catch (err) {
      console.warn('storecast: lineup unavailable', err);
    }
  }

  /** Fetch a product's current details (deduplicated while in flight). Null when it is not a catalog product. */
  fetchProduct(productId: string): Promise<ProductView | null> {
    const running = this.inflight.get(productId);
    if (running) return running;
    if (!ProductId.safeParse(productId).success) {
      this.store.getState().productMissing(productId);
      return Promise.resolve(null);
    }
    const p = this.api
      .product(productId)
      .then(
        (product) => {
          this.store.getState().productsLoaded([product]);
          return product;
        },
        (err: unknown) => {
          if (err instanceof ShopApiError && err.status === 404) this.store.getState().productMissing(productId);
          else console.warn('storecast: product details unavailable', productId, err);
          return null;
        },
      )
      .finally(() => this.inflight.delete(productId));
    this.inflight.set(productId, p);
    return p;
  }

  /** Fetch the pinned products not known yet. */
  fetchPinned(): void {
    const s = this.store.getState();
    for (const pin of s.pinned) {
      const id = pin.product.productId;
      if (!s.products[id] && !s.missingProducts[id]) void this.fetchProduct(id);
    }
  }

  /** Events were missed (a dropped socket): refresh the lineup and every pinned product. */
  refreshVisible(): void {
    if (this.showId) void this.loadLineup();
    for (const pin of this.store.getState().pinned) void this.fetchProduct(pin.product.productId);
  }
}
