/**
 * The selling data reads the show's orders and lineup from the commerce store, whichever engine holds it: with
 * commerce in PostgreSQL (DATABASE_URL) the metrics, the big screen and the explanation rows count its orders, and the
 * viewer events of lineup products are accepted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresSuite } from '../db/pg-suite';
import { type AnalyticsHarness, liveShow, MIN, payOrder, placeOrder, product, S, startAnalyticsHarness, T0, Viewer } from './testing';

const suite = postgresSuite('the analytics engine tests');

let h: AnalyticsHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const engines = suite.engines;

describe.each(engines)('selling data with commerce on %s', { timeout: 60_000 }, (engine) => {
  it('counts the show’s orders and accepts its lineup’s viewer events', async () => {
    const databaseUrl = engine === 'postgres' ? await suite.createDatabase('analytics') : undefined;
    const harness = await startAnalyticsHarness({ start: T0 - MIN, ...(databaseUrl ? { databaseUrl } : {}) });
    h = harness;
    const a = await product(harness, 'A', 10000, 10);
    const showId = await liveShow(harness, [a.id]);
    // A lineup set a moment ago is known to the in-process reads after their next reload (PostgreSQL).
    await until(() => harness.core.localReads.lineupIds(showId).includes(a.id));
    harness.setNow(T0 + 30 * S);
    const viewer = new Viewer(harness, 'viewer-one');
    const sent = await viewer.send(showId, [
      [0, 'enter'],
      [10 * S, 'impression', a.id],
      [20 * S, 'click', a.id],
    ]);
    expect(sent.status).toBe(200);
    const paid = await placeOrder(viewer.client, showId, a.skuId, 2, 'engine-order-1');
    await payOrder(viewer.client, paid.id);
    await placeOrder(viewer.client, showId, a.skuId, 1, 'engine-order-2');

    const paidYet = async () => ((await harness.analytics.metrics(showId))?.funnel.ordersPaid ?? 0) === 1;
    for (const end = Date.now() + 5000; !(await paidYet()); ) {
      if (Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const m = (await harness.analytics.metrics(showId))!;
    expect(m.funnel).toMatchObject({ clickUv: 1, ordersCreated: 2, ordersPaid: 1 });
    expect(m.gmv).toEqual([expect.objectContaining({ currency: 'CNY', grossMinor: 20000 })]);
    expect(m.itemsSold).toBe(2);

    const screen = (await harness.analytics.screen(showId))!;
    expect(screen.products).toEqual([expect.objectContaining({ productId: a.id, clicks: 1, orders: 1, units: 2, gmvMinor: 20000 })]);

    // The same through the studio's HTTP read.
    const res = await harness.studio(`/api/analytics/shows/${showId}/metrics`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { funnel: { ordersPaid: number } }).funnel.ordersPaid).toBe(1);
  });
});
