import { randomBytes } from 'node:crypto';

/** Random URL-safe id with a type prefix (matches the id schemas in shared/commerce/common.ts). */
export function newId(prefix: 'p' | 's' | 'img' | 'fs' | 'o' | 'pay' | 'evt' | 'sbx' | 'cp', bytes = 12): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

/** Guest buyer id: b_ + 16 URL-safe characters. */
export function newBuyerId(): string {
  return `b_${randomBytes(12).toString('base64url')}`;
}

/**
 * Order id: o_ + time (base36 ms, fixed width) + random. Roughly time-ordered so new orders land on the right edge of
 * the order b-trees (fewer pages touched per checkout); the random part keeps ids unguessable.
 */
export function newOrderId(now: number): string {
  return `o_${now.toString(36).padStart(9, '0')}${randomBytes(9).toString('base64url')}`;
}
