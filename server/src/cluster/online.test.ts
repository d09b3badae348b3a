/**
 * The realtime online count across nodes: two Storecast servers in cluster mode on a real redis-server, one show
 * known to both. Each node's registry record carries the realtime sockets it holds per show, and every node tells its
 * sockets the show's total (presence items, the hello snapshot); a socket that leaves drops out of every node's total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REALTIME_PATH } from '../../../shared/protocol/realtime';
import { RtClient, until } from '../realtime/testing';
import type { TestServer } from '../testing/harness';
import { startClusterNode, startTestRedis, type TestRedis } from './testing';

const SECRET = 'online-test-secret-0123456789';
let redis: TestRedis;
const nodes: TestServer[] = [];
const clients: RtClient[] = [];

async function startNode(nodeId: string): Promise<TestServer> {
  const node = await startClusterNode(redis, nodeId, SECRET);
  nodes.push(node);
  return node;
}

beforeAll(async () => {
  redis = await startTestRedis();
}, 30_000);
afterAll(async () => {
  for (const c of clients) c.close();
  try {
    for (const n of nodes) await n.close();
  } finally {
    await redis?.stop();
  }
});

async function join(node: TestServer, showId: string) {
  const c = await RtClient.connect(`ws://127.0.0.1:${node.port}${REALTIME_PATH}?showId=${showId}`);
  clients.push(c);
  const hello = await c.hello();
  return { c, hello };
}

/** The online count a socket was told last. */
const online = (c: RtClient) => {
  const last = c
    .items()
    .filter((i) => i.k === 'presence')
    .at(-1);
  return last?.k === 'presence' ? last.online : undefined;
};

describe('realtime online count across nodes', () => {
  it('sums every node’s sockets of the show through the registry', async () => {
    const a = await startNode('node-a');
    const b = await startNode('node-b');
    const show = a.shows.create('Online across nodes');
    // The show is A's: B finds it through the cluster's show records (cluster/show-directory.ts).

    const a1 = await join(a, show.id);
    const a2 = await join(a, show.id);
    const b1 = await join(b, show.id);
    await until(() => online(a1.c) === 3 && online(a2.c) === 3 && online(b1.c) === 3, 5000, 'every socket told the total');
    expect((await a.cluster!.registry.node('node-b'))?.showSockets?.[show.id]).toBe(1);
    expect((await b.cluster!.registry.node('node-a'))?.showSockets?.[show.id]).toBe(2);
    // A socket joining later is told the total in its snapshot.
    const b2 = await join(b, show.id);
    expect(b2.hello.room.online).toBe(4);

    a2.c.close();
    await until(() => online(b1.c) === 3 && online(b2.c) === 3 && online(a1.c) === 3, 5000, 'the socket that left dropped out everywhere');
  }, 60_000);
});
