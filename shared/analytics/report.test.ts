import { describe, expect, it } from 'vitest';
import type { ShowMetrics } from './metrics';
import { funnelRows, isLowCtr, rankProducts } from './report';
import type { ScreenProduct } from './screen';

const funnel = (f: Partial<ShowMetrics['funnel']>) =>
  ({
    funnel: { enteredUv: 0, impressionUv: 0, clickUv: 0, cartUv: 0, checkoutUv: 0, ordersCreated: 0, ordersPaid: 0, ...f },
  }) as ShowMetrics;

describe('post-show report figures', () => {
  it('funnel: counts from the metrics, each rate against the step before and the entries', () => {
    const rows = funnelRows(funnel({ enteredUv: 10, impressionUv: 8, clickUv: 2, ordersCreated: 3, ordersPaid: 1 }));
    expect(rows.map((r) => [r.step, r.count, r.fromPrevious, r.fromEntered])).toEqual([
      ['entered', 10, null, 1],
      ['impressions', 8, 0.8, 0.8],
      ['clicks', 2, 0.25, 0.2],
      ['ordersCreated', 3, 1.5, 0.3],
      ['ordersPaid', 1, 1 / 3, 0.1],
    ]);
  });

  it('funnel: no rate after an empty step, none at all without entries', () => {
    const rows = funnelRows(funnel({ enteredUv: 0, impressionUv: 0, clickUv: 0 }));
    expect(rows.every((r) => r.fromPrevious === null && r.fromEntered === null)).toBe(true);
  });

  it('low CTR: enough card viewers and under half the show CTR', () => {
    expect(isLowCtr({ impressionUv: 5, ctr: 0 }, 0.4)).toBe(true);
    expect(isLowCtr({ impressionUv: 5, ctr: 0.19 }, 0.4)).toBe(true);
    expect(isLowCtr({ impressionUv: 5, ctr: 0.2 }, 0.4)).toBe(false);
    // Too few viewers saw the card to judge; a show nobody clicked in has nothing to compare with.
    expect(isLowCtr({ impressionUv: 2, ctr: 0 }, 0.4)).toBe(false);
    expect(isLowCtr({ impressionUv: 9, ctr: 0 }, 0)).toBe(false);
  });

  it('top products: GMV, then units, then clicks; ties keep the lineup order', () => {
    const p = (productId: string, gmvMinor: number, units: number, clicks: number): ScreenProduct => ({
      productId,
      impressions: 0,
      clicks,
      orders: 0,
      units,
      gmvMinor,
      currency: 'CNY',
    });
    const ranked = rankProducts([p('a', 100, 1, 0), p('b', 300, 1, 0), p('c', 100, 2, 0), p('d', 0, 0, 5), p('e', 0, 0, 5)]);
    expect(ranked.map((r) => r.productId)).toEqual(['b', 'c', 'a', 'd', 'e']);
  });
});
