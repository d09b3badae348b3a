/** Test/bench harness: the commerce plugin on a real fastify server with a real SQLite file. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { expect } from 'vitest';
import { type Database, openDatabase } from '../db/database';
import { type CommerceCore, type CommerceOptions, commercePlugin, createCommerceCore } from './index';
import type { CommerceStore } from './store/types';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Harness {
  url: string;
  db: Database;
  core: CommerceCore;
  dataDir: string;
  studioToken: string;
  /** Advance the injected clock. */
  advance(ms: number): void;
  now(): number;
  studio(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export async function startHarness(
  overrides: Partial<CommerceOptions> & {
    realClock?: boolean;
    logger?: boolean;
    dbFile?: string;
    trustProxy?: boolean;
    /** Another engine's store, given the node's SQLite database (for show lookups). */
    storeFor?: (db: Database) => CommerceStore;
  } = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-commerce-'));
  const db = openDatabase(overrides.dbFile ?? join(dataDir, 'storecast.sqlite'));
  let offset = 0;
  const clock = overrides.realClock ? Date.now : () => Date.now() + offset;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const studioToken = randomBytes(24).toString('base64url');
  const core = await createCommerceCore({
    db,
    dataDir,
    publicUrl: url,
    studioToken,
    sessionSecret: randomBytes(32),
    payments: { default: 'sandbox' },
    log: quiet,
    clock,
    seedDemo: false,
    sweepIntervalMs: 0,
    reconcileIntervalMs: 0,
    ...overrides,
    ...(overrides.storeFor ? { store: overrides.storeFor(db) } : {}),
  });
  const app = Fastify({ logger: overrides.logger ?? false, trustProxy: overrides.trustProxy ?? false });
  await app.register(commercePlugin, { core });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url,
    db,
    core,
    dataDir,
    studioToken,
    advance(ms) {
      offset += ms;
    },
    now: clock,
    studio(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${studioToken}`);
      if (init.body !== undefined && typeof init.body === 'string' && !headers.has('content-type'))
        headers.set('content-type', 'application/json');
      return fetch(url + path, { ...init, headers });
    },
    async close() {
      await app.close();
      core.close();
      await core.store.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A browser-like buyer: keeps the session cookie across requests. */
export class Buyer {
  cookie = '';

  constructor(private readonly url: string) {}

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return res;
  }

  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; res: Response }> {
    const res = await this.request(method, path, body);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, res };
  }
}

export const contact = (i = 0) => ({
  name: `买家${i}`,
  phone: `138${String(10000000 + i).slice(-8)}`,
  address: `上海市浦东新区世纪大道 ${i + 1} 号`,
});

/** Pay an order through the sandbox's hosted page (approve or decline), like a browser would. Returns the payment id. */
export async function payViaSandbox(_harness: Harness, buyer: Buyer, orderId: string, approve = true): Promise<string> {
  const pay = await buyer.json<{ paymentId: string; action: { kind: string; url: string } }>('POST', `/api/orders/${orderId}/pay`, {});
  expect(pay.status).toBe(200);
  expect(pay.body.action.kind).toBe('redirect');
  const page = await fetch(pay.body.action.url);
  expect(page.status).toBe(200);
  const decided = await fetch(`${pay.body.action.url}/${approve ? 'approve' : 'decline'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
    redirect: 'manual',
  });
  expect(decided.status).toBe(303);
  return pay.body.paymentId;
}
