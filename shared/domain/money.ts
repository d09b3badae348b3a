import { z } from 'zod';

/** ISO 4217 currency code. Money is always an integer amount of minor units plus a currency. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code');
export type Currency = z.infer<typeof Currency>;

export const MinorUnits = z.number().int().min(0).max(1_000_000_000_00);

export const Money = z.object({ amountMinor: MinorUnits, currency: Currency });
export type Money = z.infer<typeof Money>;

const MINOR_DIGITS: Record<string, number> = { JPY: 0, KRW: 0, VND: 0 };

/** Number of minor-unit digits for a currency (2 unless listed). */
export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/** Minor units as a plain decimal string ("1234" CNY → "12.34"; negative amounts are not expected): CSV cells. */
export function formatMinor(amount: number, currency: string): string {
  const d = minorDigits(currency);
  if (d === 0) return String(amount);
  const s = String(amount).padStart(d + 1, '0');
  return `${s.slice(0, -d)}.${s.slice(-d)}`;
}

/** Parse a decimal string such as "19.90" into minor units without floating-point error. */
export function parseMinor(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const m = /^\s*(\d{1,10})(?:[.,](\d+))?\s*$/.exec(text);
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > digits) return null;
  return Number(m[1]) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
}
