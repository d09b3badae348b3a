/**
 * `npm run bench:chat` — realtime chat fan-out: N WebSocket viewers on one show, M of them sending chat at a total
 * rate, 100 ms room batches.
 *
 *  - Server: fastify + the realtime module in its own process (scripts/bench/chat-server.ts), real SQLite.
 *  - Clients: `--procs` generator processes (scripts/bench/chat-clients.ts). Every socket counts delivered chat messages
 *    from the batch header; every `--sample`-th socket parses batches and measures latency from the send timestamp
 *    embedded in each message's text (same machine clock).
 *  - Measured over `--window` seconds after `--warmup`: msgs_in_per_s (accepted sends), delivered_per_s (chat messages
 *    written into client sockets and counted there), offered_per_s (accepted × clients: what full fan-out would be),
 *    p50/p99 latency, server RSS (peak VmRSS from /proc) and server CPU (% of one core).
 *
 * The per-room cap on chat items per batch (`--chat-per-batch`, default 50 = 500 msgs/s per viewer) is what keeps
 * 2,000 msgs/s × 10,000 viewers deliverable: delivered_per_s reports what actually arrived, against offered_per_s.
 *
 * Progress goes to stderr; the last stdout line is the JSON result.
 * Options: --clients 10000 --senders 2000 --rate 2000 --procs 2 --warmup 5 --window 20 --sample 100
 *          --batch-ms 100 --chat-per-batch 50 --concurrency 100
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Snapshot, StartMsg } from './chat-clients';
import { processCpuSeconds } from './lib/proc-cpu';
import { benchLog } from './lib/log';

const ROOT = resolve(import.meta.dirname, '../..');
const { log } = benchLog('chat');

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    senders: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '2000' },
    procs: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '5' },
    window: { type: 'string', default: '20' },
    sample: { type: 'string', default: '100' },
    'batch-ms': { type: 'string', default: '100' },
    'chat-per-batch': { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '100' },
  },
});
const CLIENTS = Number(args.clients);
const SENDERS = Number(args.senders);
const RATE = Number(args.rate);
const PROCS = Number(args.procs);
const WARMUP_S = Number(args.warmup);
const WINDOW_S = Number(args.window);
const SAMPLE = Number(args.sample);
const CONCURRENCY = Number(args.concurrency);
if (![CLIENTS, SENDERS, RATE, PROCS, WINDOW_S, SAMPLE].every((n) => Number.isFinite(n) && n > 0) || SENDERS > CLIENTS) {
  throw new Error('bad options');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Run a node script with the file-descriptor limit raised to the hard limit (10k sockets need more than 1024). */
function spawnNode(script: string, scriptArgs: string[], env: NodeJS.ProcessEnv, ipc: boolean): ChildProcess {
  const cmd = `ulimit -n $(ulimit -Hn) 2>/dev/null; exec "${process.execPath}" --import tsx "${script}" ${scriptArgs.map((a) => `"${a}"`).join(' ')}`;
  return spawn('bash', ['-c', cmd], { cwd: ROOT, env, stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['pipe', 'pipe', 'pipe'] });
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function percentile(hist: number[], p: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  if (!total) return Number.NaN;
  const want = Math.ceil(total * p);
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= want) return i;
  }
  return hist.length - 1;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-chat-bench-'));
  const children: ChildProcess[] = [];
  try {
    // --- server
    const server = spawnNode(
      join(ROOT, 'scripts/bench/chat-server.ts'),
      [dataDir],
      { ...process.env, REALTIME_BATCH_MS: args['batch-ms'], REALTIME_CHAT_PER_BATCH: args['chat-per-batch'], LOG_LEVEL: 'warn' },
      false,
    );
    children.push(server);
    createInterface({ input: server.stderr! }).on('line', (l) => log(`[server] ${l}`));
    const serverLines = createInterface({ input: server.stdout! });
    const statsWaiters: ((s: Record<string, number>) => void)[] = [];
    const ready = await new Promise<{ url: string; showId: string; pid: number }>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('server not ready in 30 s')), 30_000);
      server.once('exit', (code) => rej(new Error(`server exited (${code})`)));
      serverLines.on('line', (line) => {
        if (line.startsWith('CHAT_BENCH_READY ')) {
          clearTimeout(timer);
          res(JSON.parse(line.slice('CHAT_BENCH_READY '.length)));
        } else if (line.startsWith('CHAT_BENCH_STATS ')) {
          statsWaiters.shift()?.(JSON.parse(line.slice('CHAT_BENCH_STATS '.length)));
        } else log(`[server] ${line}`);
      });
    });
    const serverStats = () =>
      new Promise<Record<string, number>>((res) => {
        statsWaiters.push(res);
        server.stdin!.write('stats\n');
      });
    log(`server ready at ${ready.url} (pid ${ready.pid}), show ${ready.showId}`);
    const secret = readFileSync(join(dataDir, 'session-secret'), 'utf8').trim();

    // --- clients
    const gens: ChildProcess[] = [];
    const pendingSnaps = new Map<ChildProcess, (s: Snapshot) => void>();
    const connected: Promise<void>[] = [];
    for (let p = 0; p < PROCS; p++) {
      const g = spawnNode(join(ROOT, 'scripts/bench/chat-clients.ts'), [], process.env, true);
      children.push(g);
      gens.push(g);
      connected.push(
        new Promise((res) => {
          g.on('message', (m: { type: string }) => {
            if (m.type === 'connected') res();
            else if (m.type === 'snapshot') {
              const cb = pendingSnaps.get(g);
              pendingSnaps.delete(g);
              cb?.(m as Snapshot);
            }
          });
        }),
      );
      const share = (n: number) => Math.floor(n / PROCS) + (p < n % PROCS ? 1 : 0);
      const start: StartMsg = {
        type: 'start',
        url: ready.url,
        showId: ready.showId,
        secret,
        count: share(CLIENTS),
        senders: share(SENDERS),
        sendRate: (RATE * share(SENDERS)) / SENDERS,
        sampleEvery: SAMPLE,
        tag: `p${p}`,
        concurrency: Math.ceil(CONCURRENCY / PROCS),
      };
      g.send(start);
    }
    const snapshots = () =>
      Promise.all(
        gens.map(
          (g) =>
            new Promise<Snapshot>((res) => {
              pendingSnaps.set(g, res);
              g.send({ type: 'snapshot' });
            }),
        ),
      );
    const sum = (
      snaps: Snapshot[],
      k: 'connected' | 'helloDone' | 'closed' | 'frames' | 'chatDelivered' | 'sent' | 'accepted' | 'errors',
    ) => snaps.reduce((a, s) => a + s[k], 0);

    const tConnect = performance.now();
    await Promise.race([Promise.all(connected), sleep(90_000)]);
    for (let i = 0; i < 60; i++) {
      const s = await snapshots();
      if (sum(s, 'helloDone') >= CLIENTS || i === 59) {
        log(
          `connected ${sum(s, 'connected')}/${CLIENTS}, hello ${sum(s, 'helloDone')}, errors ${sum(s, 'errors')} in ${((performance.now() - tConnect) / 1000).toFixed(1)} s`,
        );
        break;
      }
      await sleep(500);
    }
    log(`server RSS after connect: ${rssMb(ready.pid).toFixed(0)} MB`);

    // --- load
    for (const g of gens) g.send({ type: 'send', on: true });
    log(`sending ${RATE} msgs/s from ${SENDERS} senders; warmup ${WARMUP_S} s`);
    await sleep(WARMUP_S * 1000);
    const a = await snapshots();
    const statsA = await serverStats();
    const cpuA = processCpuSeconds(ready.pid) ?? 0;
    const genCpuA = gens.reduce((acc, g) => acc + (processCpuSeconds(g.pid!) ?? 0), 0);
    const wA = performance.now();
    let peakRss = 0;
    for (let i = 0; i < WINDOW_S; i++) {
      await sleep(1000);
      peakRss = Math.max(peakRss, rssMb(ready.pid));
    }
    const b = await snapshots();
    const statsB = await serverStats();
    const cpuB = processCpuSeconds(ready.pid) ?? 0;
    const genCpuB = gens.reduce((acc, g) => acc + (processCpuSeconds(g.pid!) ?? 0), 0);
    const secs = (performance.now() - wA) / 1000;
    for (const g of gens) g.send({ type: 'send', on: false });

    const hist = new Array<number>(b[0]!.hist.length).fill(0);
    for (const s of b) {
      s.hist.forEach((v, i) => {
        hist[i] = (hist[i] ?? 0) + v;
      });
    }
    const rejected: Record<string, number> = {};
    for (const s of b) for (const [k, v] of Object.entries(s.rejected)) rejected[k] = (rejected[k] ?? 0) + v;
    const acceptedPerS = (sum(b, 'accepted') - sum(a, 'accepted')) / secs;
    const deliveredPerS = (sum(b, 'chatDelivered') - sum(a, 'chatDelivered')) / secs;
    const framesPerS = (sum(b, 'frames') - sum(a, 'frames')) / secs;
    const connectedNow = sum(b, 'connected') - sum(b, 'closed');
    const result = {
      bench: 'chat',
      clients: connectedNow,
      msgs_in_per_s: Math.round(acceptedPerS),
      delivered_per_s: Math.round(deliveredPerS),
      offered_per_s: Math.round(acceptedPerS * connectedNow),
      p50_ms: percentile(hist, 0.5),
      p99_ms: percentile(hist, 0.99),
      rss_mb: Math.round(peakRss),
      cpu_pct: Math.round(((cpuB - cpuA) / secs) * 100),
      frames_per_s: Math.round(framesPerS),
      sent_per_s: Math.round((sum(b, 'sent') - sum(a, 'sent')) / secs),
      rejected,
      latency_samples: hist.reduce((x, y) => x + y, 0),
      server_closed_slow: statsB.closedSlow ?? 0,
      server_lagging: statsB.lagging ?? 0,
      server_batches_per_s: Math.round((((statsB.batches ?? 0) - (statsA.batches ?? 0)) / secs) * 10) / 10,
      server_frames_per_s: Math.round(((statsB.frames ?? 0) - (statsA.frames ?? 0)) / secs),
      server_max_buffered_kb: Math.round((statsB.maxBufferedBytes ?? 0) / 1024),
      server_chat_accepted_per_s: Math.round(((statsB.chatAccepted ?? 0) - (statsA.chatAccepted ?? 0)) / secs),
      generator_cpu_pct: Math.round(((genCpuB - genCpuA) / secs) * 100),
      batch_ms: Number(args['batch-ms']),
      chat_per_batch: Number(args['chat-per-batch']),
      window_s: Math.round(secs),
    };
    log(
      `delivered ${result.delivered_per_s}/s of ${result.offered_per_s}/s offered; p50 ${result.p50_ms} ms p99 ${result.p99_ms} ms; RSS ${result.rss_mb} MB; CPU ${result.cpu_pct}%`,
    );
    for (const g of gens) g.send({ type: 'stop' });
    await sleep(300);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const ch of children) {
      if (ch.exitCode === null && ch.signalCode === null) ch.kill('SIGTERM');
    }
    await sleep(500);
    for (const ch of children) {
      if (ch.exitCode === null && ch.signalCode === null) ch.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
