/**
 * An edge whose origin dies: a real redis-server and two Storecast servers in cluster mode. The studio publishes to E
 * (the origin), a viewer watches on B (the edge). E dies — its heartbeat stops, then its process goes — and B's
 * viewer is told the studio is away instead of a silent frozen frame, B's end of the pipe is closed; E restarts under
 * its id with its data, the studio publishes to it again, and B pipes from it by itself: the viewer gets media again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { KEY_FRAME_REQUEST_DELAY_MS } from '../sfu/media-codecs';
import type { Peer } from '../sfu/peer';
import type { Room } from '../sfu/room';
import { SCTP_CAPS } from '../testing/fixtures';
import { connect, connectStudio, type TestClient, type TestServer, until } from '../testing/harness';
import { probe } from '../testing/media-probe';
import { feedRtp, type RtpFeed } from '../testing/rtp-feed';
import { signPlacement } from './placement';
import { startClusterNode, startTestRedis, type TestRedis } from './testing';

const SECRET = 'cluster-test-secret-0123456789';
const TTL_MS = 2000;
let redis: TestRedis;
let edge: TestServer;
let origin: TestServer | null = null;
const originDir = mkdtempSync(join(tmpdir(), 'storecast-origin-'));
const feeds: RtpFeed[] = [];
const clients: TestClient[] = [];

const startNode = (nodeId: string, dataDir?: string) =>
  startClusterNode(redis, nodeId, SECRET, { dataDir, publisherGraceMs: 60_000 }, { heartbeatMs: 200, ttlMs: TTL_MS });

/** The studio's media on the origin: an RTP feed registered as its peer's producers (as cluster.test.ts does). */
async function feedStudio(room: Room): Promise<void> {
  const studio = room.studio as Peer;
  const feed = await feedRtp(room.router, { keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS });
  feeds.push(feed);
  studio.transports.set(feed.transport.id, feed.transport as unknown as types.WebRtcTransport<{ direction: 'send' }>);
  studio.producers.set(feed.video.id, feed.video);
  studio.producers.set(feed.audio.id, feed.audio);
  room.onNewProducer();
}

async function openOnOrigin(node: TestServer, showId?: string) {
  const studio = await connectStudio(node);
  clients.push(studio);
  const { show } = await studio.rpc.request('show.open', { title: 'Origin lost', ...(showId && { showId }) });
  if (show.status !== 'live') await studio.rpc.request('show.goLive', { showId: show.id });
  const room = node.rooms.get(show.id)!;
  await feedStudio(room);
  return { showId: show.id, room };
}

beforeAll(async () => {
  redis = await startTestRedis();
  edge = await startNode('node-b');
  origin = await startNode('node-e', originDir);
}, 30_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const f of feeds) {
    try {
      f.stop();
    } catch {
      // stopped with its router
    }
  }
  try {
    await origin?.close();
    await edge?.close();
  } finally {
    await redis?.stop();
    rmSync(originDir, { recursive: true, force: true });
  }
});

describe('an edge whose origin node dies', () => {
  it('tells its viewers the studio is away, drops the pipe, and pipes again when the show comes back', async () => {
    const first = await openOnOrigin(origin!);
    const { showId } = first;
    await until(async () => (await edge.cluster!.registry.origin(showId)) === 'node-e', 4000, 'the origin mapping');
    const v = await connect(edge);
    clients.push(v);
    await v.rpc.request('viewer.join', {
      showId,
      placement: signPlacement(SECRET, showId, 'node-b', Date.now() + 60_000),
      recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: first.room.router.rtpCapabilities as RtpCapabilities },
    });
    const edgeRoom = edge.rooms.get(showId)!;
    const before = await probe(edgeRoom);
    await until(() => before.video > 10, 6000, 'media through the edge');

    // E dies: its heartbeat stops (its record expires after the TTL), then the process with its media goes.
    await origin!.cluster!.redis.close();
    const diedAt = Date.now();
    await origin!.close();
    origin = null;
    await v.waitFor('publisher.state', (st) => !st.connected, TTL_MS + 3000);
    const toldAfter = Date.now() - diedAt;
    expect(toldAfter).toBeLessThan(TTL_MS + 2000);
    await until(() => [...edgeRoom.mediaProducers()].length === 0, 2000, 'the dead pipe torn down');
    await v.waitFor('consumer.closed', undefined, 2000);
    expect(edgeRoom.closed).toBe(false);

    // E comes back under its id with its data (the show is still live there); the studio publishes to it again.
    await until(async () => (await edge.cluster!.registry.node('node-e')) === null, TTL_MS + 2000, 'the old record gone');
    origin = await startNode('node-e', originDir);
    const announced = v.count('media.available');
    const backAt = Date.now();
    const again = await openOnOrigin(origin, showId);
    await v.waitFor('publisher.state', (st) => st.connected, 6000);
    await until(() => v.count('media.available') > announced, 6000, 'media.available for the piped media');
    const after = await probe(edgeRoom);
    await until(() => after.video > 10 && after.audio > 10, 6000, 'media through the edge again');
    console.log(`origin lost: viewers told after ${toldAfter} ms; piped again ${Date.now() - backAt} ms after the studio republished`);
    expect(again.room.remote).toBe(false);
  }, 60_000);
});
