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
  async resume(): Promise<void> {
    await this.endDue();
    for (const s of await this.store.inventory.listActiveSales()) this.arm(s);
  }

  async start(raw: unknown): Promise<FlashSaleView> {
    const input = parse(StartFlashSale, raw, 'flash sale');
    const now = this.clock();
    const { sale, productId, currency } = await this.store.transaction(async (tx) => {
      const sku = await tx.inventory.getSku(input.skuId);
      if (!sku) throw notFound('SKU');
      const product = (await tx.catalog.getProduct(sku.productId))!;
      if (!sku.active || product.status !== 'active') throw conflict('SKU is not on sale', 'SKU_UNAVAILABLE');
      const prev = await tx.inventory.getActiveSale(sku.id);
      if (prev) {
        if (prev.endsAt > now) throw conflict('a flash sale is already running on this SKU', 'SALE_ACTIVE');
        await tx.inventory.endSale(prev.id, now);
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
      await tx.inventory.insertSale(sale);
      return { sale, productId: product.id, currency: product.currency };
    });
    this.arm(sale);
    const view = saleView(sale, productId, currency);
    this.events.emit({ type: 'sale.started', sale: view });
    const sku = (await this.store.inventory.getSku(sale.skuId))!;
    this.events.emit({ type: 'stock.changed', skuId: sku.id, productId, stock: sku.stock, saleRemaining: sale.remaining });
    return view;
  }

  async stop(saleId: string): Promise<FlashSaleView> {
    const s = await this.store.inventory.getSale(saleId);
    if (!s) throw notFound('flash sale');
    await this.end(saleId, 'stopped');
    return this.view((await this.store.inventory.getSale(saleId))!);
  }

  /** End every running sale whose deadline passed. */
  async endDue(): Promise<void> {
    const now = this.clock();
    for (const s of await this.store.inventory.listActiveSales()) if (s.endsAt <= now) await this.end(s.id, 'expired');
  }

  /** The running sale of a SKU, ending it first when its deadline passed (check on access). */
  async running(skuId: string): Promise<FlashSaleRecord | null> {
    const s = await this.store.inventory.getActiveSale(skuId);
    if (!s) return null;
    if (runningSale(s, this.clock())) return s;
    await this.end(s.id, 'expired');
    return null;
  }

  async list(activeOnly: boolean): Promise<FlashSaleView[]> {
    const now = this.clock();
    const sales = activeOnly
      ? (await this.store.inventory.listActiveSales()).filter((s) => runningSale(s, now))
      : await this.store.inventory.listSales(200);
    const out: FlashSaleView[] = [];
    for (const s of sales) out.push(await this.view(s));
    return out;
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private async end(saleId: string, reason: 'expired' | 'stopped'): Promise<void> {
    const t = this.timers.get(saleId);
    if (t) clearTimeout(t);
    this.timers.delete(saleId);
    const now = this.clock();
    const ended = await this.store.inventory.endSale(saleId, now);
    if (!ended) return;
    const sale = (await this.store.inventory.getSale(saleId))!;
    const sku = (await this.store.inventory.getSku(sale.skuId))!;
    this.events.emit({ type: 'sale.ended', sale: await this.view(sale), reason });
    this.events.emit({ type: 'stock.changed', skuId: sku.id, productId: sku.productId, stock: sku.stock, saleRemaining: null });
  }

  private arm(s: FlashSaleRecord): void {
    const delay = Math.max(0, s.endsAt - this.clock()) + 5;
    const t = setTimeout(() => {
      this.timers.delete(s.id);
      // With an injected clock the deadline may not have passed yet in its time; the periodic sweep then ends it.
      if (s.endsAt <= this.clock())
        this.end(s.id, 'expired').catch((err: unknown) => this.log.error({ err, saleId: s.id }, 'ending flash sale failed'));
    }, delay);
    t.unref();
    this.timers.set(s.id, t);
  }

  private async view(s: FlashSaleRecord): Promise<FlashSaleView> {
    const sku = (await this.store.inventory.getSku(s.skuId))!;
    const product = (await this.store.catalog.getProduct(sku.productId))!;
    return saleView(s, product.id, product.currency);
  }
}
