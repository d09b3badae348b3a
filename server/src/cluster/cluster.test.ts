/**
 * One show across nodes, in one test process: a real redis-server and three Storecast servers (A, B, C) in cluster
 * mode. The studio publishes to A (real RTP from a PlainTransport registered as its producers, as in fanout.test.ts);
 * viewers placed on B join there with the signed token and B pulls the show from A over a PipeTransport pair
 * (SRTP, RTX/NACK). Checked on B's own router with a DirectTransport: video (every simulcast layer), audio and the
 * overlay channel arrive. Also: bad tokens, an unknown show, the studio republishing (the edge re-pipes), Redis
 * stopped and restarted mid-show, and a duplicate node id.
 */
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Placement } from '../../../shared/protocol/cluster';
import type { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL, type OverlayTrigger } from '../../../shared/protocol/overlay';
import { ConfigError } from '../config';
import { KEY_FRAME_REQUEST_DELAY_MS } from '../sfu/media-codecs';
import type { Peer } from '../sfu/peer';
import type { Room } from '../sfu/room';
import { SCTP_CAPS } from '../testing/fixtures';
import { connect, connectStudio, sleep, type TestClient, type TestServer, until } from '../testing/harness';
import { probe } from '../testing/media-probe';
import { feedRtp, type RtpFeed } from '../testing/rtp-feed';
import { signPlacement } from './placement';
import { startClusterNode, startTestRedis, type TestRedis } from './testing';

const SECRET = 'cluster-test-secret-0123456789';
let redis: TestRedis;
const nodes: Record<'a' | 'b' | 'c', TestServer> = {} as never;
const feeds: RtpFeed[] = [];
const clients: TestClient[] = [];

const startNode = (nodeId: string) => startClusterNode(redis, nodeId, SECRET, { publisherGraceMs: 60_000 });

beforeAll(async () => {
  redis = await startTestRedis();
  nodes.a = await startNode('node-a');
  nodes.b = await startNode('node-b');
  nodes.c = await startNode('node-c');
}, 30_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const f of feeds) {
    try {
      f.stop();
    } catch {
      // stopped by its test
    }
  }
  try {
    for (const n of Object.values(nodes)) await n?.close();
  } finally {
    await redis?.stop();
  }
});

/** The studio's media: an RTP feed on the origin router and an overlay DataProducer, handed to its peer. */
async function feedStudio(room: Room) {
  const studio = room.studio as Peer;
  const feed = await feedRtp(room.router, { keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS });
  feeds.push(feed);
  const direct = await room.router.createDirectTransport();
  const overlay = await direct.produceData({ label: OVERLAY_LABEL, protocol: OVERLAY_PROTOCOL });
  studio.transports.set(feed.transport.id, feed.transport as unknown as types.WebRtcTransport<{ direction: 'send' }>);
  studio.producers.set(feed.video.id, feed.video);
  studio.producers.set(feed.audio.id, feed.audio);
  studio.dataProducers.set(overlay.id, overlay);
  room.onOverlayProducer(overlay);
  room.onNewProducer(); // as Peer.produce does: viewers, and the show's edges, hear of the media
  return { feed, overlay };
}

function pin(id: string, productId: string): OverlayTrigger {
  return { type: 'product.pin', id, at: Date.now(), product: { productId, name: 'Tea set', priceMinor: 12900, currency: 'CNY' } };
}

async function placement(
  node: TestServer,
  showId: string,
  avoid = '',
): Promise<{ status: number; body: Placement & { error?: { code: string } } }> {
  const res = await fetch(`${node.url}/api/shows/${showId}/placement${avoid ? `?avoid=${avoid}` : ''}`);
  return { status: res.status, body: (await res.json()) as Placement & { error?: { code: string } } };
}

const nodeOf = (p: Placement) => ({ 'node-a': nodes.a, 'node-b': nodes.b, 'node-c': nodes.c })[p.node as 'node-a']!;

async function viewer(node: TestServer): Promise<TestClient> {
  const c = await connect(node);
  clients.push(c);
  return c;
}

async function publish(title: string) {
  const studio = await connectStudio(nodes.a);
  clients.push(studio);
  const { show } = await studio.rpc.request('show.open', { title });
  await studio.rpc.request('show.goLive', { showId: show.id });
  const room = nodes.a.rooms.get(show.id)!;
  const media = await feedStudio(room);
  await until(async () => (await nodes.b.cluster!.registry.origin(show.id)) === 'node-a', 4000, 'the origin mapping');
  return { studio, show, room, ...media };
}

describe('one show across nodes (redis + 3 servers)', () => {
  it('a viewer placed on an edge node watches a show published on another: video, audio and overlays piped', async () => {
    const { studio, show, room, overlay, feed } = await publish('Across nodes');
    overlay.send(JSON.stringify(pin('trig-0001', 'sku-1')));
    await until(() => room.overlays.length === 1, 4000, 'overlay folded on the origin');
    const caps = room.router.rtpCapabilities as RtpCapabilities;

    // Any node answers; avoiding A (and the origin carrying the show) sends the viewer to an edge.
    const p = await placement(nodes.c, show.id, 'node-a');
    expect(p.status).toBe(200);
    expect(['node-b', 'node-c']).toContain(p.body.node);
    const edge = nodeOf(p.body);
    expect(p.body.wsUrl).toBe(`${edge.url.replace('http', 'ws')}/ws/signaling`);

    const v = await viewer(edge);
    const joined = await v.rpc.request('viewer.join', {
      showId: show.id,
      placement: p.body.token,
      recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps },
    });
    expect(joined.show.status).toBe('live');
    expect(joined.consumers.map((c) => c.kind).sort()).toEqual(['audio', 'video']);
    expect(joined.dataConsumers).toEqual([expect.objectContaining({ label: OVERLAY_LABEL, protocol: OVERLAY_PROTOCOL })]);
    // The late joiner on the edge gets the pins made before the edge pulled the show.
    expect(joined.overlays.map((o) => (o.type === 'product.pin' ? o.product.productId : o.type))).toEqual(['sku-1']);

    const edgeRoom = edge.rooms.get(show.id)!;
    expect(edgeRoom.remote).toBe(true);
    expect([...edgeRoom.mediaProducers()].find((pr) => pr.kind === 'video')?.rtpParameters.encodings).toHaveLength(3);
    const got = await probe(edgeRoom);
    overlay.send(JSON.stringify(pin('trig-0002', 'sku-2')));
    await until(() => got.video > 20 && got.audio > 20 && got.overlay.length === 1, 8000, 'media and overlays on the edge');
    await until(() => edgeRoom.overlays.length === 2, 4000, 'second overlay folded on the edge');
    // The edge advertises that it carries the show now (placement prefers carriers).
    await until(
      async () => ((await nodes.a.cluster!.registry.node(p.body.node))?.shows ?? []).includes(show.id),
      3000,
      'the edge registered the show',
    );

    // The studio stops its top layers: the edge's viewer moves under the cap (show.layers), and a viewer on the
    // third node, which pulls the show only now, starts under it (the pipe reply carries the caps).
    const edgeVideo = () => [...edgeRoom.viewers.values()][0]!.consumers.get(joined.consumers.find((c) => c.kind === 'video')!.id)!;
    await studio.rpc.request('producer.setMaxSpatialLayer', { producerId: feed.video.id, spatialLayer: 0 });
    await until(() => edgeVideo().preferredLayers?.spatialLayer === 0, 3000, 'the edge viewer under the studio’s cap');
    const third = p.body.node === 'node-b' ? nodes.c : nodes.b;
    const late = await viewer(third);
    const lateJoin = await late.rpc.request('viewer.join', {
      showId: show.id,
      placement: signPlacement(SECRET, show.id, third === nodes.b ? 'node-b' : 'node-c', Date.now() + 60_000),
      recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps },
    });
    const lateRoom = third.rooms.get(show.id)!;
    const lateVideo = () => lateRoom.viewers.get(lateJoin.peerId)!.consumers.get(lateJoin.consumers.find((c) => c.kind === 'video')!.id)!;
    expect(lateVideo().preferredLayers?.spatialLayer).toBe(0);
    await studio.rpc.request('producer.setMaxSpatialLayer', { producerId: feed.video.id, spatialLayer: null });
    await until(
      () => edgeVideo().preferredLayers?.spatialLayer === 2 && lateVideo().preferredLayers?.spatialLayer === 2,
      3000,
      'every layer again on both edges',
    );
  }, 40_000);

  it('refuses joins without a valid placement token for this show on this node (typed, connection stays usable)', async () => {
    const { show, room } = await publish('Tokens');
    const caps = room.router.rtpCapabilities as RtpCapabilities;
    const v = await viewer(nodes.b);
    const join = (token?: string) =>
      v.rpc.request('viewer.join', { showId: show.id, ...(token ? { placement: token } : {}), recv: { rtpCapabilities: caps } });
    const future = Date.now() + 60_000;
    await expect(join()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(join(signPlacement('not-the-cluster-secret-000', show.id, 'node-b', future))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(join(signPlacement(SECRET, show.id, 'node-c', future))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(join(signPlacement(SECRET, show.id, 'node-b', Date.now() - 1))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(join('garbage')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(nodes.b.rooms.get(show.id)).toBeUndefined(); // nothing was pulled for a refused join
    const ok = await join(signPlacement(SECRET, show.id, 'node-b', future));
    expect(ok.consumers).toHaveLength(2);
  }, 30_000);

  it('an unknown show: placement NOT_FOUND, and a join on a node that does not carry it NOT_FOUND', async () => {
    const p = await placement(nodes.b, 'no-such-show-1');
    expect(p.status).toBe(404);
    expect(p.body.error?.code).toBe('NOT_FOUND');
    const v = await viewer(nodes.b);
    await expect(
      v.rpc.request('viewer.join', {
        showId: 'no-such-show-1',
        placement: signPlacement(SECRET, 'no-such-show-1', 'node-b', Date.now() + 60_000),
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await v.rpc.request('ping', {})).now).toBeGreaterThan(0);
  });

  it('the studio republishing on the origin: the edge pipes again and its viewers get the new media', async () => {
    const { show, room, feed } = await publish('Republish');
    const caps = room.router.rtpCapabilities as RtpCapabilities;
    const v = await viewer(nodes.c);
    await v.rpc.request('viewer.join', {
      showId: show.id,
      placement: signPlacement(SECRET, show.id, 'node-c', Date.now() + 60_000),
      recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps },
    });
    const edgeRoom = nodes.c.rooms.get(show.id)!;
    const oldIds = [...edgeRoom.mediaProducers()].map((p) => p.id).sort();
    await sleep(200); // a media.available of the first pipe may still be on its way
    const announced = v.count('media.available');
    // The studio's media goes (its producers close) and comes back as new producers.
    feed.stop();
    feed.video.close();
    feed.audio.close();
    await feedStudio(room);
    await v.waitFor('consumer.closed', undefined, 4000);
    await until(() => v.count('media.available') > announced, 4000, 'media.available for the new media');
    await until(
      () => {
        const ids = [...edgeRoom.mediaProducers()].map((p) => p.id);
        return ids.length === 2 && ids.every((id) => !oldIds.includes(id));
      },
      4000,
      'the edge re-piped the new producers',
    );
    const transport = (await v.rpc.request('transport.create', { direction: 'recv' })).id;
    const again = await v.rpc.request('consume', { transportId: transport, rtpCapabilities: caps });
    expect(again.consumers.map((c) => c.kind).sort()).toEqual(['audio', 'video']);
    const got = await probe(edgeRoom);
    await until(() => got.video > 10 && got.audio > 10, 6000, 'new media on the edge');
  }, 30_000);

  it('the show ending on the origin ends it for the edge viewers and closes the edge room and its pipe', async () => {
    const { studio, show, room } = await publish('Ending');
    const caps = room.router.rtpCapabilities as RtpCapabilities;
    const v = await viewer(nodes.b);
    await v.rpc.request('viewer.join', {
      showId: show.id,
      placement: signPlacement(SECRET, show.id, 'node-b', Date.now() + 60_000),
      recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps },
    });
    const edgeRoom = nodes.b.rooms.get(show.id)!;
    await until(() => nodes.a.cluster!.origin.size > 0, 2000, 'the pipe on the origin');
    const pipes = nodes.a.cluster!.origin.size;
    await studio.rpc.request('show.end', { showId: show.id });
    await v.waitFor('show.state', (st) => st.show.status === 'ended', 4000);
    await until(() => edgeRoom.closed && nodes.b.rooms.get(show.id) === undefined, 4000, 'the edge room closed');
    await until(() => nodes.a.cluster!.origin.size < pipes, 4000, 'the pipe closed on the origin');
  }, 30_000);

  it('Redis stopped mid-show: edge viewers keep watching, placement UNAVAILABLE, not ready; back by itself', async () => {
    const { show, room } = await publish('Redis away');
    const caps = room.router.rtpCapabilities as RtpCapabilities;
    const v = await viewer(nodes.b);
    await v.rpc.request('viewer.join', {
      showId: show.id,
      placement: signPlacement(SECRET, show.id, 'node-b', Date.now() + 60_000),
      recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps },
    });
    const got = await probe(nodes.b.rooms.get(show.id)!);
    await redis.stop();
    await until(async () => (await fetch(`${nodes.b.url}/healthz`)).status === 503, 5000, 'not ready');
    const refused = await placement(nodes.b, show.id);
    expect(refused.status).toBe(503);
    expect(refused.body.error?.code).toBe('UNAVAILABLE');
    const before = got.video;
    await until(() => got.video > before + 20, 5000, 'media keeps flowing without Redis');
    expect(v.ws.readyState).toBe(v.ws.OPEN);

    await redis.start(); // empty: every key is gone
    await until(async () => (await fetch(`${nodes.b.url}/healthz`)).status === 200, 10_000, 'ready again');
    await until(async () => (await placement(nodes.b, show.id)).status === 200, 5000, 'placement again');
  }, 40_000);

  it('a node started under an id a live node holds is refused at start with a ConfigError', async () => {
    const err = await startNode('node-b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/NODE_ID node-b is held by another running node/);
    expect((await fetch(`${nodes.b.url}/healthz`)).status).toBe(200);
  }, 20_000);

  it('HLS viewers on the origin count in the total an edge’s viewers see (through the registry)', async () => {
    const { studio, show } = await publish('HLS audience across nodes');
    const onB = await viewer(nodes.b);
    await onB.rpc.request('viewer.join', { showId: show.id, placement: signPlacement(SECRET, show.id, 'node-b', Date.now() + 60_000) });
    const hlsPoll = () => fetch(`${nodes.a.url}/hls/${show.id}/state.json?viewer=hls-page-key-0000000001`);
    expect((await hlsPoll()).status).toBe(200);
    const lastCount = (c: TestClient) =>
      (c.received.filter((r) => r.method === 'viewers.count').at(-1)?.data as { count: number } | undefined)?.count;
    await until(() => lastCount(studio) === 2 && lastCount(onB) === 2, 5000, 'the HLS page counted on the origin and the edge');
    expect((await nodes.b.cluster!.registry.node('node-a'))?.showViewers?.[show.id]).toBe(1);
  }, 20_000);

  it('the viewer count is the sum over the nodes carrying the show; a node that dies drops out within its TTL', async () => {
    const { studio, show } = await publish('Audience');
    const d = await startNode('node-d');
    const join = async (node: TestServer, nodeId: string) => {
      const v = await viewer(node);
      const placement = signPlacement(SECRET, show.id, nodeId, Date.now() + 60_000);
      return { v, joined: await v.rpc.request('viewer.join', { showId: show.id, placement }) };
    };
    /** The count a client was told last (a total passes through smaller ones on its way up). */
    const lastCount = (c: TestClient) =>
      (c.received.filter((r) => r.method === 'viewers.count').at(-1)?.data as { count: number } | undefined)?.count;
    const onA = (await join(nodes.a, 'node-a')).v;
    const onB = (await join(nodes.b, 'node-b')).v;
    await join(d, 'node-d');
    await join(d, 'node-d');
    await until(() => lastCount(studio) === 4, 5000, 'the studio sees viewers on A, B and D');
    await until(() => lastCount(onA) === 4 && lastCount(onB) === 4, 5000, 'viewers on the origin and an edge see the total');
    const late = await join(nodes.c, 'node-c');
    expect(late.joined.viewerCount).toBe(5); // the first viewer of a new edge room is told the whole audience
    await until(() => lastCount(studio) === 5 && lastCount(late.v) === 5, 5000, 'the late edge viewer counted everywhere');

    // D dies (as seen from the cluster: its heartbeat stops, its record expires after the TTL).
    await d.cluster!.redis.close();
    const diedAt = Date.now();
    await until(() => lastCount(studio) === 3 && lastCount(onB) === 3 && lastCount(onA) === 3, 5000, 'D’s viewers dropped out');
    expect(Date.now() - diedAt).toBeLessThan(5000);
    await d.close();
  }, 40_000);
});
