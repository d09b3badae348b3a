/**
 * Test helper: a real redis-server (Debian's /usr/bin/redis-server) on a free loopback port, without persistence,
 * started and stopped by the test. `stop()` then `start()` again on the same port is a Redis restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer, Socket } from 'node:net';
import type { ServerInternals } from '../app';
import type { ServerConfigInput } from '../config';
import { startTestServer, type TestServer } from '../testing/harness';

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export interface TestRedis {
  port: number;
  url: string;
  /** Running right now. */
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Whether the redis-server answering on `port` is the process `pid`: another Redis already on the port (a port reused
 * between tests) answers PING too, and two tests sharing one Redis see each other's nodes.
 */
function answersAs(port: number, pid: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    let data = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.on('data', (d) => {
      data += d.toString();
      const m = /process_id:(\d+)/.exec(data);
      if (m) done(Number(m[1]) === pid);
    });
    sock.connect(port, '127.0.0.1', () => sock.write('INFO server\r\n'));
  });
}

export async function startTestRedis(): Promise<TestRedis> {
  // A port found free can be taken before redis-server binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTestRedisOn(await freeLoopbackPort());
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startTestRedisOn(port: number): Promise<TestRedis> {
  let child: ChildProcess | null = null;
  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) return;
      const proc = spawn(REDIS_SERVER_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      child = proc;
      proc.once('exit', () => {
        if (child === proc) child = null;
      });
      const deadline = Date.now() + 10_000;
      while (!(await answersAs(port, proc.pid ?? -1))) {
        if (!child) throw new Error('redis-server exited at start');
        if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      child = null;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      });
    },
  };
  // A test that fails before its cleanup must not leave a redis-server behind.
  process.once('exit', () => {
    if (child) child.kill('SIGKILL');
  });
  await redis.start();
  return redis;
}

/**
 * A Storecast server in cluster mode on `redis`: a free loopback port as its public URL, the shared cluster secret,
 * and heartbeats and TTL shortened for tests (`cluster` overrides them).
 */
export async function startClusterNode(
  redis: TestRedis,
  nodeId: string,
  secret: string,
  config: Partial<ServerConfigInput> = {},
  cluster: ServerInternals['cluster'] = { heartbeatMs: 200, ttlMs: 2000 },
): Promise<TestServer> {
  const port = await freeLoopbackPort();
  return startTestServer(
    { port, redisUrl: redis.url, nodeId, nodePublicUrl: `http://127.0.0.1:${port}`, clusterSecret: secret, ...config },
    { cluster },
  );
}
