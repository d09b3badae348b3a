/**
 * The HLS fallback in real headless Chromium: with every WebRTC place taken (the transport cap holds only the
 * studio's), the viewer page is refused with UNAVAILABLE and plays the show's HLS instead — hls.js loaded on demand,
 * the "standard latency" badge on, frames advancing — and a product the studio pins appears as a card.
 * A phone-sized screenshot of the fallback is written to $HLS_SCREENSHOT (default: the OS temp dir).
 * Then, with room for one viewer: the second page plays HLS, is counted in the show's viewers, and when the first
 * leaves it returns to WebRTC by itself without a gap in its picture, the badge gone, counted once.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudioAndGoLive, poll, type Stack, startStack, watchConsole } from './harness';

interface Snapshot {
  screen: string;
  playback: string;
  presentedFrames: number;
  pinned: string[];
  viewerCount: number;
  srcObject: boolean;
}

const snapshot = (page: Page): Promise<Snapshot> =>
  page.evaluate(() => {
    const h = window.__storecast as unknown as {
      screen(): string;
      store: {
        getState(): { playback: string; presentedFrames: number; viewerCount: number; pinned: { product: { productId: string } }[] };
      };
      video: HTMLVideoElement;
    };
    const s = h.store.getState();
    return {
      viewerCount: s.viewerCount,
      srcObject: h.video.srcObject !== null,
      screen: h.screen(),
      playback: s.playback,
      presentedFrames: s.presentedFrames,
      pinned: s.pinned.map((p) => p.product.productId),
    };
  });

describe('HLS fallback', () => {
  let stack: Stack;
  const logs: string[] = [];
  beforeAll(async () => {
    // One WebRTC transport in total: the studio's. Every viewer is refused.
    stack = await startStack({ server: { sfuMaxTransports: 1, ffmpegBin: process.env.FFMPEG_BIN ?? 'ffmpeg' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('plays a full show over HLS with the standard-latency badge and shows a pinned product', async () => {
    const { page: studio, showId } = await openStudioAndGoLive(stack, 'E2E HLS 回退');
    watchConsole(studio, 'studio', logs);
    const viewer = await stack.context.newPage();
    await viewer.setViewportSize({ width: 390, height: 844 });
    watchConsole(viewer, 'viewer', logs);
    const hlsRequests: string[] = [];
    viewer.on('response', (r) => {
      if (r.url().includes('/hls/')) hlsRequests.push(`${r.status()} ${r.url()}`);
    });
    try {
      await viewer.goto(`${stack.server.url}/live/${showId}`);
      await poll('viewer on HLS', async () => (await snapshot(viewer)).playback === 'hls', 30_000, 250);
      await poll('HLS playing', async () => (await snapshot(viewer)).screen === 'live', 40_000, 250);
      const badge = viewer.getByTestId('latency-badge');
      await badge.waitFor({ timeout: 10_000 });
      expect(await badge.textContent()).toBe('标准延迟');
      expect(await viewer.getByTestId('state-full').count()).toBe(0);
      expect(hlsRequests.some((u) => u.startsWith('200 ') && u.endsWith('/index.m3u8'))).toBe(true);
      expect(hlsRequests.some((u) => u.startsWith('200 ') && /\/seg-\d+\.ts$/.test(u))).toBe(true);

      // Frames keep advancing.
      const before = (await snapshot(viewer)).presentedFrames;
      await poll('frames advancing', async () => (await snapshot(viewer)).presentedFrames > before + 20, 15_000, 250);

      // A pinned product reaches the HLS viewer (from the show state, at the playing picture's time).
      const catalog = (await (await fetch(`${stack.server.url}/api/products`)).json()) as { products: { id: string }[] };
      const productId = catalog.products[0]!.id;
      await studio.getByTestId(`pin-product-${productId}`).click();
      await poll('pinned card at the HLS viewer', async () => (await snapshot(viewer)).pinned.includes(productId), 20_000, 250);
      await viewer.getByTestId('product-card').first().waitFor({ timeout: 10_000 });
      await viewer.screenshot({ path: process.env.HLS_SCREENSHOT ?? join(tmpdir(), 'hls-fallback-390x844.png') });
      expect(logs.filter((l) => l.includes('pageerror'))).toEqual([]);
    } catch (err) {
      console.log(logs.join('\n'));
      console.log(JSON.stringify(await snapshot(viewer).catch(() => null)), hlsRequests.slice(-20).join('\n'));
      throw err;
    } finally {
      await viewer.close().catch(() => undefined);
      await studio.close().catch(() => undefined);
    }
  }, 120_000);
});

describe('HLS viewer back to WebRTC', () => {
  let stack: Stack;
  const logs: string[] = [];
  beforeAll(async () => {
    // Room for the studio and one viewer.
    stack = await startStack({ server: { sfuMaxTransports: 2, ffmpegBin: process.env.FFMPEG_BIN ?? 'ffmpeg' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('counts the HLS viewer, and returns it to WebRTC without a gap once a place frees up', async () => {
    const { page: studio, showId } = await openStudioAndGoLive(stack, 'E2E HLS → WebRTC');
    watchConsole(studio, 'studio', logs);
    const first = await stack.context.newPage();
    watchConsole(first, 'first', logs);
    const second = await stack.context.newPage();
    watchConsole(second, 'second', logs);
    try {
      await first.goto(`${stack.server.url}/live/${showId}`);
      await poll('first viewer on WebRTC', async () => (await snapshot(first)).screen === 'live', 30_000, 250);
      await second.goto(`${stack.server.url}/live/${showId}`);
      await poll('second viewer on HLS', async () => (await snapshot(second)).screen === 'live', 60_000, 250);
      expect((await snapshot(second)).playback).toBe('hls');
      // The HLS page counts: both pages and the studio's room say 2.
      await poll('HLS viewer counted', async () => (await snapshot(first)).viewerCount === 2, 10_000, 250);
      await poll('HLS page told the count', async () => (await snapshot(second)).viewerCount === 2, 10_000, 250);
      expect(stack.server.rooms.get(showId)?.audience).toBe(2);

      // Every presented frame on the second page (its time and how it was playing), to find the gap at the switch.
      await second.evaluate(() => {
        const w = window as unknown as { __frames: [number, string][]; __storecast: { store: { getState(): { playback: string } } } };
        w.__frames = [];
        const video = document.querySelector('video.stage-video') as HTMLVideoElement;
        const onFrame = () => {
          w.__frames.push([performance.now(), w.__storecast.store.getState().playback]);
          video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      });
      await first.close();
      const freedAt = Date.now();
      await poll('second viewer back on WebRTC', async () => (await snapshot(second)).playback === 'webrtc', 90_000, 250);
      const back = await snapshot(second);
      expect(back.srcObject).toBe(true);
      expect(await second.getByTestId('latency-badge').count()).toBe(0);
      const before = back.presentedFrames;
      await poll('WebRTC frames advancing', async () => (await snapshot(second)).presentedFrames > before + 20, 15_000, 250);
      expect((await snapshot(second)).screen).toBe('live');
      const frames = await second.evaluate(() => (window as unknown as { __frames: [number, string][] }).__frames);
      const at = frames.findIndex(([, mode]) => mode === 'webrtc');
      expect(at).toBeGreaterThan(0);
      // The last HLS frame to the first WebRTC one: HLS kept playing until WebRTC had a picture.
      const switchGap = frames[at]![0] - frames[at - 1]![0];
      console.log(`back to WebRTC ${Date.now() - freedAt} ms after the place freed; frame gap at the switch ${Math.round(switchGap)} ms`);
      expect(switchGap).toBeLessThan(1000);
      // Counted once: the page's HLS count moved to its WebRTC seat.
      await poll('counted once', async () => (await snapshot(second)).viewerCount === 1, 10_000, 250);
      expect(stack.server.rooms.get(showId)?.audience).toBe(1);
      expect(logs.filter((l) => l.includes('pageerror'))).toEqual([]);
    } catch (err) {
      console.log(logs.join('\n'));
      console.log(JSON.stringify(await snapshot(second).catch(() => null)));
      throw err;
    } finally {
      await first.close().catch(() => undefined);
      await second.close().catch(() => undefined);
      await studio.close().catch(() => undefined);
    }
  }, 180_000);
});
