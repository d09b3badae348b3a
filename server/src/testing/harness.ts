/**
 * Test harness: a real Storecast server on an ephemeral port (temporary data dir, real mediasoup worker) and
 * `ws` clients speaking the signaling contract through the shared RpcClient.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { z } from 'zod';
import { RpcClient } from '../../../shared/protocol/rpc';
import {
  SIGNALING_PATH,
  type SignalingClient,
  type SignalingNotifications,
  signalingMethods,
  signalingNotifications,
} from '../../../shared/protocol/signaling';
import { createStorecastServer, type ServerInternals, type StorecastServer } from '../app';
import type { ServerConfigInput } from '../config';
import { createLogger } from '../log';
import { CLIENT_DTLS, opusParameters, SCTP_CAPS, simulcastVideoParameters } from './fixtures';

export interface TestServer extends StorecastServer {
  dataDir: string;
  wsUrl: string;
}

export async function startTestServer(config: Partial<ServerConfigInput> = {}, internals: ServerInternals = {}): Promise<TestServer> {
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'storecast-test-'));
  const server = await createStorecastServer(
    {
      port: 0,
      host: '127.0.0.1',
      rtcListenIp: '127.0.0.1',
      // Any free port per worker: test servers run concurrently in one machine.
      rtcPort: 0,
      mediasoupWorkers: 1,
      webDir: join(dataDir, 'no-web'),
      // Module tests that need a recording ask for one: an ffmpeg per show in every concurrent test server is noise.
      hlsRecord: false,
      ...config,
      dataDir,
    },
    { logger: createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' }), ...internals },
  );
  const close = server.close;
  return Object.assign(server, {
    dataDir,
    wsUrl: `${server.url.replace(/^http/, 'ws')}${SIGNALING_PATH}`,
    async close() {
      await close();
      if (!config.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

type NtfName = keyof SignalingNotifications & string;
type Ntf<K extends NtfName> = z.output<SignalingNotifications[K]>;

export interface TestClient {
  rpc: SignalingClient;
  ws: WebSocket;
  /** Every notification received, in order. */
  received: { method: NtfName; data: unknown }[];
  /** Raw frames that were not valid server envelopes (should stay empty). */
  invalidFrames: string[];
  /** Raw text frames (for tests that send hand-made frames). */
  frames: string[];
  closed: Promise<{ code: number; reason: string }>;
  waitFor<K extends NtfName>(method: K, pred?: (d: Ntf<K>) => boolean, timeoutMs?: number): Promise<Ntf<K>>;
  count(method: NtfName): number;
  close(): Promise<void>;
}

/** `localAddress`: connect from another loopback address (127.0.0.2, …) to look like another client IP. */
export async function connect(server: TestServer, opts: { localAddress?: string } = {}): Promise<TestClient> {
  const ws = new WebSocket(server.wsUrl, opts.localAddress ? { localAddress: opts.localAddress } : {});
  const rpc: SignalingClient = new RpcClient(signalingMethods, signalingNotifications, 5000);
  const received: TestClient['received'] = [];
  const invalidFrames: string[] = [];
  const frames: string[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      rpc.detach();
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
  ws.on('message', (data) => {
    const text = data.toString();
    frames.push(text);
    if (!rpc.handleMessage(text)) invalidFrames.push(text);
    try {
      const msg = JSON.parse(text) as { t?: string; method?: NtfName; data?: unknown };
      if (msg.t === 'ntf' && msg.method) received.push({ method: msg.method, data: msg.data });
    } catch {
      /* counted in invalidFrames */
    }
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  rpc.attach(ws);
  return {
    rpc,
    ws,
    received,
    invalidFrames,
    frames,
    closed,
    count: (method) => received.filter((r) => r.method === method).length,
    waitFor(method, pred = () => true, timeoutMs = 4000) {
      const seen = new Set<unknown>();
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const r of received) {
            if (r.method !== method || seen.has(r)) continue;
            seen.add(r);
            const parsed = signalingNotifications[method].parse(r.data) as Ntf<typeof method>;
            if (pred(parsed)) {
              cleanup();
              resolve(parsed);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for notification ${method}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
      await closed;
    },
  };
}

/** A studio client: connected and authenticated. */
export async function connectStudio(server: TestServer, opts: { localAddress?: string } = {}): Promise<TestClient> {
  const c = await connect(server, opts);
  await c.rpc.request('studio.auth', { token: server.studioToken });
  return c;
}

/** A studio that opened a show, connected a send transport, produced video (simulcast) and audio, and went live. */
export async function publishShow(server: TestServer, opts: { title?: string; localAddress?: string } = {}) {
  const studio = await connectStudio(server, opts);
  const { show } = await studio.rpc.request('show.open', { title: opts.title ?? 'Live show' });
  const send = await studio.rpc.request('transport.create', { direction: 'send', sctpCapabilities: SCTP_CAPS });
  await studio.rpc.request('transport.connect', { transportId: send.id, dtlsParameters: CLIENT_DTLS });
  await studio.rpc.request('produce', {
    transportId: send.id,
    kind: 'video',
    source: 'program',
    rtpParameters: simulcastVideoParameters(),
  });
  await studio.rpc.request('produce', { transportId: send.id, kind: 'audio', source: 'mic', rtpParameters: opusParameters() });
  await studio.rpc.request('show.goLive', { showId: show.id });
  return { studio, showId: show.id, send };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until `fn` returns true (state that settles asynchronously, e.g. after a socket closes). */
export async function until(fn: () => boolean | Promise<boolean>, timeoutMs = 4000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
