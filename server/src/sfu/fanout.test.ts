/**
 * One show over several workers, in one process: with SFU_VIEWERS_PER_ROUTER=2, five viewers land on three routers
 * over two workers; the studio's video (three simulcast layers), audio and overlay channel reach every router through
 * the pipes, every viewer gets its consumers there, the count covers all routers, and a fan-out worker that dies takes
 * only its own viewers, who rejoin elsewhere.
 *
 * The media is real RTP from a PlainTransport on the origin router standing in for the browser's encoder (the studio's
 * WebRTC send path is covered by app/e2e/live-loop), registered as the studio peer's producers; every router is
 * checked with a DirectTransport consumer that counts what arrives there.
 */
import type { types } from 'mediasoup';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import type { ResOf } from '../../../shared/protocol/rpc';
import type { SignalingMethods } from '../../../shared/protocol/signaling';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL, type OverlayTrigger } from '../../../shared/protocol/overlay';
import { SCTP_CAPS } from '../testing/fixtures';
import { connect, connectStudio, type TestClient, type TestServer, startTestServer, until } from '../testing/harness';
import { probe } from '../testing/media-probe';
import { feedRtp, type RtpFeed } from '../testing/rtp-feed';
import type { RouterSeat } from './fanout';
import { KEY_FRAME_REQUEST_DELAY_MS } from './media-codecs';
import type { Peer } from './peer';

let server: TestServer;
const feeds: RtpFeed[] = [];
beforeAll(async () => {
  server = await startTestServer({ mediasoupWorkers: 2, sfuViewersPerRouter: 2 });
});
afterAll(async () => {
  for (const f of feeds) f.stop();
  await server?.close();
});

/** The studio's media from an RTP feed on the origin router, and an overlay DataProducer, handed to its peer. */
async function feedStudio(originRouter: types.Router, studio: Peer) {
  const feed = await feedRtp(originRouter, { keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS });
  feeds.push(feed);
  const direct = await originRouter.createDirectTransport();
  const overlay = await direct.produceData({ label: OVERLAY_LABEL, protocol: OVERLAY_PROTOCOL });
  // The peer owns the feed's transport like its own send transport: closing the peer closes the producers first.
  studio.transports.set(feed.transport.id, feed.transport as unknown as types.WebRtcTransport<{ direction: 'send' }>);
  studio.producers.set(feed.video.id, feed.video);
  studio.producers.set(feed.audio.id, feed.audio);
  studio.dataProducers.set(overlay.id, overlay);
  return { overlay };
}

function pin(id: string, productId: string): OverlayTrigger {
  return { type: 'product.pin', id, at: Date.now(), product: { productId, name: 'Tea set', priceMinor: 12900, currency: 'CNY' } };
}

describe('one show over several workers (in one process)', () => {
  it('5 viewers with a cap of 2 land on 3 routers over 2 workers; all get media and overlays; a dead fan-out worker takes only its viewers', async () => {
    const studio = await connectStudio(server);
    const { show } = await studio.rpc.request('show.open', { title: 'Spread show' });
    await studio.rpc.request('show.goLive', { showId: show.id });
    const room = server.rooms.get(show.id)!;
    const caps = room.router.rtpCapabilities as RtpCapabilities;
    const { overlay } = await feedStudio(room.router, room.studio!);
    room.onOverlayProducer(overlay);
    overlay.send(JSON.stringify(pin('trig-0001', 'sku-1')));
    await until(() => room.overlays.length === 1, 5000, 'overlay folded on the origin');

    const viewers: TestClient[] = [];
    const joins: ResOf<SignalingMethods, 'viewer.join'>[] = [];
    for (let i = 0; i < 5; i++) {
      const v = await connect(server);
      viewers.push(v);
      // One at a time: the placement order (origin first, then fan-out routers) is what is checked.
      joins.push(await v.rpc.request('viewer.join', { showId: show.id, recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps } }));
    }
    const seats = room.fanout.routers;
    expect(seats.map((s) => s.viewers)).toEqual([2, 2, 1]);
    expect(seats[0]!.origin).toBe(true);
    expect(new Set(seats.map((s) => s.worker)).size).toBe(2);
    expect(seats[1]!.worker).not.toBe(seats[0]!.worker); // the first spill-over goes to the other worker
    for (const j of joins) {
      expect(j.consumers.map((c) => c.kind).sort()).toEqual(['audio', 'video']);
      expect(j.dataConsumers).toEqual([expect.objectContaining({ label: OVERLAY_LABEL, protocol: OVERLAY_PROTOCOL })]);
      expect(j.overlays.map((o) => (o.type === 'product.pin' ? o.product.productId : o.type))).toEqual(['sku-1']);
    }
    const video = seats[1]!.mediaProducers();
    expect([...video].find((p) => p.kind === 'video')?.rtpParameters.encodings).toHaveLength(3); // every simulcast layer
    await studio.waitFor('viewers.count', (c) => c.count === 5);

    const got = await Promise.all(seats.map((s) => probe(s)));
    overlay.send(JSON.stringify(pin('trig-0002', 'sku-2')));
    await until(() => got.every((g) => g.video > 20 && g.audio > 20 && g.overlay.length === 1), 8000, 'media and overlays on every router');
    await until(() => room.overlays.length === 2, 5000, 'second overlay folded');

    // The fan-out router of the second spill-over worker dies: its viewers are sent off (1012), the rest stay.
    const deadWorker = seats[1]!.worker!;
    const onDead = seats.filter((s) => s.worker === deadWorker);
    const lost = viewers.filter((_, i) => onDead.includes(room.viewers.get(joins[i]!.peerId)?.room as RouterSeat));
    const kept = viewers.filter((v) => !lost.includes(v));
    expect(lost.length).toBeGreaterThanOrEqual(2);
    process.kill(deadWorker.pid!, 'SIGKILL');
    for (const v of lost) expect((await v.closed).code).toBe(1012);
    expect(room.closed).toBe(false);
    // A request that still reaches the closed router gets a typed error, nothing else breaks.
    await expect(onDead[0]!.prepare()).rejects.toMatchObject({ code: 'BAD_STATE' });
    expect(room.fanout.routers).not.toContain(onDead[0]);
    for (const v of kept) expect(v.ws.readyState).toBe(v.ws.OPEN);
    await studio.waitFor('viewers.count', (c) => c.count === kept.length, 4000);
    const originProbe = got[0]!;
    const before = originProbe.video;
    await until(() => originProbe.video > before + 10, 4000, 'the origin keeps forwarding');

    // A lost viewer rejoins on a live worker and gets its consumers there.
    const again = await connect(server);
    viewers.push(again);
    const rejoined = await again.rpc.request('viewer.join', {
      showId: show.id,
      recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps },
    });
    expect(rejoined.consumers).toHaveLength(2);
    expect(rejoined.dataConsumers).toHaveLength(1);
    const seat = room.viewers.get(rejoined.peerId)!.room as RouterSeat;
    expect(seat.worker).not.toBe(deadWorker);
    expect(seat.worker?.closed).toBe(false);

    await Promise.all([...viewers, studio].map((c) => c.close()));
  }, 40_000);

  it('ending a spread show closes every fan-out router and pipe, with no error logged', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    const s = await startTestServer({ mediasoupWorkers: 2, sfuViewersPerRouter: 1 }, { logger });
    try {
      const studio = await connectStudio(s);
      const { show } = await studio.rpc.request('show.open', { title: 'Ending show' });
      await studio.rpc.request('show.goLive', { showId: show.id });
      const room = s.rooms.get(show.id)!;
      const caps = room.router.rtpCapabilities as RtpCapabilities;
      await feedStudio(room.router, room.studio!);
      const viewers = await Promise.all([0, 1, 2].map(() => connect(s)));
      for (const v of viewers) {
        const j = await v.rpc.request('viewer.join', { showId: show.id, recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps } });
        expect(j.consumers).toHaveLength(2);
      }
      const seats = room.fanout.routers;
      expect(seats).toHaveLength(3);
      await studio.rpc.request('show.end', { showId: show.id });
      await until(() => seats.every((seat) => seat.router.closed), 4000, 'every router closed');
      for (const w of s.workers.workers) expect((await w.dump()).routerIds).toEqual([]);
      await new Promise((r) => setTimeout(r, 300)); // late worker replies would log now
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      await Promise.all([...viewers, studio].map((c) => c.close()));
    } finally {
      await s.close();
    }
  }, 30_000);

  it('a pipe that fails refuses only the joining viewer (UNAVAILABLE); the next join pipes again', async () => {
    const studio = await connectStudio(server);
    const { show } = await studio.rpc.request('show.open', { title: 'Pipe failure show' });
    await studio.rpc.request('show.goLive', { showId: show.id });
    const room = server.rooms.get(show.id)!;
    const caps = room.router.rtpCapabilities as RtpCapabilities;
    await feedStudio(room.router, room.studio!);
    const join = (v: TestClient) =>
      v.rpc.request('viewer.join', { showId: show.id, recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps } });
    const first = await Promise.all([connect(server), connect(server)]);
    for (const v of first) await join(v);
    // The pipe to the next (fan-out) router fails once, as a worker that cannot open its pipe transport would.
    const pipeToRouter = room.router.pipeToRouter.bind(room.router);
    let failures = 0;
    room.router.pipeToRouter = (o) => (failures++ === 0 ? Promise.reject(new Error('pipe transport refused')) : pipeToRouter(o));
    const unlucky = await connect(server);
    await expect(join(unlucky)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(room.viewerCount).toBe(2);
    expect(unlucky.ws.readyState).toBe(unlucky.ws.OPEN);
    const retried = await join(unlucky);
    expect(retried.consumers).toHaveLength(2);
    expect(retried.dataConsumers).toHaveLength(1);
    expect(room.viewerCount).toBe(3);
    expect(room.fanout.routers.map((s) => s.viewers)).toEqual([2, 1]);
    await Promise.all([...first, unlucky, studio].map((c) => c.close()));
  }, 30_000);
});
