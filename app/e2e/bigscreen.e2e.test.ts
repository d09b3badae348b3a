/**
 * The studio's live big screen end to end in headless Chromium: the studio goes live, pins a product and starts a
 * flash sale on it; on the Data tab GMV and items sold read zero; a viewer buys the product and pays in the sandbox;
 * within seconds the big screen shows the new GMV, items sold and the product's row, with the pin and the sale marked
 * on the trend, and the table sorts by a clicked column; once the show ends it offers the post-show report.
 * `BIGSCREEN_SHOTS=<dir>` also saves zh-CN and en screenshots.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poll } from './harness';
import { useStackSuite } from './suite';

type SellingState = { selling: { data: { metrics: { itemsSold: number }; markers: { kind: string }[] } | null } };

describe('big screen: a viewer buys → the studio Data tab shows GMV and items sold', () => {
  const suite = useStackSuite();

  it('updates GMV, items sold, the product row and the markers live', async () => {
    const { stack } = suite;
    const { page: studio, showId } = await suite.goLive('E2E 数据大屏');

    const products = await suite.products();
    const product = products.find((p) => p.attributes.length === 1 && p.skus.length > 1)!;
    expect(product, 'a seeded product with variants').toBeDefined();
    const attr = product.attributes[0]!.name;
    const sku = product.skus.find((s) => s.available > 1)!;

    const pinButton = studio.getByTestId(`pin-product-${product.id}`);
    await pinButton.waitFor({ timeout: 20_000 });
    await pinButton.click();
    // In the show's lineup: the table lists it, and its flash sale lands in the show's event log.
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${stack.server.studioToken}` };
    const lineup = await fetch(`${stack.server.url}/api/studio/shows/${showId}/lineup`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ productIds: [product.id] }),
    });
    expect(lineup.status).toBe(200);
    const sale = await fetch(`${stack.server.url}/api/studio/flash-sales`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ skuId: sku.id, durationSec: 300, salePriceMinor: 1234, cap: Math.min(5, sku.stock) }),
    });
    expect(sale.status).toBe(201);

    await studio.getByTestId('tab-data').click();
    const gmv = studio.getByTestId('bigscreen-gmv-value');
    const items = studio.getByTestId('bigscreen-items-value');
    await poll('big screen shows zero', async () => (await items.textContent()) === '0' && /0\.00/.test((await gmv.textContent()) ?? ''));
    await studio.getByTestId('bigscreen-chart').locator('canvas').waitFor();

    const viewer = await suite.openViewer(showId);
    const buy = viewer.getByTestId(`buy-${product.id}`);
    await poll('Buy enabled on the pinned card', () => buy.isEnabled(), 30_000, 200);
    await buy.click();
    await viewer.getByTestId(`variant-${attr}-${sku.options[attr]!}`).click();
    await viewer.getByTestId('buy-now').click();
    await viewer.getByTestId('checkout-name').fill('王小明');
    await viewer.getByTestId('checkout-phone').fill('138 1234 5678');
    await viewer.getByTestId('checkout-address').fill('上海市徐汇区漕溪北路 100 号 2 单元 301');
    await viewer.getByTestId('place-order').click();
    const pay = viewer.getByTestId('pay');
    await pay.waitFor({ timeout: 15_000 });
    await pay.click();
    await viewer.waitForURL(/\/pay\/sandbox\//, { timeout: 15_000 });
    await viewer.getByTestId('sandbox-approve').click();

    // The big screen picks the payment up on its own (polling once a second), without a click or a reload.
    await poll('big screen shows the sale', async () => (await items.textContent()) === '1', 15_000, 200);
    await expect(gmv.textContent()).resolves.toMatch(/12\.34/);
    const row = studio.locator(`[data-testid="bigscreen-table"] tr[data-product-id="${product.id}"]`);
    await expect(row.locator('[data-col="units"]').textContent()).resolves.toBe('1');
    await expect(row.locator('[data-col="gmv"]').textContent()).resolves.toMatch(/12\.34/);
    const kinds = await studio.evaluate(() =>
      ((window.__storecast?.store.getState() as unknown as SellingState | undefined)?.selling.data?.markers ?? []).map((m) => m.kind),
    );
    expect(kinds).toEqual(expect.arrayContaining(['pin', 'sale']));

    // Sorting: GMV descending by default; a click on Units sorts by it, a second click flips it.
    const units = studio.locator('th:has([data-testid="bigscreen-sort-units"])');
    await expect(studio.locator('th:has([data-testid="bigscreen-sort-gmv"])').getAttribute('aria-sort')).resolves.toBe('descending');
    await studio.getByTestId('bigscreen-sort-units').click();
    await expect(units.getAttribute('aria-sort')).resolves.toBe('descending');
    await studio.getByTestId('bigscreen-sort-units').click();
    await expect(units.getAttribute('aria-sort')).resolves.toBe('ascending');
    await studio.getByTestId('bigscreen-sort-gmv').click();

    const shots = process.env.BIGSCREEN_SHOTS;
    if (shots) {
      await studio.waitForTimeout(1500);
      await studio.screenshot({ path: join(shots, 'bigscreen-zh-CN.png') });
      await studio.getByLabel('语言').selectOption('en');
      await studio.waitForTimeout(1500);
      await studio.screenshot({ path: join(shots, 'bigscreen-en.png') });
    }

    // Once the show has ended, the Data tab offers the post-show report.
    await expect(studio.getByTestId('bigscreen-report').count()).resolves.toBe(0);
    await studio.getByTestId('tab-live').click();
    await studio.getByTestId('end-live').click();
    await studio.getByTestId('confirm-end').click();
    await studio.getByTestId('tab-data').click();
    await studio.getByTestId('bigscreen-report').waitFor({ timeout: 15_000 });

    expect(suite.pageErrors()).toEqual([]);
  });
});
