/**
 * A Storecast cluster of real server processes on this machine, for the cluster tests and `npm run bench:cluster`: a
 * throwaway PostgreSQL (the commerce store) and redis-server, and N nodes (`server/src/main.ts` under tsx) in cluster
 * mode, configured only through the environment, as an operator would. The nodes share one data dir (one SQLite file
 * for shows, one studio token, one buyer-cookie key: one shop), so a show created there is known on every node and a
 * guest cookie from one node is valid on all. `kill(i)` is kill -9 of node i's process; `start(i)` brings it back on
 * the same port and node id (its payment notifications are addressed to that URL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DATABASE_FILE } from '../../../server/src/app';
import { loadOrCreateSessionSecret, loadOrCreateStudioToken } from '../../../server/src/auth/studio-token';
import { freeLoopbackPort, startTestRedis, type TestRedis } from '../../../server/src/cluster/testing';
import { BuyerSessions } from '../../../server/src/commerce/session';
import { openDatabase } from '../../../server/src/db/database';
import { startTestPostgres, type TestPostgres } from '../../../server/src/db/pg-testing';
import { ShowRepository } from '../../../server/src/db/shows';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'server/src/main.ts');
const READY_TIMEOUT_MS = 60_000;

export interface NodeProc {
  id: string;
  port: number;
  url: string;
  /** The node's process while it runs. */
  proc: ChildProcess | null;
  /** The node's last output lines (stdout and stderr). */
  output(): string;
}

export interface ClusterProcs {
  pg: TestPostgres;
  redis: TestRedis;
  databaseUrl: string;
  dataDir: string;
  studioToken: string;
  /** A show every node knows (chat needs one). */
  showId: string;
  nodes: NodeProc[];
  /** Start node i (again): waits until its /healthz says ready; retries while its old registry entry lives on. */
  start(i: number): Promise<void>;
  /** kill -9 of node i's process; resolves when it is gone. */
  kill(i: number): Promise<void>;
  /** A new guest's Cookie header, signed with the shop's key (valid on every node). */
  guestCookie(): string;
  /** POST to a studio route of node i with the studio token. */
  studio<T>(i: number, path: string, body: unknown): Promise<{ status: number; body: T }>;
  /** A limited sneaker (one SKU) made on one node and a flash sale on it started on another; throws if either fails. */
  flashSale(o: FlashSaleSetup): Promise<{ skuId: string; saleId: string }>;
  stop(): Promise<void>;
}

export interface FlashSaleSetup {
  stock: number;
  /** Units the sale sells at most. */
  cap: number;
  /** The sale's per-buyer limit, and the product's own if `productLimit` is set. */
  perBuyerLimit: number;
  productLimit?: number;
  livePriceMinor?: number;
  productNode?: number;
  saleNode?: number;
}

export interface ClusterProcsOptions {
  nodes: number;
  /** Extra environment for every node (buyer limits, payments, realtime tuning). */
  env?: Record<string, string>;
  /** PostgreSQL with its own fsync and commit settings (the bench); tests run it without fsync. */
  durable?: boolean;
  /** Node output lines as they come (default: kept only for error messages). */
  log?: (line: string) => void;
  /** Extra node options for every node process (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
}

export async function startClusterProcs(o: ClusterProcsOptions): Promise<ClusterProcs> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-cluster-procs-'));
  let pg: TestPostgres | null = null;
  let redis: TestRedis | null = null;
  const nodes: NodeProc[] = [];
  /** Each node's last output lines. */
  const outputs: string[][] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((_, i) => stopNode(i)));
    await redis?.stop();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onExit = () => {
    for (const n of nodes) n.proc?.kill('SIGKILL');
  };
  process.once('exit', onExit);

  const stopNode = async (i: number) => {
    const proc = nodes[i]?.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(t);
  };

  try {
    pg = await startTestPostgres({ durable: o.durable ?? false });
    const databaseUrl = await pg.createDatabase('storecast');
    redis = await startTestRedis();
    // The shop's secrets and a show, written before any node starts (every node reads the same files).
    const studioToken = loadOrCreateStudioToken(dataDir);
    const sessions = new BuyerSessions(loadOrCreateSessionSecret(dataDir), false);
    const db = openDatabase(join(dataDir, DATABASE_FILE));
    const showId = new ShowRepository(db).create('Cluster show').id;
    db.close();
    const clusterSecret = randomBytes(24).toString('base64url');

    for (let i = 0; i < o.nodes; i++) {
      const port = await freeLoopbackPort();
      const lines: string[] = [];
      outputs.push(lines);
      nodes.push({ id: `node-${i + 1}`, port, url: `http://127.0.0.1:${port}`, proc: null, output: () => lines.join('\n') });
    }

    const spawnNode = (i: number): ChildProcess => {
      const n = nodes[i]!;
      const lines = outputs[i]!;
      const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', MAIN], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          DATA_DIR: dataDir,
          PORT: String(n.port),
          HOST: '127.0.0.1',
          RTC_PORT: '0',
          MEDIASOUP_WORKERS: '1',
          HLS: 'off',
          SEED_DEMO: '0',
          LOG_LEVEL: 'warn',
          NO_PRETTY_LOGS: '1',
          DATABASE_URL: databaseUrl,
          REDIS_URL: redis!.url,
          NODE_ID: n.id,
          NODE_PUBLIC_URL: n.url,
          CLUSTER_SECRET: clusterSecret,
          // Every buyer here comes from 127.0.0.1: the per-address anti-hoarding limits would refuse most of them.
          SESSIONS_PER_IP_PER_MINUTE: '0',
          ORDERS_PER_IP_PER_MINUTE: '0',
          ORDERS_PER_SESSION_PER_MINUTE: '0',
          MAX_UNPAID_ORDERS: '0',
          ...o.env,
        },
      });
      const keep = (d: Buffer) => {
        for (const line of d.toString().split('\n')) {
          if (!line) continue;
          lines.push(line);
          if (lines.length > 200) lines.shift();
          o.log?.(`[${n.id}] ${line}`);
        }
      };
      proc.stdout!.on('data', keep);
      proc.stderr!.on('data', keep);
      n.proc = proc;
      return proc;
    };

    const start = async (i: number) => {
      const n = nodes[i]!;
      const end = Date.now() + READY_TIMEOUT_MS;
      for (;;) {
        const proc = spawnNode(i);
        // A node killed a moment ago still holds its id in the registry until its entry's TTL: the new one is refused
        // (exit 2) until then, so try again.
        while (proc.exitCode === null && proc.signalCode === null) {
          const ok = await fetch(`${n.url}/healthz`).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) return;
          if (Date.now() > end) {
            proc.kill('SIGKILL');
            throw new Error(`${n.id} not ready after ${READY_TIMEOUT_MS} ms:\n${n.output()}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        if (Date.now() > end) throw new Error(`${n.id} exited (${proc.exitCode}) before it was ready:\n${n.output()}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    // One at a time: the first one migrates PostgreSQL (the others would wait on its advisory lock anyway).
    for (let i = 0; i < o.nodes; i++) await start(i);

    async function studio<T>(i: number, path: string, body: unknown) {
      const res = await fetch(nodes[i]!.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${studioToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    }
    return {
      pg,
      redis,
      databaseUrl,
      dataDir,
      studioToken,
      showId,
      nodes,
      start,
      async kill(i) {
        const proc = nodes[i]!.proc;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGKILL');
        await exited;
      },
      guestCookie: () => `sc_buyer=${encodeURIComponent(sessions.sign(`b_${randomBytes(12).toString('base64url')}`))}`,
      studio,
      async flashSale(o: FlashSaleSetup) {
        const product = await studio<{ skus: Array<{ id: string }> }>(o.productNode ?? 0, '/api/studio/products', {
          title: '限量联名球鞋',
          currency: 'CNY',
          defaults: { listPriceMinor: 129900, stock: o.stock, ...(o.livePriceMinor ? { livePriceMinor: o.livePriceMinor } : {}) },
          ...(o.productLimit ? { perBuyerLimit: o.productLimit } : {}),
        });
        if (product.status !== 201) throw new Error(`product not created: ${product.status} ${JSON.stringify(product.body)}`);
        const skuId = product.body.skus[0]!.id;
        const sale = await studio<{ id: string }>(o.saleNode ?? 0, '/api/studio/flash-sales', {
          skuId,
          durationSec: 300,
          salePriceMinor: 59900,
          cap: o.cap,
          perBuyerLimit: o.perBuyerLimit,
        });
        if (sale.status !== 201) throw new Error(`flash sale not started: ${sale.status} ${JSON.stringify(sale.body)}`);
        return { skuId, saleId: sale.body.id };
      },
      async stop() {
        process.removeListener('exit', onExit);
        await stopAll();
      },
    };
  } catch (err) {
    process.removeListener('exit', onExit);
    await stopAll().catch(() => undefined);
    throw err;
  }
}
