/**
 * Frame-synced overlays end to end in headless Chromium: the studio burns a product card into the program (the
 * scene's product-card slot) and sends the pin trigger with the capture time of the first frame showing it; the
 * viewer shows its clickable card with the video frame that carries the burned-in card, ±1 presented frame.
 * Which frame carries what is read from the timestamp strip (marker) the studio draws into every frame.
 * Runs on a 16:9 and on a 9:16 (portrait) show, whose strip is read at the portrait frame's (narrower) width and
 * whose card is the one of the scene adapted to the turned frame.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudioAndGoLive, openViewer, type ProbeSample, poll, type Stack, startStack } from './harness';
import { hasShowAspect, SHOW_FRAMES } from './show-frames';

interface PinRecord {
  /** Wall-clock ms the viewer expected the frame (during whose callback the card appeared) on screen. */
  displayAt: number;
}

/** Record, in the viewer, the frame during which the pinned card appears in the store. */
async function watchPin(viewer: Page, productId: string): Promise<void> {
  await viewer.evaluate((id) => {
    const h = window.__storecast as unknown as {
      store: {
        getState(): { pinned: { product: { productId: string } }[]; lastFrame: { expectedDisplayTime: number } | null };
        subscribe(fn: (s: never) => void): () => void;
      };
    };
    const w = window as unknown as { __pinAt: PinRecord | null };
    w.__pinAt = null;
    const off = h.store.subscribe(() => {
      const s = h.store.getState();
      if (w.__pinAt || !s.pinned.some((p) => p.product.productId === id) || !s.lastFrame) return;
      w.__pinAt = { displayAt: performance.timeOrigin + s.lastFrame.expectedDisplayTime };
      off();
    });
  }, productId);
}

describe.each(SHOW_FRAMES)('frame-synced overlays on a $label', (frame) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the viewer shows the clickable card with the frame that carries the burned-in card (±1 frame)', async () => {
    const { page: studio, showId } = await openStudioAndGoLive(stack, 'E2E frame sync', '', frame.output);
    const viewer = await openViewer(stack, showId);
    try {
      // Video flowing with decodable markers.
      await poll(
        'marked frames at the viewer',
        () =>
          viewer.evaluate(() => {
            const p = (window as unknown as { __probe: { samples: unknown[]; start(): boolean } }).__probe;
            p.start();
            return p.samples.length > 30;
          }),
        30_000,
        250,
      );
      const catalog = (await (await fetch(`${stack.server.url}/api/products`)).json()) as { products: { id: string }[] };
      const productId = catalog.products[1]!.id;
      await watchPin(viewer, productId);
      await studio.getByTestId(`pin-product-${productId}`).click();

      // The studio's trigger carries the capture time of the first program frame with the card.
      const mediaTime = await poll('studio trigger with mediaTime', () =>
        studio.evaluate((id) => {
          const s = window.__storecast!.store.getState() as { pinned: { product: { productId: string }; mediaTime?: number }[] };
          return s.pinned.find((p) => p.product.productId === id)?.mediaTime ?? null;
        }, productId),
      );
      const pinAt = await poll('card shown at the viewer', () =>
        viewer.evaluate(() => (window as unknown as { __pinAt: PinRecord | null }).__pinAt),
      );
      // Let a few more frames arrive, then line up the presented frames (marker capture times) around the pin.
      await new Promise((r) => setTimeout(r, 1000));
      const samples = await viewer.evaluate(() =>
        (window as unknown as { __probe: { samples: ProbeSample[] } }).__probe.samples.slice(-400),
      );
      const byDisplay = samples.filter((s) => s.displayAt > pinAt.displayAt - 3000);
      // The markers were read from frames of the show's picture (its orientation and aspect, whatever the layer).
      const sizes = [...new Set(byDisplay.map((s) => `${s.width}x${s.height}`))];
      expect(
        byDisplay.every((s) => hasShowAspect(frame, s)),
        `frames of ${frame.width}x${frame.height}: ${sizes.join(', ')}`,
      ).toBe(true);
      // The probe skips a frame now and then (its pixels newer than the frame announced); then the card's frame is
      // the first decoded one presented after the card appeared.
      const exactIdx = byDisplay.findIndex((s) => Math.abs(s.displayAt - pinAt.displayAt) < 0.5);
      const shownIdx = exactIdx >= 0 ? exactIdx : byDisplay.findIndex((s) => s.displayAt > pinAt.displayAt);
      const cardIdx = byDisplay.findIndex((s) => s.capturedAt >= mediaTime);
      expect(cardIdx, 'the frame with the burned-in card was presented').toBeGreaterThanOrEqual(0);
      expect(shownIdx, 'the frame during which the card appeared was decoded').toBeGreaterThanOrEqual(0);
      const offBy = shownIdx - cardIdx;
      console.log(
        `frame sync (${frame.label}, ${sizes.join(', ')}): card frame captured ${byDisplay[cardIdx]!.capturedAt - mediaTime} ms after mediaTime; clickable card appeared ${offBy} frame(s) from it`,
      );
      expect(Math.abs(offBy)).toBeLessThanOrEqual(1);
      // And the card is on screen at the viewer.
      const name = await viewer.evaluate(
        () => (window.__storecast!.store.getState() as { pinned: { product: { name: string } }[] }).pinned[0]?.product.name ?? null,
      );
      expect(name).toBeTruthy();
      const card = viewer.getByText(name!).first();
      await card.waitFor({ state: 'visible', timeout: 5000 });
      const box = await card.boundingBox();
      const view = viewer.viewportSize()!;
      expect(box, 'the card inside the viewport').toBeTruthy();
      expect(box!.x >= 0 && box!.y >= 0 && box!.x + box!.width <= view.width && box!.y + box!.height <= view.height).toBe(true);
    } finally {
      await viewer.close();
      await studio.close();
    }
  });
});
