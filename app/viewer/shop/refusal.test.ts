import { describe, expect, it } from 'vitest';
import { refusalOf } from './refusal';

const form = { fromCart: false, paying: false };

describe('checkout refusals', () => {
  it('sold out, limit reached, unavailable: blocking, another variant or back to the live room', () => {
    for (const key of ['shop.errors.soldOut', 'shop.errors.insufficient', 'shop.errors.limit', 'shop.errors.unavailable']) {
      expect(refusalOf({ key }, form)).toEqual({ blocking: true, ways: ['variant', 'live'] });
    }
  });

  it('from the cart the way back is the cart', () => {
    expect(refusalOf({ key: 'shop.errors.soldOut' }, { fromCart: true, paying: false })).toEqual({
      blocking: true,
      ways: ['cart', 'live'],
    });
  });

  it('too many unpaid orders: my orders', () => {
    expect(refusalOf({ key: 'shop.errors.unpaidLimit', params: { minutes: 3 } }, form)?.ways).toEqual(['orders', 'live']);
  });

  it('a reservation that expired blocks paying and offers to order again', () => {
    expect(refusalOf({ key: 'shop.errors.expired' }, { fromCart: false, paying: true })).toEqual({
      blocking: true,
      ways: ['variant', 'live'],
    });
  });

  it('network, busy and coupon refusals leave the button usable', () => {
    for (const key of ['shop.errors.network', 'shop.errors.busy', 'engage.couponErrors.COUPON_USED', 'shop.errors.payment']) {
      expect(refusalOf({ key }, form)).toEqual({ blocking: false, ways: [] });
      expect(refusalOf({ key }, { fromCart: false, paying: true })?.blocking).toBe(false);
    }
    expect(refusalOf(null, form)).toBeNull();
  });
});
