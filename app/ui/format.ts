/** Display formatting shared by the browser apps. Money is integer minor units + ISO currency. */
import { minorDigits } from '../../shared/domain/money';

/**
 * Intl formatters are costly to build (tens of ms for the first compact zh-CN number format on a busy machine) and
 * render paths format on every update: build each (locale, options) once.
 */
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, options); // throws for a bad currency / unit: nothing is cached then
    numberFormats.set(key, f);
  }
  return f;
}

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    dateTimeFormats.set(key, f);
  }
  return f;
}

export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  const digits = minorDigits(currency);
  try {
    return numberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amountMinor / 10 ** digits);
  } catch {
    return `${(amountMinor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

/** h:mm:ss (or m:ss under an hour) for an elapsed duration in ms. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** Bits per second as kbps / Mbps text. */
export function formatBitrate(bps: number): string {
  return bps >= 1_000_000 ? `${(bps / 1_000_000).toFixed(2)} Mbps` : `${Math.round(bps / 1000)} kbps`;
}

/** "¥299.00" or "¥199.00 – ¥299.00" for a price range. */
export function formatMoneyRange(min: number, max: number, currency: string, locale: string): string {
  return min === max ? formatMoney(min, currency, locale) : `${formatMoney(min, currency, locale)} – ${formatMoney(max, currency, locale)}`;
}

/** Date and time in the UI locale (e.g. "2026/11/25 14:03" / "11/25/2026, 2:03 PM"). */
export function formatDateTime(ms: number, locale: string, withSeconds = false): string {
  return dateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
  }).format(ms);
}

/** m:ss countdown to `endsAt` (0:00 once past). */
export function formatCountdown(endsAt: number, now: number): string {
  return formatElapsed(Math.max(0, endsAt - now) + 999);
}

/** Time of day with seconds in the UI locale. */
export function formatTime(ms: number, locale: string): string {
  return dateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms);
}
