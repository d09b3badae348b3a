/** Flash-sale dialog form → StartFlashSale request (pure, unit-tested). */
import type { SkuView } from '../../../shared/commerce/catalog';
import { FLASH_SALE_MAX_SEC, FLASH_SALE_MIN_SEC, StartFlashSale } from '../../../shared/commerce/sales';
import { parseMinor } from '../../../shared/domain/money';
import type { FormError } from './product-form';

export interface SaleForm {
  /** Countdown in seconds (10–300). */
  duration: string;
  /** Decimal text in the product currency. */
  price: string;
  /** Units offered at the sale price. */
  cap: string;
  /** Empty = no per-buyer limit. */
  perBuyerLimit: string;
}

/** Sensible starting values: 60 s, 1 per buyer, up to 50 units of the SKU's stock. */
export function defaultSaleForm(sku: SkuView): SaleForm {
  return { duration: '60', price: '', cap: String(Math.max(1, Math.min(50, sku.stock))), perBuyerLimit: '1' };
}

const int = (text: string): number => (/^\s*\d{1,9}\s*$/.test(text) ? Number(text) : Number.NaN);

export function buildSale(
  form: SaleForm,
  sku: SkuView,
  currency: string,
): { ok: true; body: StartFlashSale } | { ok: false; errors: FormError[] } {
  const errors: FormError[] = [];
  const durationSec = int(form.duration);
  if (!(durationSec >= FLASH_SALE_MIN_SEC && durationSec <= FLASH_SALE_MAX_SEC)) errors.push({ field: 'duration', key: 'durationRange' });
  const salePriceMinor = parseMinor(form.price, currency);
  const regular = sku.livePriceMinor ?? sku.listPriceMinor;
  if (salePriceMinor === null) errors.push({ field: 'price', key: form.price.trim() ? 'priceInvalid' : 'priceRequired' });
  else if (salePriceMinor >= regular) errors.push({ field: 'price', key: 'priceNotLower' });
  const cap = int(form.cap);
  if (!(cap >= 1)) errors.push({ field: 'cap', key: 'capInvalid' });
  else if (cap > sku.stock) errors.push({ field: 'cap', key: 'capAboveStock' });
  let perBuyerLimit: number | null = null;
  if (form.perBuyerLimit.trim()) {
    perBuyerLimit = int(form.perBuyerLimit);
    if (!(perBuyerLimit >= 1 && perBuyerLimit <= 999)) errors.push({ field: 'perBuyerLimit', key: 'limitInvalid' });
  }
  if (errors.length) return { ok: false, errors };
  const body: StartFlashSale = { skuId: sku.id, durationSec, salePriceMinor: salePriceMinor!, cap, perBuyerLimit };
  const check = StartFlashSale.safeParse(body);
  if (!check.success) return { ok: false, errors: [{ field: String(check.error.issues[0]?.path[0] ?? ''), key: 'invalid' }] };
  return { ok: true, body };
}
