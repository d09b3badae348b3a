/**
 * Test helpers for the realtime module: a real fastify instance (websocket plugin + registerRealtime) on a real
 * SQLite file, and a `ws` client speaking the realtime contract that records every frame it receives.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import WebSocket from 'ws';
import {
  type Batch,
  type OrderStatusUpdate,
  type PublicAnswer,
  type RealtimeMethods,
  realtimeMethods,
  realtimeNotifications,
  realtimeUrl,
  type YouState,
} from '../../../shared/protocol/realtime';
import { MAX_MESSAGE_BYTES, type ReqOf, type ResOf, RpcClient, type RpcErrorBody } from '../../../shared/protocol/rpc';
import type { RedisConnection } from '../cluster/redis';
import { BuyerSessions } from '../commerce/session';
import { type Database, openDatabase } from '../db/database';
import { ShowRepository } from '../db/shows';
import { type CommerceCore, createCommerceCore, orderedCommercePublisher } from '../commerce/core';
import { commercePlugin } from '../commerce/index';
import { catalogForSuggestions } from './catalog';
import type { RealtimeConfigInput } from './config';
import { sqliteEngagementStore } from '../engagement/store';
import { webSocketErrorHandler } from '../http/ws-errors';
import { type RealtimeServer, registerRealtime } from './index';
import type { RealtimeStore } from './store';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  db: Database;
  shows: ShowRepository;
  showId: string;
  studioToken: string;
  /** The server's data dir (holds the first-run `setup-code` while no owner exists). */
  dataDir: string;
  sessionSecret: Buffer;
  realtime: RealtimeServer;
  buyers: BuyerSessions;
  commerce: CommerceCore | null;
  /** A signed `sc_buyer` cookie header for a new guest. */
  guestCookie(): string;
  wsUrl(showId?: string): string;
  close(): Promise<void>;
}

export async function startRealtimeServer(
  opts: {
    config?: Partial<RealtimeConfigInput>;
    withCommerce?: boolean;
    clock?: () => number;
    /** Cluster mode: this node's Redis. */
    redis?: RedisConnection;
    /** Another test node's data: the same database file, show, studio token and cookie key (one shop, N nodes). */
    like?: TestServer;
    /** Cluster mode: this node's id; its engagement store (the shared database file) counts as shared by the nodes. */
    nodeId?: string;
    /** Where the realtime module keeps its state (default: the node's SQLite file). */
    realtimeStore?: RealtimeStore;
  } = {},
): Promise<TestServer> {
  const like = opts.like;
  const dir = like ? like.dataDir : mkdtempSync(join(tmpdir(), 'sc-realtime-'));
  const db = openDatabase(join(dir, 'test.sqlite'));
  const shows = new ShowRepository(db);
  const show = like ? shows.get(like.showId)! : shows.create('Realtime test show');
  const studioToken = like ? like.studioToken : randomBytes(24).toString('base64url');
  const sessionSecret = like ? like.sessionSecret : randomBytes(32);
  const buyers = new BuyerSessions(sessionSecret, false);
  // The real commerce catalog on the same database (suggested answers read product descriptions and FAQs).
  // Commerce events reach the pages through the realtime hub, wired as app.ts wires them.
  let realtimeRef: RealtimeServer | null = null;
  const commerce: CommerceCore | null = opts.withCommerce
    ? await createCommerceCore({
        onEvent: orderedCommercePublisher(
          async (orderId) => (commerce ? commerce.store.orders.getOrder(orderId) : null),
          (e, route) => realtimeRef?.publishCommerce(e, route),
          pino({ level: 'silent' }),
        ),
        db,
        dataDir: dir,
        publicUrl: 'http://127.0.0.1',
        studioToken,
        sessionSecret,
        payments: { default: 'sandbox' },
        log: { debug() {}, info() {}, warn() {}, error() {} },
        seedDemo: false,
        sweepIntervalMs: 0,
        reconcileIntervalMs: 0,
        ...(opts.clock ? { clock: opts.clock } : {}),
      })
    : null;
  const app = Fastify({ logger: false });
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_MESSAGE_BYTES }, errorHandler: webSocketErrorHandler(app.log) });
  // The shop's HTTP API on the same server (same cookie key): checkout, coupons, quotes.
  if (commerce) await app.register(commercePlugin, { core: commerce });
  const realtime = await registerRealtime(app, {
    db,
    log: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    studioToken,
    dataDir: dir,
    sessionSecret,
    shows,
    catalog: commerce?.localReads ? catalogForSuggestions(commerce.localReads) : null,
    coupons: commerce?.coupons ?? null,
    // Tests blast requests from one socket; the per-socket request limit has its own test.
    config: { heartbeatMs: 60_000, requestRatePerSec: 100_000, requestBurst: 100_000, ...opts.config },
    clock: opts.clock,
    redis: opts.redis ?? null,
    ...(opts.realtimeStore ? { realtimeStore: opts.realtimeStore } : {}),
    ...(opts.nodeId ? { nodeId: opts.nodeId, engagementStore: { store: sqliteEngagementStore(db), shared: true } } : {}),
  });
  realtimeRef = realtime;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    db,
    shows,
    showId: show.id,
    studioToken,
    dataDir: dir,
    sessionSecret,
    realtime,
    buyers,
    commerce,
    guestCookie: () => `sc_buyer=${encodeURIComponent(buyers.sign(`b_${randomBytes(12).toString('base64url')}`))}`,
    wsUrl: (showId = show.id) => realtimeUrl(url, showId),
    async close() {
      await app.close();
      commerce?.close();
      db.close();
      if (!like) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ReceivedBatch {
  at: number;
  batch: Batch;
  bytes: number;
}

/** A realtime client over a real `ws` socket; records batches, private answers, `you` updates and unattributed errors. */
export class RtClient {
  readonly rpc = new RpcClient(realtimeMethods, realtimeNotifications, 10_000);
  readonly batches: ReceivedBatch[] = [];
  readonly privateAnswers: PublicAnswer[] = [];
  readonly youUpdates: YouState[] = [];
  readonly orderUpdates: OrderStatusUpdate[] = [];
  /** Error replies with id null (frames the server could not attribute: binary, too large, malformed JSON). */
  readonly frameErrors: RpcErrorBody[] = [];
  closeCode: number | null = null;
  private readonly closed: Promise<number>;
  private waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    this.rpc.attach({ send: (t) => ws.send(t) });
    this.rpc.on('batch', (b) => this.batches.push({ at: performance.now(), batch: b, bytes: 0 }));
    this.rpc.on('answer.private', (a) => this.privateAnswers.push(a));
    this.rpc.on('you', (y) => this.youUpdates.push(y));
    this.rpc.on('order.status', (u) => this.orderUpdates.push(u));
    ws.on('message', (data) => {
      const text = data.toString();
      try {
        const raw = JSON.parse(text) as { t?: string; id?: unknown; ok?: boolean; error?: RpcErrorBody };
        if (raw.t === 'res' && raw.id === null && raw.ok === false && raw.error) this.frameErrors.push(raw.error);
      } catch {
        // handled by rpc below
      }
      this.rpc.handleMessage(text);
      const last = this.batches[this.batches.length - 1];
      if (last && last.bytes === 0) last.bytes = Buffer.byteLength(text);
      for (const w of [...this.waiters]) w();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code) => {
        this.closeCode = code;
        this.rpc.detach();
        for (const w of [...this.waiters]) w();
        resolve(code);
      });
    });
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<RtClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const client = new RtClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  request<K extends keyof RealtimeMethods & string>(method: K, data: ReqOf<RealtimeMethods, K>): Promise<ResOf<RealtimeMethods, K>> {
    return this.rpc.request(method, data);
  }

  hello(extra: Partial<ReqOf<RealtimeMethods, 'hello'>> = {}) {
    return this.request('hello', { deviceId: `dev_${randomBytes(8).toString('hex')}`, ...extra });
  }

  /** Every batch item received so far, in order. */
  items(): Batch['items'] {
    return this.batches.flatMap((b) => b.batch.items);
  }

  chatTexts(): string[] {
    return this.items().flatMap((i) => (i.k === 'chat' ? [i.m.text] : []));
  }

  /** Resolve when `pred` holds (checked after every frame), reject after `timeoutMs`. */
  waitFor(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  waitClosed(timeoutMs = 10_000): Promise<number> {
    return Promise.race([
      this.closed,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error('socket did not close')), timeoutMs).unref()),
    ]);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `pred` every 20 ms until it holds; reject after `timeoutMs`. */
export async function until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A client connected and greeted as a new device (staff when `token` is given), kept in `clients` to be closed. */
export async function connectGreeted(
  s: TestServer,
  clients: RtClient[],
  opts: { cookie?: string; token?: string } = {},
): Promise<RtClient> {
  const c = await RtClient.connect(s.wsUrl(), opts.cookie ? { cookie: opts.cookie } : {});
  clients.push(c);
  await c.request('hello', { deviceId: `dev_${Math.random().toString(36).slice(2, 12)}`, ...(opts.token ? { token: opts.token } : {}) });
  return c;
}
