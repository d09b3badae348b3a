import {
  type LineupView,
  ProductCreate,
  ProductUpdate,
  type ProductView,
  type SkuInput,
  type SkuOptions,
  SkuUpdate,
  type SkuView,
  type SpecAttribute,
} from '../../../../shared/commerce/catalog';
import type { CommerceEvent } from '../../../../shared/commerce/events';
import { badRequest, conflict, notFound, parse } from '../errors';
import { newId } from '../ids';
import type { MediaStore } from '../media';
import type { CommerceStore, ProductRecord, SkuRecord } from '../store/types';
import type { CommerceEvents } from './events';
import { productView, runningSale, skuView } from './views';

export const MAX_IMAGES = 20;

/** Every combination of attribute values, in attribute order ([{}] for no attributes). */
export function combinations(attributes: readonly SpecAttribute[]): SkuOptions[] {
  let out: SkuOptions[] = [{}];
  for (const a of attributes) out = out.flatMap((o) => a.values.map((v) => ({ ...o, [a.name]: v })));
  return out;
}

/** Order-independent key of one combination. */
export function optionsKey(options: SkuOptions): string {
  return Object.keys(options)
    .sort()
    .map((k) => `${k}=${options[k]}`)
    .join('\u001f');
}

export function describeOptions(options: SkuOptions): string {
  return Object.entries(options)
    .map(([k, v]) => `${k}:${v}`)
    .join(';');
}

type Defaults = { listPriceMinor: number; livePriceMinor?: number | null | undefined; stock: number } | undefined;

interface SkuPlan {
  create: SkuRecord[];
  update: Array<{ sku: SkuRecord; input: SkuInput | null; position: number }>;
  deactivate: SkuRecord[];
}

export class CatalogService {
  constructor(
    private readonly store: CommerceStore,
    private readonly media: MediaStore,
    private readonly events: CommerceEvents,
    private readonly clock: () => number,
  ) {}

  /** Match SKU inputs to the attribute combinations; every combination needs an input or defaults. */
  private planSkus(productId: string, attributes: SpecAttribute[], inputs: SkuInput[], defaults: Defaults, existing: SkuRecord[]): SkuPlan {
    const combos = combinations(attributes);
    const comboKeys = new Set(combos.map(optionsKey));
    const names = attributes.map((a) => a.name).sort();
    const byKey = new Map<string, SkuInput>();
    for (const [i, input] of inputs.entries()) {
      const keys = Object.keys(input.options).sort();
      const key = optionsKey(input.options);
      if (keys.join('\u001f') !== names.join('\u001f') || !comboKeys.has(key)) {
        throw badRequest(`skus.${i}: options {${describeOptions(input.options)}} match no attribute combination`);
      }
      if (byKey.has(key)) throw badRequest(`skus.${i}: combination {${describeOptions(input.options)}} listed twice`);
      byKey.set(key, input);
    }
    const old = new Map(existing.map((s) => [s.optionsKey, s]));
    const plan: SkuPlan = { create: [], update: [], deactivate: [] };
    combos.forEach((options, position) => {
      const key = optionsKey(options);
      const input = byKey.get(key) ?? null;
      const prev = old.get(key);
      if (prev) {
        plan.update.push({ sku: prev, input, position });
        old.delete(key);
        return;
      }
      const src = input ?? defaults;
      if (!src) throw badRequest(`no price/stock for combination {${describeOptions(options)}}: give it in skus or set defaults`);
      plan.create.push({
        id: newId('s'),
        productId,
        code: input?.code ?? '',
        options,
        optionsKey: key,
        position,
        listPrice: src.listPriceMinor,
        livePrice: src.livePriceMinor ?? null,
        stock: src.stock,
        active: input?.active ?? true,
      });
    });
    plan.deactivate = [...old.values()].filter((s) => s.active);
    return plan;
  }

  create(raw: unknown): ProductView {
    const input = parse(ProductCreate, raw, 'product');
    const now = this.clock();
    const product: ProductRecord = {
      id: newId('p'),
      title: input.title,
      description: input.description,
      currency: input.currency,
      faq: input.faq,
      attributes: input.attributes,
      perBuyerLimit: input.perBuyerLimit,
      status: 'active',
      createdAt: now,
      updatedAt: now,
    };
    const plan = this.planSkus(product.id, input.attributes, input.skus, input.defaults, []);
    this.store.transaction(() => {
      this.store.catalog.insertProduct(product);
      for (const s of plan.create) this.store.inventory.insertSku(s);
    });
    this.events.emit({ type: 'product.changed', productId: product.id, deleted: false });
    return this.view(product.id, true);
  }

  update(productId: string, raw: unknown): ProductView {
    const patch = parse(ProductUpdate, raw, 'product');
    const now = this.clock();
    const evts: CommerceEvent[] = [];
    this.store.transaction(() => {
      const cur = this.requireProduct(productId);
      const next: ProductRecord = {
        ...cur,
        title: patch.title ?? cur.title,
        description: patch.description ?? cur.description,
        faq: patch.faq ?? cur.faq,
        perBuyerLimit: patch.perBuyerLimit !== undefined ? patch.perBuyerLimit : cur.perBuyerLimit,
        status: patch.status ?? cur.status,
        attributes: patch.attributes ?? cur.attributes,
        updatedAt: now,
      };
      this.store.catalog.updateProduct(next);
      if (patch.attributes || patch.skus || patch.defaults) {
        const existing = this.store.inventory.listSkus(productId);
        const plan = this.planSkus(productId, next.attributes, patch.skus ?? [], patch.defaults, existing);
        for (const s of plan.create) this.store.inventory.insertSku(s);
        for (const { sku, input, position } of plan.update) {
          this.store.inventory.updateSku({
            ...sku,
            position,
            code: input?.code ?? sku.code,
            listPrice: input?.listPriceMinor ?? sku.listPrice,
            livePrice: input && input.livePriceMinor !== undefined ? input.livePriceMinor : sku.livePrice,
            active: input?.active ?? true,
          });
          if (input && input.stock !== sku.stock) {
            this.store.inventory.setStock(sku.id, input.stock);
            evts.push(this.stockEvent(sku.id));
          }
        }
        for (const s of plan.deactivate) this.store.inventory.updateSku({ ...s, active: false });
      }
      if (patch.imageOrder) {
        const imgs = this.store.catalog.listImages(productId);
        const want = [...patch.imageOrder].sort().join();
        if (
          want !==
          imgs
            .map((i) => i.id)
            .sort()
            .join()
        )
          throw badRequest('imageOrder must list exactly the product images');
        patch.imageOrder.forEach((id, i) => {
          this.store.catalog.setImagePosition(id, i);
        });
      }
    });
    this.events.emit({ type: 'product.changed', productId, deleted: false });
    this.events.emitAll(evts);
    return this.view(productId, true);
  }

  /** Delete a product; one that already has orders is archived instead (order history keeps its SKUs). */
  async remove(productId: string): Promise<{ deleted: boolean; archived: boolean }> {
    const now = this.clock();
    const result = this.store.transaction(() => {
      const cur = this.requireProduct(productId);
      const images = this.store.catalog.listImages(productId);
      for (const s of this.store.inventory.listSkus(productId)) {
        const sale = this.store.inventory.getActiveSale(s.id);
        if (sale) this.store.inventory.endSale(sale.id, now);
      }
      if (this.store.catalog.productHasOrders(productId)) {
        this.store.catalog.updateProduct({ ...cur, status: 'archived', updatedAt: now });
        return { deleted: false, archived: true, images: [] as string[] };
      }
      this.store.catalog.deleteProduct(productId);
      return { deleted: true, archived: false, images: images.map((i) => i.id) };
    });
    await Promise.all(result.images.map((id) => this.media.remove(id)));
    this.events.emit({ type: 'product.changed', productId, deleted: true });
    return { deleted: result.deleted, archived: result.archived };
  }

  updateSku(skuId: string, raw: unknown): SkuView {
    const patch = parse(SkuUpdate, raw, 'SKU update');
    const sku = this.store.transaction(() => {
      const cur = this.store.inventory.getSku(skuId);
      if (!cur) throw notFound('SKU');
      this.store.inventory.updateSku({
        ...cur,
        code: patch.code ?? cur.code,
        listPrice: patch.listPriceMinor ?? cur.listPrice,
        livePrice: patch.livePriceMinor !== undefined ? patch.livePriceMinor : cur.livePrice,
        active: patch.active ?? cur.active,
      });
      if (patch.stock !== undefined) this.store.inventory.setStock(skuId, patch.stock);
      if (patch.stockDelta !== undefined && !this.store.inventory.adjustStock(skuId, patch.stockDelta)) {
        throw conflict(`stock ${cur.stock} cannot change by ${patch.stockDelta}`, 'INSUFFICIENT_STOCK');
      }
      return this.store.inventory.getSku(skuId)!;
    });
    const now = this.clock();
    const sale = runningSale(this.store.inventory.getActiveSale(skuId), now);
    this.events.emit({ type: 'stock.changed', skuId, productId: sku.productId, stock: sku.stock, saleRemaining: sale?.remaining ?? null });
    return skuView(sku, sale);
  }

  async addImage(productId: string, data: Buffer): Promise<ProductView> {
    const existing = this.store.catalog.listImages(this.requireProduct(productId).id);
    if (existing.length >= MAX_IMAGES) throw conflict(`at most ${MAX_IMAGES} images per product`, 'IMAGE_INVALID');
    const id = newId('img');
    const size = await this.media.ingest(id, data);
    try {
      this.store.transaction(() => {
        const count = this.store.catalog.listImages(this.requireProduct(productId).id).length;
        this.store.catalog.insertImage({ id, productId, position: count, ...size, createdAt: this.clock() });
      });
    } catch (err) {
      await this.media.remove(id);
      throw err;
    }
    this.events.emit({ type: 'product.changed', productId, deleted: false });
    return this.view(productId, true);
  }

  async removeImage(productId: string, imageId: string): Promise<ProductView> {
    this.store.transaction(() => {
      const imgs = this.store.catalog.listImages(this.requireProduct(productId).id);
      if (!imgs.some((i) => i.id === imageId)) throw notFound('image');
      this.store.catalog.deleteImage(imageId);
      imgs
        .filter((i) => i.id !== imageId)
        .forEach((img, pos) => {
          this.store.catalog.setImagePosition(img.id, pos);
        });
    });
    await this.media.remove(imageId);
    this.events.emit({ type: 'product.changed', productId, deleted: false });
    return this.view(productId, true);
  }

  view(productId: string, studio: boolean): ProductView {
    const p = this.store.catalog.getProduct(productId);
    if (!p || (!studio && p.status !== 'active')) throw notFound('product');
    return this.viewOf(p, studio);
  }

  list(studio: boolean): ProductView[] {
    return this.store.catalog.listProducts(studio).map((p) => this.viewOf(p, studio));
  }

  setLineup(showId: string, productIds: readonly string[]): LineupView {
    this.store.transaction(() => {
      if (!this.store.catalog.showExists(showId)) throw notFound('show');
      for (const id of productIds) if (!this.store.catalog.getProduct(id)) throw notFound(`product ${id}`);
      this.store.catalog.setLineup(showId, productIds);
    });
    return this.lineup(showId, true);
  }

  /** The show's lineup in order; a show without an explicit lineup offers every active product. */
  lineup(showId: string, studio: boolean): LineupView {
    if (!this.store.catalog.showExists(showId)) throw notFound('show');
    const ids = this.store.catalog.getLineup(showId);
    const products = ids.length
      ? ids
          .map((id) => this.store.catalog.getProduct(id))
          .filter((p): p is ProductRecord => p !== null && (studio || p.status === 'active'))
      : this.store.catalog.listProducts(false);
    return { showId, products: products.map((p) => this.viewOf(p, studio)) };
  }

  stockEvent(skuId: string): CommerceEvent {
    const sku = this.store.inventory.getSku(skuId)!;
    const sale = runningSale(this.store.inventory.getActiveSale(skuId), this.clock());
    return { type: 'stock.changed', skuId, productId: sku.productId, stock: sku.stock, saleRemaining: sale?.remaining ?? null };
  }

  private viewOf(p: ProductRecord, studio: boolean): ProductView {
    const now = this.clock();
    return productView(
      p,
      this.store.inventory.listSkus(p.id),
      this.store.catalog.listImages(p.id),
      (s) => runningSale(this.store.inventory.getActiveSale(s.id), now),
      studio,
    );
  }

  private requireProduct(id: string): ProductRecord {
    const p = this.store.catalog.getProduct(id);
    if (!p) throw notFound('product');
    return p;
  }
}
