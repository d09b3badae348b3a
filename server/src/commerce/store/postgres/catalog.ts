import type { CatalogRepository, FlashSaleRecord, ImageRecord, InventoryRepository, ProductRecord, SkuRecord } from '../types';
import { changed, one, type Queryable, type ShowDirectory } from './query';

export const PRODUCT = `id, title, description, currency, faq, attributes, per_buyer_limit AS "perBuyerLimit", status,
  created_at AS "createdAt", updated_at AS "updatedAt"`;
const IMAGE = `id, product_id AS "productId", position, width, height, created_at AS "createdAt"`;
export const SKU = `id, product_id AS "productId", code, options, options_key AS "optionsKey", position, list_price AS "listPrice",
  live_price AS "livePrice", stock, active`;
export const SALE = `id, sku_id AS "skuId", sale_price AS "salePrice", cap, remaining, per_buyer_limit AS "perBuyerLimit",
  starts_at AS "startsAt", ends_at AS "endsAt", status, ended_at AS "endedAt"`;

export class PgCatalogRepository implements CatalogRepository {
  constructor(
    private readonly q: Queryable,
    private readonly shows: ShowDirectory,
  ) {}

  async insertProduct(p: ProductRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO products (id, title, description, currency, faq, attributes, per_buyer_limit, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        p.id,
        p.title,
        p.description,
        p.currency,
        JSON.stringify(p.faq),
        JSON.stringify(p.attributes),
        p.perBuyerLimit,
        p.status,
        p.createdAt,
        p.updatedAt,
      ],
    );
  }
  async updateProduct(p: ProductRecord): Promise<void> {
    await this.q.query(
      `UPDATE products SET title = $2, description = $3, currency = $4, faq = $5, attributes = $6, per_buyer_limit = $7, status = $8,
       updated_at = $9 WHERE id = $1`,
      [
        p.id,
        p.title,
        p.description,
        p.currency,
        JSON.stringify(p.faq),
        JSON.stringify(p.attributes),
        p.perBuyerLimit,
        p.status,
        p.updatedAt,
      ],
    );
  }
  async deleteProduct(id: string): Promise<void> {
    await this.q.query('DELETE FROM products WHERE id = $1', [id]);
  }
  getProduct(id: string): Promise<ProductRecord | null> {
    return one<ProductRecord>(this.q, `SELECT ${PRODUCT} FROM products WHERE id = $1`, [id]);
  }
  async listProducts(includeArchived: boolean): Promise<ProductRecord[]> {
    const where = includeArchived ? '' : `WHERE status = 'active'`;
    return (await this.q.query<ProductRecord>(`SELECT ${PRODUCT} FROM products ${where} ORDER BY created_at, id`)).rows;
  }
  async countProducts(): Promise<number> {
    return (await one<{ n: number }>(this.q, 'SELECT COUNT(*)::int AS n FROM products', []))!.n;
  }
  async productHasOrders(id: string): Promise<boolean> {
    return (await one(this.q, 'SELECT 1 FROM order_items i JOIN skus s ON s.id = i.sku_id WHERE s.product_id = $1 LIMIT 1', [id])) !== null;
  }
  async insertImage(i: ImageRecord): Promise<void> {
    await this.q.query('INSERT INTO product_images (id, product_id, position, width, height, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      i.id,
      i.productId,
      i.position,
      i.width,
      i.height,
      i.createdAt,
    ]);
  }
  async deleteImage(id: string): Promise<void> {
    await this.q.query('DELETE FROM product_images WHERE id = $1', [id]);
  }
  async listImages(productId: string): Promise<ImageRecord[]> {
    return (
      await this.q.query<ImageRecord>(`SELECT ${IMAGE} FROM product_images WHERE product_id = $1 ORDER BY position, created_at`, [
        productId,
      ])
    ).rows;
  }
  async setImagePosition(id: string, position: number): Promise<void> {
    await this.q.query('UPDATE product_images SET position = $2 WHERE id = $1', [id, position]);
  }
  async showExists(showId: string): Promise<boolean> {
    return (await this.shows.status(showId)) !== null;
  }
  async setLineup(showId: string, productIds: readonly string[]): Promise<void> {
    await this.q.query('DELETE FROM show_lineup WHERE show_id = $1', [showId]);
    for (const [i, p] of productIds.entries()) {
      await this.q.query('INSERT INTO show_lineup (show_id, product_id, position) VALUES ($1, $2, $3)', [showId, p, i]);
    }
  }
  async getLineup(showId: string): Promise<string[]> {
    return (
      await this.q.query<{ id: string }>('SELECT product_id AS id FROM show_lineup WHERE show_id = $1 ORDER BY position', [showId])
    ).rows.map((r) => r.id);
  }
  async getMeta(key: string): Promise<string | null> {
    return (await one<{ value: string }>(this.q, 'SELECT value FROM commerce_meta WHERE key = $1', [key]))?.value ?? null;
  }
  async setMeta(key: string, value: string): Promise<void> {
    await this.q.query('INSERT INTO commerce_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      key,
      value,
    ]);
  }
}

export class PgInventoryRepository implements InventoryRepository {
  constructor(private readonly q: Queryable) {}

  async insertSku(s: SkuRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO skus (id, product_id, code, options, options_key, position, list_price, live_price, stock, active)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [s.id, s.productId, s.code, JSON.stringify(s.options), s.optionsKey, s.position, s.listPrice, s.livePrice, s.stock, s.active],
    );
  }
  async updateSku(s: Omit<SkuRecord, 'stock'>): Promise<void> {
    await this.q.query(
      `UPDATE skus SET code = $2, options = $3, options_key = $4, position = $5, list_price = $6, live_price = $7, active = $8 WHERE id = $1`,
      [s.id, s.code, JSON.stringify(s.options), s.optionsKey, s.position, s.listPrice, s.livePrice, s.active],
    );
  }
  getSku(id: string): Promise<SkuRecord | null> {
    return one<SkuRecord>(this.q, `SELECT ${SKU} FROM skus WHERE id = $1`, [id]);
  }
  async listSkus(productId: string): Promise<SkuRecord[]> {
    return (await this.q.query<SkuRecord>(`SELECT ${SKU} FROM skus WHERE product_id = $1 ORDER BY position, id`, [productId])).rows;
  }
  getSkuByCode(code: string): Promise<SkuRecord | null> {
    return one<SkuRecord>(this.q, `SELECT ${SKU} FROM skus WHERE code = $1 AND code <> '' LIMIT 1`, [code]);
  }
  async takeStock(skuId: string, qty: number): Promise<number | null> {
    const r = await one<{ stock: number }>(this.q, 'UPDATE skus SET stock = stock - $2 WHERE id = $1 AND stock >= $2 RETURNING stock', [
      skuId,
      qty,
    ]);
    return r?.stock ?? null;
  }
  async returnStock(skuId: string, qty: number): Promise<number | null> {
    const r = await one<{ stock: number }>(this.q, 'UPDATE skus SET stock = stock + $2 WHERE id = $1 RETURNING stock', [skuId, qty]);
    return r?.stock ?? null;
  }
  async setStock(skuId: string, stock: number): Promise<void> {
    await this.q.query('UPDATE skus SET stock = $2 WHERE id = $1', [skuId, stock]);
  }
  async adjustStock(skuId: string, delta: number): Promise<boolean> {
    return (await changed(this.q, 'UPDATE skus SET stock = stock + $2 WHERE id = $1 AND stock + $2 >= 0', [skuId, delta])) === 1;
  }
  async insertSale(s: FlashSaleRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO flash_sales (id, sku_id, sale_price, cap, remaining, per_buyer_limit, starts_at, ends_at, status, ended_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [s.id, s.skuId, s.salePrice, s.cap, s.remaining, s.perBuyerLimit, s.startsAt, s.endsAt, s.status, s.endedAt],
    );
  }
  getSale(id: string): Promise<FlashSaleRecord | null> {
    return one<FlashSaleRecord>(this.q, `SELECT ${SALE} FROM flash_sales WHERE id = $1`, [id]);
  }
  getActiveSale(skuId: string): Promise<FlashSaleRecord | null> {
    return one<FlashSaleRecord>(this.q, `SELECT ${SALE} FROM flash_sales WHERE sku_id = $1 AND status = 'active'`, [skuId]);
  }
  async listActiveSales(): Promise<FlashSaleRecord[]> {
    return (await this.q.query<FlashSaleRecord>(`SELECT ${SALE} FROM flash_sales WHERE status = 'active' ORDER BY ends_at`)).rows;
  }
  async listSales(limit: number): Promise<FlashSaleRecord[]> {
    return (await this.q.query<FlashSaleRecord>(`SELECT ${SALE} FROM flash_sales ORDER BY starts_at DESC LIMIT $1`, [limit])).rows;
  }
  async takeSaleUnits(saleId: string, qty: number, now: number): Promise<number | null> {
    const r = await one<{ remaining: number }>(
      this.q,
      `UPDATE flash_sales SET remaining = remaining - $2 WHERE id = $1 AND status = 'active' AND ends_at > $3 AND remaining >= $2 RETURNING remaining`,
      [saleId, qty, now],
    );
    return r?.remaining ?? null;
  }
  async returnSaleUnits(saleId: string, qty: number, now: number): Promise<number | null> {
    const r = await one<{ remaining: number }>(
      this.q,
      `UPDATE flash_sales SET remaining = LEAST(cap, remaining + $2) WHERE id = $1 AND status = 'active' AND ends_at > $3 RETURNING remaining`,
      [saleId, qty, now],
    );
    return r?.remaining ?? null;
  }
  async endSale(saleId: string, at: number): Promise<boolean> {
    return (
      (await changed(this.q, `UPDATE flash_sales SET status = 'ended', ended_at = $2 WHERE id = $1 AND status = 'active'`, [
        saleId,
        at,
      ])) === 1
    );
  }
}
