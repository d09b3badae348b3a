import { describe, expect, it } from 'vitest';
import { IdempotencyKey } from '../../../shared/commerce/orders';
import { createShopApi, ShopApiError } from './api';
import { checkoutFingerprint, explainError, newIdempotencyKey, nextAttempt, validateContact } from './checkout';

const contact = { name: '张三', phone: '138 1234 5678', address: '上海市徐汇区某某路 100 号' };
const items = [{ skuId: 's_aaaaaa01', qty: 1 }];

describe('idempotency keys', () => {
  it('are valid for the server and distinct', () => {
    const keys = new Set(Array.from({ length: 50 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(50);
    for (const k of keys) expect(IdempotencyKey.safeParse(k).success).toBe(true);
  });

  it('a retry after a network error reuses the key; a changed request or a settled attempt gets a fresh one', () => {
    let seq = 0;
    const make = () => `key_${++seq}_padding`;
    const fp = checkoutFingerprint(items, contact, 'show_123');
    const first = nextAttempt(null, fp, make);
    expect(first.key).toBe('key_1_padding');
    const lost = { ...first, unresolved: true };
    expect(nextAttempt(lost, fp, make).key).toBe('key_1_padding');
    // Same request, different spacing of the phone: still the same request.
    expect(nextAttempt(lost, checkoutFingerprint(items, { ...contact, phone: '13812345678' }, 'show_123'), make).key).toBe('key_1_padding');
    // Edited address after the network error: a new key (the old one would be an IDEMPOTENCY_MISMATCH).
    expect(nextAttempt(lost, checkoutFingerprint(items, { ...contact, address: '北京市朝阳区某某路 1 号' }, 'show_123'), make).key).toBe(
      'key_2_padding',
    );
    // The server answered (e.g. sold out): the next attempt is a new checkout attempt.
    expect(nextAttempt(first, fp, make).key).toBe('key_3_padding');
  });

  it('fingerprints ignore item order', () => {
    const a = [
      { skuId: 's_aaaaaa01', qty: 1 },
      { skuId: 's_aaaaaa02', qty: 2 },
    ];
    expect(checkoutFingerprint(a, contact, null)).toBe(checkoutFingerprint([...a].reverse(), contact, null));
    expect(checkoutFingerprint(a, contact, null)).not.toBe(checkoutFingerprint([{ ...a[0]!, qty: 2 }, a[1]!], contact, null));
  });
});

describe('validateContact (shared BuyerContact schema)', () => {
  it('accepts mainland mobiles in any spacing and E.164 numbers', () => {
    expect(validateContact(contact)).toMatchObject({ ok: true, contact: { phone: '13812345678' } });
    expect(validateContact({ ...contact, phone: '+86 138-1234-5678' })).toMatchObject({ ok: true, contact: { phone: '13812345678' } });
    expect(validateContact({ ...contact, phone: '+14155550123' }).ok).toBe(true);
  });

  it('maps each problem to a message key', () => {
    expect(validateContact({ name: ' ', phone: '', address: '' })).toEqual({
      ok: false,
      errors: {
        name: 'checkout.errors.nameRequired',
        phone: 'checkout.errors.phoneRequired',
        address: 'checkout.errors.addressRequired',
      },
    });
    expect(validateContact({ ...contact, phone: '12345678901' })).toEqual({ ok: false, errors: { phone: 'checkout.errors.phoneFormat' } });
    expect(validateContact({ ...contact, address: '上海' })).toEqual({ ok: false, errors: { address: 'checkout.errors.addressShort' } });
    expect(validateContact({ ...contact, name: 'x'.repeat(41) })).toEqual({ ok: false, errors: { name: 'checkout.errors.nameLong' } });
  });
});

describe('explainError', () => {
  it('names sold out, limits, network and validation failures', () => {
    expect(explainError(new ShopApiError(409, 'CONFLICT', 'x', 'SOLD_OUT')).key).toBe('shop.errors.soldOut');
    expect(explainError(new ShopApiError(409, 'CONFLICT', 'x', 'LIMIT_EXCEEDED')).key).toBe('shop.errors.limit');
    expect(explainError(new ShopApiError(0, 'DISCONNECTED', 'x')).key).toBe('shop.errors.network');
    expect(explainError(new ShopApiError(400, 'BAD_REQUEST', 'x')).key).toBe('shop.errors.invalid');
    expect(explainError(new Error('boom')).key).toBe('shop.errors.generic');
  });
});

describe('rate-limit refusals', () => {
  const refusal = (reason?: string) => async () =>
    new Response(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'slow down', ...(reason ? { reason } : {}) } }), {
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': reason ? '540' : '37' },
    });

  it('tells the buyer how long to wait (Retry-After), and to pay or cancel when holding too many unpaid orders', async () => {
    const limited = await createShopApi({ fetch: refusal() })
      .session()
      .catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterSec: 37 });
    expect(explainError(limited)).toEqual({ key: 'shop.errors.rateLimited', params: { seconds: 37 } });

    const unpaid = await createShopApi({ fetch: refusal('UNPAID_LIMIT') })
      .orders()
      .catch((e: unknown) => e);
    expect(unpaid).toMatchObject({ status: 429, reason: 'UNPAID_LIMIT', retryAfterSec: 540 });
    expect(explainError(unpaid)).toEqual({ key: 'shop.errors.unpaidLimit', params: { minutes: 9 } });

    // Without a Retry-After the generic "busy" message stays.
    expect(explainError(new ShopApiError(429, 'RATE_LIMITED', 'x'))).toEqual({ key: 'shop.errors.busy' });
  });
});
