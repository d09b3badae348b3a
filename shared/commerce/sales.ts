import { z } from 'zod';
import { Currency, MinorUnits } from '../domain/money';
import { FlashSaleId, Millis, ProductId, SkuId } from './common';
import { PerBuyerLimit } from './catalog';

export const FLASH_SALE_MIN_SEC = 10;
export const FLASH_SALE_MAX_SEC = 300;

export const StartFlashSale = z.object({
  skuId: SkuId,
  /** Countdown: the sale runs this many seconds from now. */
  durationSec: z.number().int().min(FLASH_SALE_MIN_SEC).max(FLASH_SALE_MAX_SEC),
  salePriceMinor: MinorUnits,
  /** Units offered at the sale price (≤ the SKU's stock). */
  cap: z.number().int().min(1).max(1_000_000),
  perBuyerLimit: PerBuyerLimit.nullable().default(1),
});
export type StartFlashSale = z.input<typeof StartFlashSale>;

export const FlashSaleStatus = z.enum(['active', 'ended']);

export const FlashSaleView = z.object({
  id: FlashSaleId,
  skuId: SkuId,
  productId: ProductId,
  currency: Currency,
  salePriceMinor: MinorUnits,
  cap: z.number().int(),
  remaining: z.number().int(),
  perBuyerLimit: PerBuyerLimit.nullable(),
  startsAt: Millis,
  endsAt: Millis,
  status: FlashSaleStatus,
  endedAt: Millis.nullable(),
});
export type FlashSaleView = z.infer<typeof FlashSaleView>;

export const FlashSaleList = z.object({ sales: z.array(FlashSaleView) });
