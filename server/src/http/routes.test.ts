import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShowInfo } from '../../../shared/domain/show';
import { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { RTP_CAPABILITIES_ELEMENT_ID } from '../../../shared/protocol/signaling';
import { connect, connectStudio, startTestServer, type TestServer } from '../testing/harness';

describe('HTTP routes with a built web UI', () => {
  let server: TestServer;
  const web = mkdtempSync(join(tmpdir(), 'storecast-web-'));
  beforeAll(async () => {
    mkdirSync(join(web, 'viewer'), { recursive: true });
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(
      join(web, 'viewer', 'index.html'),
      '<!doctype html><html><head><title>viewer</title><script type="module" src="../assets/v.js"></script></head><body></body></html>',
    );
    writeFileSync(join(web, 'assets', 'v-abc123.js'), 'console.log(1)');
    server = await startTestServer({ webDir: web });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(web, { recursive: true, force: true });
  });

  it('/healthz reports workers', async () => {
    const r = await fetch(`${server.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, workers: 1 });
  });

  it('GET /api/shows/:showId returns ShowInfo, typed 404 and 400 errors', async () => {
    const show = server.shows.create('API show');
    const ok = await fetch(`${server.url}/api/shows/${show.id}`);
    expect(ok.status).toBe(200);
    expect(ShowInfo.parse(await ok.json())).toEqual(show);
    const missing = await fetch(`${server.url}/api/shows/unknownShow1`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'unknown show unknownShow1' } });
    const bad = await fetch(`${server.url}/api/shows/a.b`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    const noRoute = await fetch(`${server.url}/api/nothing-here`);
    expect(noRoute.status).toBe(404);
    expect(((await noRoute.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it("GET /live/:showId embeds the routers' RTP capabilities, identical to what viewer.join returns", async () => {
    const studio = await connectStudio(server);
    const { show } = await studio.rpc.request('show.open', { title: 'caps' });
    const html = await (await fetch(`${server.url}/live/${show.id}`)).text();
    const m = new RegExp(`<script type="application/json" id="${RTP_CAPABILITIES_ELEMENT_ID}">(.*?)</script></head>`).exec(html);
    expect(m).not.toBeNull();
    const viewer = await connect(server);
    const joined = await viewer.rpc.request('viewer.join', { showId: show.id });
    // The page validates both with the same schema and compares them as strings before reusing its preloaded device.
    expect(JSON.stringify(RtpCapabilities.parse(JSON.parse(m![1]!)))).toBe(JSON.stringify(joined.routerRtpCapabilities));
    await viewer.close();
    await studio.close();
  });

  it('GET /live/:showId serves the viewer page without caching, with security headers', async () => {
    const r = await fetch(`${server.url}/live/anyShow123`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(r.headers.get('cache-control')).toBe('no-cache');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/connect-src 'self' ws: wss:/);
    expect(csp).toMatch(/img-src [^;]*data:/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toContain('<title>viewer</title>');
    expect((await fetch(`${server.url}/live/..%2F..%2Fetc`)).status).toBe(404);
  });

  it('serves built assets statically with long caching', async () => {
    const r = await fetch(`${server.url}/assets/v-abc123.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
  });
});

describe('HTTP routes without a built web UI', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(); // webDir points at a missing folder
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers pages with a clear 503 "run npm run build" instead of crashing', async () => {
    for (const path of ['/live/someShow1', '/', '/viewer/index.html']) {
      const r = await fetch(`${server.url}${path}`);
      expect(r.status).toBe(503);
      expect(await r.text()).toContain('npm run build');
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
