/**
 * Compositor benchmark: a 1080p30 program with 8 sources (2 looping videos with audio, the camera, 3 images, a text
 * ticker, a product card) rendered by the real scene-graph renderer in headless Chromium, paced by a Worker clock
 * and pushed into the program track like the studio does (so the Canvas2D raster is in the frame time). Sample
 * media are generated with ffmpeg (FFMPEG_BIN).
 * Measures each backend, then reports the one the studio picks on this machine ('auto': WebGL2 on a GPU, Canvas2D
 * on a software rasteriser). Last stdout line:
 * {"bench":"compositor","p50_frame_ms":…,"p95_frame_ms":…,"fps":…,"width":1920,"height":1080,"sources":8}
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCompositorPage } from '../../app/e2e/compositor-harness';
import type { BenchResult } from '../../app/e2e/compositor-page';
import { CURRENT_SCHEMA_VERSION, makeItem } from '../../shared/scene/model';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const W = 1920;
const H = 1080;
const FFMPEG = process.env.FFMPEG_BIN ?? 'ffmpeg';

function ffmpeg(args: string[]): void {
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
}

function makeMedia(dir: string): void {
  const video = (name: string, size: string, src: string, tone: number) =>
    ffmpeg([
      ...['-f', 'lavfi', '-i', `${src}=size=${size}:rate=30:duration=4`],
      ...['-f', 'lavfi', '-i', `sine=frequency=${tone}:duration=4`],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '3M'],
      ...['-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', '-shortest', join(dir, name)],
    ]);
  video('background.mp4', '1920x1080', 'testsrc2', 330);
  video('pip.mp4', '1280x720', 'smptehdbars', 440);
  const image = (name: string, size: string, src: string) =>
    ffmpeg(['-f', 'lavfi', '-i', `${src}=size=${size}`, '-frames:v', '1', join(dir, name)]);
  image('logo.png', '400x400', 'mandelbrot');
  image('banner.png', '1200x300', 'rgbtestsrc');
  image('product.png', '600x600', 'testsrc');
}

function collection(base: string) {
  const url = (f: string) => ({ type: 'url', url: `${base}/media/${f}` });
  return {
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: 'bench',
    canvas: { width: W, height: H, fps: 30 },
    sources: [
      { id: 'bg', kind: 'media_file', name: 'background video', settings: { ref: url('background.mp4'), muted: true } },
      { id: 'pip', kind: 'media_file', name: 'pip video', settings: { ref: url('pip.mp4'), muted: true } },
      { id: 'cam', kind: 'camera', name: 'camera', settings: {} },
      { id: 'logo', kind: 'image', name: 'logo', settings: { ref: url('logo.png') } },
      { id: 'banner', kind: 'image', name: 'banner', settings: { ref: url('banner.png') } },
      { id: 'prod', kind: 'image', name: 'product shot', settings: { ref: url('product.png') } },
      {
        id: 'ticker',
        kind: 'text',
        name: 'ticker',
        settings: {
          text: '限时秒杀 · Flash sale · 全场包邮 · Free shipping on every order · 新品上架 · New arrivals',
          fontSize: 44,
          outlineWidth: 3,
          background: '#000000aa',
          scrollSpeed: 120,
        },
      },
      { id: 'card', kind: 'product_card', name: 'card', settings: { productId: null } },
    ],
    scenes: [
      {
        id: 'live',
        name: 'live',
        items: [
          makeItem('i_bg', 'bg', { bounds: { type: 'scale_outer', width: W, height: H, alignment: 'center' } }),
          makeItem('i_cam', 'cam', {
            position: { x: 80, y: 80 },
            bounds: { type: 'scale_inner', width: 1100, height: 620, alignment: 'center' },
          }),
          makeItem('i_pip', 'pip', { position: { x: W - 80, y: 80 }, alignment: 'top_right', scale: { x: 0.45, y: 0.45 }, rotation: 3 }),
          makeItem('i_logo', 'logo', { position: { x: W - 80, y: H - 80 }, alignment: 'bottom_right', scale: { x: 0.5, y: 0.5 } }),
          makeItem('i_banner', 'banner', { position: { x: 80, y: 760 }, scale: { x: 0.8, y: 0.8 } }),
          makeItem('i_prod', 'prod', {
            position: { x: 1300, y: 520 },
            crop: { left: 50, top: 50, right: 50, bottom: 50 },
            scale: { x: 0.5, y: 0.5 },
          }),
          makeItem('i_ticker', 'ticker', { position: { x: 0, y: H - 60 }, alignment: 'bottom_left' }),
          makeItem('i_card', 'card', { position: { x: W - 80, y: H - 300 }, alignment: 'bottom_right' }),
        ],
      },
    ],
    currentSceneId: 'live',
    previewSceneId: null,
    transition: { kind: 'cut', durationMs: 0 },
    hotkeys: [],
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'storecast-bench-compositor-'));
  try {
    makeMedia(dir);
    const results: Record<string, BenchResult> = {};
    let auto: 'webgl2' | 'canvas2d' = 'webgl2';
    for (const backend of ['webgl2', 'canvas2d'] as const) {
      const cp = await openCompositorPage(dir);
      try {
        const c = collection(cp.url);
        const info = await cp.page.evaluate((o) => window.__compositor.setup(o), {
          collection: c,
          backend,
          width: W,
          height: H,
          data: {
            locale: 'zh-CN',
            pinned: [
              {
                type: 'product.pin',
                id: 'bench0001',
                at: Date.now(),
                product: {
                  productId: 'p_bench',
                  name: '羊绒混纺围巾 Cashmere scarf',
                  priceMinor: 29900,
                  listPriceMinor: 39900,
                  currency: 'CNY',
                  imageUrl: '/media/product.png',
                },
              },
            ],
          },
        } as const);
        if (backend === 'webgl2' && /swiftshader|llvmpipe|software/i.test(info.renderer)) auto = 'canvas2d';
        const status = await cp.page.evaluate(() => window.__compositor.ready(15_000));
        const notOk = Object.entries(status).filter(([, s]) => s !== 'ok');
        if (notOk.length) throw new Error(`sources not ready: ${JSON.stringify(notOk)}`);
        if (process.env.BENCH_PROFILE) {
          for (const id of [null, ...c.scenes[0]!.items.map((i) => i.id)]) {
            const ms = await cp.page.evaluate(([id]) => window.__compositor.profileItem(id, 30), [id] as const);
            console.log(`  ${backend} ${id ?? 'all items'}: ${ms.toFixed(2)} ms/frame`);
          }
        }
        await cp.page.evaluate(() => window.__compositor.bench(30, 2)); // warm-up (decoders, texture caches)
        const r = await cp.page.evaluate((s) => window.__compositor.bench(30, s), SECONDS);
        results[backend] = r;
        console.log(`${backend} video conversions: ${JSON.stringify(await cp.page.evaluate(() => window.__compositor.conversions()))}`);
        console.log(
          `${backend} (${r.renderer}, ${r.sink} sink, ${r.dropped} dropped): p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, max ${r.maxMs} ms, ${r.fps} fps, max gap ${r.gapMaxMs} ms`,
        );
      } finally {
        await cp.close();
      }
    }
    const r = results[auto]!;
    console.log(`studio 'auto' backend on this machine: ${auto}`);
    console.log(
      JSON.stringify({
        bench: 'compositor',
        p50_frame_ms: r.p50Ms,
        p95_frame_ms: r.p95Ms,
        fps: r.fps,
        width: W,
        height: H,
        sources: collection('').sources.length,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
