/**
 * Media library: a media file picked in the studio (web mode) is copied into the host's data dir, drawn by the
 * compositor from the host's URL, saved with the scene collection, and still plays after the studio restarts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll, type Stack, startStack, watchConsole } from './harness';

let stack: Stack;
const logs: string[] = [];

beforeAll(async () => {
  stack = await startStack({ locale: 'en-US' });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

interface SceneView {
  loaded: boolean;
  collection: { sources: { id: string; kind: string; settings: { ref?: { type: string; path?: string } | null } }[] };
  status: Record<string, { state: string; messageKey?: string }>;
}

const sceneOf = (page: Page) => page.evaluate(() => (window.__storecast!.store.getState() as unknown as { scene: SceneView }).scene);

/** Mean RGB of the program canvas over a box (the media source is drawn there). */
const programColor = (page: Page) =>
  page.evaluate(() => {
    const canvas = document.querySelector('canvas.program-canvas') as HTMLCanvasElement;
    const probe = document.createElement('canvas');
    probe.width = canvas.width;
    probe.height = canvas.height;
    const ctx = probe.getContext('2d')!;
    ctx.drawImage(canvas, 0, 0);
    const d = ctx.getImageData(Math.round(canvas.width * 0.3), Math.round(canvas.height * 0.3), 64, 64).data;
    let r = 0;
    let g = 0;
    let b = 0;
    for (let i = 0; i < d.length; i += 4) {
      r += d[i]!;
      g += d[i + 1]!;
      b += d[i + 2]!;
    }
    const n = d.length / 4;
    return [r / n, g / n, b / n];
  });

describe('media library', () => {
  it('keeps a picked media file across a studio restart', async () => {
    // A 2 s solid magenta clip: easy to find in the program's pixels.
    const clip = join(stack.dataDir, 'pick-me.mp4');
    execFileSync(process.env.FFMPEG_BIN ?? 'ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0xff00ff:size=1280x720:rate=30:duration=2'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip],
    ]);
    const page = await stack.context.newPage();
    watchConsole(page, 'studio', logs);
    try {
      await page.goto(stack.host.url);
      await poll('scene collection loaded', async () => (await sceneOf(page)).loaded);
      const before = new Set((await sceneOf(page)).collection.sources.map((s) => s.id));
      await page.getByTestId('add-source').click();
      await page.getByTestId('add-kind-media_file').click();
      const id = await poll('media source added', async () => (await sceneOf(page)).collection.sources.find((s) => !before.has(s.id))?.id);
      await page.getByTestId('media-file-input').setInputFiles(clip);

      const path = await poll('file imported into the library', async () => {
        const s = await sceneOf(page);
        const ref = s.collection.sources.find((x) => x.id === id)?.settings.ref;
        return ref?.type === 'file' && ref.path?.startsWith('library/') && s.status[id]?.state === 'ok' ? ref.path : null;
      });
      const stored = readdirSync(join(stack.dataDir, 'studio-media'));
      expect(stored).toEqual([path.slice('library/'.length)]);
      expect(readFileSync(join(stack.dataDir, 'studio-media', stored[0]!)).equals(readFileSync(clip))).toBe(true);
      // the clip covers the canvas (a new media source is fitted to it) and is drawn in the program
      await poll('magenta in the program', async () => {
        const [r, g, b] = await programColor(page);
        return r! > 200 && g! < 60 && b! > 200;
      });

      // autosaved with the collection, then a restart of the studio page
      await poll('collection saved with the library path', async () => {
        const file = join(stack.dataDir, 'scene-collection.json');
        return existsSync(file) && readFileSync(file, 'utf8').includes(path);
      });
      await page.reload();
      await poll('collection loaded again', async () => (await sceneOf(page)).loaded);
      await poll(
        'the media source plays after the restart',
        async () => {
          const s = await sceneOf(page);
          return s.collection.sources.some((x) => x.id === id) && s.status[id]?.state === 'ok';
        },
        20_000,
      );
      await poll('magenta in the program after the restart', async () => {
        const [r, g, b] = await programColor(page);
        return r! > 200 && g! < 60 && b! > 200;
      });
    } catch (err) {
      console.error(logs.join('\n'));
      throw err;
    } finally {
      await page.close();
    }
  }, 90_000);
});
