import { describe, expect, it } from 'vitest';
import { buildEngageRequest, defaultEngageForm } from './engagement-form';

describe('engagement form', () => {
  it('builds a lottery, a follow lucky bag, a red packet and coupons in minor units', () => {
    expect(buildEngageRequest({ ...defaultEngageForm('lottery'), prize: 'Tea', winners: '3', keyword: '福袋' })).toEqual({
      ok: true,
      request: {
        kind: 'giveaway',
        body: { kind: 'lottery', prize: 'Tea', winners: 3, durationSec: 60, eligibility: { type: 'keyword', keyword: '福袋' } },
      },
    });
    const bag = buildEngageRequest({ ...defaultEngageForm('lucky_bag'), prize: 'Bag', eligibility: 'follow' });
    expect(bag.ok && bag.request.body).toMatchObject({ eligibility: { type: 'follow' } });
    const rp = buildEngageRequest({ ...defaultEngageForm('redpacket'), amount: '88.88', count: '20' });
    expect(rp.ok && rp.request.body).toMatchObject({ amountMinor: 8888, count: 20, currency: 'CNY', durationSec: 300 });
    const cp = buildEngageRequest({ ...defaultEngageForm('coupon'), title: '专享', value: '20', minSpend: '99' });
    expect(cp.ok && cp.request.body).toMatchObject({ kind: 'amount', value: 2000, minSpendMinor: 9900, quantity: null, durationSec: null });
    const pct = buildEngageRequest({ ...defaultEngageForm('coupon'), title: '9折', couponKind: 'percent', value: '10', quantity: '100' });
    expect(pct.ok && pct.request.body).toMatchObject({ kind: 'percent', value: 10, quantity: 100 });
  });

  it('reports field errors instead of sending bad values', () => {
    expect(buildEngageRequest({ ...defaultEngageForm('lottery'), prize: 'x', keyword: '' })).toEqual({
      ok: false,
      errors: { keyword: 'keyword' },
    });
    expect(buildEngageRequest({ ...defaultEngageForm('lucky_bag'), prize: '', winners: '0' })).toMatchObject({
      ok: false,
      errors: { prize: 'invalid', winners: 'invalid' },
    });
    expect(buildEngageRequest({ ...defaultEngageForm('redpacket'), amount: '0.05', count: '10' })).toMatchObject({
      ok: false,
      errors: { amount: 'invalid' },
    });
    expect(buildEngageRequest({ ...defaultEngageForm('redpacket'), amount: '1.234' })).toMatchObject({
      ok: false,
      errors: { amount: 'money' },
    });
    expect(buildEngageRequest({ ...defaultEngageForm('coupon'), title: 'x', couponKind: 'percent', value: '95' })).toMatchObject({
      ok: false,
      errors: { value: 'invalid' },
    });
  });
});
