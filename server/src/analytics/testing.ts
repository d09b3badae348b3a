/**
 * Test harness for the selling data: a real SQLite database, the real commerce core (sandbox payments over real
 * HTTP), the analytics routes, and an injected clock the script moves. `Client` is a browser-like cookie jar.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import { expect } from 'vitest';
import type { ViewerEvent, ViewerEventBatchResult } from '../../../shared/analytics/events';
import type { OrderView } from '../../../shared/commerce/orders';
import { Accounts } from '../accounts/accounts';
import { commercePlugin, createCommerceCore, type CommerceCore } from '../commerce/index';
import { openPostgresCommerceStore } from '../commerce/store/open';
import { contact, freePort } from '../commerce/testing';
import { type Database, openDatabase } from '../db/database';
import { ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import { registerAnalyticsRoutes } from './routes';
import { AnalyticsService } from './service';

/** The scripted shows' clock: go-live time (a minute boundary), and units. */
export const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
export const S = 1000;
export const MIN = 60 * S;

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

export interface AnalyticsHarness {
  url: string;
  db: Database;
  core: CommerceCore;
  shows: ShowRepository;
  analytics: AnalyticsService;
  studioToken: string;
  /** Set the clock (ms since the epoch). */
  setNow(ms: number): void;
  now(): number;
  studio(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** `databaseUrl`: keep commerce in that PostgreSQL database (as DATABASE_URL does); default the SQLite file. */
export async function startAnalyticsHarness(opts: {
  start: number;
  batchesPerIpPerMinute?: number;
  databaseUrl?: string;
}): Promise<AnalyticsHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-analytics-'));
  const db = openDatabase(join(dataDir, 'storecast.sqlite'));
  let now = opts.start;
  const clock = () => now;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const studioToken = randomBytes(24).toString('base64url');
  const sessionSecret = randomBytes(32);
  const shows = new ShowRepository(db);
  let core: CommerceCore | null = null;
  // Long flush period: the tests decide when rows reach the tables (metrics() flushes first).
  const analytics = new AnalyticsService({
    db,
    shows,
    log: quiet,
    clock,
    buffer: { flushMs: 60_000 },
    pricesOf: (id) => core?.localReads.view(id, true).skus.map((s) => s.priceMinor) ?? null,
    lineupOf: (id) => core?.localReads.lineupIds(id) ?? [],
    showOrders: async (id) => (core ? core.store.orders.showOrders(id) : []),
  });
  const store = opts.databaseUrl
    ? await openPostgresCommerceStore(opts.databaseUrl, { status: (id) => shows.get(id)?.status ?? null })
    : undefined;
  core = await createCommerceCore({
    db,
    ...(store ? { store } : {}),
    dataDir,
    publicUrl: url,
    studioToken,
    sessionSecret,
    payments: { default: 'sandbox' },
    log: quiet,
    clock,
    seedDemo: false,
    sweepIntervalMs: 0,
    reconcileIntervalMs: 0,
    onEvent: (e) => analytics.showLog.onCommerce(e),
  });
  const accounts = await Accounts.open({ db, studioToken, dataDir: null, clock });
  const app = Fastify({ logger: false });
  await app.register(fastifyCookie);
  await app.register(commercePlugin, { core });
  await registerAnalyticsRoutes(app, {
    analytics,
    accounts,
    buyers: core.sessions,
    sessionSecret,
    secureCookies: false,
    ...(opts.batchesPerIpPerMinute !== undefined ? { batchesPerIpPerMinute: opts.batchesPerIpPerMinute } : {}),
  });
  await app.listen({ port, host: '127.0.0.1' });
  const c = core;
  return {
    url,
    db,
    core: c,
    shows,
    analytics,
    studioToken,
    setNow(ms) {
      now = ms;
    },
    now: clock,
    studio(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${studioToken}`);
      if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(url + path, { ...init, headers });
    },
    async close() {
      await app.close();
      await analytics.close();
      c.close();
      await store?.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A browser: one cookie jar (guest buyer session and viewer cookie) across requests. */
export class Client {
  readonly cookies = new Map<string, string>();

  constructor(private readonly url: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const jar = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(this.url + path, {
      method,
      headers: {
        ...(jar ? { cookie: jar } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  }

  async json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }> {
    const res = await this.request(method, path, body, headers);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }
}

export async function product(
  harness: AnalyticsHarness,
  title: string,
  price: number,
  stock: number,
): Promise<{ id: string; skuId: string }> {
  const res = await harness.studio('/api/studio/products', {
    method: 'POST',
    body: JSON.stringify({ title, currency: 'CNY', defaults: { listPriceMinor: price * 2, livePriceMinor: price, stock } }),
  });
  expect(res.status).toBe(201);
  const p = (await res.json()) as { id: string; skus: { id: string }[] };
  return { id: p.id, skuId: p.skus[0]!.id };
}

export async function liveShow(harness: AnalyticsHarness, productIds: string[]): Promise<string> {
  const show = harness.shows.create('Scripted show', T0 - MIN);
  harness.shows.markLive(show.id, T0);
  const res = await harness.studio(`/api/studio/shows/${show.id}/lineup`, { method: 'PUT', body: JSON.stringify({ productIds }) });
  expect(res.status).toBe(200);
  return show.id;
}

/** A viewer page: its device id, its cookie jar, numbered batches. */
export class Viewer {
  readonly client: Client;
  private batches = 0;
  constructor(
    readonly harness: AnalyticsHarness,
    readonly viewerId: string,
    readonly mode: 'live' | 'replay' = 'live',
  ) {
    this.client = new Client(harness.url);
  }

  /** Send events (times relative to T0) at the harness's current time; client clock = server clock unless skewed. */
  async send(
    showId: string,
    events: [number, ViewerEvent['kind'], string?][],
    skewMs = 0,
  ): Promise<{ status: number; body: ViewerEventBatchResult }> {
    const batchId = `${this.viewerId}-b${++this.batches}`;
    return this.post({
      showId,
      viewerId: this.viewerId,
      batchId,
      mode: this.mode,
      sentAt: this.harness.now() + skewMs,
      events: events.map(([t, kind, productId], seq) => ({ seq, kind, at: T0 + t + skewMs, ...(productId ? { productId } : {}) })),
    });
  }

  post(body: unknown): Promise<{ status: number; body: ViewerEventBatchResult }> {
    return this.client.json<ViewerEventBatchResult>('POST', '/api/events', body);
  }
}

/** A guest order of one SKU for the show, as the viewer page places it. */
export async function placeOrder(c: Client, showId: string, skuId: string, qty: number, key: string): Promise<OrderView> {
  const r = await c.json<OrderView>('POST', '/api/orders', { idempotencyKey: key, showId, items: [{ skuId, qty }], contact: contact(1) });
  expect(r.status).toBe(201);
  return r.body;
}

/** Pay an order through the sandbox provider's page (approve). */
export async function payOrder(c: Client, orderId: string): Promise<void> {
  const pay = await c.json<{ action: { url: string } }>('POST', `/api/orders/${orderId}/pay`, {});
  expect(pay.status).toBe(200);
  const decided = await fetch(`${pay.body.action.url}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
    redirect: 'manual',
  });
  expect(decided.status).toBe(303);
}
