/**
 * Screenshots of every page for the design system (not a test: a driver to look at the result).
 * `npx tsx app/e2e/design-shots.ts <dir>` after `npm run build`: the viewer (a landscape and a portrait show on a
 * 390×844 phone, the phone turned sideways and a 1440-wide desktop; on the phone also over a washed-out and a nearly
 * black picture, and with the buy sheet open), the studio (idle, live, turning its frame to 9:16: the prompt, the
 * portrait starter scene, the user's own scenes kept) and the moderator pane (sign-up form, live tab, filter tab),
 * in zh-CN and en.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openViewer, poll, type Stack, startStack } from './harness';

const PHONE = { width: 390, height: 844 };
/** The same phone turned sideways. */
const SIDEWAYS = { width: 844, height: 390 };
const DESKTOP = { width: 1440, height: 900 };
const LOCALES = ['zh-CN', 'en'] as const;

type StudioState = { program: { frames: number }; publish: { state: string; show: { id: string } | null } };
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
  const kinds = [
    ['phone', PHONE],
    ['sideways', SIDEWAYS],
    ['desktop', DESKTOP],
  ] as const;
  for (const locale of LOCALES) {
    for (const [kind, viewport] of kinds) {
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
      if (kind === 'phone') {
        // Text over the video on a bright and on a dark picture: the same frame washed out and nearly black.
        for (const [tone, filter] of [
          ['bright', 'brightness(4) saturate(0)'],
          ['dark', 'brightness(0.08)'],
        ] as const) {
          const style = await page.addStyleTag({ content: `.stage-video { filter: ${filter}; }` });
          await page.waitForTimeout(300);
          await page.screenshot({ path: join(dir, `viewer-${name}-${kind}-${tone}-${locale}.png`) });
          await style.evaluate((el) => (el as Element).remove());
        }
        await page.getByTestId(`buy-${pinId}`).click();
        await page.waitForTimeout(800);
        await page.screenshot({ path: join(dir, `viewer-${name}-${kind}-buy-${locale}.png`) });
      }
      await context.close();
    }
  }
}

async function moderatorShots(stack: Stack, showId: string, dir: string): Promise<void> {
  const context = await stack.browser.newContext({ locale: 'en', viewport: DESKTOP });
  const page = await context.newPage();
  for (const locale of LOCALES) {
    await page.goto(`${stack.server.url}/moderator?lang=${locale}`);
    await page.getByTestId('auth-setup').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(dir, `moderator-setup-${locale}.png`) });
  }
  await page.getByTestId('setup-name').fill('Owner Lin');
  await page.getByTestId('setup-password').fill('shots-owner-password');
  await page.getByTestId('setup-confirm').fill('shots-owner-password');
  await page.getByTestId('setup-code').fill(readFileSync(join(stack.dataDir, 'setup-code'), 'utf8').trim());
  await page.getByTestId('setup-submit').click();
  await page.getByTestId('signed-in-as').waitFor();
  for (const locale of LOCALES) {
    await page.goto(`${stack.server.url}/moderator?lang=${locale}`);
    await page.getByTestId(`show-${showId}`).click();
    await page.getByTestId('tab-live').waitFor();
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(dir, `moderator-live-${locale}.png`) });
    await page.getByTestId('tab-filter').click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(dir, `moderator-filter-${locale}.png`) });
    await page.getByTestId('tab-team').click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(dir, `moderator-team-${locale}.png`) });
  }
  await context.close();
}

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? 'shots');
  mkdirSync(dir, { recursive: true });
  const stack = await startStack();
  try {
    const studio = await stack.context.newPage();
    await studio.goto(stack.host.url);
    await poll('studio drawing', async () => (await studioState(studio)).program.frames > 5);
    await studio.waitForTimeout(800);
    await studio.screenshot({ path: join(dir, 'studio-idle-zh-CN.png') });
    const products = ((await (await fetch(`${stack.server.url}/api/products`)).json()) as { products: { id: string }[] }).products;
    const pinId = products[0]!.id;

    const landscapeShow = await goLive(studio, '春季上新 · 横屏 Spring drop');
    await studio.getByTestId(`pin-product-${pinId}`).click();
    await studio.waitForTimeout(800);
    await studio.screenshot({ path: join(dir, 'studio-live-zh-CN.png') });
    await studio.locator('label.lang-switch select').selectOption('en');
    await studio.waitForTimeout(500);
    await studio.screenshot({ path: join(dir, 'studio-live-en.png') });
    await studio.locator('label.lang-switch select').selectOption('zh-CN');
    await viewerShots(stack, landscapeShow, pinId, 'landscape', dir);
    await moderatorShots(stack, landscapeShow, dir);
    await endShow(studio);

    // Turn the frame to 9:16: the prompt in both languages, the starter scene, then back to the user's own scenes.
    await studio.getByTestId('output-select').selectOption('720x1280p30');
    await studio.getByTestId('reframe-prompt').waitFor();
    await studio.screenshot({ path: join(dir, 'studio-reframe-zh-CN.png') });
    await studio.locator('label.lang-switch select').selectOption('en');
    await studio.waitForTimeout(300);
    await studio.screenshot({ path: join(dir, 'studio-reframe-en.png') });
    await studio.getByTestId('reframe-starter').click();
    await studio.waitForTimeout(800);
    await studio.screenshot({ path: join(dir, 'studio-portrait-starter-en.png') });
    await studio.locator('label.lang-switch select').selectOption('zh-CN');
    await studio.getByTestId('reframe-keep').click();
    await studio.waitForTimeout(500);
    await studio.screenshot({ path: join(dir, 'studio-portrait-kept-zh-CN.png') });
    const portraitShow = await goLive(studio, '春季上新 · 竖屏 Spring drop');
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
