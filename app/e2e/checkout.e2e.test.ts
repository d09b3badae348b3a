/**
 * Checkout end to end in real headless Chromium: the studio goes live and pins a catalog product; a viewer taps
 * Buy, picks a variant (on a flash sale: the placed sheet counts down its short reservation window), checks out with
 * valid contact data, pays on the sandbox provider's page (approve), lands on
 * its order page showing "paid"; the studio's Orders tab shows the order as paid; stock went down on the server,
 * and a second viewer watching the show saw the stock change live. Runs on a 16:9 and on a 9:16 (portrait) show.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ProductView } from '../../shared/commerce/catalog';
import { poll } from './harness';
import { useStackSuite } from './suite';
import { hasShowAspect, SHOW_FRAMES } from './show-frames';

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}`);
  return res.json();
}

type ViewerShopState = {
  products: Record<string, { skus: { id: string; stock: number }[] }>;
  checkoutAvailable: boolean;
};

/** Stock of one SKU as the viewer page currently knows it (from the lineup fetch + live commerce events). */
async function viewerStock(page: Page, productId: string, skuId: string): Promise<number | null> {
  return page.evaluate(
    ({ productId, skuId }) => {
      const s = window.__storecast?.store.getState() as unknown as ViewerShopState | undefined;
      return s?.products[productId]?.skus.find((k) => k.id === skuId)?.stock ?? null;
    },
    { productId, skuId },
  );
}

describe.each(SHOW_FRAMES)('checkout on a $label: studio pins → viewer buys → sandbox pays → both sides see it paid', (frame) => {
  const suite = useStackSuite();

  it('buys a pinned product with a variant and pays in the sandbox', async () => {
    const { stack } = suite;
    const { page: studio, showId } = await suite.goLive('E2E 直播带货', frame.output);

    // A seeded catalog product with a colour attribute and a per-buyer limit.
    const products = await suite.products();
    const product = products.find((p) => p.attributes.length === 1 && p.perBuyerLimit !== null && p.skus.length > 1);
    expect(product, 'a seeded product with variants').toBeDefined();
    const attr = product!.attributes[0]!.name;
    const sku = product!.skus.find((s) => s.available > 1)!;
    const value = sku.options[attr]!;
    const stockBefore = sku.stock;

    // Someone already watching: must see the stock change live.
    const watcher = await suite.openViewer(showId, 'watcher');

    // Studio pins it from the catalog picker.
    const pinButton = studio.getByTestId(`pin-product-${product!.id}`);
    await pinButton.waitFor({ timeout: 20_000 });
    await pinButton.click();

    // A flash sale on the chosen SKU: its orders get the short reservation window (FLASH_SALE_RESERVATION_SECONDS).
    const sale = await fetch(`${stack.server.url}/api/studio/flash-sales`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.server.studioToken}` },
      body: JSON.stringify({ skuId: sku.id, durationSec: 300, salePriceMinor: 100, cap: Math.min(5, sku.stock) }),
    });
    expect(sale.status).toBe(201);

    const viewer = await suite.openViewer(showId);
    // The buyer is watching the show's picture (its orientation) when the card's Buy comes up.
    const size = await poll(
      'viewer playing',
      () =>
        viewer.evaluate(
          () =>
            (window.__storecast?.store.getState() as unknown as { videoSize: { width: number; height: number } | null } | undefined)
              ?.videoSize ?? null,
        ),
      30_000,
      200,
    );
    expect(hasShowAspect(frame, size), `${size.width}x${size.height} is a frame of ${frame.width}x${frame.height}`).toBe(true);
    const buy = viewer.getByTestId(`buy-${product!.id}`);
    await poll('Buy enabled on the pinned card', () => buy.isEnabled(), 30_000, 200);
    await buy.click();

    // Buy sheet: choose the variant, keep quantity 1, buy now.
    await viewer.getByTestId(`variant-${attr}-${value}`).click();
    await expect(viewer.getByTestId('qty').inputValue()).resolves.toBe('1');
    await viewer.getByTestId('buy-now').click();

    // Checkout: an invalid phone is refused in the page, then valid contact data places the order.
    await viewer.getByTestId('checkout-name').fill('王小明');
    await viewer.getByTestId('checkout-phone').fill('12345');
    await viewer.getByTestId('checkout-address').fill('上海市徐汇区漕溪北路 100 号 2 单元 301');
    await viewer.getByTestId('place-order').click();
    await viewer.locator('.field--invalid [data-testid="checkout-phone"]').waitFor();
    await viewer.getByTestId('checkout-phone').fill('138 1234 5678');
    await viewer.getByTestId('place-order').click();

    // Placed: pay → the sandbox provider's hosted page.
    const pay = viewer.getByTestId('pay');
    await pay.waitFor({ timeout: 15_000 });
    // The flash-sale reservation counts down on the placed sheet: "请在 02:59 内支付" (180 s by default).
    const countdown = viewer.getByTestId('reservation-countdown-text');
    await expect(countdown.textContent()).resolves.toMatch(/^请在 0[23]:\d\d 内支付$/);
    const first = await viewer.getByTestId('reservation-countdown').textContent();
    await poll('the countdown ticks', async () => (await viewer.getByTestId('reservation-countdown').textContent()) !== first, 5_000, 200);
    await pay.click();
    await viewer.waitForURL(/\/pay\/sandbox\//, { timeout: 15_000 });
    await viewer.getByTestId('sandbox-approve').click();
    await viewer.getByTestId('sandbox-return').click();

    // Back on the viewer's own order page (served with the viewer bundle).
    await viewer.waitForURL(/\/orders\/o_[A-Za-z0-9_-]+\?showId=/, { timeout: 15_000 });
    const orderId = new URL(viewer.url()).pathname.split('/').pop()!;
    expect(new URL(viewer.url()).searchParams.get('showId')).toBe(showId);
    const status = viewer.getByTestId('order-status');
    await poll('order page shows paid', async () => (await status.getAttribute('data-status')) === 'paid', 15_000, 200);
    await expect(status.textContent()).resolves.toBe('已支付');
    await expect(viewer.getByTestId('back-to-show').getAttribute('href')).resolves.toBe(`/live/${showId}`);

    // Server truth: one unit of the chosen SKU is gone.
    const after = ProductView.parse(await getJson(`${stack.server.url}/api/products/${product!.id}`));
    expect(after.skus.find((s) => s.id === sku.id)!.stock).toBe(stockBefore - 1);

    // The watcher got the new stock over its realtime socket, without reloading.
    await poll(
      'watcher sees the stock drop live',
      async () => (await viewerStock(watcher, product!.id, sku.id)) === stockBefore - 1,
      10_000,
      200,
    );

    // My orders lists it.
    await viewer.goto(`${stack.server.url}/orders`);
    await viewer.locator(`[data-testid="my-order"][data-order-id="${orderId}"]`).waitFor({ timeout: 10_000 });

    // The studio's Orders tab shows the order as paid.
    await studio.getByTestId('tab-orders').click();
    const row = studio.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await poll(
      'studio order row paid',
      async () => {
        const cell = row.getByTestId('order-status');
        const text = (await cell.textContent()) ?? '';
        const code = await cell.getAttribute('data-status');
        return code === 'paid' || /已支付|paid/i.test(text);
      },
      15_000,
      250,
    );

    const errors = suite.pageErrors();
    expect(errors).toEqual([]);
  });
});
