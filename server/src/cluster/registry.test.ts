/**
 * The node registry against a real redis-server (started on a free loopback port by the test): registration with
 * load and shows, expiry of a node that stops beating, refusal of a NODE_ID a live node holds, the show → origin map,
 * and recovery after Redis restarts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeLoad } from '../../../shared/protocol/cluster';
import { RpcError } from '../../../shared/protocol/rpc';
import { ConfigError } from '../config';
import { createLogger } from '../log';
import type { RoomManager } from '../sfu/rooms';
import { ClusterNode, type ClusterNodeOptions } from './node';
import { startTestRedis, type TestRedis } from './testing';

const log = createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' });
const SECRET = 'registry-test-secret-0123';
const HEARTBEAT_MS = 100;
const TTL_MS = 400;

let redis: TestRedis;
const started: ClusterNode[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const n of started.splice(0)) await n.close();
  if (!redis.running) await redis.start();
});

interface NodeState {
  load: NodeLoad;
  shows: string[];
  origin: string[];
  known: Set<string>;
}

async function startNode(nodeId: string, state: Partial<NodeState> = {}, extra: Partial<ClusterNodeOptions> = {}) {
  const s: NodeState = {
    load: { viewers: 0, transports: 0, maxTransports: 100, cpu: 0 },
    shows: [],
    origin: [],
    known: new Set(),
    ...state,
  };
  const node = await ClusterNode.start({
    settings: { redisUrl: redis.url, nodeId, publicUrl: `http://127.0.0.1:1${nodeId.length}000`, secret: SECRET },
    log,
    // No show is published in these tests: nothing asks the rooms (cluster.test.ts runs whole servers).
    rooms: { get: () => undefined, view: new Map() } as unknown as RoomManager,
    listen: { ip: '127.0.0.1' },
    load: () => s.load,
    shows: () => s.shows,
    originShows: () => s.origin,
    knowsShow: (id) => s.known.has(id),
    heartbeatMs: HEARTBEAT_MS,
    ttlMs: TTL_MS,
    connectTimeoutMs: 2000,
    ...extra,
  });
  started.push(node);
  return { node, state: s };
}

const until = async (what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('node registry (real redis-server)', () => {
  it('lists every live node with its URLs, load and shows; the heartbeat refreshes the load', async () => {
    const { node: a, state } = await startNode('node-a', { shows: ['show-1'] });
    await startNode('node-b');
    const nodes = await a.registry.nodes();
    expect(nodes.map((n) => n.nodeId).sort()).toEqual(['node-a', 'node-b']);
    const rec = nodes.find((n) => n.nodeId === 'node-a')!;
    expect(rec.wsUrl).toBe('ws://127.0.0.1:16000/ws/signaling');
    expect(rec.shows).toEqual(['show-1']);
    state.load = { viewers: 7, transports: 7, maxTransports: 100, cpu: 0.2 };
    await until('the new load', async () => (await a.registry.node('node-a'))?.load.viewers === 7);
  });

  it('drops a node that stopped beating after the TTL, and a closed node at once', async () => {
    const { node: a } = await startNode('node-a');
    const { node: b } = await startNode('node-b');
    const { node: c } = await startNode('node-c');
    // A crash: the heartbeat stops without a goodbye.
    await b.redis.close();
    await until('node-b to expire', async () => !(await a.registry.nodes()).some((n) => n.nodeId === 'node-b'), TTL_MS * 5);
    await c.close();
    expect((await a.registry.nodes()).map((n) => n.nodeId)).toEqual(['node-a']);
  });

  it('refuses a second node under an id a live node holds, with a ConfigError, and the first keeps it', async () => {
    const { node: a } = await startNode('node-a');
    const err = await startNode('node-a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatch(/^NODE_ID: NODE_ID node-a is held by another running node/);
    const rec = await a.registry.node('node-a');
    expect(rec?.instance).toBe(a.registry.instance);
    // Once the holder is gone, the id is free again.
    await a.close();
    started.splice(started.indexOf(a), 1);
    await expect(startNode('node-a')).resolves.toBeTruthy();
  });

  it('a node whose Redis does not answer fails its start with a ConfigError naming REDIS_URL', async () => {
    const err = await startNode(
      'node-x',
      {},
      {
        settings: { redisUrl: 'redis://127.0.0.1:1', nodeId: 'node-x', publicUrl: 'http://127.0.0.1:1', secret: SECRET },
        connectTimeoutMs: 300,
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatch(/^REDIS_URL: cannot use redis:\/\/127\.0\.0\.1:1/);
  });

  it('keeps the show → origin map while the origin beats; it expires with a dead origin', async () => {
    const { node: a, state } = await startNode('node-a', { origin: ['show-1'] });
    const { node: b } = await startNode('node-b');
    a.noteOrigin('show-1');
    await until('the origin', async () => (await b.registry.origin('show-1')) === 'node-a');
    // Another node cannot claim a show published elsewhere without force.
    expect(await b.registry.setOrigin('show-1')).toBe('node-a');
    state.origin = [];
    await until('the origin to expire', async () => (await b.registry.origin('show-1')) === null, 10_000);
  });

  it('places viewers: on a carrier of the show, away from an avoided node, NOT_FOUND for an unknown show', async () => {
    const { node: a } = await startNode('node-a', {
      origin: ['show-1'],
      shows: ['show-1'],
      load: { viewers: 50, transports: 50, maxTransports: 100, cpu: 0 },
    });
    await startNode('node-b', { load: { viewers: 5, transports: 5, maxTransports: 100, cpu: 0 } });
    await startNode('node-c', { load: { viewers: 10, transports: 10, maxTransports: 100, cpu: 0 } });
    a.noteOrigin('show-1');
    await until('the origin', async () => (await a.registry.origin('show-1')) === 'node-a');
    const p = await a.place('show-1');
    expect(p.node).toBe('node-a'); // the only carrier, under the threshold
    expect(p.wsUrl).toBe('ws://127.0.0.1:16000/ws/signaling');
    expect(() => a.verifyJoin('show-1', p.token)).not.toThrow();
    expect((await a.place('show-1', ['node-a'])).node).toBe('node-b');
    const missing = await a.place('nope-show').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RpcError);
    expect((missing as RpcError).code).toBe('NOT_FOUND');
  });

  it('Redis stopped: placements are UNAVAILABLE and the node not ready; restarted: it re-registers by itself', async () => {
    const { node: a } = await startNode('node-a', { origin: ['show-1'], known: new Set(['show-1']) });
    await redis.stop();
    await until('not ready', () => !a.ready);
    const err = await a.place('show-1').catch((e: unknown) => e);
    expect((err as RpcError).code).toBe('UNAVAILABLE');
    await redis.start(); // an empty Redis: everything it held is gone
    await until('ready again', () => a.ready, 10_000);
    await until('re-registered', async () => (await a.registry.nodes()).some((n) => n.nodeId === 'node-a'));
    await until('origin restored', async () => (await a.registry.origin('show-1')) === 'node-a');
    expect((await a.place('show-1')).node).toBe('node-a');
  });
});
