/**
 * Start the Storecast server in a child process (scripts/bench/lib/server-runner.ts) and wait until it is ready.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const READY_PREFIX = 'STORECAST_BENCH_READY ';
/** The runner prints `STORECAST_BENCH_ROUTERS <n>` whenever the number of open mediasoup Routers changes. */
export const ROUTERS_PREFIX = 'STORECAST_BENCH_ROUTERS ';

export interface RunnerReady {
  url: string;
  studioToken: string;
  /** The server's Node process. */
  pid: number;
  /** mediasoup worker processes created so far. */
  workerPids: number[];
}

export interface ServerProcess extends RunnerReady {
  child: ChildProcess;
  stop(): Promise<void>;
}

const RUNNER = fileURLToPath(new URL('./server-runner.ts', import.meta.url));

export async function startServerProcess(opts: { dataDir: string; webDir?: string; log: (line: string) => void }): Promise<ServerProcess> {
  const args = ['--import', 'tsx', RUNNER, opts.dataDir, ...(opts.webDir ? [opts.webDir] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  createInterface({ input: child.stderr! }).on('line', (l) => opts.log(`[server] ${l}`));
  const ready = await new Promise<RunnerReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not become ready within 30 s')), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server process exited (${code}) before it was ready`));
    });
    lines.on('line', (line) => {
      if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(READY_PREFIX.length)) as RunnerReady);
      } else {
        opts.log(`[server] ${line}`);
      }
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    ...ready,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 6000);
      await exited;
      clearTimeout(t);
    },
  };
}
