import type { ActiveSale, ProductImage, ProductView, SkuView } from '../../../../shared/commerce/catalog';
import type { OrderDiscount, OrderView } from '../../../../shared/commerce/orders';
import type { FlashSaleView } from '../../../../shared/commerce/sales';
import { maskAddress, maskName, maskPhone } from '../mask';
import type {
  FlashSaleRecord,
  ImageRecord,
  OrderEventRecord,
  OrderItemRecord,
  OrderRecord,
  PaymentRecord,
  ProductRecord,
  SkuRecord,
} from '../store/types';

export const mediaUrl = (imageId: string, size: 'large' | 'thumb') => `/media/products/${imageId}-${size}.webp`;

export function imageView(i: ImageRecord): ProductImage {
  return { id: i.id, url: mediaUrl(i.id, 'large'), thumbUrl: mediaUrl(i.id, 'thumb'), width: i.width, height: i.height };
}

/** A sale counts as running only while status is active and its end time is in the future. */
export function runningSale(s: FlashSaleRecord | null, now: number): FlashSaleRecord | null {
  return s && s.status === 'active' && s.endsAt > now ? s : null;
}

export function activeSaleView(s: FlashSaleRecord): ActiveSale {
  return {
    id: s.id,
    salePriceMinor: s.salePrice,
    cap: s.cap,
    remaining: s.remaining,
    perBuyerLimit: s.perBuyerLimit,
    startsAt: s.startsAt,
    endsAt: s.endsAt,
  };
}

/** Unit price an order placed now pays. */
export function unitPrice(sku: SkuRecord, sale: FlashSaleRecord | null): number {
  return sale ? sale.salePrice : (sku.livePrice ?? sku.listPrice);
}

export function skuView(sku: SkuRecord, sale: FlashSaleRecord | null): SkuView {
  return {
    id: sku.id,
    productId: sku.productId,
    code: sku.code,
    options: sku.options,
    listPriceMinor: sku.listPrice,
    livePriceMinor: sku.livePrice,
    priceMinor: unitPrice(sku, sale),
    stock: sku.stock,
    available: sku.active ? (sale ? Math.min(sale.remaining, sku.stock) : sku.stock) : 0,
    active: sku.active,
    sale: sale ? activeSaleView(sale) : null,
  };
}

export function productView(
  p: ProductRecord,
  skus: readonly SkuRecord[],
  images: readonly ImageRecord[],
  saleOf: (sku: SkuRecord) => FlashSaleRecord | null,
  includeInactive: boolean,
): ProductView {
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    currency: p.currency,
    faq: p.faq,
    attributes: p.attributes,
    perBuyerLimit: p.perBuyerLimit,
    status: p.status,
    images: images.map(imageView),
    skus: skus.filter((s) => includeInactive || s.active).map((s) => skuView(s, saleOf(s))),
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

export function saleView(s: FlashSaleRecord, productId: string, currency: string): FlashSaleView {
  return {
    id: s.id,
    skuId: s.skuId,
    productId,
    currency,
    salePriceMinor: s.salePrice,
    cap: s.cap,
    remaining: s.remaining,
    perBuyerLimit: s.perBuyerLimit,
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    status: s.status,
    endedAt: s.endedAt,
  };
}

export interface OrderViewExtras {
  events?: readonly OrderEventRecord[];
  payments?: readonly PaymentRecord[];
  /** The coupon discount recorded on the order (total is already net of it). */
  discount?: OrderDiscount | null;
}

export function orderView(o: OrderRecord, items: readonly OrderItemRecord[], full: boolean, extras: OrderViewExtras = {}): OrderView {
  return {
    id: o.id,
    status: o.status,
    showId: o.showId,
    currency: o.currency,
    totalMinor: o.total,
    items: items.map((i) => ({
      skuId: i.skuId,
      productId: i.productId,
      title: i.title,
      options: i.options,
      qty: i.qty,
      unitPriceMinor: i.unitPrice,
      listPriceMinor: i.listPrice,
      flashSaleId: i.flashSaleId,
    })),
    contact: full
      ? { name: o.contactName, phone: o.contactPhone, address: o.contactAddress }
      : { name: maskName(o.contactName), phone: maskPhone(o.contactPhone), address: maskAddress(o.contactAddress) },
    createdAt: o.createdAt,
    expiresAt: o.expiresAt,
    paidAt: o.paidAt,
    shippedAt: o.shippedAt,
    carrier: o.carrier,
    trackingNo: o.trackingNo,
    completedAt: o.completedAt,
    cancelledAt: o.cancelledAt,
    refundedAt: o.refundedAt,
    ...(extras.events ? { events: extras.events.map((e) => ({ from: e.from, to: e.to, at: e.at, actor: e.actor, note: e.note })) } : {}),
    ...(extras.payments
      ? {
          payments: extras.payments.map((p) => ({
            id: p.id,
            provider: p.provider,
            status: p.status,
            amountMinor: p.amount,
            currency: p.currency,
            createdAt: p.createdAt,
          })),
        }
      : {}),
    ...(extras.discount !== undefined ? { discount: extras.discount } : {}),
  };
}
