/**
 * The product as a user runs it: `npm start` as its own process, from the built bundles (`npm test` builds them
 * first), on a temp data dir and free ports. The studio in Chromium goes live, a viewer page watches the show from
 * the link the studio shows and buys with the sandbox provider; SIGINT then stops everything with exit code 0 and
 * leaves no process behind. Where Electron's binary cannot be had (here: its download is pointed at a closed port,
 * so the answer is the same online and offline), `npm start` says so in one line and opens the web studio.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductList } from '../../shared/commerce/catalog';
import { freePort } from '../main/local-server';
import { CHROMIUM_ARGS } from './chromium';
import { poll, ROOT, watchConsole } from './harness';

/** Every live descendant of `pid` (from /proc), so the test can check none outlives `npm start`. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {}
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const electronPresent = (() => {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    return existsSync(join(dir, 'path.txt'));
  } catch {
    return false;
  }
})();

describe('npm start, as shipped', () => {
  let proc: ChildProcess;
  let output = '';
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'storecast-smoke-'));
  const logs: string[] = [];
  let processes: number[] = [];

  beforeAll(async () => {
    const [port, studioPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BROWSER: 'none',
      DATA_DIR: dataDir,
      PORT: String(port),
      STUDIO_PORT: String(studioPort),
      HOST: '127.0.0.1',
      RTC_LISTEN_IP: '127.0.0.1',
      // Any free media ports: other suites' servers may hold ephemeral ones in RTC_PORT's default range.
      RTC_PORT: '0',
      // An unreachable mirror: the download fails at once, on- or offline.
      ELECTRON_MIRROR: 'http://127.0.0.1:9/',
      // An English system: the studio's first run must speak English.
      LANG: 'en_US.UTF-8',
    };
    delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
    delete env.LC_ALL;
    delete env.LC_MESSAGES;
    delete env.STORECAST_SKIP_BUILD;
    if (electronPresent) env.STORECAST_WEB = '1'; // a developer machine with Electron: test the web studio all the same
    // Its own process group, so SIGINT can go to the whole group as a terminal's Ctrl-C does.
    proc = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    proc.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    if (logs.length) console.log(logs.join('\n'));
    await browser?.close().catch(() => {});
    if (proc?.exitCode === null) {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {}
    }
    for (const pid of processes) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, goes live, plays, sells, and stops cleanly on SIGINT', async () => {
    const studioUrl = await poll(
      'the studio URL printed by npm start',
      async () => {
        if (proc.exitCode !== null) throw new Error(`npm start exited (${proc.exitCode}):\n${output}`);
        return output.match(/\[storecast\] Studio: +(http:\/\/\S+)/)?.[1] ?? null;
      },
      120_000,
      200,
    );
    const viewerBase = output.match(/\[storecast\] Viewers: +(http:\/\/\S+)\/live\//)?.[1];
    expect(viewerBase, output).toBeDefined();
    // One line on the missing Electron binary, and no stack trace anywhere.
    const webLines = output.split('\n').filter((l) => /opening the web studio/.test(l));
    expect(webLines, output).toHaveLength(1);
    if (!electronPresent) expect(webLines[0]).toMatch(/could not be downloaded/);
    expect(output, 'no stack trace in the output').not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

    // The studio, as the streamer uses it: title, Go Live, the viewer link it shows.
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    await context.grantPermissions(['camera', 'microphone']);
    const studio = await context.newPage();
    watchConsole(studio, 'studio', logs);
    await studio.goto(studioUrl);
    await poll('the studio in the system language', () => studio.evaluate(() => document.documentElement.lang === 'en'), 15_000, 200);
    await studio.getByTestId('show-title').fill('Smoke test show');
    await poll('camera in the program', () => studio.getByTestId('go-live').isEnabled(), 30_000, 200);
    await studio.getByTestId('go-live').click();
    const link = studio.getByTestId('viewer-link');
    await link.waitFor({ timeout: 30_000 });
    await poll('studio live', async () => (await studio.getByTestId('end-live').count()) > 0, 30_000, 200);
    const viewerUrl = (await link.textContent())!.trim();
    expect(viewerUrl.startsWith(`${viewerBase}/live/`)).toBe(true);
    processes = descendants(proc.pid!);
    expect(processes.length).toBeGreaterThanOrEqual(3); // start script, server, mediasoup workers

    // Pin a product with stock.
    const { products } = ProductList.parse(await (await fetch(`${viewerBase}/api/products`)).json());
    const product = products.find((p) => p.skus.some((s) => s.available > 0))!;
    await studio.getByTestId(`pin-product-${product.id}`).click();

    // A buyer on a phone opens the link: the picture plays.
    const phone = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const viewer: Page = await phone.newPage();
    watchConsole(viewer, 'viewer', logs);
    await viewer.goto(viewerUrl);
    await poll(
      'video frames playing in the viewer',
      () =>
        viewer.evaluate(() => {
          const v = document.querySelector('video');
          return !!v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 10;
        }),
      30_000,
      250,
    );

    // Buy it and pay with the sandbox provider.
    const buy = viewer.getByTestId(`buy-${product.id}`);
    await poll('Buy enabled on the pinned card', () => buy.isEnabled(), 30_000, 200);
    await buy.click();
    for (const attr of product.attributes) {
      const sku = product.skus.find((s) => s.available > 0)!;
      await viewer.getByTestId(`variant-${attr.name}-${sku.options[attr.name]}`).click();
    }
    await viewer.getByTestId('buy-now').click();
    await viewer.getByTestId('checkout-name').fill('Li Lei');
    await viewer.getByTestId('checkout-phone').fill('138 1234 5678');
    await viewer.getByTestId('checkout-address').fill('100 Caoxi North Road, Xuhui, Shanghai');
    await viewer.getByTestId('place-order').click();
    await viewer.getByTestId('pay').click({ timeout: 15_000 });
    await viewer.waitForURL(/\/pay\/sandbox\//, { timeout: 15_000 });
    await viewer.getByTestId('sandbox-approve').click();
    await viewer.getByTestId('sandbox-return').click();
    await viewer.waitForURL(/\/orders\/o_/, { timeout: 15_000 });
    const status = viewer.getByTestId('order-status');
    await poll('order paid', async () => (await status.getAttribute('data-status')) === 'paid', 20_000, 200);
    await phone.close();
    await context.close();

    // Ctrl-C: the whole process group gets SIGINT, as in a terminal.
    // npm re-raises a SIGINT it received once its script has ended, as a shell reports Ctrl-C (130); the start
    // script's own status is the line it prints when the server it stopped has exited.
    const exited = new Promise<string>((resolve) => proc.once('exit', (code, signal) => resolve(String(signal ?? code))));
    process.kill(-proc.pid!, 'SIGINT');
    const how = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(['0', 'SIGINT'], output.slice(-3000)).toContain(how);
    expect(output).toMatch(/\[storecast\] stopped \(exit code 0\)/);
    await poll('no process left behind', async () => processes.every((p) => !alive(p)), 10_000, 200);
    expect(output).not.toMatch(/forced exit|"level":50/);
  });
});
