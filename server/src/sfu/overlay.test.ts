/**
 * The overlay DataChannel end to end on the server side, with a real WebRTC peer (werift) as the studio:
 * ICE + DTLS + SCTP to mediasoup, a DataProducer, the server's DirectTransport DataConsumer folding triggers,
 * and a viewer joining later receiving the currently pinned product in `viewer.join`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL, type OverlayTrigger } from '../../../shared/protocol/overlay';
import { SCTP_CAPS } from '../testing/fixtures';
import { connect, connectStudio, type TestServer, startTestServer, until } from '../testing/harness';
import { openOverlayChannel } from '../testing/overlay-peer';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

function pin(id: string, productId: string, name: string): OverlayTrigger {
  return { type: 'product.pin', id, at: Date.now(), product: { productId, name, priceMinor: 12900, currency: 'CNY' } };
}

describe('overlay DataChannel (werift studio peer)', () => {
  it('folds the studio triggers on the server; later viewers get the pinned products in viewer.join', async () => {
    const studio = await connectStudio(server);
    const { show } = await studio.rpc.request('show.open', { title: 'Overlay show' });
    await studio.rpc.request('show.goLive', { showId: show.id });
    const send = await studio.rpc.request('transport.create', { direction: 'send', sctpCapabilities: SCTP_CAPS });

    const { pc, dc, dataProducerId } = await openOverlayChannel(studio, send);
    try {
      const room = server.rooms.get(show.id)!;
      dc.send('not json at all'); // ignored, never folded
      dc.send(JSON.stringify({ type: 'product.pin', id: 'bad!', at: 1 })); // schema-invalid, ignored
      dc.send(JSON.stringify(pin('trig-0001', 'sku-1', 'Silk scarf')));
      dc.send(JSON.stringify(pin('trig-0002', 'sku-2', 'Tea set')));
      await until(() => room.overlays.length === 2, 5000, 'two pinned products');
      expect(room.overlays.map((o) => o.product.productId)).toEqual(['sku-2', 'sku-1']);

      const viewer = await connect(server);
      const joined = await viewer.rpc.request('viewer.join', { showId: show.id });
      expect(joined.overlays.map((o) => (o.type === 'product.pin' ? o.product.name : o.type))).toEqual(['Tea set', 'Silk scarf']);
      // The viewer can consume the overlay channel too.
      const recv = await viewer.rpc.request('transport.create', { direction: 'recv', sctpCapabilities: SCTP_CAPS });
      const consumed = await viewer.rpc.request('consume', { transportId: recv.id, rtpCapabilities: joined.routerRtpCapabilities! });
      expect(consumed.dataConsumers).toEqual([
        expect.objectContaining({ dataProducerId, label: OVERLAY_LABEL, protocol: OVERLAY_PROTOCOL }),
      ]);

      dc.send(JSON.stringify({ type: 'product.unpin', id: 'trig-0003', at: Date.now(), productId: 'sku-2' }));
      await until(() => room.overlays.length === 1, 5000, 'unpinned');
      const late = await connect(server);
      const lateJoin = await late.rpc.request('viewer.join', { showId: show.id });
      expect(lateJoin.overlays.map((o) => (o.type === 'product.pin' ? o.product.productId : o.type))).toEqual(['sku-1']);
      // The state again on request (a viewer whose overlay channel just opened), for viewers only.
      expect((await viewer.rpc.request('show.overlays', {})).overlays).toEqual(lateJoin.overlays);
      const stranger = await connect(server);
      await expect(stranger.rpc.request('show.overlays', {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(studio.rpc.request('show.overlays', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await Promise.all([viewer.close(), late.close(), stranger.close(), studio.close()]);
    } finally {
      await pc.close();
    }
  });
});
