/**
 * `npm run bench:scale` — one show spread over every mediasoup worker of this machine against the same load on one
 * worker.
 *
 *  - Two phases with the same N viewers (werift peers in child processes, scripts/bench/lib/viewer-fleet.ts) watching
 *    the real studio in headless Chromium (H.264 3-layer simulcast + opus, lib/studio-publisher.ts), each against a
 *    fresh server process (lib/server-runner.ts):
 *      single: MEDIASOUP_WORKERS=1 — every viewer on the origin Router;
 *      spread: MEDIASOUP_WORKERS = the cores, SFU_VIEWERS_PER_ROUTER = ⌈N / workers⌉ — the origin plus one fan-out
 *              Router per other worker, the studio's stream piped to each.
 *  - Each phase settles, then is measured over a window: loss and fps per viewer (RTP sequence gaps / marker bits),
 *    mediasoup CPU as bench:fanout does it (utime+stime of the worker processes from /proc/<pid>/stat).
 *  - viewers_per_core = N / (worker CPU seconds / window seconds); efficiency = spread ÷ single;
 *    pipe_cpu_pct = spread worker CPU − single worker CPU (% of one core): what spreading costs, mostly the pipes.
 *
 *  - A third phase, edge (lib/edge-first-frame.ts): redis-server and two server processes in cluster mode; the studio
 *    publishes to the origin, viewers placed on the other node join one at a time: edge_first_frame_p50_ms is the
 *    median time from a viewer's start to its first video packet through the edge (the first join opens the pipe).
 *
 * Progress goes to stderr; the last stdout line is the JSON result.
 * Options: --viewers 60  --window 12  --procs 2  --concurrency 6  --nice 10  --workers <cores>  --edge-joins 10 (0: skip)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { childPidsOf, totalCpuSeconds } from './lib/proc-cpu';
import { fleetWindow } from './lib/fleet-window';
import { ROUTERS_PREFIX, type ServerProcess, startServerProcess } from './lib/server-process';
import { type StudioPublisher, startStudioPublisher } from './lib/studio-publisher';
import { settle, waitForPublisherRamp } from './lib/ready';
import { ViewerFleet } from './lib/viewer-fleet';
import { percentile } from '../../app/e2e/harness';
import { type EdgeResult, edgeFirstFrames } from './lib/edge-first-frame';
import { benchLog } from './lib/log';

const ROOT = resolve(import.meta.dirname, '../..');
const { log } = benchLog('scale');

const { values: args } = parseArgs({
  options: {
    viewers: { type: 'string', default: '60' },
    window: { type: 'string', default: '12' },
    procs: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '6' },
    nice: { type: 'string', default: '10' },
    workers: { type: 'string', default: String(availableParallelism()) },
    'edge-joins': { type: 'string', default: '10' },
  },
});
const N = Number(args.viewers);
const WINDOW_S = Number(args.window);
const PROCS = Number(args.procs);
const WORKERS = Number(args.workers);
if (!(N >= 1) || !(WINDOW_S > 0) || !(PROCS >= 1) || !(WORKERS >= 1)) throw new Error('bad options');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PhaseResult {
  workers: number;
  routers: number;
  started: number;
  lossPct: number;
  fps: number;
  silent: number;
  workerCpuPct: number;
  viewersPerCore: number | null;
}

async function phase(name: string, workers: number, viewersPerRouter: number, webDir: string): Promise<PhaseResult> {
  process.env.MEDIASOUP_WORKERS = String(workers);
  process.env.SFU_VIEWERS_PER_ROUTER = String(viewersPerRouter);
  const dataDir = mkdtempSync(join(tmpdir(), `storecast-scale-${name}-`));
  let routers = 0;
  let server: ServerProcess | null = null;
  let publisher: StudioPublisher | null = null;
  let fleet: ViewerFleet | null = null;
  try {
    server = await startServerProcess({
      dataDir,
      webDir,
      log: (line) => {
        const at = line.indexOf(ROUTERS_PREFIX);
        if (at >= 0) routers = Number(line.slice(at + ROUTERS_PREFIX.length));
        else log(line);
      },
    });
    log(`${name}: server with ${workers} worker(s), ${viewersPerRouter} viewers per router`);
    publisher = await startStudioPublisher({ serverUrl: server.url, dataDir, webDir, title: `Scale bench (${name})`, log });
    await waitForPublisherRamp(publisher, 20_000, log);
    fleet = new ViewerFleet(PROCS, {
      serverUrl: server.url,
      showId: publisher.showId,
      quality: 'auto',
      concurrency: Number(args.concurrency),
      niceness: Number(args.nice),
      log,
    });
    const add = await fleet.add(N);
    for (const e of add.errors.slice(0, 5)) log(`  ${e}`);
    await settle(fleet, 10_000, log);
    await sleep(2000);
    const pids = [...new Set([...server.workerPids, ...childPidsOf(server.pid, 'mediasoup-worke')])];
    const a = await fleet.snapshot();
    const c0 = totalCpuSeconds(pids);
    await sleep(WINDOW_S * 1000);
    const b = await fleet.snapshot();
    const cpuS = totalCpuSeconds(pids) - c0;
    const windowS = (b.at - a.at) / 1000;
    const { lossPct, fpsMean: fps, silent } = fleetWindow(a, b);
    const workerCpuPct = (100 * cpuS) / windowS;
    const r: PhaseResult = {
      workers,
      routers,
      started: add.started,
      lossPct,
      fps,
      silent,
      workerCpuPct,
      viewersPerCore: cpuS > 0 ? N / (cpuS / windowS) : null,
    };
    log(
      `${name}: N=${N} started=${r.started} routers=${routers} loss=${r.lossPct.toFixed(3)}% fps=${r.fps.toFixed(1)} silent=${r.silent} ` +
        `workers CPU=${workerCpuPct.toFixed(1)}% of a core → ${r.viewersPerCore?.toFixed(0)} viewers per core`,
    );
    return r;
  } finally {
    await fleet?.stop().catch((e) => log(`fleet stop: ${e}`));
    await publisher?.close().catch((e) => log(`publisher close: ${e}`));
    await server?.stop().catch((e) => log(`server stop: ${e}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const round = (x: number | null, d: number) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

function result(single: PhaseResult | null, spread: PhaseResult | null, edge: EdgeResult | null): string {
  const efficiency = single?.viewersPerCore && spread?.viewersPerCore ? spread.viewersPerCore / single.viewersPerCore : null;
  return JSON.stringify({
    bench: 'scale',
    workers: spread?.workers ?? WORKERS,
    routers: spread?.routers ?? null,
    viewers: N,
    loss_pct: round(spread?.lossPct ?? null, 3),
    fps: round(spread?.fps ?? null, 1),
    single_worker_viewers_per_core: round(single?.viewersPerCore ?? null, 1),
    spread_viewers_per_core: round(spread?.viewersPerCore ?? null, 1),
    efficiency: round(efficiency, 3),
    pipe_cpu_pct: single && spread ? round(spread.workerCpuPct - single.workerCpuPct, 1) : null,
    edge_first_frame_p50_ms: edge?.firstFrameMs.length ? round(percentile(edge.firstFrameMs, 50), 1) : null,
  });
}

async function main(): Promise<void> {
  const webDir = resolve(ROOT, process.env.WEB_DIR ?? 'dist/web');
  if (!existsSync(join(webDir, 'studio', 'index.html'))) throw new Error(`${webDir} has no web build: run \`npm run build\` first`);
  const single = await phase('single', 1, N, webDir);
  const spread = await phase('spread', WORKERS, Math.ceil(N / WORKERS), webDir);
  const joins = Number(args['edge-joins']);
  const edge = joins > 0 ? await edgeFirstFrames({ joins, webDir, log }) : null;
  log(`target: efficiency ≥ 0.85, loss < 1 %, first frame via an edge p50 ≤ 300 ms`);
  console.log(result(single, spread, edge));
  if (single.silent + spread.silent > 0 || spread.lossPct >= 1) process.exitCode = 1;
}

main().catch((err) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  console.log(result(null, null, null));
  process.exit(1);
});
