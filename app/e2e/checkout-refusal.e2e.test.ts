/**
 * A buyer who loses a flash sale at checkout sees it where they are looking, on every screen size: the flash-sale SKU
 * sells out while the checkout form is open; Place order is refused by the server (SOLD_OUT); the message sits in
 * the sticky footer inside the viewport, the button is disabled, focus went once to the way on ("another option"),
 * and the ways on work (back to the variants, back to the live room). Turning the phone sideways and back mid-checkout
 * keeps the sheet and what was typed. `SHOTS_DIR=<dir>` keeps screenshots.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductList } from '../../shared/commerce/catalog';
import { openStudioAndGoLive, openViewer, poll, type Stack, startStack, watchConsole } from './harness';

const VIEWPORTS = [
  { width: 375, height: 667 },
  { width: 390, height: 844 },
  { width: 412, height: 915 },
  { width: 1440, height: 900 },
];

async function studioCall(stack: Stack, method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${stack.server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.server.studioToken}` },
    body: JSON.stringify(body),
  });
}

async function inViewport(page: Page, el: Locator): Promise<boolean> {
  const box = await el.boundingBox();
  const vp = page.viewportSize()!;
  return box !== null && box.y >= 0 && box.x >= 0 && box.y + box.height <= vp.height && box.x + box.width <= vp.width;
}

describe('checkout refusals where the buyer is looking', () => {
  let stack: Stack;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    if (logs.some((l) => l.includes('pageerror'))) console.log(logs.join('\n'));
    await stack?.close();
  });

  it('flash sale sells out while buying: message in view, button off, ways on — 375×667, 390×844, 412×915, 1440×900', async () => {
    const { page: studio, showId } = await openStudioAndGoLive(stack, 'E2E 秒杀');
    watchConsole(studio, 'studio', logs);
    const { products } = ProductList.parse(await (await fetch(`${stack.server.url}/api/products`)).json());
    const product = products.find((p) => p.attributes.length === 1 && p.skus.length > 1 && p.skus.some((s) => s.stock >= 2))!;
    expect(product, 'a seeded product with variants').toBeDefined();
    const attr = product.attributes[0]!.name;
    const sku = product.skus.find((s) => s.stock >= 2)!;
    const stock = sku.stock;
    const pin = studio.getByTestId(`pin-product-${product.id}`);
    await pin.waitFor({ timeout: 20_000 });
    await pin.click();
    expect(
      (await studioCall(stack, 'POST', '/api/studio/flash-sales', { skuId: sku.id, durationSec: 300, salePriceMinor: 100, cap: 1 })).status,
    ).toBe(201);

    for (const [i, viewport] of VIEWPORTS.entries()) {
      const locale = i % 2 === 0 ? 'zh-CN' : 'en';
      const context = await stack.browser.newContext({ viewport, locale });
      try {
        const viewer = await openViewer(stack, showId, '', context);
        watchConsole(viewer, `viewer ${viewport.width}`, logs);
        const buy = viewer.getByTestId(`buy-${product.id}`);
        await poll('Buy enabled', () => buy.isEnabled(), 30_000, 200);
        await buy.click();
        await viewer.getByTestId(`variant-${attr}-${sku.options[attr]}`).click();
        await viewer.getByTestId('buy-now').click();
        await viewer.getByTestId('checkout-name').fill('王小明');
        await viewer.getByTestId('checkout-phone').fill('138 1234 5678');
        await viewer.getByTestId('checkout-address').fill('上海市徐汇区漕溪北路 100 号 2 单元 301');

        if (i === 1) {
          // The buyer turns the phone sideways and back mid-checkout: the sheet and what they typed stay.
          await viewer.setViewportSize({ width: viewport.height, height: viewport.width });
          await viewer.waitForTimeout(300);
          await viewer.setViewportSize(viewport);
          await expect(viewer.getByTestId('checkout-phone').inputValue()).resolves.toBe('138 1234 5678');
          await expect(viewer.getByTestId('checkout-address').inputValue()).resolves.toContain('漕溪北路');
        }

        // Someone else got the last unit meanwhile.
        expect((await studioCall(stack, 'PATCH', `/api/studio/skus/${sku.id}`, { stock: 0 })).status).toBe(200);
        const place = viewer.getByTestId('place-order');
        await place.click();

        const error = viewer.getByTestId('checkout-error');
        await error.waitFor({ state: 'visible', timeout: 15_000 });
        await expect(error.locator('.refusal-text').textContent()).resolves.toMatch(/抢光|库存不足|sold out|Not enough stock/i);
        expect(await inViewport(viewer, error), `message in the ${viewport.width}×${viewport.height} viewport`).toBe(true);
        expect(await place.isDisabled()).toBe(true);
        expect(await inViewport(viewer, place)).toBe(true);
        const variant = viewer.getByTestId('refusal-variant');
        const live = viewer.getByTestId('refusal-live');
        expect(await inViewport(viewer, variant)).toBe(true);
        expect(await inViewport(viewer, live)).toBe(true);
        // Focus went once to the way on, not back to the sheet.
        expect(await viewer.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('refusal-variant');
        if (process.env.SHOTS_DIR) {
          await viewer.screenshot({ path: join(process.env.SHOTS_DIR, `refusal-${viewport.width}x${viewport.height}-${locale}.png`) });
        }

        // Ways on: another option (the buy sheet again), or back to the live room.
        if (i % 2 === 0) {
          await variant.click();
          await viewer.getByTestId('buy-sheet').waitFor({ state: 'visible' });
        } else {
          await live.click();
          await viewer.getByTestId('checkout-sheet').waitFor({ state: 'detached' });
        }
      } finally {
        await context.close();
        expect((await studioCall(stack, 'PATCH', `/api/studio/skus/${sku.id}`, { stock })).status).toBe(200);
      }
    }
    await studio.close();
    expect(logs.filter((l) => l.includes('pageerror'))).toEqual([]);
  });
});
