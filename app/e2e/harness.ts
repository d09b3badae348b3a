/**
 * End-to-end harness: a real server (in-process, real mediasoup + SQLite), the real web studio host, and headless
 * Chromium with a fake camera/mic driving the built pages in dist/web. Used by the e2e tests and the latency bench.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startWebHost, type WebHost } from '../main/web-host';
import { CHROMIUM_ARGS } from './chromium';
import { createStorecastServer, type StorecastServer } from '../../server/src/app';
import type { ServerConfigInput } from '../../server/src/config';
import { OUTPUT_PRESETS, type OutputPreset } from '../../shared/protocol/host';

export const ROOT = resolve(import.meta.dirname, '../..');
export const WEB_DIR = join(ROOT, 'dist/web');

export { CHROMIUM_ARGS };

export interface Stack {
  server: StorecastServer;
  host: WebHost;
  browser: Browser;
  context: BrowserContext;
  dataDir: string;
  close(): Promise<void>;
}

export async function startStack(
  opts: { logLevel?: 'warn' | 'error' | 'info'; locale?: string; server?: Partial<ServerConfigInput> } = {},
): Promise<Stack> {
  try {
    readFileSync(join(WEB_DIR, 'studio/index.html'));
  } catch {
    throw new Error('dist/web is missing: run `npm run build:web` first');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'storecast-e2e-'));
  const server = await createStorecastServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    rtcListenIp: '127.0.0.1',
    rtcPort: 0, // any free media port per worker: e2e files may run at the same time
    webDir: WEB_DIR,
    logLevel: opts.logLevel ?? 'warn',
    ...opts.server,
  });
  // The suites read the studio in Chinese, whatever this machine's language.
  const host = await startWebHost({
    dataDir,
    serverUrl: server.url,
    port: 0,
    webDir: WEB_DIR,
    openExternal: async () => false,
    systemLocale: 'zh-CN',
  });
  const browser = await launchChromium();
  const context = await browser.newContext({ locale: opts.locale ?? 'zh-CN', viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['camera', 'microphone']);
  return {
    server,
    host,
    browser,
    context,
    dataDir,
    async close() {
      await browser.close().catch(() => {});
      await host.close().catch(() => {});
      await server.close().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Headless Chromium with the test flags. `executablePath` may be a wrapper that starts it elsewhere (inside a network
 * namespace: see netns.ts); playwright talks to it over a pipe either way.
 */
export function launchChromium(
  executablePath = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
  extraArgs: readonly string[] = [],
): Promise<Browser> {
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Collect console errors and page errors so tests can show them on failure. */
export function watchConsole(page: Page, name: string, sink: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') sink.push(`[${name} ${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => sink.push(`[${name} pageerror] ${e.message}`));
}

export async function poll<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Open the web studio (marker strip on) and go live with a title, at `output` if given. Returns the show id. */
export function openStudioAndGoLive(
  stack: Stack,
  title: string,
  extraQuery = '',
  output?: OutputPreset,
): Promise<{ page: Page; showId: string }> {
  return goLiveAt(stack.context, stack.host.url, title, extraQuery, output);
}

/**
 * Switch the studio's output as a streamer does (the Devices panel's menu). A turn of the frame (16:9 ↔ 9:16) brings
 * up the reframe prompt: the items are made to fill the new frame and the prompt is closed. Resolves once the program
 * is drawn at the preset's size.
 */
export async function chooseOutput(page: Page, output: OutputPreset): Promise<void> {
  const { width, height } = OUTPUT_PRESETS[output];
  await page.getByTestId('output-select').selectOption(output);
  const prompt = page.getByTestId('reframe-prompt');
  const turned = await prompt
    .waitFor({ state: 'visible', timeout: 3000 })
    .then(() => true)
    .catch(() => false);
  if (turned) {
    await page.getByTestId('reframe-fill').click();
    await page.getByTestId('reframe-keep').click();
    await prompt.waitFor({ state: 'detached' });
  }
  await poll(`program drawn at ${width}x${height}`, () =>
    page.evaluate(
      ([w, h]) => {
        const p = (window.__storecast?.store.getState() as { program?: { width: number; height: number } } | undefined)?.program;
        return p?.width === w && p?.height === h;
      },
      [width, height] as const,
    ),
  );
}

/** Open the studio at `studioUrl` (a web host's URL with its token) in `context` and go live with a title. */
export async function goLiveAt(
  context: BrowserContext,
  studioUrl: string,
  title: string,
  extraQuery = '',
  output?: OutputPreset,
): Promise<{ page: Page; showId: string }> {
  const page = await context.newPage();
  // Attached before anything loads, so a go-live that never finishes can say what the studio said meanwhile.
  const said: string[] = [];
  watchConsole(page, 'studio', said);
  await page.goto(`${studioUrl}&marker=1${extraQuery}`);
  await page.getByTestId('show-title').fill(title);
  await poll('studio camera ready', () =>
    page.evaluate(() => {
      const s = window.__storecast?.store.getState() as { program?: { frames: number } } | undefined;
      return (s?.program?.frames ?? 0) > 5;
    }),
  );
  if (output) await chooseOutput(page, output);
  await page.getByTestId('go-live').click();
  const publishState = () =>
    page.evaluate(() => {
      const s = window.__storecast?.store.getState() as {
        publish: { state: string; errorKey: string | null; show: { id: string } | null };
      };
      return { state: s.publish.state, errorKey: s.publish.errorKey, showId: s.publish.show?.id ?? null };
    });
  const showId = await poll(
    'studio live',
    async () => {
      const p = await publishState();
      if (p.state === 'error') throw new Error(`studio error: ${p.errorKey}`);
      return p.state === 'live' && p.showId ? p.showId : null;
    },
    30_000,
  ).catch(async (e: Error) => {
    const p = await publishState().catch((err: Error) => ({ unreadable: err.message }));
    throw new Error(`${e.message}; publish ${JSON.stringify(p)}; studio console:\n${said.slice(-30).join('\n') || '(nothing)'}`);
  });
  return { page, showId };
}

let probeSource: string | null = null;
/**
 * Script injected into viewer pages: decodes the studio's timestamp strip from each presented frame
 * (requestVideoFrameCallback via the viewer's test handle) and keeps latency samples in window.__probe.
 */
export async function markerProbeScript(): Promise<string> {
  if (probeSource) return probeSource;
  const out = await build({
    entryPoints: [join(ROOT, 'app/e2e/marker-probe.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2022',
  });
  probeSource = out.outputFiles[0]!.text;
  return probeSource;
}

export interface ProbeSample {
  /** Wall-clock ms when the frame was expected on screen (glass). */
  displayAt: number;
  /** Wall-clock ms the last packet of the frame arrived at the viewer (rVFC receiveTime), if reported. */
  receivedAt: number | null;
  /** Wall-clock ms the studio drew the frame (from the marker). */
  capturedAt: number;
  frame: number;
  width: number;
  height: number;
}

/** A viewer page with the latency probe; `context` puts it in another browser context (its own renderer process). */
export async function openViewer(stack: Stack, showId: string, query = '', context: BrowserContext = stack.context): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript({ content: await markerProbeScript() });
  await page.goto(`${stack.server.url}/live/${showId}${query}`);
  return page;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

/**
 * Init script for a browser context: viewer pages keep the wall-clock time of every presented frame in
 * `window.__frames` (other pages of the context are left alone). Read it with `framesSince`.
 */
export const FRAME_LOG_SCRIPT = `(() => {
  const frames = [];
  window.__frames = frames;
  const attach = () => {
    const h = window.__storecast;
    if (!h) return setTimeout(attach, 20);
    if (typeof h.onFrame !== 'function') return; // not a viewer page
    h.onFrame((s) => frames.push(performance.timeOrigin + s.now));
  };
  attach();
})();`;

/** Wall-clock times of the frames a page with FRAME_LOG_SCRIPT presented since `since`. */
export function framesSince(page: Page, since: number): Promise<number[]> {
  return page.evaluate((since) => (window as unknown as { __frames: number[] }).__frames.filter((t) => t >= since), since);
}
