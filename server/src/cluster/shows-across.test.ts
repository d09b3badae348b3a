/**
 * A show created on one node, met on another: behind a load balancer a page's chat socket (and its red-packet claims,
 * which check the show is live) may reach any node. Two Storecast servers in cluster mode on a real redis-server; the
 * show is created on A only. B finds it through the cluster's show records and carries its chat both ways; a show no
 * node has is still refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REALTIME_CLOSE, REALTIME_PATH } from '../../../shared/protocol/realtime';
import { RtClient, until } from '../realtime/testing';
import type { TestServer } from '../testing/harness';
import { FRESH_MS } from './show-directory';
import { startClusterNode, startTestRedis, type TestRedis } from './testing';

const SECRET = 'shows-across-test-secret-0123456789';
let redis: TestRedis;
const nodes: TestServer[] = [];
const clients: RtClient[] = [];

async function startNode(nodeId: string): Promise<TestServer> {
  const node = await startClusterNode(redis, nodeId, SECRET);
  nodes.push(node);
  return node;
}

/** A buyer's socket on `node`: its guest session from that node, the handshake from the node's own pages. */
async function connect(node: TestServer, showId: string): Promise<RtClient> {
  const session = await fetch(`${node.url}/api/session`, { method: 'POST' });
  const cookie = session.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const c = await RtClient.connect(`ws://127.0.0.1:${node.port}${REALTIME_PATH}?showId=${showId}`, { cookie, origin: node.url });
  clients.push(c);
  return c;
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

describe('shows across nodes', () => {
  it('a chat socket on a node that did not create the show joins it, and chat flows both ways', async () => {
    const a = await startNode('node-a');
    const b = await startNode('node-b');
    const show = a.shows.markLive(a.shows.create('一场在 A 上开的直播').id);
    expect(b.shows.get(show.id)).toBeNull(); // B's own database does not have it

    const onA = await connect(a, show.id);
    await onA.hello();
    // The first frame goes out before B has looked the show up: it is held, not lost.
    const onB = await connect(b, show.id);
    await onB.hello({ nickname: '乙' });
    await onB.request('chat.send', { text: '从 B 发的' });
    await onA.waitFor(() => onA.chatTexts().includes('从 B 发的'), 5000, 'B’s chat on A');
    await onA.request('chat.send', { text: '从 A 发的' });
    await onB.waitFor(() => onB.chatTexts().includes('从 A 发的'), 5000, 'A’s chat on B');

    // A viewer event batch for A's show posted to a third node that never met it is taken, not 404.
    const c = await startNode('node-c');
    const batch = {
      showId: show.id,
      viewerId: 'viewer-across-1',
      batchId: 'batch-across-1',
      mode: 'live',
      sentAt: Date.now(),
      events: [{ seq: 0, kind: 'enter', at: Date.now() }],
    };
    const posted = await fetch(`${c.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ accepted: 1 });

    // B keeps a copy for its own rows, but never treats it as its own show (recovered at start, shared as B's).
    expect(b.shows.originOf(show.id)).toBe('node-a');
    expect(b.shows.unfinished().map((s) => s.id)).not.toContain(show.id);
    expect(b.shows.own().map((s) => s.id)).not.toContain(show.id);
    // B learns the show ended from the cluster's record (what the engagement checks read) within the refresh time.
    a.shows.markEnded(show.id);
    await until(() => b.showLookup.find(show.id)?.status === 'ended', FRESH_MS * 3, 'B sees the show ended');
  }, 60_000);

  it('refuses a show no node has', async () => {
    const b = nodes[1]!;
    const c = await connect(b, 'NoSuchShow123');
    expect(await c.waitClosed()).toBe(REALTIME_CLOSE.BAD_SHOW);
  }, 30_000);
});
