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
import type { CommerceRepos, CommerceStore, CommerceTx, FlashSaleRecord, ProductRecord, SkuRecord } from '../store/types';
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

  async create(raw: unknown): Promise<ProductView> {
    const id = await this.store.transaction((tx) => this.createIn(tx, raw));
    this.announce(id);
    return this.view(id, true);
  }

  /** Tell the pages a product changed (after its unit of work committed). */
  announce(productId: string): void {
    this.events.emit({ type: 'product.changed', productId, deleted: false });
  }

  /** Create a product inside the caller's unit of work; returns its id (the caller announces it after commit). */
  async createIn(tx: CommerceTx, raw: unknown): Promise<string> {
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
    await tx.catalog.insertProduct(product);
    for (const s of plan.create) await tx.inventory.insertSku(s);
    return product.id;
  }

  async update(productId: string, raw: unknown): Promise<ProductView> {
    const patch = parse(ProductUpdate, raw, 'product');
    const now = this.clock();
    const evts: CommerceEvent[] = [];
    await this.store.transaction(async (tx) => {
      const cur = await this.requireProduct(productId, tx);
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
      await tx.catalog.updateProduct(next);
      if (patch.attributes || patch.skus || patch.defaults) {
        const existing = await tx.inventory.listSkus(productId);
        const plan = this.planSkus(productId, next.attributes, patch.skus ?? [], patch.defaults, existing);
        for (const s of plan.create) await tx.inventory.insertSku(s);
        for (const { sku, input, position } of plan.update) {
          await tx.inventory.updateSku({
            ...sku,
            position,
            code: input?.code ?? sku.code,
            listPrice: input?.listPriceMinor ?? sku.listPrice,
            livePrice: input && input.livePriceMinor !== undefined ? input.livePriceMinor : sku.livePrice,
            active: input?.active ?? true,
          });
          if (input && input.stock !== sku.stock) {
            await tx.inventory.setStock(sku.id, input.stock);
            evts.push(await this.stockEvent(sku.id, tx));
          }
        }
        for (const s of plan.deactivate) await tx.inventory.updateSku({ ...s, active: false });
      }
      if (patch.imageOrder) {
        const imgs = await tx.catalog.listImages(productId);
        const want = [...patch.imageOrder].sort().join();
        if (
          want !==
          imgs
            .map((i) => i.id)
            .sort()
            .join()
        )
          throw badRequest('imageOrder must list exactly the product images');
        for (const [i, id] of patch.imageOrder.entries()) await tx.catalog.setImagePosition(id, i);
      }
    });
    this.events.emit({ type: 'product.changed', productId, deleted: false });
    this.events.emitAll(evts);
    return this.view(productId, true);
  }

  /** Delete a product; one that already has orders is archived instead (order history keeps its SKUs). */
  async remove(productId: string): Promise<{ deleted: boolean; archived: boolean }> {
    const now = this.clock();
    const result = await this.store.transaction(async (tx) => {
      const cur = await this.requireProduct(productId, tx);
      const images = await tx.catalog.listImages(productId);
      for (const s of await tx.inventory.listSkus(productId)) {
        const sale = await tx.inventory.getActiveSale(s.id);
        if (sale) await tx.inventory.endSale(sale.id, now);
      }
      if (await tx.catalog.productHasOrders(productId)) {
        await tx.catalog.updateProduct({ ...cur, status: 'archived', updatedAt: now });
        return { deleted: false, archived: true, images: [] as string[] };
      }
      await tx.catalog.deleteProduct(productId);
      return { deleted: true, archived: false, images: images.map((i) => i.id) };
    });
    await Promise.all(result.images.map((id) => this.media.remove(id)));
    this.events.emit({ type: 'product.changed', productId, deleted: true });
    return { deleted: result.deleted, archived: result.archived };
  }

  async updateSku(skuId: string, raw: unknown): Promise<SkuView> {
    const patch = parse(SkuUpdate, raw, 'SKU update');
    const sku = await this.store.transaction(async (tx) => {
      const cur = await tx.inventory.getSku(skuId);
      if (!cur) throw notFound('SKU');
      await tx.inventory.updateSku({
        ...cur,
        code: patch.code ?? cur.code,
        listPrice: patch.listPriceMinor ?? cur.listPrice,
        livePrice: patch.livePriceMinor !== undefined ? patch.livePriceMinor : cur.livePrice,
        active: patch.active ?? cur.active,
      });
      if (patch.stock !== undefined) await tx.inventory.setStock(skuId, patch.stock);
      if (patch.stockDelta !== undefined && !(await tx.inventory.adjustStock(skuId, patch.stockDelta))) {
        throw conflict(`stock ${cur.stock} cannot change by ${patch.stockDelta}`, 'INSUFFICIENT_STOCK');
      }
      return (await tx.inventory.getSku(skuId))!;
    });
    const now = this.clock();
    const sale = runningSale(await this.store.inventory.getActiveSale(skuId), now);
    this.events.emit({ type: 'stock.changed', skuId, productId: sku.productId, stock: sku.stock, saleRemaining: sale?.remaining ?? null });
    return skuView(sku, sale);
  }

  async addImage(productId: string, data: Buffer): Promise<ProductView> {
    const existing = await this.store.catalog.listImages((await this.requireProduct(productId)).id);
    if (existing.length >= MAX_IMAGES) throw conflict(`at most ${MAX_IMAGES} images per product`, 'IMAGE_INVALID');
    const id = newId('img');
    const size = await this.media.ingest(id, data);
    try {
      await this.store.transaction(async (tx) => {
        const count = (await tx.catalog.listImages((await this.requireProduct(productId, tx)).id)).length;
        await tx.catalog.insertImage({ id, productId, position: count, ...size, createdAt: this.clock() });
      });
    } catch (err) {
      await this.media.remove(id);
      throw err;
    }
    this.events.emit({ type: 'product.changed', productId, deleted: false });
    return this.view(productId, true);
  }

  async removeImage(productId: string, imageId: string): Promise<ProductView> {
    await this.store.transaction(async (tx) => {
      const imgs = await tx.catalog.listImages((await this.requireProduct(productId, tx)).id);
      if (!imgs.some((i) => i.id === imageId)) throw notFound('image');
      await tx.catalog.deleteImage(imageId);
      const rest = imgs.filter((i) => i.id !== imageId);
      for (const [pos, img] of rest.entries()) await tx.catalog.setImagePosition(img.id, pos);
    });
    await this.media.remove(imageId);
    this.events.emit({ type: 'product.changed', productId, deleted: false });
    return this.view(productId, true);
  }

  async view(productId: string, studio: boolean): Promise<ProductView> {
    const p = await this.store.catalog.getProduct(productId);
    if (!p || (!studio && p.status !== 'active')) throw notFound('product');
    return this.viewOf(p, studio);
  }

  async list(studio: boolean): Promise<ProductView[]> {
    return this.viewsOf(await this.store.catalog.listProducts(studio), studio);
  }

  async setLineup(showId: string, productIds: readonly string[]): Promise<LineupView> {
    await this.store.transaction(async (tx) => {
      if (!(await tx.catalog.showExists(showId))) throw notFound('show');
      for (const id of productIds) if (!(await tx.catalog.getProduct(id))) throw notFound(`product ${id}`);
      await tx.catalog.setLineup(showId, productIds);
    });
    return this.lineup(showId, true);
  }

  /** The show's lineup in order; a show without an explicit lineup offers every active product. */
  async lineup(showId: string, studio: boolean): Promise<LineupView> {
    if (!(await this.store.catalog.showExists(showId))) throw notFound('show');
    const ids = await this.store.catalog.getLineup(showId);
    let products: ProductRecord[];
    if (ids.length) {
      products = [];
      for (const id of ids) {
        const p = await this.store.catalog.getProduct(id);
        if (p !== null && (studio || p.status === 'active')) products.push(p);
      }
    } else products = await this.store.catalog.listProducts(false);
    return { showId, products: await this.viewsOf(products, studio) };
  }

  async stockEvent(skuId: string, q: CommerceRepos = this.store): Promise<CommerceEvent> {
    const sku = (await q.inventory.getSku(skuId))!;
    const sale = runningSale(await q.inventory.getActiveSale(skuId), this.clock());
    return { type: 'stock.changed', skuId, productId: sku.productId, stock: sku.stock, saleRemaining: sale?.remaining ?? null };
  }

  private async viewsOf(products: ProductRecord[], studio: boolean): Promise<ProductView[]> {
    const out: ProductView[] = [];
    for (const p of products) out.push(await this.viewOf(p, studio));
    return out;
  }

  private async viewOf(p: ProductRecord, studio: boolean): Promise<ProductView> {
    const now = this.clock();
    const skus = await this.store.inventory.listSkus(p.id);
    const sales = new Map<string, FlashSaleRecord | null>();
    for (const s of skus) sales.set(s.id, runningSale(await this.store.inventory.getActiveSale(s.id), now));
    return productView(p, skus, await this.store.catalog.listImages(p.id), (s) => sales.get(s.id) ?? null, studio);
  }

  private async requireProduct(id: string, q: CommerceRepos = this.store): Promise<ProductRecord> {
    const p = await q.catalog.getProduct(id);
    if (!p) throw notFound('product');
    return p;
  }
}
