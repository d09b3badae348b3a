/**
 * The bench's publisher: the real Storecast studio (web mode: web host + studio page) in headless Chromium with the
 * fake camera/mic, going live through its UI. It publishes what the studio publishes (720p program, 3-layer
 * simulcast, opus). Read-only state comes from the studio's test handle `window.__storecast.store`.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../../app/e2e/chromium';
import { startWebHost, type WebHost } from '../../../app/main/web-host';

export { CHROMIUM_ARGS };

export interface PublisherStats {
  state: string;
  fps: number | null;
  bitrate: number | null;
  width: number | null;
  height: number | null;
  layers: number | null;
  limitation: string | null;
  viewerCount: number | null;
}

export interface StudioPublisher {
  showId: string;
  stats(): Promise<PublisherStats>;
  close(): Promise<void>;
}

/** Shape of the studio state the bench reads (a subset of app/studio/store.ts StudioState). */
interface StudioStateView {
  host?: { status?: string };
  devices?: { camera?: string; mic?: string };
  publish?: { state?: string; show?: { id?: string } | null; viewerCount?: number; errorKey?: string | null; errorDetail?: string | null };
  stats?: {
    fps?: number | null;
    bitrate?: number;
    width?: number | null;
    height?: number | null;
    layers?: number;
    limitation?: string | null;
  } | null;
}
/** The studio's read-only test handle, typed locally (no global augmentation: the pages declare their own). */
type WithHandle = { __storecast?: { store: { getState(): unknown } } };

function readState(page: Page): Promise<StudioStateView | null> {
  return page.evaluate(() => ((window as unknown as WithHandle).__storecast?.store.getState() as StudioStateView | undefined) ?? null);
}

export async function startStudioPublisher(opts: {
  serverUrl: string;
  dataDir: string;
  webDir: string;
  title: string;
  log: (line: string) => void;
  /** Appended to the studio URL, e.g. `&marker=1` (the timestamp strip viewers' probes decode). */
  query?: string;
}): Promise<StudioPublisher> {
  let host: WebHost | null = null;
  let browser: Browser | null = null;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await host?.close().catch(() => undefined);
  };
  try {
    host = await startWebHost({
      dataDir: opts.dataDir,
      serverUrl: opts.serverUrl,
      port: 0,
      webDir: opts.webDir,
      log: { info: (m) => opts.log(`[web-host] ${m}`), warn: (m) => opts.log(`[web-host] ${m}`) },
      openExternal: async () => false,
    });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') opts.log(`[studio ${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => opts.log(`[studio pageerror] ${e.message}`));
    await page.goto(`${host.url}${opts.query ?? ''}`);

    // Host connected and the camera + mic running.
    await page.waitForFunction(
      () => {
        const s = (window as unknown as WithHandle).__storecast?.store.getState() as StudioStateView | undefined;
        return s?.host?.status === 'ready' && s.devices?.camera === 'on' && s.devices?.mic === 'on';
      },
      undefined,
      { timeout: 30_000 },
    );
    await goLiveThroughUi(page, opts.title);
    await page
      .waitForFunction(
        () => {
          const s = (window as unknown as WithHandle).__storecast?.store.getState() as StudioStateView | undefined;
          return s?.publish?.state === 'live' || s?.publish?.state === 'error';
        },
        undefined,
        { timeout: 30_000 },
      )
      .catch(() => undefined);
    const state = await readState(page);
    if (state?.publish?.state !== 'live' || !state.publish.show?.id) {
      throw new Error(
        `studio did not go live: state=${state?.publish?.state} ${state?.publish?.errorKey ?? ''} ${state?.publish?.errorDetail ?? ''}`,
      );
    }
    const showId = state.publish.show.id;
    return {
      showId,
      async stats() {
        const s = await readState(page).catch(() => null);
        return {
          state: s?.publish?.state ?? 'unknown',
          fps: s?.stats?.fps ?? null,
          bitrate: s?.stats?.bitrate ?? null,
          width: s?.stats?.width ?? null,
          height: s?.stats?.height ?? null,
          layers: s?.stats?.layers ?? null,
          limitation: s?.stats?.limitation ?? null,
          viewerCount: s?.publish?.viewerCount ?? null,
        };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Type a show title and press Go Live, like a streamer (the studio's data-testid hooks keep this language-independent). */
async function goLiveThroughUi(page: Page, title: string): Promise<void> {
  await page.locator('[data-testid="show-title"]').fill(title, { timeout: 15_000 });
  await page.locator('[data-testid="go-live"]:not([disabled])').click({ timeout: 15_000 });
}
