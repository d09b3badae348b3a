import { z } from 'zod';
import { Currency, MinorUnits } from '../domain/money';
import { ShowId } from '../domain/show';
import { FlashSaleId, ImageId, Millis, ProductId, SkuId } from './common';

const Text = (max: number) => z.string().trim().max(max);

/** One spec attribute of a product, e.g. 颜色 → [黑, 白]. SKUs are the cartesian product of all attributes. */
export const SpecAttribute = z
  .object({
    name: Text(20).min(1, 'attribute name required'),
    values: z.array(Text(30).min(1, 'attribute value required')).min(1).max(20),
  })
  .refine((a) => new Set(a.values).size === a.values.length, { message: 'attribute values must be unique', path: ['values'] });
export type SpecAttribute = z.infer<typeof SpecAttribute>;

export const SpecAttributes = z
  .array(SpecAttribute)
  .max(3)
  .refine((as) => new Set(as.map((a) => a.name)).size === as.length, { message: 'attribute names must be unique' })
  .refine((as) => as.reduce((n, a) => n * a.values.length, 1) <= 100, { message: 'at most 100 SKUs per product' });

/** Attribute name → chosen value for one SKU ({} for a product without attributes). */
export const SkuOptions = z.record(z.string(), z.string());
export type SkuOptions = z.infer<typeof SkuOptions>;

export const FaqItem = z.object({ q: Text(200).min(1, 'question required'), a: Text(1000).min(1, 'answer required') });
export type FaqItem = z.infer<typeof FaqItem>;

export const Stock = z.number().int().min(0).max(1_000_000);
export const PerBuyerLimit = z.number().int().min(1).max(999);
export const SkuCode = Text(40).regex(/^[A-Za-z0-9._-]*$/, 'SKU code: letters, digits, . _ -');

/** Values for one SKU; `options` selects the combination it applies to. */
export const SkuInput = z.object({
  options: SkuOptions,
  code: SkuCode.optional(),
  listPriceMinor: MinorUnits,
  livePriceMinor: MinorUnits.nullable().optional(),
  stock: Stock,
  active: z.boolean().optional(),
});
export type SkuInput = z.infer<typeof SkuInput>;

/** Defaults for every combination not listed in `skus`. */
export const SkuDefaults = z.object({
  listPriceMinor: MinorUnits,
  livePriceMinor: MinorUnits.nullable().optional(),
  stock: Stock.default(0),
});

export const ProductStatus = z.enum(['active', 'archived']);
export type ProductStatus = z.infer<typeof ProductStatus>;

export const ProductCreate = z
  .object({
    title: Text(120).min(1, 'title required'),
    description: Text(5000).default(''),
    currency: Currency.default('CNY'),
    faq: z.array(FaqItem).max(30).default([]),
    attributes: SpecAttributes.default([]),
    defaults: SkuDefaults.optional(),
    skus: z.array(SkuInput).max(100).default([]),
    perBuyerLimit: PerBuyerLimit.nullable().default(null),
  })
  .refine((p) => p.defaults !== undefined || p.skus.length > 0, { message: 'give `defaults` or `skus`', path: ['defaults'] });
export type ProductCreate = z.input<typeof ProductCreate>;

export const ProductUpdate = z
  .object({
    title: Text(120).min(1),
    description: Text(5000),
    faq: z.array(FaqItem).max(30),
    perBuyerLimit: PerBuyerLimit.nullable(),
    status: ProductStatus,
    /** New attribute set: existing combinations keep their SKU (id, stock, orders); new ones are created from `defaults`/`skus`; removed ones are deactivated. */
    attributes: SpecAttributes,
    defaults: SkuDefaults,
    skus: z.array(SkuInput).max(100),
    /** Image ids in display order (must be exactly the product's images). */
    imageOrder: z.array(ImageId).max(20),
  })
  .partial();
export type ProductUpdate = z.input<typeof ProductUpdate>;

export const SkuUpdate = z
  .object({
    code: SkuCode,
    listPriceMinor: MinorUnits,
    livePriceMinor: MinorUnits.nullable(),
    /** Absolute stock. */
    stock: Stock,
    /** Relative change (restock / correction); stock never goes below zero. */
    stockDelta: z.number().int().min(-1_000_000).max(1_000_000),
    active: z.boolean(),
  })
  .partial()
  .refine((u) => !(u.stock !== undefined && u.stockDelta !== undefined), { message: 'give stock or stockDelta, not both' });
export type SkuUpdate = z.input<typeof SkuUpdate>;

export const ProductImage = z.object({
  id: ImageId,
  url: z.string(),
  thumbUrl: z.string(),
  width: z.number().int(),
  height: z.number().int(),
});
export type ProductImage = z.infer<typeof ProductImage>;

export const ActiveSale = z.object({
  id: FlashSaleId,
  salePriceMinor: MinorUnits,
  cap: z.number().int(),
  remaining: z.number().int(),
  perBuyerLimit: PerBuyerLimit.nullable(),
  startsAt: Millis,
  endsAt: Millis,
});
export type ActiveSale = z.infer<typeof ActiveSale>;

export const SkuView = z.object({
  id: SkuId,
  productId: ProductId,
  code: z.string(),
  options: SkuOptions,
  listPriceMinor: MinorUnits,
  livePriceMinor: MinorUnits.nullable(),
  /** What an order placed now pays per unit (sale price while a flash sale runs, else live price, else list price). */
  priceMinor: MinorUnits,
  stock: z.number().int(),
  /** Units a buyer can order now (the sale's remaining cap while a sale runs). */
  available: z.number().int(),
  active: z.boolean(),
  sale: ActiveSale.nullable(),
});
export type SkuView = z.infer<typeof SkuView>;

export const ProductView = z.object({
  id: ProductId,
  title: z.string(),
  description: z.string(),
  currency: Currency,
  faq: z.array(FaqItem),
  attributes: z.array(SpecAttribute),
  perBuyerLimit: PerBuyerLimit.nullable(),
  status: ProductStatus,
  images: z.array(ProductImage),
  skus: z.array(SkuView),
  createdAt: Millis,
  updatedAt: Millis,
});
export type ProductView = z.infer<typeof ProductView>;

export const ProductList = z.object({ products: z.array(ProductView) });
export type ProductList = z.infer<typeof ProductList>;

export const LineupUpdate = z.object({
  productIds: z
    .array(ProductId)
    .max(200)
    .refine((ids) => new Set(ids).size === ids.length, { message: 'duplicate product in lineup' }),
});
export type LineupUpdate = z.infer<typeof LineupUpdate>;

export const LineupView = z.object({ showId: ShowId, products: z.array(ProductView) });
export type LineupView = z.infer<typeof LineupView>;

/** Columns of the catalog CSV (one row per SKU). Prices are decimal text in the product currency, e.g. "199.00". */
export const CATALOG_CSV_COLUMNS = [
  'product_id',
  'title',
  'description',
  'currency',
  'per_buyer_limit',
  'sku_id',
  'sku_code',
  'options',
  'list_price',
  'live_price',
  'stock',
  'active',
] as const;

export const CsvImportResult = z.object({
  productsCreated: z.number().int(),
  productsUpdated: z.number().int(),
  skusCreated: z.number().int(),
  skusUpdated: z.number().int(),
});
export type CsvImportResult = z.infer<typeof CsvImportResult>;
