import { StartFlashSale } from '../../../../shared/commerce/sales';
import type { FlashSaleView } from '../../../../shared/commerce/sales';
import { conflict, notFound, parse } from '../errors';
import { newId } from '../ids';
import type { CommerceStore, FlashSaleRecord } from '../store/types';
import type { CommerceEvents, Logger } from './events';
import { runningSale, saleView } from './views';

/**
 * Flash sales: a timed price + stock cap on one SKU. While running, orders for the SKU pay the sale price and draw
 * from both the cap and the SKU stock. A sale ends at its deadline (timer, plus a sweep and a check on every access),
 * or when the studio stops it.
 */
export class SalesService {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: CommerceStore,
    private readonly events: CommerceEvents,
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {}

  /** Re-arm timers for sales left running by a previous process and end the overdue ones. */
  resume(): void {
    this.endDue();
    for (const s of this.store.inventory.listActiveSales()) this.arm(s);
  }

  start(raw: unknown): FlashSaleView {
    const input = parse(StartFlashSale, raw, 'flash sale');
    const now = this.clock();
    const { sale, productId, currency } = this.store.transaction(() => {
      const sku = this.store.inventory.getSku(input.skuId);
      if (!sku) throw notFound('SKU');
      const product = this.store.catalog.getProduct(sku.productId)!;
      if (!sku.active || product.status !== 'active') throw conflict('SKU is not on sale', 'SKU_UNAVAILABLE');
      const prev = this.store.inventory.getActiveSale(sku.id);
      if (prev) {
        if (prev.endsAt > now) throw conflict('a flash sale is already running on this SKU', 'SALE_ACTIVE');
        this.store.inventory.endSale(prev.id, now);
      }
      if (input.cap > sku.stock) throw conflict(`cap ${input.cap} exceeds stock ${sku.stock}`, 'INSUFFICIENT_STOCK');
      const sale: FlashSaleRecord = {
        id: newId('fs'),
        skuId: sku.id,
        salePrice: input.salePriceMinor,
        cap: input.cap,
        remaining: input.cap,
        perBuyerLimit: input.perBuyerLimit,
        startsAt: now,
        endsAt: now + input.durationSec * 1000,
        status: 'active',
        endedAt: null,
      };
      this.store.inventory.insertSale(sale);
      return { sale, productId: product.id, currency: product.currency };
    });
    this.arm(sale);
    const view = saleView(sale, productId, currency);
    this.events.emit({ type: 'sale.started', sale: view });
    const sku = this.store.inventory.getSku(sale.skuId)!;
    this.events.emit({ type: 'stock.changed', skuId: sku.id, productId, stock: sku.stock, saleRemaining: sale.remaining });
    return view;
  }

  stop(saleId: string): FlashSaleView {
    const s = this.store.inventory.getSale(saleId);
    if (!s) throw notFound('flash sale');
    this.end(saleId, 'stopped');
    return this.view(this.store.inventory.getSale(saleId)!);
  }

  /** End every running sale whose deadline passed. */
  endDue(): void {
    const now = this.clock();
    for (const s of this.store.inventory.listActiveSales()) if (s.endsAt <= now) this.end(s.id, 'expired');
  }

  /** The running sale of a SKU, ending it first when its deadline passed (check on access). */
  running(skuId: string): FlashSaleRecord | null {
    const s = this.store.inventory.getActiveSale(skuId);
    if (!s) return null;
    if (runningSale(s, this.clock())) return s;
    this.end(s.id, 'expired');
    return null;
  }

  list(activeOnly: boolean): FlashSaleView[] {
    const now = this.clock();
    const sales = activeOnly
      ? this.store.inventory.listActiveSales().filter((s) => runningSale(s, now))
      : this.store.inventory.listSales(200);
    return sales.map((s) => this.view(s));
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private end(saleId: string, reason: 'expired' | 'stopped'): void {
    const t = this.timers.get(saleId);
    if (t) clearTimeout(t);
    this.timers.delete(saleId);
    const now = this.clock();
    const ended = this.store.transaction(() => this.store.inventory.endSale(saleId, now));
    if (!ended) return;
    const sale = this.store.inventory.getSale(saleId)!;
    const sku = this.store.inventory.getSku(sale.skuId)!;
    this.events.emit({ type: 'sale.ended', sale: this.view(sale), reason });
    this.events.emit({ type: 'stock.changed', skuId: sku.id, productId: sku.productId, stock: sku.stock, saleRemaining: null });
  }

  private arm(s: FlashSaleRecord): void {
    const delay = Math.max(0, s.endsAt - this.clock()) + 5;
    const t = setTimeout(() => {
      this.timers.delete(s.id);
      try {
        // With an injected clock the deadline may not have passed yet in its time; the periodic sweep then ends it.
        if (s.endsAt <= this.clock()) this.end(s.id, 'expired');
      } catch (err) {
        this.log.error({ err, saleId: s.id }, 'ending flash sale failed');
      }
    }, delay);
    t.unref();
    this.timers.set(s.id, t);
  }

  private view(s: FlashSaleRecord): FlashSaleView {
    const sku = this.store.inventory.getSku(s.skuId)!;
    const product = this.store.catalog.getProduct(sku.productId)!;
    return saleView(s, product.id, product.currency);
  }
}
