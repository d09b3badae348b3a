/**
 * Scheduled jobs under a Redis lease against a real redis-server: with three nodes the job runs on one of them only,
 * and when that node dies (stops renewing, never releases) another takes the lease with a higher fencing token.
 * A node stopped while its try to take the lease is on the way to Redis starts no pass after stop() and gives back
 * what that try took.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { type Job, startJob } from './lease';
import { RedisConnection } from './redis';
import { startTestRedis, type TestRedis } from './testing';

const log = createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: TestRedis;
const conns: RedisConnection[] = [];
const jobs: Job[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const j of jobs.splice(0)) await j.stop();
  for (const c of conns.splice(0)) await c.close();
});

interface Run {
  node: string;
  fence: number;
  start: number;
  end: number;
}

async function node(name: string, runs: Run[], everyMs = 50, ttlMs = 600) {
  const conn = new RedisConnection(redis.url, log);
  conns.push(conn);
  await conn.waitReady(5000);
  const job = startJob({
    redis: conn,
    name: 'test-sweep',
    holder: name,
    everyMs,
    ttlMs,
    log,
    async run(fence) {
      const start = Date.now();
      await sleep(10);
      runs.push({ node: name, fence, start, end: Date.now() });
    },
  });
  jobs.push(job);
  return { conn, job };
}

describe('leased scheduled job', () => {
  it('runs on exactly one of three nodes, and moves on when its holder dies', async () => {
    const runs: Run[] = [];
    const nodes = await Promise.all(['n1', 'n2', 'n3'].map((n) => node(n, runs)));
    await sleep(1000);
    const holders = new Set(runs.map((r) => r.node));
    expect(holders.size).toBe(1);
    expect(runs.length).toBeGreaterThan(8);
    expect(nodes.filter((n) => n.job.held)).toHaveLength(1);
    const first = runs[0]!;

    // The holder dies: its connection drops without giving the lease back.
    const dead = nodes.find((n) => n.job.held)!;
    await dead.conn.close();
    await dead.job.stop();
    const diedAt = Date.now();
    await sleep(1500);
    const after = runs.filter((r) => r.start > diedAt);
    const next = new Set(after.map((r) => r.node));
    expect(next.size).toBe(1);
    expect(next.has(first.node)).toBe(false);
    // Taken over within the TTL (600 ms) plus a renewal period, with a newer fencing token.
    expect(after[0]!.start - diedAt).toBeLessThan(600 + 400);
    expect(after[0]!.fence).toBeGreaterThan(first.fence);
    // Never two passes at once.
    const sorted = [...runs].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
  });

  it('starts no pass after stop(), even when the lease is being taken as it is called', async () => {
    const runs: Run[] = [];
    const first = await node('n1', runs);
    while (!first.job.held) await sleep(10);
    // n2's tries to take the lease (the 2-key script) wait at a gate before they reach Redis.
    const conn = new RedisConnection(redis.url, log);
    conns.push(conn);
    await conn.waitReady(5000);
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let waiting = false;
    const realEval = conn.commands.eval.bind(conn.commands) as (...args: unknown[]) => Promise<unknown>;
    (conn.commands as unknown as { eval: (...args: unknown[]) => Promise<unknown> }).eval = async (...args: unknown[]) => {
      if (args[1] === 2) {
        waiting = true;
        await gate;
      }
      return realEval(...args);
    };
    const second = startJob({
      redis: conn,
      name: 'test-sweep',
      holder: 'n2',
      everyMs: 50,
      ttlMs: 600,
      log,
      run: (fence) => void runs.push({ node: 'n2', fence, start: Date.now(), end: Date.now() }),
    });
    jobs.push(second);
    while (!waiting) await sleep(5);
    // The holder leaves and gives the lease back; n2, its try under way, is stopped before that try reaches Redis.
    await first.job.stop();
    const stopping = second.stop();
    const stoppedAt = Date.now();
    open();
    await stopping;
    await sleep(200);
    expect(runs.filter((r) => r.node === 'n2' && r.start >= stoppedAt)).toEqual([]);
    expect(second.held).toBe(false);
    // ...and the lease it took meanwhile went back: a third node takes it at once.
    const third = await node('n3', runs);
    await sleep(200);
    expect(third.job.held).toBe(true);
  });

  it('runs in-process without Redis', async () => {
    let n = 0;
    const job = startJob({ redis: null, name: 'local', holder: 'x', everyMs: 30, log, run: () => void n++ });
    jobs.push(job);
    await sleep(200);
    expect(job.held).toBe(true);
    expect(n).toBeGreaterThan(3);
  });
});
