/**
 * The studio's layer cap (`producer.setMaxSpatialLayer`): before the studio stops sending its top simulcast layers the
 * server moves every viewer's consumer under them, on the origin router and on fan-out routers alike, and seats new
 * viewers on the layers still sent; a viewer's own lower choice stands, and lifting the cap restores each viewer's
 * choice. Bad calls change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { RpcError } from '../../../shared/protocol/rpc';
import { SCTP_CAPS } from '../testing/fixtures';
import { connect, publishShow, type TestClient, type TestServer, startTestServer } from '../testing/harness';
import type { RouterSeat } from './fanout';

let server: TestServer;
const clients: TestClient[] = [];
beforeAll(async () => {
  // One viewer per router: the second viewer sits on a fan-out router on the other worker.
  server = await startTestServer({ mediasoupWorkers: 2, sfuViewersPerRouter: 1 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof RpcError ? e.code : String(e)),
  );
}

describe('studio layer cap', () => {
  it('moves viewers on every router under the cap, seats new ones there, and restores their choices when lifted', async () => {
    const { studio, showId } = await publishShow(server, { title: 'Layer cap' });
    clients.push(studio);
    const room = server.rooms.get(showId)!;
    const caps = room.router.rtpCapabilities as RtpCapabilities;
    const video = [...room.mediaProducers()].find((p) => p.kind === 'video')!;
    const audio = [...room.mediaProducers()].find((p) => p.kind === 'audio')!;

    async function viewer() {
      const v = await connect(server);
      clients.push(v);
      const joined = await v.rpc.request('viewer.join', { showId, recv: { sctpCapabilities: SCTP_CAPS, rtpCapabilities: caps } });
      const consumerId = joined.consumers.find((c) => c.kind === 'video')!.id;
      const peer = room.viewers.get(joined.peerId)!;
      return { v, consumerId, consumer: () => peer.consumers.get(consumerId)!, seat: peer.room as RouterSeat };
    }
    const a = await viewer();
    const b = await viewer();
    expect(a.seat.origin).toBe(true);
    expect(b.seat.origin).toBe(false);
    expect(a.consumer().preferredLayers?.spatialLayer).toBe(2);
    expect(b.consumer().preferredLayers?.spatialLayer).toBe(2);
    // Viewer B picks the lowest layer itself.
    await b.v.rpc.request('consumer.setQuality', { consumerId: b.consumerId, quality: 'low' });

    // Bad calls: a layer the producer does not have, an audio producer, someone else's producer, a viewer calling.
    expect(await codeOf(studio.rpc.request('producer.setMaxSpatialLayer', { producerId: video.id, spatialLayer: 3 }))).toBe('BAD_REQUEST');
    expect(await codeOf(studio.rpc.request('producer.setMaxSpatialLayer', { producerId: audio.id, spatialLayer: 0 }))).toBe('BAD_REQUEST');
    expect(await codeOf(studio.rpc.request('producer.setMaxSpatialLayer', { producerId: 'nope', spatialLayer: 0 }))).toBe('NOT_FOUND');
    expect(await codeOf(a.v.rpc.request('producer.setMaxSpatialLayer', { producerId: video.id, spatialLayer: 0 }))).toMatch(
      /UNAUTHORIZED|FORBIDDEN/,
    );
    expect(room.layerCap(video.id)).toBeNull();
    expect(a.consumer().preferredLayers?.spatialLayer).toBe(2);

    // The studio is about to stop its top layer: A (origin) moves under it before the call returns; B stays lower.
    await studio.rpc.request('producer.setMaxSpatialLayer', { producerId: video.id, spatialLayer: 1 });
    expect(room.layerCap(video.id)).toBe(1);
    expect(a.consumer().preferredLayers?.spatialLayer).toBe(1);
    expect(b.consumer().preferredLayers?.spatialLayer).toBe(0);
    // B asks for auto again under the cap: the top layer still sent, not the stopped one.
    await b.v.rpc.request('consumer.setQuality', { consumerId: b.consumerId, quality: 'auto' });
    expect(b.consumer().preferredLayers?.spatialLayer).toBe(1);

    // A new viewer (on a fan-out router) starts on the layers still sent.
    const c = await viewer();
    expect(c.seat.origin).toBe(false);
    expect(c.consumer().preferredLayers?.spatialLayer).toBe(1);

    // Down to the lowest layer, then every layer again.
    await studio.rpc.request('producer.setMaxSpatialLayer', { producerId: video.id, spatialLayer: 0 });
    expect([a, b, c].map((x) => x.consumer().preferredLayers?.spatialLayer)).toEqual([0, 0, 0]);
    await a.v.rpc.request('consumer.setQuality', { consumerId: a.consumerId, quality: 'medium' });
    await studio.rpc.request('producer.setMaxSpatialLayer', { producerId: video.id, spatialLayer: null });
    expect(room.layerCap(video.id)).toBeNull();
    expect([a, b, c].map((x) => x.consumer().preferredLayers?.spatialLayer)).toEqual([1, 2, 2]);
    // The top layer named as the cap is no cap.
    await studio.rpc.request('producer.setMaxSpatialLayer', { producerId: video.id, spatialLayer: 2 });
    expect(room.layerCap(video.id)).toBeNull();
  }, 30_000);
});
