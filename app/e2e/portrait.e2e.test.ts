/**
 * Portrait output end to end: the web studio switches its output to 720×1280 (9:16), adapts its scenes through the
 * frame prompt, goes live, and a viewer receives 720×1280 frames (the top simulcast layer of the portrait frame). On a
 * desktop the picture keeps 9:16 beside the chat / products column; on a phone it fills the screen. A landscape show on
 * a phone sits at full width over a blurred copy of itself, and the phone turned sideways is all player.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudioAndGoLive, openViewer, poll, type Stack, startStack, watchConsole } from './harness';

type StudioState = {
  program: { width: number; height: number; frames: number };
  scene: { collection: { canvas: { width: number; height: number } }; reframe: { adapted: boolean } | null };
  publish: { state: string; errorKey: string | null; show: { id: string } | null };
};

const studioState = (page: Page) => page.evaluate(() => window.__storecast!.store.getState() as unknown as StudioState);

describe('portrait show: studio → SFU → viewer', () => {
  let stack: Stack;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('goes live in 720×1280 and the viewer receives 720×1280 frames', async () => {
    const studio = await stack.context.newPage();
    watchConsole(studio, 'studio', logs);
    await studio.goto(`${stack.host.url}&marker=1`);
    await poll('studio drawing', async () => (await studioState(studio)).program.frames > 5);

    // Turn the frame: the canvas follows, nothing moves until the prompt is answered.
    await studio.getByTestId('output-select').selectOption('720x1280p30');
    await studio.getByTestId('reframe-prompt').waitFor({ state: 'visible' });
    let s = await studioState(studio);
    expect(s.scene.collection.canvas).toMatchObject({ width: 720, height: 1280 });
    await poll('program frame is 720×1280', async () => {
      const p = (await studioState(studio)).program;
      return p.width === 720 && p.height === 1280;
    });
    await studio.getByTestId('reframe-fill').click();
    await studio.getByTestId('reframe-undo').waitFor({ state: 'visible' });
    s = await studioState(studio);
    expect(s.scene.reframe?.adapted).toBe(true);
    await studio.getByTestId('reframe-keep').click();
    await studio.getByTestId('reframe-prompt').waitFor({ state: 'detached' });

    await studio.getByTestId('show-title').fill('E2E 竖屏直播');
    await studio.getByTestId('go-live').click();
    const showId = await poll(
      'studio live',
      async () => {
        const st = await studioState(studio);
        if (st.publish.state === 'error') throw new Error(`studio error: ${st.publish.errorKey}`);
        return st.publish.state === 'live' && st.publish.show ? st.publish.show.id : null;
      },
      30_000,
    );

    const viewer = await openViewer(stack, showId);
    watchConsole(viewer, 'viewer', logs);
    const size = await poll(
      'viewer receives 720×1280 frames',
      () =>
        viewer.evaluate(() => {
          const st = window.__storecast!.store.getState() as unknown as { videoSize: { width: number; height: number } | null };
          const v = window.__storecast!.video as HTMLVideoElement;
          return st.videoSize?.width === 720 && st.videoSize.height === 1280 && v.videoWidth === 720 && v.videoHeight === 1280
            ? { ...st.videoSize }
            : null;
        }),
      45_000,
      250,
    );
    expect(size).toEqual({ width: 720, height: 1280 });
    // Frames keep coming at that size.
    const before = await viewer.evaluate(
      () => (window.__storecast!.store.getState() as unknown as { presentedFrames: number }).presentedFrames,
    );
    await poll('frames advancing', () =>
      viewer.evaluate(
        (n) => (window.__storecast!.store.getState() as unknown as { presentedFrames: number }).presentedFrames > n + 30,
        before,
      ),
    );

    // Desktop (1440×900): the picture at 9:16 on the left, chat and products in a column on the right.
    await viewer.getByTestId('chat-panel').waitFor({ timeout: 15_000 });
    const desktop = await viewer.evaluate(() => {
      const box = (sel: string) => document.querySelector(sel)!.getBoundingClientRect().toJSON() as DOMRect;
      return { host: box('.video-host'), dock: box('.dock') };
    });
    expect(desktop.host.width / desktop.host.height).toBeCloseTo(9 / 16, 2);
    expect(desktop.dock.left).toBeGreaterThanOrEqual(desktop.host.right - 1);
    expect(desktop.dock.height).toBeGreaterThan(desktop.host.height * 0.9);

    // Phone (390×844): the portrait show fills the screen.
    const phone = await stack.browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'zh-CN',
      isMobile: true,
      hasTouch: true,
    });
    const onPhone = await openViewer(stack, showId, '', phone);
    await poll('phone viewer playing', () =>
      onPhone.evaluate(() => (window.__storecast!.store.getState() as unknown as { presentedFrames: number }).presentedFrames > 10),
    );
    const fill = await onPhone.evaluate(() => {
      const v = window.__storecast!.video as HTMLVideoElement;
      const r = v.getBoundingClientRect();
      return { width: r.width, height: r.height, fit: getComputedStyle(v).objectFit };
    });
    expect(fill).toEqual({ width: 390, height: 844, fit: 'cover' });
    await phone.close();

    await viewer.close();
    await studio.close();
    expect(logs.filter((l) => l.includes('pageerror'))).toEqual([]);
  });
  it('a landscape show on a phone: full width over a blurred fill; turned sideways, the whole screen', async () => {
    // The studio kept the portrait frame the first test chose: turn it back to 16:9.
    const live = await openStudioAndGoLive(stack, 'E2E 横屏直播', '', '720p30');
    watchConsole(live.page, 'studio', logs);
    const phone = await stack.browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'zh-CN',
      isMobile: true,
      hasTouch: true,
    });
    const page = await openViewer(stack, live.showId, '', phone);
    watchConsole(page, 'viewer', logs);
    await poll('phone viewer playing the landscape show', () =>
      page.evaluate(() => {
        const st = window.__storecast!.store.getState() as unknown as {
          presentedFrames: number;
          videoSize: { width: number; height: number } | null;
        };
        return st.presentedFrames > 10 && !!st.videoSize && st.videoSize.width > st.videoSize.height;
      }),
    );
    const upright = await poll('the blurred fill playing the same stream', () =>
      page.evaluate(() => {
        const v = window.__storecast!.video as HTMLVideoElement;
        const f = document.querySelector<HTMLVideoElement>('.stage-video-fill')!;
        const r = v.getBoundingClientRect();
        const fr = f.getBoundingClientRect();
        return !f.hidden && f.srcObject === v.srcObject && !f.paused && f.readyState >= 2
          ? {
              video: { width: Math.round(r.width), fit: getComputedStyle(v).objectFit },
              fill: { covers: fr.width >= r.width && fr.height >= r.height, blurred: getComputedStyle(f).filter.includes('blur') },
            }
          : null;
      }),
    );
    expect(upright).toEqual({ video: { width: 390, fit: 'contain' }, fill: { covers: true, blurred: true } });

    // Turned sideways: the player is the whole screen, the picture contained in it.
    await page.setViewportSize({ width: 844, height: 390 });
    const sideways = await poll('the player filling the sideways phone', () =>
      page.evaluate(() => {
        const stage = document.querySelector('.stage')!.getBoundingClientRect();
        const v = window.__storecast!.video as HTMLVideoElement;
        const r = v.getBoundingClientRect();
        const full = Math.round(stage.width) === innerWidth && Math.round(stage.height) === innerHeight;
        return full ? { video: { width: Math.round(r.width), height: Math.round(r.height), fit: getComputedStyle(v).objectFit } } : null;
      }),
    );
    expect(sideways).toEqual({ video: { width: 844, height: 390, fit: 'contain' } });
    await phone.close();
    await live.page.close();
    expect(logs.filter((l) => l.includes('pageerror'))).toEqual([]);
  });
});
