/**
 * Checkout rules that need no DOM: idempotency keys per checkout attempt, contact validation with the shared
 * `BuyerContact` schema (messages mapped to i18n keys), and turning API failures into what the buyer reads.
 */
import { BuyerContact } from '../../../shared/commerce/orders';
import type { ShopApiError } from './api';

/** 22 url-safe random characters (128 bits); works without a secure context (no crypto.randomUUID). */
export function newIdempotencyKey(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(16));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export interface CheckoutItem {
  skuId: string;
  qty: number;
}

export interface ContactInput {
  name: string;
  phone: string;
  address: string;
}

/** What the order request asks for; a retry may reuse the key only for the very same request. */
export function checkoutFingerprint(items: readonly CheckoutItem[], contact: ContactInput, showId: string | null): string {
  const lines = [...items].sort((a, b) => (a.skuId < b.skuId ? -1 : a.skuId > b.skuId ? 1 : 0)).map((i) => `${i.skuId}*${i.qty}`);
  return JSON.stringify([lines, contact.name.trim(), contact.phone.replace(/[\s().-]/g, ''), contact.address.trim(), showId ?? '']);
}

export interface Attempt {
  key: string;
  fingerprint: string;
  /** The last try got no answer: the order may exist, so the same request must reuse the key. */
  unresolved: boolean;
}

/**
 * The attempt to send: the previous one again (same key) while its outcome is unknown and the request is
 * unchanged; otherwise a fresh key. A changed request after a network error must not reuse the key — the server
 * would reject it as IDEMPOTENCY_MISMATCH.
 */
export function nextAttempt(prev: Attempt | null, fingerprint: string, makeKey: () => string = newIdempotencyKey): Attempt {
  if (prev?.unresolved && prev.fingerprint === fingerprint) return prev;
  return { key: makeKey(), fingerprint, unresolved: false };
}

export type ContactField = 'name' | 'phone' | 'address';
export type ContactErrors = Partial<Record<ContactField, string>>;

/** Validate with the shared schema; errors are i18n keys under `checkout.errors`. */
export function validateContact(c: ContactInput): { ok: true; contact: ContactInput } | { ok: false; errors: ContactErrors } {
  const r = BuyerContact.safeParse(c);
  if (r.success) return { ok: true, contact: r.data };
  const errors: ContactErrors = {};
  for (const issue of r.error.issues) {
    const field = issue.path[0];
    if (field !== 'name' && field !== 'phone' && field !== 'address') continue;
    if (errors[field]) continue;
    const value = c[field].trim();
    if (value.length === 0) errors[field] = `checkout.errors.${field}Required`;
    else if (field === 'address') errors[field] = value.length < 5 ? 'checkout.errors.addressShort' : 'checkout.errors.addressLong';
    else if (field === 'name') errors[field] = 'checkout.errors.nameLong';
    else errors[field] = 'checkout.errors.phoneFormat';
  }
  return { ok: false, errors };
}

export interface ErrorMessage {
  key: string;
  params?: Record<string, string | number>;
}

/** What to tell the buyer about a failed shop request. */
export function explainError(err: unknown): ErrorMessage {
  const e = err as Partial<ShopApiError> | null;
  if (!e || typeof e !== 'object' || typeof e.status !== 'number') return { key: 'shop.errors.generic' };
  if (e.status === 0) return { key: 'shop.errors.network' };
  switch (e.reason) {
    case 'SOLD_OUT':
      return { key: 'shop.errors.soldOut' };
    case 'INSUFFICIENT_STOCK':
      return { key: 'shop.errors.insufficient' };
    case 'LIMIT_EXCEEDED':
      return { key: 'shop.errors.limit' };
    case 'SKU_UNAVAILABLE':
      return { key: 'shop.errors.unavailable' };
    case 'ORDER_EXPIRED':
      return { key: 'shop.errors.expired' };
    case 'INVALID_TRANSITION':
      return { key: 'shop.errors.stale' };
    case 'PROVIDER_DISABLED':
    case 'PROVIDER_ERROR':
      return { key: 'shop.errors.payment' };
    case 'IDEMPOTENCY_MISMATCH':
      return { key: 'shop.errors.retry' };
    case 'UNPAID_LIMIT':
      return { key: 'shop.errors.unpaidLimit', params: { minutes: Math.max(1, Math.ceil((e.retryAfterSec ?? 60) / 60)) } };
    case 'COUPON_UNAVAILABLE':
    case 'COUPON_USED':
    case 'COUPON_MIN_SPEND':
    case 'COUPON_CURRENCY':
    case 'COUPON_GONE':
      return { key: `engage.couponErrors.${e.reason}` };
    default:
      break;
  }
  if (e.code === 'BAD_REQUEST') return { key: 'shop.errors.invalid' };
  if (e.code === 'NOT_FOUND') return { key: 'shop.errors.notFound' };
  if (e.code === 'RATE_LIMITED') {
    // Refused for going too fast: say how long to wait when the server said it.
    return e.retryAfterSec ? { key: 'shop.errors.rateLimited', params: { seconds: e.retryAfterSec } } : { key: 'shop.errors.busy' };
  }
  return { key: 'shop.errors.generic' };
}
