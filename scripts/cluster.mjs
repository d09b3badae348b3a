// `npm run cluster`: a whole cluster on this machine — redis-server and PostgreSQL (Debian packages) on free loopback
// ports in a temp dir, and CLUSTER_NODES (3) server nodes from the built bundle (dist/server/main.mjs, as `npm start`
// runs it) sharing them, the demo catalog seeded once, each with its own web studio; the URLs are printed. Ctrl-C
// (SIGINT / SIGTERM / SIGHUP) stops the studios, then the nodes, then Redis and PostgreSQL, and removes the temp dir.
// Every child runs in its own process group, so a terminal's Ctrl-C reaches only this script, which stops them in
// that order (a node closing while its PostgreSQL is already gone would log failures), and whatever a group still
// holds afterwards is killed. Environment: CLUSTER_NODES (1–9), CLUSTER_PORT (first node's HTTP port, 8081; 0 = free
// ports), CLUSTER_STUDIO_PORT (5171), CLUSTER_RTC_PORT (41000, +1000 per node), CLUSTER_SECRET, MEDIASOUP_WORKERS
// (1 per node), PG_BIN_DIR, REDIS_SERVER_BIN; every other server key (README) goes to all nodes.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

const root = resolve(import.meta.dirname, '..');
process.chdir(root);
const say = (line) => console.log(`[cluster] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const env = process.env;

const PG_BIN_DIR = env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const REDIS_BIN = env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
const SERVER_MAIN = join(root, 'dist/server/main.mjs');
const WEB_HOST = join(root, 'dist/main/web-host.mjs');
const asRoot = process.getuid?.() === 0;

/** One line and exit 1: what is missing and how to get it. */
function fail(line) {
  console.error(`[cluster] ${line}`);
  process.exit(1);
}

function intEnv(name, fallback, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) fail(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return n;
}

const nodeCount = intEnv('CLUSTER_NODES', 3, 1, 9);
const httpBase = intEnv('CLUSTER_PORT', 8081, 0, 65535 - nodeCount);
const studioBase = intEnv('CLUSTER_STUDIO_PORT', 5171, 0, 65535 - nodeCount);
const rtcBase = intEnv('CLUSTER_RTC_PORT', 41000, 0, 65535 - 1000 * nodeCount);

// ---- what must be installed (checked before anything starts)
if (!existsSync(REDIS_BIN)) fail(`redis-server not found at ${REDIS_BIN} (apt-get install redis-server, or set REDIS_SERVER_BIN)`);
for (const bin of ['initdb', 'postgres'])
  if (!existsSync(join(PG_BIN_DIR, bin)))
    fail(`PostgreSQL's ${bin} not found in ${PG_BIN_DIR} (apt-get install postgresql, or set PG_BIN_DIR)`);
// PostgreSQL refuses to run as root: as root it runs as the `postgres` user, through runuser.
let pgOwner = null;
if (asRoot) {
  const id = (flag) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0)
    fail('running as root, but there is no `postgres` user to run PostgreSQL as (apt-get install postgresql)');
  if (spawnSync('runuser', ['--help'], { stdio: 'ignore' }).error)
    fail('running as root, but `runuser` is missing (util-linux) to start PostgreSQL as `postgres`');
  pgOwner = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
if (!existsSync(SERVER_MAIN) || !existsSync(WEB_HOST) || !existsSync(join(root, 'dist/web/viewer/index.html'))) {
  if (env.STORECAST_SKIP_BUILD === '1') fail('no build in dist/ (run `npm run build` first)');
  say('building (no build in dist/ yet)…');
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const asPostgres = (cmd, args) => (pgOwner ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);

// ---- the children, each in its own process group
const dir = mkdtempSync(join(tmpdir(), 'storecast-cluster-'));
// PostgreSQL's own dir, owned by the user it runs as (the main dir is 0700 root).
const pgDir = mkdtempSync(join(tmpdir(), 'storecast-cluster-pg-'));
const pgData = join(pgDir, 'data');
/** @type {{ name: string, proc: import('node:child_process').ChildProcess, exited: Promise<void>, log: string, ready: boolean, stop: () => void }[]} */
const children = [];
let stopping = false;

function start(name, cmd, args, extraEnv = {}) {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, 'a');
  const proc = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...env, ...extraEnv } });
  closeSync(fd);
  const exited = new Promise((r) => proc.once('exit', () => r()));
  // `ready` once it answered: an exit before that is the starter's to report (or to retry on another port).
  const child = { name, proc, exited, log, ready: false, stop: () => proc.kill('SIGTERM') };
  children.push(child);
  proc.once('exit', (code, signal) => {
    if (stopping || !child.ready) return;
    say(`${name} exited (${code ?? signal}); its log ends:\n${tail(log)}`);
    shutdown(1);
  });
  return child;
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const alive = (proc) => proc.exitCode === null && proc.signalCode === null;
/** A start that failed (its port taken meanwhile): nothing of it stays, and it is not stopped again later. */
function forget(child) {
  killGroup(child.proc.pid, 'SIGKILL');
  children.splice(children.indexOf(child), 1);
}
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

/** The postmaster's pid (runuser does not pass signals on; PostgreSQL shuts down fast on SIGINT). */
function postmasterPid() {
  try {
    return Number(readFileSync(join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

const webHosts = [];
let exitCode = 0;
let stoppedAt = 0;
/** Studios, then nodes (in parallel), then Redis and PostgreSQL; each waited for, then its group killed. */
async function shutdown(code = 0) {
  if (stopping) {
    // A supervisor (npm) may forward the signal the terminal also sent: one press, two signals.
    if (Date.now() - stoppedAt < 2000) return;
    say('forced stop');
    for (const c of children) killGroup(c.proc.pid, 'SIGKILL');
    return;
  }
  stopping = true;
  stoppedAt = Date.now();
  exitCode = code;
  say('stopping…');
  await Promise.all(webHosts.map((h) => h.close().catch(() => {})));
  const nodes = children.filter((c) => c.name.startsWith('node-'));
  const engines = children.filter((c) => !c.name.startsWith('node-'));
  for (const group of [nodes, engines]) {
    await Promise.all(
      group.map(async (c) => {
        if (alive(c.proc)) {
          c.stop();
          await Promise.race([c.exited, sleep(15_000)]);
        }
        killGroup(c.proc.pid, 'SIGKILL'); // anything the process left in its group
      }),
    );
  }
  const pm = postmasterPid();
  if (pm) killGroup(pm, 'SIGKILL'); // in case runuser gave the postmaster a session of its own
  removeDirs();
  say('stopped');
  process.exit(exitCode);
}

function removeDirs() {
  rmSync(dir, { recursive: true, force: true });
  rmSync(pgDir, { recursive: true, force: true });
}

// The script itself dying: leave nothing behind.
process.on('exit', () => {
  for (const c of children) if (alive(c.proc)) killGroup(c.proc.pid, 'SIGKILL');
  const pm = postmasterPid();
  if (pm) killGroup(pm, 'SIGKILL');
  removeDirs();
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => shutdown(0));

// ---- helpers
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Poll `check` every 100 ms until it is true, the child exits or the deadline passes. */
async function waitFor(what, child, check, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (stopping) await new Promise(() => {});
    if (!alive(child.proc)) throw new Error(`${what}: ${child.name} exited`);
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what}: not ready after ${ms / 1000} s (log ${child.log}):\n${tail(child.log)}`);
}

function redisPing(port) {
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.on('data', (d) => done(d.toString().startsWith('+PONG')));
    sock.connect(port, '127.0.0.1', () => sock.write('PING\r\n'));
  });
}

async function pgQuery(url, sql) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.query(sql);
    return true;
  } finally {
    await c.end().catch(() => {});
  }
}

// ---- Redis: no persistence (everything in it is rebuilt by the nodes), its own port and dir
async function startRedis() {
  const redisDir = join(dir, 'redis');
  mkdirSync(redisDir);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'no'];
    const child = start('redis', REDIS_BIN, args);
    try {
      await waitFor('redis-server', child, () => redisPing(port), 10_000);
      child.ready = true;
      return `redis://127.0.0.1:${port}`;
    } catch (err) {
      if (attempt >= 3 || stopping) throw err; // else the port was taken meanwhile: another one
      forget(child);
    }
  }
}

// ---- PostgreSQL 15: initdb and postgres as the `postgres` user, socket in its own dir, database `storecast`
async function startPostgres() {
  if (pgOwner) chownSync(pgDir, pgOwner.uid, pgOwner.gid);
  chmodSync(pgDir, 0o700);
  const [initCmd, initArgs] = asPostgres(join(PG_BIN_DIR, 'initdb'), [
    '-D',
    pgData,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-locale',
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.stderr || init.stdout}`);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const [cmd, args] = asPostgres(join(PG_BIN_DIR, 'postgres'), ['-D', pgData, '-p', String(port), '-h', '127.0.0.1', '-k', pgDir]);
    const child = start('postgres', cmd, args);
    child.stop = () => {
      const pm = postmasterPid();
      if (pm)
        process.kill(pm, 'SIGINT'); // fast shutdown: open sessions are ended, the data is consistent
      else child.proc.kill('SIGTERM');
    };
    const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
    try {
      await waitFor('postgres', child, () => pgQuery(admin, 'SELECT 1'), 20_000);
      await pgQuery(admin, 'CREATE DATABASE storecast');
      child.ready = true;
      return `postgres://postgres@127.0.0.1:${port}/storecast`;
    } catch (err) {
      if (attempt >= 3 || stopping) throw err;
      forget(child);
    }
  }
}

// ---- the nodes
async function startNode(i, shared) {
  const id = `node-${String.fromCharCode(97 + i)}`;
  const port = httpBase === 0 ? await freePort() : httpBase + i;
  const url = `http://127.0.0.1:${port}`;
  const dataDir = join(dir, id);
  mkdirSync(dataDir);
  // Product images are files under DATA_DIR/media: one directory for all nodes, as shared storage would be.
  symlinkSync(shared.mediaDir, join(dataDir, 'media'));
  const child = start(id, process.execPath, [SERVER_MAIN], {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    RTC_LISTEN_IP: '127.0.0.1',
    RTC_PORT: String(rtcBase === 0 ? 0 : rtcBase + 1000 * i),
    MEDIASOUP_WORKERS: env.MEDIASOUP_WORKERS ?? '1',
    NO_PRETTY_LOGS: '1',
    REDIS_URL: shared.redisUrl,
    DATABASE_URL: shared.databaseUrl,
    NODE_ID: id,
    NODE_PUBLIC_URL: url,
    CLUSTER_SECRET: shared.secret,
    // Buyers' session cookies and realtime public ids are signed with it: one for all nodes, or a buyer the balancer
    // sends to another node would lose the session and its orders.
    SESSION_SECRET: shared.sessionSecret,
  });
  const healthy = async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
  await waitFor(id, child, healthy, 90_000);
  child.ready = true;
  return { id, url, dataDir, log: child.log, index: i };
}

function setupCode(dataDir) {
  try {
    return readFileSync(join(dataDir, 'setup-code'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

async function main() {
  const redisUrl = await startRedis();
  say(`Redis       ${redisUrl}`);
  const databaseUrl = await startPostgres();
  say(`PostgreSQL  ${databaseUrl}`);
  const mediaDir = join(dir, 'media');
  mkdirSync(mediaDir);
  const shared = {
    redisUrl,
    databaseUrl,
    mediaDir,
    secret: env.CLUSTER_SECRET ?? randomBytes(24).toString('base64url'),
    sessionSecret: randomBytes(32).toString('base64url'),
  };
  // The first node migrates the database and seeds the demo catalog; the others start once it has (seeding is
  // "when the catalog is empty", which nodes starting together would each find).
  const first = await startNode(0, shared);
  const rest = await Promise.all(Array.from({ length: nodeCount - 1 }, (_, k) => startNode(k + 1, shared)));
  const nodes = [first, ...rest];
  const { startWebHost } = await import(WEB_HOST);
  for (const n of nodes) {
    const host = await startWebHost({
      dataDir: n.dataDir,
      serverUrl: n.url,
      port: studioBase === 0 ? 0 : studioBase + n.index,
      webDir: join(root, 'dist/web'),
      log: { info: () => {}, warn: (m) => say(`${n.id} studio: ${m}`) },
    });
    webHosts.push(host);
    say(`${n.id}  ${n.url}  data ${n.dataDir}  log ${n.log}`);
    say(`  studio     ${host.url}`);
    say(`  viewer     ${n.url}/live/<showId>  (shows this node's studio publishes; viewers are placed on any node)`);
    const code = setupCode(n.dataDir);
    say(`  moderator  ${n.url}/moderator${code ? `  (first run: setup code ${code})` : ''}`);
  }
  say(`ready: ${nodes.length} nodes on one Redis and one PostgreSQL (temp dir ${dir}, removed on stop); Ctrl-C stops everything`);
}

main().catch((err) => {
  if (stopping) return;
  say(err instanceof Error ? err.message : String(err));
  shutdown(1);
});
