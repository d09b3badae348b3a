/**
 * Remote SDP offer for a receive-only peer of a mediasoup WebRtcTransport, built the way mediasoup-client does it
 * (its RemoteSdp / RemoteOfferMediaSection: ICE-lite, a=setup:actpass, one sendonly m= section per consumer with
 * its mid, payload types, rtcp-fb, header extensions and ssrc/cname lines, BUNDLE). Used by the werift viewers.
 */
import type { types } from 'mediasoup-client';
import { RemoteSdp } from 'mediasoup-client/handlers/sdp/RemoteSdp';
import type { DtlsParameters } from '../../../shared/protocol/mediasoup-params';
import type { ConsumerInfo, TransportOptions } from '../../../shared/protocol/signaling';

/** Build the offer for `consumers` on the recv transport `transport` (consumers need an rtpParameters.mid). */
export function buildRecvOffer(transport: TransportOptions, consumers: readonly ConsumerInfo[]): string {
  // The zod schemas are structural supersets of mediasoup's types (looseObject): the values came from mediasoup.
  const remote = new RemoteSdp({
    iceParameters: transport.iceParameters as types.IceParameters,
    iceCandidates: transport.iceCandidates as types.IceCandidate[],
    dtlsParameters: { ...transport.dtlsParameters, role: 'auto' } as types.DtlsParameters,
  });
  for (const c of consumers) {
    const mid = c.rtpParameters.mid;
    if (!mid) throw new Error(`consumer ${c.id} has no mid`);
    remote.receive({
      mid,
      kind: c.kind,
      offerRtpParameters: c.rtpParameters as unknown as types.RtpParameters,
      streamId: c.rtpParameters.rtcp?.cname ?? 'storecast',
      trackId: c.id,
    });
  }
  return remote.getSdp();
}

/** DTLS parameters of a local answer (role client: the answer says a=setup:active), for transport.connect. */
export function dtlsParametersFromAnswer(sdp: string): DtlsParameters {
  const fingerprints = [...sdp.matchAll(/^a=fingerprint:(\S+) (\S+)\s*$/gm)].map((m) => ({ algorithm: m[1]!.toLowerCase(), value: m[2]! }));
  if (fingerprints.length === 0) throw new Error('answer has no a=fingerprint');
  const setup = /^a=setup:(\S+)\s*$/m.exec(sdp)?.[1];
  if (setup && setup !== 'active') throw new Error(`answer has a=setup:${setup}, expected active (DTLS client)`);
  // Session- and media-level fingerprints repeat the same certificate: keep one per algorithm.
  const unique = new Map(fingerprints.map((f) => [f.algorithm, f]));
  return { role: 'client', fingerprints: [...unique.values()] };
}
