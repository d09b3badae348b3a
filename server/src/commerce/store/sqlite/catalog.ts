import type { Database } from 'better-sqlite3';
import type { CatalogRepository, ImageRecord, ProductRecord, Sync } from '../types';

interface ProductRow {
  id: string;
  title: string;
  description: string;
  currency: string;
  faq: string;
  attributes: string;
  per_buyer_limit: number | null;
  status: ProductRecord['status'];
  created_at: number;
  updated_at: number;
}

interface ImageRow {
  id: string;
  product_id: string;
  position: number;
  width: number;
  height: number;
  created_at: number;
}

const toProduct = (r: ProductRow): ProductRecord => ({
  id: r.id,
  title: r.title,
  description: r.description,
  currency: r.currency,
  faq: JSON.parse(r.faq),
  attributes: JSON.parse(r.attributes),
  perBuyerLimit: r.per_buyer_limit,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toImage = (r: ImageRow): ImageRecord => ({
  id: r.id,
  productId: r.product_id,
  position: r.position,
  width: r.width,
  height: r.height,
  createdAt: r.created_at,
});

export class SqliteCatalogRepository implements Sync<CatalogRepository> {
  private readonly s;

  constructor(db: Database) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO products (id, title, description, currency, faq, attributes, per_buyer_limit, status, created_at, updated_at)
         VALUES (@id, @title, @description, @currency, @faq, @attributes, @perBuyerLimit, @status, @createdAt, @updatedAt)`,
      ),
      update: db.prepare(
        `UPDATE products SET title = @title, description = @description, currency = @currency, faq = @faq, attributes = @attributes,
         per_buyer_limit = @perBuyerLimit, status = @status, updated_at = @updatedAt WHERE id = @id`,
      ),
      del: db.prepare<[string]>('DELETE FROM products WHERE id = ?'),
      get: db.prepare<[string], ProductRow>('SELECT * FROM products WHERE id = ?'),
      listAll: db.prepare<[], ProductRow>('SELECT * FROM products ORDER BY created_at, id'),
      listActive: db.prepare<[], ProductRow>(`SELECT * FROM products WHERE status = 'active' ORDER BY created_at, id`),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM products'),
      hasOrders: db.prepare<[string], { x: number }>(
        'SELECT 1 AS x FROM order_items i JOIN skus s ON s.id = i.sku_id WHERE s.product_id = ? LIMIT 1',
      ),
      insertImage: db.prepare(
        `INSERT INTO product_images (id, product_id, position, width, height, created_at)
         VALUES (@id, @productId, @position, @width, @height, @createdAt)`,
      ),
      deleteImage: db.prepare<[string]>('DELETE FROM product_images WHERE id = ?'),
      listImages: db.prepare<[string], ImageRow>('SELECT * FROM product_images WHERE product_id = ? ORDER BY position, created_at'),
      imagePos: db.prepare<[number, string]>('UPDATE product_images SET position = ? WHERE id = ?'),
      showExists: db.prepare<[string], { x: number }>('SELECT 1 AS x FROM shows WHERE id = ?'),
      clearLineup: db.prepare<[string]>('DELETE FROM show_lineup WHERE show_id = ?'),
      addLineup: db.prepare<[string, string, number]>('INSERT INTO show_lineup (show_id, product_id, position) VALUES (?, ?, ?)'),
      getLineup: db.prepare<[string], { product_id: string }>('SELECT product_id FROM show_lineup WHERE show_id = ? ORDER BY position'),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM commerce_meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>(
        'INSERT INTO commerce_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  private params(p: ProductRecord) {
    return { ...p, faq: JSON.stringify(p.faq), attributes: JSON.stringify(p.attributes) };
  }

  insertProduct(p: ProductRecord): void {
    this.s.insert.run(this.params(p));
  }
  updateProduct(p: ProductRecord): void {
    this.s.update.run(this.params(p));
  }
  deleteProduct(id: string): void {
    this.s.del.run(id);
  }
  getProduct(id: string): ProductRecord | null {
    const r = this.s.get.get(id);
    return r ? toProduct(r) : null;
  }
  listProducts(includeArchived: boolean): ProductRecord[] {
    return (includeArchived ? this.s.listAll : this.s.listActive).all().map(toProduct);
  }
  countProducts(): number {
    return this.s.count.get()!.n;
  }
  productHasOrders(id: string): boolean {
    return this.s.hasOrders.get(id) !== undefined;
  }
  insertImage(i: ImageRecord): void {
    this.s.insertImage.run(i);
  }
  deleteImage(id: string): void {
    this.s.deleteImage.run(id);
  }
  listImages(productId: string): ImageRecord[] {
    return this.s.listImages.all(productId).map(toImage);
  }
  setImagePosition(id: string, position: number): void {
    this.s.imagePos.run(position, id);
  }
  showExists(showId: string): boolean {
    return this.s.showExists.get(showId) !== undefined;
  }
  setLineup(showId: string, productIds: readonly string[]): void {
    this.s.clearLineup.run(showId);
    productIds.forEach((p, i) => {
      this.s.addLineup.run(showId, p, i);
    });
  }
  getLineup(showId: string): string[] {
    return this.s.getLineup.all(showId).map((r) => r.product_id);
  }
  getMeta(key: string): string | null {
    return this.s.getMeta.get(key)?.value ?? null;
  }
  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }
}
