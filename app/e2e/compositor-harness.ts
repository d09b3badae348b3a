/**
 * Node side of the compositor page (compositor-page.ts): bundles it with esbuild, serves it and a media directory
 * on 127.0.0.1 (port 0), and opens it in headless Chromium. Used by the compositor pixel tests and the benchmark.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from './chromium';

const ROOT = join(import.meta.dirname, '../..');

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.js': 'text/javascript',
};

export interface CompositorPage {
  page: Page;
  browser: Browser;
  /** Base URL of the server (media under /media/). */
  url: string;
  close(): Promise<void>;
}

export async function bundleCompositorPage(): Promise<string> {
  const out = await build({
    entryPoints: [join(ROOT, 'app/e2e/compositor-page.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2022',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** Serve the page (and `mediaDir` under /media/) and open it. `extraArgs` go to Chromium (e.g. GPU flags). */
export async function openCompositorPage(mediaDir: string | null, extraArgs: string[] = []): Promise<CompositorPage> {
  const js = await bundleCompositorPage();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0;background:#222}canvas{display:block}</style></head><body><script src="/page.js"></script></body></html>',
      );
      return;
    }
    if (path === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
      return;
    }
    if (mediaDir && path.startsWith('/media/')) {
      const file = normalize(join(mediaDir, decodeURIComponent(path.slice('/media/'.length))));
      if (file.startsWith(mediaDir)) {
        try {
          const st = statSync(file);
          res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': st.size });
          createReadStream(file).pipe(res);
          return;
        } catch {
          // 404 below
        }
      }
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['camera', 'microphone']);
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.waitForFunction(() => '__compositor' in window);
  return {
    page,
    browser,
    url,
    async close() {
      await browser.close().catch(() => {});
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
