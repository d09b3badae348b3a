/**
 * Test helper: a throwaway PostgreSQL cluster (Debian's postgresql 15 binaries). PostgreSQL refuses to run as root, so
 * the cluster is created and run as the `postgres` user (`runuser`) in a temp dir owned by it, listening on a free
 * loopback port with its unix socket inside that dir. `stop()` removes everything; so does the process exiting.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freeLoopbackPort } from '../cluster/testing';

export const PG_BIN_DIR = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/** Why the PostgreSQL half of a suite cannot run here, or null when it can. */
export function pgUnavailable(): string | null {
  if (!existsSync(join(PG_BIN_DIR, 'initdb')) || !existsSync(join(PG_BIN_DIR, 'postgres')))
    return `PostgreSQL binaries not found in ${PG_BIN_DIR} (apt-get install postgresql, or set PG_BIN_DIR)`;
  return null;
}

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** A fresh empty database on this cluster; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function runAsPostgres(cmd: string, args: string[]): { file: string; args: string[] } {
  return asRoot ? { file: 'runuser', args: ['-u', 'postgres', '--', cmd, ...args] } : { file: cmd, args };
}

/** `durable`: keep PostgreSQL's own fsync and commit settings (benches that measure commits); off by default. */
export async function startTestPostgres(opts: { durable?: boolean } = {}): Promise<TestPostgres> {
  const why = pgUnavailable();
  if (why) throw new Error(why);
  const dir = mkdtempSync(join(tmpdir(), 'sc-pg-'));
  const data = join(dir, 'data');
  let child: ChildProcess | null = null;
  // runuser does not pass signals on: they go to the postmaster itself (its pid is in postmaster.pid).
  const signal = (sig: NodeJS.Signals) => {
    try {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, sig);
    } catch {
      // not running
    }
  };
  const cleanup = () => {
    if (child) signal('SIGQUIT');
    child = null;
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  try {
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    const init = runAsPostgres(join(PG_BIN_DIR, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale']);
    execFileSync(init.file, init.args, { stdio: 'ignore' });
    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      const run = runAsPostgres(join(PG_BIN_DIR, 'postgres'), [
        '-D',
        data,
        '-p',
        String(port),
        '-h',
        '127.0.0.1',
        '-k',
        dir,
        // A test cluster: durability is not what is tested (crash tests use their own settings).
        ...(opts.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
        '-c',
        'max_connections=100',
      ]);
      const proc = spawn(run.file, run.args, { stdio: 'ignore' });
      child = proc;
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      if (await answers(url, proc)) return handle(url, port);
      signal('SIGQUIT');
      child = null;
      if (attempt >= 3) throw new Error('postgres did not start');
    }
  } catch (err) {
    cleanup();
    process.removeListener('exit', cleanup);
    throw err;
  }

  function handle(url: string, port: number): TestPostgres {
    return {
      url,
      port,
      async createDatabase(name) {
        if (!/^[a-z_][a-z0-9_]{0,40}$/.test(name)) throw new Error(`bad database name ${name}`);
        const c = new pg.Client({ connectionString: url });
        c.on('error', () => undefined); // the cluster stopping under it is not a test failure
        await c.connect();
        try {
          await c.query(`CREATE DATABASE ${name}`);
        } finally {
          await c.end();
        }
        return url.replace(/\/postgres$/, `/${name}`);
      },
      async stop() {
        const proc = child;
        child = null;
        if (proc && proc.exitCode === null) {
          await new Promise<void>((resolve) => {
            proc.once('exit', () => resolve());
            signal('SIGINT'); // fast shutdown
          });
        }
        rmSync(dir, { recursive: true, force: true });
        process.removeListener('exit', cleanup);
      },
    };
  }
}

async function answers(url: string, proc: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) return false;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    c.on('error', () => undefined); // the cluster stopping under it is not a test failure
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      await c.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}
