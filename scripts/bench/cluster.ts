/**
 * `npm run bench:cluster` — Storecast as a cluster on this machine: N real server processes (cluster mode) on one
 * PostgreSQL (commerce, with its own fsync and commit settings) and one Redis (scripts/bench/lib/cluster-procs.ts).
 *
 *  1. Flash sale: one hot SKU with limited stock on sale; one load generator per node (scripts/bench/flashsale-load.ts,
 *     autocannon in its own process: fresh idempotency key per request, random buyer of its own) hammers
 *     POST /api/orders on its node. attempts_per_s is all requests of all generators over the run; p99_ms is the
 *     highest of the generators' p99 (an upper bound of the combined p99). sold / oversold from PostgreSQL, and the
 *     SKU's stock is read throughout (never below zero).
 *  2. Chat: guest sockets spread over the nodes' realtime endpoints on one show, sending at a total rate
 *     (scripts/bench/lib/chat-load.ts): delivered % (every accepted message to every socket), duplicates, p99 latency.
 *     After the flash sale by default; BENCH_TOGETHER=1 runs both at once.
 *
 * Last stdout line: {"bench":"cluster","nodes":3,"engine":"postgres","attempts_per_s":…,"p99_ms":…,"sold":…,
 * "oversold":0,"chat_delivered_pct":…,"chat_dup":…,"chat_p99_ms":…}. Progress goes to stderr.
 * Knobs (env): BENCH_SIZE=small (a quick end-to-end run), BENCH_NODES (3), BENCH_STOCK (20000), BENCH_BUYERS (6000),
 * BENCH_CONNECTIONS (96, over all nodes), BENCH_DURATION (10 s), BENCH_LIMIT (5 per buyer), BENCH_CHAT_CLIENTS (300),
 * BENCH_CHAT_RATE (200 msgs/s), BENCH_CHAT_DURATION (10 s), BENCH_TOGETHER (0), BENCH_PG_DURABLE (1; 0 = fsync off),
 * BENCH_NODE_ARGS (extra node options for the server processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
 * BENCH_PG_WAITS (0; 1 = log PostgreSQL's backends by state and wait event during the sale: lock waits, WAL syncs,
 * transactions waiting on their node).
 * The nodes' per-address buyer limits are lifted (every bench buyer comes from 127.0.0.1).
 */
import pg from 'pg';
import { realtimeUrl } from '../../shared/protocol/realtime';
import { forkFlashSaleLoad, type LoadResult } from './flashsale-load';
import { type ChatLoadResult, runChatLoad } from './lib/chat-load';
import { startClusterProcs } from './lib/cluster-procs';
import { benchLog } from './lib/log';

const small = process.env.BENCH_SIZE === 'small';
const env = (k: string, full: number, quick: number) => (process.env[k] ? Number(process.env[k]) : small ? quick : full);
const NODES = env('BENCH_NODES', 3, 3);
const STOCK = env('BENCH_STOCK', 20_000, 500);
const BUYERS = env('BENCH_BUYERS', 6000, 300);
const CONNECTIONS = env('BENCH_CONNECTIONS', 96, 12);
const DURATION = env('BENCH_DURATION', 10, 3);
const LIMIT = env('BENCH_LIMIT', 5, 5);
const CHAT_CLIENTS = env('BENCH_CHAT_CLIENTS', 300, 30);
const CHAT_RATE = env('BENCH_CHAT_RATE', 200, 20);
const CHAT_DURATION = env('BENCH_CHAT_DURATION', 10, 3);
const TOGETHER = process.env.BENCH_TOGETHER === '1';
const DURABLE = process.env.BENCH_PG_DURABLE !== '0';
const PG_WAITS = process.env.BENCH_PG_WAITS === '1';

const { log } = benchLog('cluster');

async function main(): Promise<void> {
  if (
    ![NODES, STOCK, BUYERS, CONNECTIONS, DURATION, LIMIT, CHAT_CLIENTS, CHAT_RATE, CHAT_DURATION].every((n) => Number.isFinite(n) && n > 0)
  )
    throw new Error('bad BENCH_* value');
  log(`starting PostgreSQL (${DURABLE ? 'durable' : 'fsync off'}), Redis and ${NODES} nodes`);
  const cluster = await startClusterProcs({
    nodes: NODES,
    durable: DURABLE,
    log: (line) => log(line),
    nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  });
  const db = new pg.Client({ connectionString: cluster.databaseUrl });
  try {
    await db.connect();
    const { skuId, saleId } = await cluster.flashSale({
      stock: STOCK,
      cap: STOCK,
      perBuyerLimit: LIMIT,
      productLimit: LIMIT,
      livePriceMinor: 99900,
    });
    log(`nodes ${cluster.nodes.map((n) => n.url).join(' ')}; sku ${skuId}, sale ${saleId}, stock ${STOCK}`);

    // The stock as any reader sees it, while the sale runs.
    let watching = true;
    let minStock = Number.POSITIVE_INFINITY;
    // BENCH_PG_WAITS=1: what PostgreSQL's client backends do while the sale runs (pg_stat_activity every 20 ms).
    const waits = new Map<string, number>();
    let samples = 0;
    const sampler = (async () => {
      if (!PG_WAITS) return;
      const c = new pg.Client({ connectionString: cluster.databaseUrl });
      await c.connect();
      while (watching) {
        const r = await c.query<{ w: string; n: number }>(
          `SELECT state || ' ' || COALESCE(wait_event_type || ':' || wait_event, '-') AS w, count(*)::int AS n FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database() GROUP BY 1`,
        );
        for (const x of r.rows) waits.set(x.w, (waits.get(x.w) ?? 0) + x.n);
        samples++;
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.end();
    })();
    const watcher = (async () => {
      while (watching) {
        const r = await db.query<{ stock: number }>('SELECT stock FROM skus WHERE id = $1', [skuId]);
        minStock = Math.min(minStock, r.rows[0]!.stock);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const flash = async (): Promise<LoadResult[]> => {
      log(`flash sale: ${CONNECTIONS} connections, ${BUYERS} buyers over ${NODES} nodes for ${DURATION} s`);
      return Promise.all(
        cluster.nodes.map((n, i) =>
          forkFlashSaleLoad({
            url: n.url,
            skuId,
            buyers: Math.ceil(BUYERS / NODES),
            connections: Math.max(1, Math.floor(CONNECTIONS / NODES) + (i < CONNECTIONS % NODES ? 1 : 0)),
            durationSec: DURATION,
          }),
        ),
      );
    };
    const chat = (): Promise<ChatLoadResult> => {
      log(`chat: ${CHAT_CLIENTS} clients over ${NODES} nodes, ${CHAT_RATE} msgs/s for ${CHAT_DURATION} s`);
      return runChatLoad({
        urls: cluster.nodes.map((n) => realtimeUrl(n.url, cluster.showId)),
        cookie: cluster.guestCookie,
        clients: CHAT_CLIENTS,
        ratePerSec: CHAT_RATE,
        durationMs: CHAT_DURATION * 1000,
        warmupMs: 1000,
        // The nodes run the default spam settings (texts that differ only in digits from many users are a flood).
        randomWord: true,
      });
    };
    let loads: LoadResult[];
    let talk: ChatLoadResult;
    if (TOGETHER) [loads, talk] = await Promise.all([flash(), chat()]);
    else {
      loads = await flash();
      watching = false;
      talk = await chat();
    }
    watching = false;
    await watcher;
    await sampler;
    if (samples) {
      const avg = [...waits].sort((a, b) => b[1] - a[1]).map(([w, n]) => `${w} ${(n / samples).toFixed(2)}`);
      log(`PostgreSQL backends by state and wait event (mean over ${samples} samples): ${avg.join(', ')}`);
    }

    const one = async (sql: string, params: unknown[]) => Number(Object.values((await db.query(sql, params)).rows[0] as object)[0]);
    const sold = await one(
      `SELECT COALESCE(SUM(i.qty), 0) FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE i.sku_id = $1 AND o.status NOT IN ('cancelled', 'refunded')`,
      [skuId],
    );
    const stock = await one('SELECT stock FROM skus WHERE id = $1', [skuId]);
    const remaining = await one('SELECT remaining FROM flash_sales WHERE id = $1', [saleId]);
    const deadlocks = await one('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()', []);
    const negative = stock < 0 || remaining < 0 || minStock < 0;
    const oversold = Math.max(0, sold - STOCK) + (negative ? 1 : 0) + (sold + stock !== STOCK ? 1 : 0);

    const requests = loads.reduce((n, l) => n + l.requests, 0);
    const seconds = Math.max(...loads.map((l) => l.durationSec));
    const sum = (k: keyof LoadResult) => loads.reduce((n, l) => n + l[k], 0);
    log(
      `flash sale: ${requests} attempts in ${seconds}s; 2xx ${sum('status2xx')}, 409 ${sum('status409')}, 429 ${sum('status429')}, ` +
        `other ${sum('statusOther')}, errors ${sum('errors')}, timeouts ${sum('timeouts')}; per node p50/p99 ms ` +
        `${loads.map((l) => `${l.p50}/${l.p99}`).join(', ')}; sold ${sold}/${STOCK}, stock ${stock} (min seen ${minStock}), sale remaining ${remaining}; PostgreSQL deadlocks ${deadlocks}`,
    );
    log(`chat: ${JSON.stringify(talk)}`);
    console.log(
      JSON.stringify({
        bench: 'cluster',
        nodes: NODES,
        engine: 'postgres',
        attempts_per_s: Math.round(requests / seconds),
        p99_ms: Math.max(...loads.map((l) => l.p99)),
        sold,
        oversold,
        chat_delivered_pct: talk.deliveredPct,
        chat_dup: talk.duplicates,
        chat_p99_ms: talk.p99Ms,
      }),
    );
  } finally {
    await db.end().catch(() => undefined);
    await cluster.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
