/** Display formatting shared by the browser apps. Money is integer minor units + ISO currency. */
import { minorDigits } from '../../shared/domain/money';

export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  const digits = minorDigits(currency);
  try {
    return new Intl.NumberFormat(locale, {
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
  return new Intl.DateTimeFormat(locale, {
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
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms);
}
