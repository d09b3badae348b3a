/** Builders of server-shaped views for the shop's unit tests (the same shapes the API returns, validated). */
import { type ProductView, ProductView as ProductViewSchema, type SkuView } from '../../../shared/commerce/catalog';
import { type OrderView, OrderView as OrderViewSchema } from '../../../shared/commerce/orders';

let n = 0;
const id = (prefix: string) => `${prefix}_test${String(++n).padStart(4, '0')}`;

export function sku(over: Partial<SkuView> & { options: Record<string, string> }): SkuView {
  const base: SkuView = {
    id: id('s'),
    productId: 'p_test0000',
    code: '',
    options: over.options,
    listPriceMinor: 1000,
    livePriceMinor: 800,
    priceMinor: 800,
    stock: 10,
    available: 10,
    active: true,
    sale: null,
  };
  return { ...base, ...over };
}

/** A product with attributes and SKUs (the SKUs' productId is set to the product's). */
export function product(over: Partial<ProductView> & { skus: SkuView[] }): ProductView {
  const pid = over.id ?? id('p');
  const p: ProductView = {
    id: pid,
    title: 'Test product',
    description: '',
    currency: 'CNY',
    faq: [],
    attributes: [],
    perBuyerLimit: null,
    status: 'active',
    images: [],
    createdAt: 1,
    updatedAt: 1,
    ...over,
    skus: over.skus.map((s) => ({ ...s, productId: pid })),
  };
  return ProductViewSchema.parse(p);
}

export function order(over: Partial<OrderView> & Pick<OrderView, 'items'>): OrderView {
  const o: OrderView = {
    id: id('o'),
    status: 'paid',
    showId: null,
    currency: 'CNY',
    totalMinor: over.items.reduce((t, i) => t + i.unitPriceMinor * i.qty, 0),
    contact: { name: '张*', phone: '138****5678', address: '上海市***' },
    createdAt: 1,
    expiresAt: 2,
    paidAt: null,
    shippedAt: null,
    carrier: null,
    trackingNo: null,
    completedAt: null,
    cancelledAt: null,
    refundedAt: null,
    ...over,
  };
  return OrderViewSchema.parse(o);
}
