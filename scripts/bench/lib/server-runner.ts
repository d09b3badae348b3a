/**
 * Runs one Storecast server in its own process for the benches, so its CPU (Node process + mediasoup worker
 * processes) is separable from the load generator's. Prints one line `STORECAST_BENCH_READY {json}` on stdout
 * (url, studio token, its pid, the mediasoup worker pids) and runs until stdin closes or SIGTERM/SIGINT.
 *
 * Usage: tsx scripts/bench/lib/server-runner.ts <dataDir> [webDir]   (MEDIASOUP_WORKER_BIN, MEDIASOUP_WORKERS,
 * SFU_VIEWERS_PER_ROUTER and PORT are honoured; with REDIS_URL the node joins a cluster as NODE_ID, reachable at
 * NODE_PUBLIC_URL, signing with CLUSTER_SECRET). Each change of the number of open Routers is printed as
 * `STORECAST_BENCH_ROUTERS n`.
 */
import * as mediasoup from 'mediasoup';
import { createStorecastServer } from '../../../server/src/app';
import { READY_PREFIX, ROUTERS_PREFIX, type RunnerReady } from './server-process';

async function main(): Promise<void> {
  const [dataDir, webDir] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: server-runner.ts <dataDir> [webDir]');
  const workerPids = new Set<number>();
  let routers = 0;
  const routersChanged = (by: number) => {
    routers += by;
    process.stdout.write(`${ROUTERS_PREFIX}${routers}\n`);
  };
  // Every worker the server creates (including respawns) — observed through mediasoup's own observer.
  mediasoup.observer.on('newworker', (worker) => {
    if (typeof worker.pid === 'number') workerPids.add(worker.pid);
    worker.observer.on('newrouter', (router) => {
      routersChanged(1);
      router.observer.once('close', () => routersChanged(-1));
    });
  });
  const server = await createStorecastServer({
    dataDir,
    port: Number(process.env.PORT ?? 0),
    host: '127.0.0.1',
    rtcListenIp: '127.0.0.1',
    rtcAnnouncedIp: '127.0.0.1',
    // Any free media port (a bench may run beside tests); every bench viewer comes from 127.0.0.1 and the bench
    // measures the SFU beyond its rated capacity, so neither transport cap applies.
    rtcPort: 0,
    sfuMaxTransportsPerIp: 0,
    sfuMaxTransports: 1_000_000,
    logLevel: (process.env.LOG_LEVEL as 'warn' | undefined) ?? 'warn',
    mediasoupWorkers: Number(process.env.MEDIASOUP_WORKERS ?? 1),
    ...(process.env.SFU_VIEWERS_PER_ROUTER ? { sfuViewersPerRouter: Number(process.env.SFU_VIEWERS_PER_ROUTER) } : {}),
    ...(webDir ? { webDir } : {}),
    ...(process.env.REDIS_URL
      ? {
          redisUrl: process.env.REDIS_URL,
          nodeId: process.env.NODE_ID,
          nodePublicUrl: process.env.NODE_PUBLIC_URL,
          clusterSecret: process.env.CLUSTER_SECRET,
        }
      : {}),
  });
  const ready: RunnerReady = { url: server.url, studioToken: server.studioToken, pid: process.pid, workerPids: [...workerPids] };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(ready)}\n`);

  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    try {
      await server.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.stdin.on('end', () => void shutdown());
  process.stdin.on('close', () => void shutdown());
  process.stdin.resume();
}

main().catch((err) => {
  console.error(`[server-runner] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
