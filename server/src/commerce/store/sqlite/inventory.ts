import type { Database } from 'better-sqlite3';
import type { FlashSaleRecord, InventoryRepository, SkuRecord, Sync } from '../types';

interface SkuRow {
  id: string;
  product_id: string;
  code: string;
  options: string;
  options_key: string;
  position: number;
  list_price: number;
  live_price: number | null;
  stock: number;
  active: number;
}

interface SaleRow {
  id: string;
  sku_id: string;
  sale_price: number;
  cap: number;
  remaining: number;
  per_buyer_limit: number | null;
  starts_at: number;
  ends_at: number;
  status: FlashSaleRecord['status'];
  ended_at: number | null;
}

const toSku = (r: SkuRow): SkuRecord => ({
  id: r.id,
  productId: r.product_id,
  code: r.code,
  options: JSON.parse(r.options),
  optionsKey: r.options_key,
  position: r.position,
  listPrice: r.list_price,
  livePrice: r.live_price,
  stock: r.stock,
  active: r.active === 1,
});

const toSale = (r: SaleRow): FlashSaleRecord => ({
  id: r.id,
  skuId: r.sku_id,
  salePrice: r.sale_price,
  cap: r.cap,
  remaining: r.remaining,
  perBuyerLimit: r.per_buyer_limit,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  status: r.status,
  endedAt: r.ended_at,
});

export class SqliteInventoryRepository implements Sync<InventoryRepository> {
  private readonly s;

  constructor(db: Database) {
    this.s = {
      insertSku: db.prepare(
        `INSERT INTO skus (id, product_id, code, options, options_key, position, list_price, live_price, stock, active)
         VALUES (@id, @productId, @code, @options, @optionsKey, @position, @listPrice, @livePrice, @stock, @active)`,
      ),
      updateSku: db.prepare(
        `UPDATE skus SET code = @code, options = @options, options_key = @optionsKey, position = @position, list_price = @listPrice,
         live_price = @livePrice, active = @active WHERE id = @id`,
      ),
      getSku: db.prepare<[string], SkuRow>('SELECT * FROM skus WHERE id = ?'),
      listSkus: db.prepare<[string], SkuRow>('SELECT * FROM skus WHERE product_id = ? ORDER BY position, id'),
      byCode: db.prepare<[string], SkuRow>(`SELECT * FROM skus WHERE code = ? AND code != '' LIMIT 1`),
      take: db.prepare<[number, string, number], { stock: number }>(
        'UPDATE skus SET stock = stock - ? WHERE id = ? AND stock >= ? RETURNING stock',
      ),
      give: db.prepare<[number, string], { stock: number }>('UPDATE skus SET stock = stock + ? WHERE id = ? RETURNING stock'),
      set: db.prepare<[number, string]>('UPDATE skus SET stock = ? WHERE id = ?'),
      adjust: db.prepare<[number, string, number]>('UPDATE skus SET stock = stock + ? WHERE id = ? AND stock + ? >= 0'),
      insertSale: db.prepare(
        `INSERT INTO flash_sales (id, sku_id, sale_price, cap, remaining, per_buyer_limit, starts_at, ends_at, status, ended_at)
         VALUES (@id, @skuId, @salePrice, @cap, @remaining, @perBuyerLimit, @startsAt, @endsAt, @status, @endedAt)`,
      ),
      getSale: db.prepare<[string], SaleRow>('SELECT * FROM flash_sales WHERE id = ?'),
      activeSale: db.prepare<[string], SaleRow>(`SELECT * FROM flash_sales WHERE sku_id = ? AND status = 'active'`),
      activeSales: db.prepare<[], SaleRow>(`SELECT * FROM flash_sales WHERE status = 'active' ORDER BY ends_at`),
      listSales: db.prepare<[number], SaleRow>('SELECT * FROM flash_sales ORDER BY starts_at DESC LIMIT ?'),
      takeSale: db.prepare<[number, string, number, number], { remaining: number }>(
        `UPDATE flash_sales SET remaining = remaining - ? WHERE id = ? AND status = 'active' AND ends_at > ? AND remaining >= ? RETURNING remaining`,
      ),
      giveSale: db.prepare<[number, string, number], { remaining: number }>(
        `UPDATE flash_sales SET remaining = MIN(cap, remaining + ?) WHERE id = ? AND status = 'active' AND ends_at > ? RETURNING remaining`,
      ),
      endSale: db.prepare<[number, string]>(`UPDATE flash_sales SET status = 'ended', ended_at = ? WHERE id = ? AND status = 'active'`),
    };
  }

  insertSku(s: SkuRecord): void {
    this.s.insertSku.run({ ...s, options: JSON.stringify(s.options), active: s.active ? 1 : 0 });
  }
  updateSku(s: Omit<SkuRecord, 'stock'>): void {
    this.s.updateSku.run({ ...s, options: JSON.stringify(s.options), active: s.active ? 1 : 0 });
  }
  getSku(id: string): SkuRecord | null {
    const r = this.s.getSku.get(id);
    return r ? toSku(r) : null;
  }
  listSkus(productId: string): SkuRecord[] {
    return this.s.listSkus.all(productId).map(toSku);
  }
  getSkuByCode(code: string): SkuRecord | null {
    const r = this.s.byCode.get(code);
    return r ? toSku(r) : null;
  }
  takeStock(skuId: string, qty: number): number | null {
    return this.s.take.get(qty, skuId, qty)?.stock ?? null;
  }
  returnStock(skuId: string, qty: number): number | null {
    return this.s.give.get(qty, skuId)?.stock ?? null;
  }
  setStock(skuId: string, stock: number): void {
    this.s.set.run(stock, skuId);
  }
  adjustStock(skuId: string, delta: number): boolean {
    return this.s.adjust.run(delta, skuId, delta).changes === 1;
  }
  insertSale(s: FlashSaleRecord): void {
    this.s.insertSale.run(s);
  }
  getSale(id: string): FlashSaleRecord | null {
    const r = this.s.getSale.get(id);
    return r ? toSale(r) : null;
  }
  getActiveSale(skuId: string): FlashSaleRecord | null {
    const r = this.s.activeSale.get(skuId);
    return r ? toSale(r) : null;
  }
  listActiveSales(): FlashSaleRecord[] {
    return this.s.activeSales.all().map(toSale);
  }
  listSales(limit: number): FlashSaleRecord[] {
    return this.s.listSales.all(limit).map(toSale);
  }
  takeSaleUnits(saleId: string, qty: number, now: number): number | null {
    return this.s.takeSale.get(qty, saleId, now, qty)?.remaining ?? null;
  }
  returnSaleUnits(saleId: string, qty: number, now: number): number | null {
    return this.s.giveSale.get(qty, saleId, now)?.remaining ?? null;
  }
  endSale(saleId: string, at: number): boolean {
    return this.s.endSale.run(at, saleId).changes === 1;
  }
}
