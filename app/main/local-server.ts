/**
 * Starts the Storecast server as a child Node process (`node dist/server/main.mjs`), so native modules
 * (mediasoup, better-sqlite3) never load inside Electron. Waits for `/healthz` before resolving.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface LocalServerOptions {
  /** Node binary (not Electron: native addons are built for Node's ABI). */
  nodeBin: string;
  /** Path of the bundled server entry, dist/server/main.mjs. */
  serverEntry: string;
  dataDir: string;
  webDir: string;
  /** Port to listen on; 0/undefined = pick a free one. */
  port?: number;
  /** Extra environment (e.g. MEDIASOUP_WORKER_BIN, HOST). */
  env?: Record<string, string | undefined>;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Ask the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  const port = opts.port || (await freePort());
  const log = opts.log ?? ((l: string) => console.log(`[server] ${l}`));
  const child = spawn(opts.nodeBin, [opts.serverEntry], {
    env: { ...process.env, ...opts.env, PORT: String(port), DATA_DIR: opts.dataDir, WEB_DIR: opts.webDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      log(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  child.once('error', (err) => {
    exited = `failed to start: ${err.message}`;
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
  for (;;) {
    if (exited) throw new Error(`local server ${exited}\n${tail.join('\n')}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`local server did not become healthy within ${opts.startTimeoutMs ?? 20_000} ms\n${tail.join('\n')}`);
    }
    await delay(200);
  }
  return { url, port, close: () => stopChild(child) };
}
