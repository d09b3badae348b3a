/**
 * The viewer page at desktop sizes, for a 16:9 and a 9:16 show: the stage is sized to the picture, so the picture
 * the <video> displays (its box under object-fit, from videoWidth / videoHeight) covers the picture area edge to edge
 * — no black bands — with the chat and product column beside it, inside the window. Where the picture genuinely
 * cannot fill its area (a window too short for a portrait column), the blurred copy of the stream fills the rest.
 * `VIEWER_SHOTS=<dir>` writes a screenshot of every size there, to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { poll } from './harness';
import { hasShowAspect, SHOW_FRAMES } from './show-frames';
import { useStackSuite } from './suite';

type Box = { left: number; top: number; right: number; bottom: number };

interface Layout {
  /** The box of the picture the video element displays (object-fit and object-position applied). */
  picture: Box;
  /** The picture area of the stage (the video's host) and the whole stage. */
  host: Box;
  stage: Box;
  dock: Box;
  /** The pinned product card and the chat input, as laid out. */
  card: Box;
  input: Box;
  window: { width: number; height: number };
  fill: { shown: boolean; playing: boolean; covers: boolean; blurred: boolean };
}

/** Measured in the page: the picture box is computed as the browser draws it, from the video's intrinsic size. */
function measure(page: Page): Promise<Layout | null> {
  return page.evaluate(() => {
    const v = window.__storecast!.video as HTMLVideoElement;
    if (!v.videoWidth || !v.videoHeight) return null;
    const rect = (el: Element | null): Box | null => {
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    };
    const r = v.getBoundingClientRect();
    const css = getComputedStyle(v);
    const scales: Record<string, number> = {
      contain: Math.min(r.width / v.videoWidth, r.height / v.videoHeight),
      cover: Math.max(r.width / v.videoWidth, r.height / v.videoHeight),
      fill: Number.NaN,
    };
    const scale = scales[css.objectFit] ?? Number.NaN;
    const [px, py] = css.objectPosition.split(' ').map((p) => Number.parseFloat(p) / 100) as [number, number];
    const w = v.videoWidth * scale;
    const h = v.videoHeight * scale;
    const left = r.left + (r.width - w) * px;
    const top = r.top + (r.height - h) * py;
    const f = document.querySelector<HTMLVideoElement>('.stage-video-fill');
    const fr = f?.getBoundingClientRect();
    const host = rect(document.querySelector('.video-host'));
    const card = rect(document.querySelector('[data-testid="product-card"]'));
    const input = rect(document.querySelector('[data-testid="chat-input"]'));
    if (!host || !card || !input) return null;
    return {
      picture: { left, top, right: left + w, bottom: top + h },
      host,
      stage: rect(document.querySelector('.stage'))!,
      dock: rect(document.querySelector('.dock'))!,
      card,
      input,
      window: { width: innerWidth, height: innerHeight },
      fill: {
        shown: !!f && !f.hidden,
        playing: !!f && !f.hidden && f.srcObject === v.srcObject && !f.paused && f.readyState >= 2,
        covers: !!fr && !!host && fr.left <= host.left && fr.right >= host.right && fr.top <= host.top && fr.bottom >= host.bottom,
        blurred: !!f && getComputedStyle(f).filter.includes('blur'),
      },
    };
  });
}

/** The largest gap between the picture and its area on any side (negative: the picture is cropped there). */
const band = (l: Layout) =>
  Math.max(l.picture.left - l.host.left, l.host.right - l.picture.right, l.picture.top - l.host.top, l.host.bottom - l.picture.bottom);
const crop = (l: Layout) =>
  Math.max(l.host.left - l.picture.left, l.picture.right - l.host.right, l.host.top - l.picture.top, l.picture.bottom - l.host.bottom);
const inside = (b: Box, o: Box, slack = 1) =>
  b.left >= o.left - slack && b.top >= o.top - slack && b.right <= o.right + slack && b.bottom <= o.bottom + slack;

const SIZES = [
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
] as const;

describe.each(SHOW_FRAMES)('viewer at desktop sizes: $label', (frame) => {
  const suite = useStackSuite();

  it('sizes the stage to the picture, with chat and products beside it', async () => {
    const { page: studio, showId } = await suite.goLive(`E2E 桌面 ${frame.label}`, frame.output);
    const product = (await suite.products()).find((p) => p.status === 'active')!;
    const pin = studio.getByTestId(`pin-product-${product.id}`);
    await pin.waitFor({ timeout: 20_000 });
    await pin.click();

    const context = await suite.stack.browser.newContext({ locale: 'zh-CN', viewport: SIZES[0] });
    const viewer = await suite.openViewer(showId, 'viewer', '', context);
    await viewer.getByTestId(`buy-${product.id}`).waitFor({ timeout: 30_000 });
    await viewer.getByTestId('chat-input').waitFor({ timeout: 15_000 });
    await poll(
      'the show picture playing',
      () =>
        viewer.evaluate(() => {
          const st = window.__storecast!.store.getState() as unknown as { presentedFrames: number };
          const v = window.__storecast!.video as HTMLVideoElement;
          return st.presentedFrames > 10 ? { width: v.videoWidth, height: v.videoHeight } : null;
        }),
      45_000,
      250,
    ).then((size) => expect(hasShowAspect(frame, size)).toBe(true));

    const shots = process.env.VIEWER_SHOTS;
    if (shots) mkdirSync(shots, { recursive: true });
    const portrait = frame.height > frame.width;
    for (const size of SIZES) {
      await viewer.setViewportSize(size);
      // Laid out for this window and its picture: the picture fills its area (nothing for the blurred copy to fill).
      const shot = () =>
        shots
          ? viewer.screenshot({
              path: join(shots, `viewer-desktop-${portrait ? 'portrait' : 'landscape'}-${size.width}x${size.height}.png`),
            })
          : null;
      const l = await poll(`no bands at ${size.width}×${size.height}`, async () => {
        const m = await measure(viewer);
        return m && m.window.width === size.width && band(m) <= 2 && !m.fill.shown ? m : null;
      }).catch(async (e: Error) => {
        await shot();
        throw new Error(`${e.message}: ${JSON.stringify(await measure(viewer))}`);
      });
      await shot();
      const at = `${size.width}×${size.height}`;
      expect(crop(l), `picture cropped at ${at}`).toBeLessThanOrEqual(2);
      expect(l.host.top - l.stage.top, `picture area starts at the stage's top at ${at}`).toBeLessThanOrEqual(2);
      expect(l.stage.bottom - l.host.bottom, `picture area ends at the stage's bottom at ${at}`).toBeLessThanOrEqual(2);
      expect(l.host.left - l.stage.left, `picture area at the stage's left at ${at}`).toBeLessThanOrEqual(2);
      // Portrait: a column as tall as the window allows; landscape: as wide as the picture column allows.
      if (portrait) expect(l.host.bottom - l.host.top, `portrait column height at ${at}`).toBeGreaterThan(size.height - 60);
      else expect(l.dock.left - l.host.left, `landscape picture width at ${at}`).toBeGreaterThan(size.width - 60 - 400);
      // The column beside the picture, in the window, with the pinned card and the chat input in it.
      expect(inside(l.stage, { left: 0, top: 0, right: size.width, bottom: size.height }), `stage inside the window at ${at}`).toBe(true);
      expect(l.dock.left, `column beside the picture at ${at}`).toBeGreaterThanOrEqual(l.host.right - 1);
      expect(l.dock.bottom - l.dock.top, `column as tall as the stage at ${at}`).toBeGreaterThan(l.host.bottom - l.host.top - 4);
      expect(inside(l.card, l.dock), `product card in the column at ${at}`).toBe(true);
      expect(inside(l.input, l.dock), `chat input in the column at ${at}`).toBe(true);
    }

    // A rejoin's new video consumer has no size until its first frame: the page keeps the picture's shape meanwhile.
    const shape = () =>
      viewer.evaluate(() => {
        const el = document.querySelector<HTMLElement>('.viewer')!;
        return { orientation: el.dataset.orientation, ar: el.style.getPropertyValue('--ar') };
      });
    const before = await shape();
    expect(before.orientation).toBe(portrait ? 'portrait' : 'landscape');
    // Every shape the page takes in the half second after a new consumer arrives (as a rejoin's does).
    const seen = await viewer.evaluate(() => {
      const el = document.querySelector<HTMLElement>('.viewer')!;
      const shapes: { orientation?: string; ar: string }[] = [];
      const mo = new MutationObserver(() => shapes.push({ orientation: el.dataset.orientation, ar: el.style.getPropertyValue('--ar') }));
      mo.observe(el, { attributes: true, attributeFilter: ['data-orientation', 'style'] });
      const st = window.__storecast!.store.getState() as unknown as { video: unknown; trackAdded(kind: 'video', info: unknown): void };
      st.trackAdded('video', st.video);
      return new Promise<typeof shapes>((resolve) =>
        setTimeout(() => {
          mo.disconnect();
          resolve(shapes);
        }, 500),
      );
    });
    for (const s of seen) expect(s).toEqual(before);

    if (portrait) {
      // Too short a window for a portrait column of a usable width: the blurred copy fills beside the picture.
      await viewer.setViewportSize({ width: 1280, height: 560 });
      const short = await poll('blurred fill in a short window', async () => {
        const m = await measure(viewer);
        return m && m.window.height === 560 && m.fill.playing ? m : null;
      });
      if (shots) await viewer.screenshot({ path: join(shots, 'viewer-desktop-portrait-1280x560.png') });
      expect(short.fill).toEqual({ shown: true, playing: true, covers: true, blurred: true });
      expect(crop(short)).toBeLessThanOrEqual(2);
      expect(inside(short.stage, { left: 0, top: 0, right: 1280, bottom: 560 })).toBe(true);
    }

    await context.close();
    await studio.close();
    expect(suite.pageErrors()).toEqual([]);
  });
});
