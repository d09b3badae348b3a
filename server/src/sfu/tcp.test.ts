/**
 * A TCP-only viewer through the worker's WebRtcServer TCP listener, with real WebRTC stacks (werift): the studio
 * opens the overlay DataChannel over UDP, and a viewer that joined with `forceTcp` (ICE-TCP + DTLS + SCTP on the one
 * TCP port the WebRtcServer listens on) receives the studio's overlay messages.
 */
import { type RTCDataChannel, RTCPeerConnection } from 'werift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL, type OverlayTrigger } from '../../../shared/protocol/overlay';
import type { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { mediasoupDataChannelSdp as mediasoupSdp, SCTP_CAPS } from '../testing/fixtures';
import { connect, connectStudio, type TestServer, startTestServer, until } from '../testing/harness';

let server: TestServer;
const peers: RTCPeerConnection[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(peers.map((pc) => pc.close()));
  await server?.close();
});

function tcpPeer(): RTCPeerConnection {
  // Loopback only (werift leaves 127.0.0.1 out of its host addresses unless told), dialling out over TCP.
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseTcp: true,
    iceTcpPassive: false,
  });
  peers.push(pc);
  return pc;
}

const fingerprintOf = (sdp: string) => /a=fingerprint:sha-256 (\S+)/.exec(sdp)![1]!;

function pin(id: string, productId: string): OverlayTrigger {
  return { type: 'product.pin', id, at: Date.now(), product: { productId, name: 'Tea set', priceMinor: 12900, currency: 'CNY' } };
}

describe('TCP-only viewer through the WebRtcServer', () => {
  it('a forceTcp viewer receives the overlay channel over the one TCP port', async () => {
    const { tcpServers } = await server.workers.webRtcServers[0]!.dump();
    const tcpPort = tcpServers[0]!.port;

    const studio = await connectStudio(server);
    const { show } = await studio.rpc.request('show.open', { title: 'TCP show' });
    await studio.rpc.request('show.goLive', { showId: show.id });
    const send = await studio.rpc.request('transport.create', { direction: 'send', sctpCapabilities: SCTP_CAPS });
    const studioPc = new RTCPeerConnection({});
    peers.push(studioPc);
    const streamId = 3;
    const out = studioPc.createDataChannel(OVERLAY_LABEL, { negotiated: true, id: streamId, protocol: OVERLAY_PROTOCOL, ordered: true });
    await studioPc.setLocalDescription(await studioPc.createOffer());
    const offer = studioPc.localDescription!.sdp;
    const mid = /m=application[^\n]*\n(?:[^\n]*\n)*?a=mid:(\S+)/.exec(offer)![1]!;
    await studio.rpc.request('transport.connect', {
      transportId: send.id,
      dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: fingerprintOf(offer) }] },
    });
    await studioPc.setRemoteDescription({ type: 'answer', sdp: mediasoupSdp(send, mid, 'passive', 'udp') });
    await studio.rpc.request('produceData', {
      transportId: send.id,
      sctpStreamParameters: { streamId, ordered: true },
      label: OVERLAY_LABEL,
      protocol: OVERLAY_PROTOCOL,
    });
    await until(() => out.readyState === 'open', 15_000, 'studio data channel open');
    out.send(JSON.stringify(pin('trig-0001', 'sku-1')));
    const room = server.rooms.get(show.id)!;
    await until(() => room.overlays.length === 1, 5000, 'pin folded on the server');

    const viewer = await connect(server, { localAddress: '127.0.0.2' });
    const joined = await viewer.rpc.request('viewer.join', {
      showId: show.id,
      recv: {
        sctpCapabilities: SCTP_CAPS,
        forceTcp: true,
        rtpCapabilities: (await server.workers.routerRtpCapabilities()) as RtpCapabilities,
      },
    });
    const recv = joined.transport!;
    expect(recv.iceCandidates.map((c) => [c.protocol, c.port])).toEqual([['tcp', tcpPort]]);
    const dataConsumer = joined.dataConsumers[0]!;
    const viewerPc = tcpPeer();
    await viewerPc.setRemoteDescription({ type: 'offer', sdp: mediasoupSdp(recv, '0', 'actpass', 'tcp') });
    const incoming: RTCDataChannel = viewerPc.createDataChannel(dataConsumer.label, {
      negotiated: true,
      id: dataConsumer.sctpStreamParameters.streamId,
      protocol: dataConsumer.protocol,
      ordered: true,
    });
    const received: string[] = [];
    incoming.onMessage.subscribe((m) => received.push(m.toString()));
    await viewerPc.setLocalDescription(await viewerPc.createAnswer());
    await viewer.rpc.request('transport.connect', {
      transportId: recv.id,
      dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: fingerprintOf(viewerPc.localDescription!.sdp) }] },
    });
    await until(() => incoming.readyState === 'open', 15_000, 'viewer data channel open over TCP');
    // The viewer is connected through the TCP listener (its selected tuple is TCP on the server's port).
    const [stats] = await server.rooms.get(show.id)!.viewers.get(joined.peerId)!.transports.get(recv.id)!.getStats();
    expect(stats!.iceSelectedTuple).toMatchObject({ protocol: 'tcp', localPort: tcpPort });
    out.send(JSON.stringify(pin('trig-0002', 'sku-2')));
    await until(() => received.some((m) => m.includes('trig-0002')), 10_000, 'overlay message received over TCP');
    await Promise.all([viewer.close(), studio.close()]);
  });
});
