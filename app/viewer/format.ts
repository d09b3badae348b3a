import { minorDigits } from '../../shared/domain/money';
import { numberFormat } from '../ui/format';

/** Format integer minor units (e.g. 1999 CNY) as a localized currency string (e.g. "¥19.99"). */
export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  const digits = minorDigits(currency);
  const fmt = numberFormat(locale, {
    style: 'currency',
    currency,
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return fmt.format(amountMinor / 10 ** digits);
}

/**
 * Whole-percent discount of a live price against a list price, or null when there is no real discount
 * (no list price, list price not above the live price). Rounded down so the badge never overstates it.
 */
export function discountPercent(priceMinor: number, listPriceMinor: number | undefined): number | null {
  if (listPriceMinor === undefined || listPriceMinor <= priceMinor || listPriceMinor <= 0) return null;
  const pct = Math.floor(((listPriceMinor - priceMinor) * 100) / listPriceMinor);
  return pct >= 1 ? pct : null;
}

/** Compact viewer count ("1.2K" / "1.2万") for the top bar. */
export function formatCount(n: number, locale: string): string {
  // below 1000 every locale's compact form is the plain integer: skip building the (costly) compact formatter
  if (Number.isInteger(n) && Math.abs(n) < 1000) return String(n);
  return numberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/** Label for a decoded video height, e.g. 720 → "720p". */
export function resolutionLabel(height: number | null | undefined): string | null {
  return height && height > 0 ? `${height}p` : null;
}
