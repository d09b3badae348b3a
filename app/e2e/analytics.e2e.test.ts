/**
 * Viewer events from a real viewer page in headless Chromium: the studio goes live and pins a catalog product; the
 * viewer sees the card (an impression after 1 s), opens its details and its buy sheet (clicks), and leaves (a beacon
 * carries the rest). The server's metrics and show event log agree.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ShowLogEntry } from '../../shared/analytics/events';
import type { ShowMetrics } from '../../shared/analytics/metrics';
import { poll } from './harness';
import { useStackSuite } from './suite';

describe('viewer events from the viewer page', () => {
  const suite = useStackSuite();

  const read = async <T>(showId: string, what: string): Promise<T> => {
    const { server } = suite.stack;
    const res = await fetch(`${server.url}/api/analytics/shows/${showId}/${what}`, {
      headers: { authorization: `Bearer ${server.studioToken}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  it('reports entry, a 1 s impression, clicks and leave; the pin is in the show event log', async () => {
    const { page: studio, showId } = await suite.goLive('E2E 数据');
    const products = await suite.products();
    const product = products.find((p) => p.status === 'active')!;
    const pinButton = studio.getByTestId(`pin-product-${product.id}`);
    await pinButton.waitFor({ timeout: 20_000 });
    await pinButton.click();

    const viewer: Page = await suite.openViewer(showId);
    const card = viewer.locator(`[data-product-id="${product.id}"]`);
    await card.waitFor({ timeout: 30_000 });
    // On screen for more than a second: one impression.
    await viewer.waitForTimeout(1_500);
    await card.locator('.product-main').click();
    const buy = viewer.getByTestId(`buy-${product.id}`);
    await poll('Buy enabled on the pinned card', () => buy.isEnabled(), 30_000, 200);
    await buy.click();
    // Leaving the page sends what is queued by beacon.
    await viewer.close({ runBeforeUnload: true });

    await poll(
      'the viewer events are counted',
      async () => {
        const m = await read<ShowMetrics>(showId, 'metrics');
        return m.live.views === 1 && m.funnel.impressionUv === 1 && m.funnel.clickUv === 1;
      },
      15_000,
      300,
    );
    const m = await read<ShowMetrics>(showId, 'metrics');
    expect(m.live.uniqueViewers).toBe(1);
    expect(m.online.current).toBe(0);
    expect(m.ctr).toBe(1);
    const { entries } = await read<{ entries: ShowLogEntry[] }>(showId, 'log');
    expect(entries.filter((e) => e.kind === 'explain.start').map((e) => e.productId)).toEqual([product.id]);
  });
});
