/**
 * Compositor pixel tests in headless Chromium: a known scene (colour sources, an image with scale / crop / bounds /
 * rotation, text, a hidden item, draw order, a missing file) rendered by the real renderer with both backends; pixels
 * read back at known coordinates. Also transitions (fade and slide held by the T-bar) and the product-card
 * "shown" report used for frame-synced overlays.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, makeItem } from '../../shared/scene/model';
import { type CompositorPage, openCompositorPage } from './compositor-harness';

type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const WHITE: Rgb = [255, 255, 255];
const BG: Rgb = [0, 0, 64];

/** 64×64 PNG: red, green / blue, white quadrants. */
async function quadPng(path: string): Promise<void> {
  const px = Buffer.alloc(64 * 64 * 3);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const c = y < 32 ? (x < 32 ? RED : GREEN) : x < 32 ? BLUE : WHITE;
      px.set(c, (y * 64 + x) * 3);
    }
  }
  await sharp(px, { raw: { width: 64, height: 64, channels: 3 } })
    .png()
    .toFile(path);
}

function collection(base: string) {
  const img = { type: 'url', url: `${base}/media/quad.png` };
  return {
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: 'pixels',
    canvas: { width: 640, height: 360, fps: 30 },
    sources: [
      { id: 'bg', kind: 'color', name: 'bg', settings: { fill: { type: 'solid', color: '#000040' } } },
      { id: 'red', kind: 'color', name: 'red', settings: { fill: { type: 'solid', color: '#ff0000' }, width: 100, height: 50 } },
      { id: 'green', kind: 'color', name: 'green', settings: { fill: { type: 'solid', color: '#00ff00' }, width: 40, height: 40 } },
      { id: 'yellow', kind: 'color', name: 'yellow', settings: { fill: { type: 'solid', color: '#ffff00' } } },
      { id: 'img', kind: 'image', name: 'img', settings: { ref: img } },
      { id: 'missing', kind: 'image', name: 'missing', settings: { ref: { type: 'url', url: `${base}/media/missing.png` } } },
      {
        id: 'text',
        kind: 'text',
        name: 'text',
        settings: { text: 'Hi 你好', fontSize: 32, color: '#ffffff', background: '#0000ff', backgroundPadding: 12 },
      },
      { id: 'card', kind: 'product_card', name: 'card', settings: { animationIn: { type: 'none', durationMs: 0 } } },
      { id: 'blue', kind: 'color', name: 'blue', settings: { fill: { type: 'solid', color: '#0000ff' } } },
    ],
    scenes: [
      {
        id: 'main',
        name: 'main',
        items: [
          makeItem('i_bg', 'bg'),
          makeItem('i_red', 'red', { position: { x: 100, y: 50 } }),
          makeItem('i_rot', 'green', { position: { x: 200, y: 200 }, alignment: 'center', rotation: 45 }),
          makeItem('i_img', 'img', { position: { x: 400, y: 40 }, scale: { x: 2, y: 2 } }),
          makeItem('i_crop', 'img', { position: { x: 400, y: 200 }, crop: { left: 32, top: 0, right: 0, bottom: 0 } }),
          makeItem('i_bounds', 'img', {
            position: { x: 250, y: 280 },
            bounds: { type: 'scale_inner', width: 100, height: 50, alignment: 'center' },
          }),
          makeItem('i_red2', 'red', { position: { x: 20, y: 250 } }),
          makeItem('i_green2', 'green', { position: { x: 40, y: 260 } }),
          makeItem('i_text', 'text', { position: { x: 20, y: 120 } }),
          makeItem('i_missing', 'missing', { position: { x: 560, y: 300 }, scale: { x: 0.1, y: 0.1 } }),
          makeItem('i_hidden', 'yellow', { visible: false }),
        ],
      },
      { id: 'a', name: 'a', items: [makeItem('a_red', 'yellow', { visible: true })] },
      { id: 'b', name: 'b', items: [makeItem('b_blue', 'blue'), makeItem('b_card', 'card', { position: { x: 10, y: 10 } })] },
    ],
    currentSceneId: 'main',
    previewSceneId: null,
    transition: { kind: 'fade', durationMs: 300 },
    hotkeys: [],
  };
}

function expectColor(actual: number[], want: Rgb, what: string, tol = 6): void {
  const [r, g, b] = actual;
  const ok = Math.abs(r! - want[0]) <= tol && Math.abs(g! - want[1]) <= tol && Math.abs(b! - want[2]) <= tol;
  expect(ok, `${what}: got ${actual.slice(0, 3).join(',')} want ${want.join(',')}`).toBe(true);
}

describe.each(['webgl2', 'canvas2d'] as const)('compositor pixels (%s)', (backend) => {
  let cp: CompositorPage;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'storecast-pixels-'));
    await quadPng(join(dir, 'quad.png'));
    cp = await openCompositorPage(dir);
    const info = await cp.page.evaluate((o) => window.__compositor.setup(o), {
      collection: collection(cp.url),
      backend,
      width: 640,
      height: 360,
    } as const);
    expect(info.backend).toBe(backend);
    const status = await cp.page.evaluate(() => window.__compositor.ready());
    expect(status.img).toBe('ok');
    expect(status.missing).toBe('error');
  });
  afterAll(async () => {
    await cp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const px = (x: number, y: number) => cp.page.evaluate(([x, y]) => window.__compositor.pixel(x, y), [x, y] as const);

  it('draws items at their transforms, in order, skipping hidden ones', async () => {
    await cp.page.evaluate(() => window.__compositor.render());
    expectColor(await px(5, 350), BG, 'background');
    expectColor(await px(150, 75), RED, 'red rect inside');
    expectColor(await px(98, 48), BG, 'red rect outside (top-left)');
    expectColor(await px(198, 98), RED, 'red rect bottom-right corner');
    // 40×40 square centred at (200,200) turned 45°: its diagonal lies along x
    expectColor(await px(200, 200), GREEN, 'rotated centre');
    expectColor(await px(225, 200), GREEN, 'rotated: diagonal tip area');
    expectColor(await px(218, 218), BG, 'rotated: unrotated corner is empty');
    // image ×2 at (400,40): 128×128 quadrants
    expectColor(await px(420, 60), RED, 'image TL');
    expectColor(await px(510, 60), GREEN, 'image TR');
    expectColor(await px(420, 150), BLUE, 'image BL');
    expectColor(await px(510, 150), WHITE, 'image BR');
    // crop left 32: only the right half (green over white) at (400,200), 32×64
    expectColor(await px(410, 210), GREEN, 'cropped top');
    expectColor(await px(410, 250), WHITE, 'cropped bottom');
    expectColor(await px(436, 210), BG, 'cropped width is 32');
    // bounds 100×50 scale_inner, centred: 50×50 at x 275‥325
    expectColor(await px(270, 300), BG, 'bounds: left of content');
    expectColor(await px(280, 288), RED, 'bounds: content TL');
    expectColor(await px(320, 322), WHITE, 'bounds: content BR');
    // draw order: green2 above red2
    expectColor(await px(50, 270), GREEN, 'upper item wins');
    expectColor(await px(110, 255), RED, 'lower item visible elsewhere');
    // text box: background padding
    expectColor(await px(23, 123), BLUE, 'text background');
    // missing file: a placeholder (not the background), everything else still drawn
    const ph = await px(562, 302);
    expect(ph.slice(0, 3)).not.toEqual(BG);
  });

  it('reports layout sizes of running sources', async () => {
    const sizes = await cp.page.evaluate(() => window.__compositor.sizes());
    expect(sizes.img).toEqual({ width: 64, height: 64 });
    expect(sizes.red).toEqual({ width: 100, height: 50 });
    expect(sizes.text!.width).toBeGreaterThan(60);
  });

  it('blends scenes for fade and slide transitions (T-bar)', async () => {
    await cp.page.evaluate(() => window.__compositor.render('a', { to: 'b', p: 0.5 }));
    expectColor(await px(320, 300), [128, 128, 128], 'fade 50% yellow→blue', 8);
    await cp.page.evaluate(() => window.__compositor.render('a', { to: 'b', p: 1 }));
    expectColor(await px(320, 300), BLUE, 'fade 100%');
  });

  it('reports the product a product card drew (frame-synced overlays)', async () => {
    await cp.page.evaluate(() =>
      window.__compositor.setData({
        pinned: [
          {
            type: 'product.pin',
            id: 'trig0001',
            at: Date.now(),
            product: { productId: 'p_test', name: 'Test product', priceMinor: 1990, currency: 'CNY' },
          },
        ],
      }),
    );
    const shown = await cp.page.evaluate(() => window.__compositor.render('b'));
    expect(shown).toEqual(['p_test']);
    const card = await px(40, 40);
    expect(card.slice(0, 3)).not.toEqual(BLUE);
    await cp.page.evaluate(() => window.__compositor.setData({ pinned: [] }));
    // fades out (300 ms) then reports nothing
    await new Promise((r) => setTimeout(r, 400));
    await cp.page.evaluate(() => window.__compositor.render('b'));
    expect(await cp.page.evaluate(() => window.__compositor.render('b'))).toEqual([]);
  });
});
