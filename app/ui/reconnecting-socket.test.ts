import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { CLOSE_SERVICE_RESTART, RpcError } from '../../shared/protocol/rpc';
import {
  type BackoffPolicy,
  backoffDelay,
  type DropCause,
  ReconnectingRpcSocket,
  type ReconnectingRpcSocketOptions,
  type SocketFactory,
  type SocketLike,
  type SocketStatus,
} from './reconnecting-socket';

const methods = {
  ping: { caller: 'any', req: z.object({}), res: z.object({ now: z.number() }) },
  hello: { caller: 'any', req: z.object({ name: z.string() }), res: z.object({ n: z.number() }) },
  slow: { caller: 'any', req: z.object({}), res: z.object({}) },
} as const;
const notifications: Record<string, never> = {};
type N = typeof notifications;
type M = typeof methods;

const realSetTimeout = globalThis.setTimeout;
const sleep = (ms: number) => new Promise<void>((r) => realSetTimeout(r, ms));
async function until(what: string, fn: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A real ws server answering the test contract; `silent` methods get no reply. */
async function rpcServer(opts: { silent?: string[] } = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const sockets: NodeWebSocket[] = [];
  const received: string[] = [];
  let connections = 0;
  wss.on('connection', (ws) => {
    connections++;
    sockets.push(ws);
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { id: number; method: string };
      received.push(msg.method);
      if (opts.silent?.includes(msg.method)) return;
      const data = msg.method === 'ping' ? { now: Date.now() } : msg.method === 'hello' ? { n: connections } : {};
      ws.send(JSON.stringify({ t: 'res', id: msg.id, ok: true, data }));
    });
  });
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  return {
    url,
    received,
    get connections() {
      return connections;
    },
    /** Kill every server-side socket without a close handshake (a network failure). */
    terminateAll: () => {
      for (const s of sockets.splice(0)) s.terminate();
    },
    /** Close every server-side socket with a close frame carrying `code`. */
    closeAll: (code: number) => {
      for (const s of sockets.splice(0)) s.close(code, 'test');
    },
    close: () => new Promise<void>((r) => wss.close(() => r())),
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

function socket(url: string, extra: Partial<ReconnectingRpcSocketOptions<M, N>> = {}) {
  const statuses: SocketStatus[] = [];
  const downs: DropCause[] = [];
  const s = new ReconnectingRpcSocket<M, N>({
    url: () => url,
    methods,
    notifications,
    WebSocketImpl: NodeWebSocket as unknown as SocketFactory,
    backoff: { initialMs: 20, maxMs: 100, jitter: 0 },
    ...extra,
    events: {
      ...extra.events,
      status: (st, d) => {
        statuses.push(st);
        extra.events?.status?.(st, d);
      },
      down: (c) => {
        downs.push(c);
        extra.events?.down?.(c);
      },
    },
  });
  cleanups.push(() => s.close());
  return { s, statuses, downs };
}

describe('backoffDelay', () => {
  const policy = { initialMs: 500, maxMs: 5_000, jitter: 0 };
  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 30].map((a) => backoffDelay(a, policy))).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });
  it('jitters within ±jitter/2 of the step and never above the cap', () => {
    const p = { ...policy, jitter: 0.5 };
    expect(backoffDelay(2, p, () => 0)).toBe(750);
    expect(backoffDelay(2, p, () => 0.999_999)).toBe(1250);
    expect(backoffDelay(10, p, () => 0.999_999)).toBe(5000);
    expect(backoffDelay(10, p, () => 0)).toBe(3750);
  });
});

describe('ReconnectingRpcSocket over a real ws server', () => {
  it('runs the on-open hook on every connect and counts as open only after it', async () => {
    const server = await rpcServer();
    cleanups.push(server.close);
    const hellos: number[] = [];
    const { s, statuses } = socket(server.url, {
      onOpen: async ({ rpc, attempt }) => {
        const { n } = await rpc.request('hello', { name: 'x' });
        hellos.push(n);
        expect(typeof attempt).toBe('number');
      },
    });
    s.start();
    await until('open', () => s.status === 'open');
    expect(hellos).toEqual([1]);
    server.terminateAll();
    await until('reopened', () => hellos.length === 2 && s.status === 'open');
    expect(hellos).toEqual([1, 2]);
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'reconnecting', 'open']);
    expect(s.attempt).toBe(0);
  });

  it('comes back at once after a service-restart close, and backs off after any other close', async () => {
    const server = await rpcServer();
    cleanups.push(server.close);
    const { s } = socket(server.url, { backoff: { initialMs: 1_500, maxMs: 5_000, jitter: 0 }, random: () => 0.5 });
    s.start();
    await until('open', () => s.status === 'open');

    let closedAt = Date.now();
    server.closeAll(CLOSE_SERVICE_RESTART);
    await until('reopened after 1012', () => server.connections === 2 && s.status === 'open');
    expect(Date.now() - closedAt).toBeLessThan(1_000);

    closedAt = Date.now();
    server.closeAll(1011);
    await until('reopened after 1011', () => server.connections === 3 && s.status === 'open', 5_000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(1_400);
  });

  it('fails requests in flight with DISCONNECTED when the socket drops', async () => {
    const server = await rpcServer({ silent: ['slow'] });
    cleanups.push(server.close);
    const { s } = socket(server.url);
    s.start();
    await until('open', () => s.status === 'open');
    const inFlight = s.request('slow', {});
    await until('request at the server', () => server.received.includes('slow'));
    server.terminateAll();
    const err = await inFlight.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe('DISCONNECTED');
  });

  it('treats a socket that does not open in time as failed and retries', async () => {
    // A TCP server that accepts and never answers the WebSocket handshake.
    const held: Socket[] = [];
    const tcp: Server = createServer((c) => held.push(c));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      for (const c of held) c.destroy();
      return new Promise<void>((r) => tcp.close(() => r()));
    });
    const { s, downs } = socket(`ws://127.0.0.1:${(tcp.address() as AddressInfo).port}`, { openTimeoutMs: 100 });
    s.start();
    await until('two open timeouts', () => downs.filter((d) => d.kind === 'timeout').length >= 2);
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(s.status).not.toBe('open');
  });

  it('replaces a socket whose ping gets no reply', async () => {
    const server = await rpcServer({ silent: ['ping'] });
    cleanups.push(server.close);
    const opens: number[] = [];
    const { s, downs } = socket(server.url, {
      ping: { method: 'ping', intervalMs: 50, timeoutMs: 100 },
      onOpen: async () => {
        opens.push(Date.now());
      },
    });
    s.start();
    await until('reconnected after a ping timeout', () => opens.length >= 2);
    expect(downs[0]?.kind).toBe('ping');
    expect(server.connections).toBeGreaterThanOrEqual(2);
  });

  it('keeps a socket whose ping is answered', async () => {
    const server = await rpcServer();
    cleanups.push(server.close);
    const { s, downs } = socket(server.url, { ping: { method: 'ping', intervalMs: 30, timeoutMs: 60 } });
    s.start();
    await sleep(300);
    expect(server.received.filter((m) => m === 'ping').length).toBeGreaterThanOrEqual(3);
    expect(downs).toEqual([]);
    expect(server.connections).toBe(1);
  });

  it('stops for good when retry() says no, and after close()', async () => {
    const server = await rpcServer();
    cleanups.push(server.close);
    const stopped: DropCause[] = [];
    const { s } = socket(server.url, {
      onOpen: async () => {
        throw new RpcError('NOT_FOUND', 'no such show');
      },
      retry: (c) => !(c.kind === 'error' && c.error instanceof RpcError && c.error.code === 'NOT_FOUND'),
      events: { stopped: (c) => stopped.push(c) },
    });
    s.start();
    await until('stopped', () => stopped.length === 1);
    expect(s.status).toBe('closed');
    await sleep(200);
    expect(server.connections).toBe(1);

    const second = socket(server.url);
    second.s.start();
    await until('open', () => second.s.status === 'open');
    second.s.close();
    server.terminateAll();
    await sleep(200);
    expect(server.connections).toBe(2);
    expect(second.s.status).toBe('closed');
    expect(second.s.rpc.connected).toBe(false);
  });
});

/** A socket that fails to connect: closes with 1006 right after it is created. */
function refusingFactory(created: number[]): SocketFactory {
  return class implements SocketLike {
    onopen = null;
    onmessage = null;
    onerror = null;
    onclose: SocketLike['onclose'] = null;
    constructor(_url: string) {
      created.push(Date.now());
      queueMicrotask(() => this.onclose?.({ code: 1006, reason: '' }));
    }
    send(): void {}
    close(): void {}
  };
}

/** Under fake timers: a socket whose every attempt is refused; `created` holds the attempts' times. */
function refusedSocket(backoff: BackoffPolicy) {
  vi.useFakeTimers({ now: 0 });
  const created: number[] = [];
  const s = new ReconnectingRpcSocket<M, N>({
    url: () => 'ws://unused',
    methods,
    notifications,
    WebSocketImpl: refusingFactory(created),
    backoff,
    random: () => 0.5, // the jitter's midpoint: exact steps
  });
  cleanups.push(() => s.close());
  return { s, created };
}

describe('ReconnectingRpcSocket with fake timers', () => {
  it('retries on the backoff schedule, capped, and close() leaves no timer behind', async () => {
    const { s, created } = refusedSocket({ initialMs: 100, maxMs: 1_000, jitter: 0.5 });
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(created).toEqual([0]);
    await vi.advanceTimersByTimeAsync(10_000);
    const gaps = created.slice(1).map((t, i) => t - created[i]!);
    expect(gaps.slice(0, 7)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(s.status).toBe('reconnecting');
    s.close();
    expect(vi.getTimerCount()).toBe(0);
    const n = created.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(created.length).toBe(n);
  });

  it('retryNow() skips the wait', async () => {
    const { s, created } = refusedSocket({ initialMs: 5_000, maxMs: 5_000, jitter: 0 });
    s.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(s.waiting).toBe(true);
    s.retryNow();
    await vi.advanceTimersByTimeAsync(10);
    expect(created).toEqual([0, 10]);
  });
});
