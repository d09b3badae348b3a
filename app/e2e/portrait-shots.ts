/**
 * Screenshots of portrait output (not a test: a driver to look at the result). `npx tsx app/e2e/portrait-shots.ts <dir>`
 * after `npm run build`: the studio turning its frame to 9:16 (the prompt, then the portrait starter scene), a
 * portrait show and a landscape show on a phone (390×844, and turned sideways) and on a desktop (1440×900), in zh-CN
 * and en.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openViewer, poll, type Stack, startStack } from './harness';

const PHONE = { width: 390, height: 844 };
/** The same phone turned sideways. */
const SIDEWAYS = { width: 844, height: 390 };
const DESKTOP = { width: 1440, height: 900 };
const LOCALES = ['zh-CN', 'en'] as const;

type StudioState = { program: { frames: number; width: number; height: number }; publish: { state: string; show: { id: string } | null } };
const studioState = (page: Page) => page.evaluate(() => window.__storecast!.store.getState() as unknown as StudioState);

async function goLive(studio: Page, title: string): Promise<string> {
  await studio.getByTestId('show-title').fill(title);
  await studio.getByTestId('go-live').click();
  return poll(
    'live',
    async () => {
      const s = await studioState(studio);
      return s.publish.state === 'live' && s.publish.show ? s.publish.show.id : null;
    },
    30_000,
  );
}

async function endShow(studio: Page): Promise<void> {
  await studio.getByTestId('end-live').click();
  await studio.getByTestId('confirm-end').click();
  await poll('ended', async () => (await studioState(studio)).publish.state !== 'live', 15_000);
}

async function viewerShots(stack: Stack, showId: string, pinId: string, name: string, dir: string): Promise<void> {
  for (const locale of LOCALES) {
    for (const [kind, viewport] of [
      ['phone', PHONE],
      ['sideways', SIDEWAYS],
      ['desktop', DESKTOP],
    ] as const) {
      const context = await stack.browser.newContext({
        viewport,
        locale,
        ...(kind === 'desktop' ? {} : { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }),
      });
      const page = await openViewer(stack, showId, `?lang=${locale}`, context);
      await page.getByTestId(`buy-${pinId}`).waitFor({ timeout: 30_000 });
      await poll(
        'a few frames',
        () => page.evaluate(() => (window.__storecast!.store.getState() as unknown as { presentedFrames: number }).presentedFrames > 60),
        30_000,
      );
      await page.waitForTimeout(800);
      await page.screenshot({ path: join(dir, `viewer-${name}-${kind}-${locale}.png`) });
      await context.close();
    }
  }
}

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? 'shots');
  mkdirSync(dir, { recursive: true });
  const stack = await startStack();
  try {
    const studio = await stack.context.newPage();
    await studio.goto(stack.host.url);
    await poll('studio drawing', async () => (await studioState(studio)).program.frames > 5);
    const products = ((await (await fetch(`${stack.server.url}/api/products`)).json()) as { products: { id: string }[] }).products;
    const pinId = products[0]!.id;

    // Landscape show first (the default frame).
    const landscapeShow = await goLive(studio, '春季上新 · 横屏');
    await studio.getByTestId(`pin-product-${pinId}`).click();
    await viewerShots(stack, landscapeShow, pinId, 'landscape', dir);
    await endShow(studio);

    // Turn the frame to 9:16.
    await studio.getByTestId('output-select').selectOption('720x1280p30');
    await studio.getByTestId('reframe-prompt').waitFor();
    await studio.screenshot({ path: join(dir, 'studio-portrait-prompt-zh-CN.png') });
    await studio.locator('label.lang-switch select').selectOption('en');
    await studio.waitForTimeout(300);
    await studio.screenshot({ path: join(dir, 'studio-portrait-prompt-en.png') });
    await studio.getByTestId('reframe-starter').click();
    await studio.waitForTimeout(800);
    await studio.screenshot({ path: join(dir, 'studio-portrait-starter-en.png') });
    await studio.locator('label.lang-switch select').selectOption('zh-CN');
    await studio.getByTestId('reframe-keep').click();
    await studio.waitForTimeout(500);
    await studio.screenshot({ path: join(dir, 'studio-portrait-zh-CN.png') });

    const portraitShow = await goLive(studio, '春季上新 · 竖屏');
    await studio.getByTestId(`pin-product-${pinId}`).click();
    await viewerShots(stack, portraitShow, pinId, 'portrait', dir);
    await endShow(studio);
    console.log(`screenshots in ${dir}`);
  } finally {
    await stack.close();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
