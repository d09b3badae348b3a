/**
 * The studio's overlay DataChannel from a real WebRTC peer (werift) on an existing send transport: ICE + DTLS + SCTP
 * to mediasoup, then the DataProducer, as the studio page does it. Tests send triggers on the returned channel.
 */
import { type RTCDataChannel, RTCPeerConnection } from 'werift';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL } from '../../../shared/protocol/overlay';
import type { TransportOptions } from '../../../shared/protocol/signaling';
import { mediasoupDataChannelSdp } from './fixtures';
import { type TestClient, until } from './harness';

export interface OverlayPeer {
  pc: RTCPeerConnection;
  dc: RTCDataChannel;
  dataProducerId: string;
}

/** Open the overlay channel on `send` (the studio's send transport, created with SCTP) and wait until it is open. */
export async function openOverlayChannel(studio: TestClient, send: TransportOptions, streamId = 3): Promise<OverlayPeer> {
  const pc = new RTCPeerConnection({});
  try {
    const dc = pc.createDataChannel(OVERLAY_LABEL, { negotiated: true, id: streamId, protocol: OVERLAY_PROTOCOL, ordered: true });
    await pc.setLocalDescription(await pc.createOffer());
    const sdp = pc.localDescription!.sdp;
    const fingerprint = /a=fingerprint:sha-256 (\S+)/.exec(sdp)![1]!;
    const mid = /m=application[^\n]*\n(?:[^\n]*\n)*?a=mid:(\S+)/.exec(sdp)![1]!;
    await studio.rpc.request('transport.connect', {
      transportId: send.id,
      dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: fingerprint }] },
    });
    await pc.setRemoteDescription({ type: 'answer', sdp: mediasoupDataChannelSdp(send, mid, 'passive', 'udp') });
    const { dataProducerId } = await studio.rpc.request('produceData', {
      transportId: send.id,
      sctpStreamParameters: { streamId, ordered: true },
      label: OVERLAY_LABEL,
      protocol: OVERLAY_PROTOCOL,
    });
    await until(() => dc.readyState === 'open', 10_000, 'data channel open');
    return { pc, dc, dataProducerId };
  } catch (err) {
    await pc.close();
    throw err;
  }
}
