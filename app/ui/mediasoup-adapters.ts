/**
 * The one place where the wire schemas of shared/protocol/mediasoup-params.ts meet mediasoup-client's types, plus the
 * signaling calls both media pages make the same way (ICE restart). The wire schemas are structural and validated
 * by zod; mediasoup-client's types are nominally narrower (enums) or wider (codec parameters: unknown), so the casts
 * live here instead of at every call site.
 */
import type { types as ms } from 'mediasoup-client';
import type { DtlsParameters, RtpCapabilities, RtpParameters, SctpStreamParameters } from '../../shared/protocol/mediasoup-params';
import type { SignalingClient, TransportOptions } from '../../shared/protocol/signaling';

/**
 * SCTP capabilities sent with transport.create / viewer.join: mediasoup-client 3.24 no longer reports them (no
 * Device.sctpCapabilities); the server enables SCTP (overlay DataChannels) when they are present. These are the
 * WebRTC defaults Chromium negotiates.
 */
export const SCTP_CAPABILITIES = { numStreams: { OS: 1024, MIS: 1024 } };

/** Server transport options → mediasoup-client's createSend/RecvTransport options. */
export function clientTransportOptions(o: TransportOptions): ms.TransportOptions {
  return {
    id: o.id,
    iceParameters: o.iceParameters as ms.IceParameters,
    iceCandidates: o.iceCandidates as ms.IceCandidate[],
    dtlsParameters: o.dtlsParameters as ms.DtlsParameters,
    ...(o.sctpParameters && { sctpParameters: o.sctpParameters as unknown as ms.SctpParameters }),
  };
}

/** The router's capabilities from the wire, for Device.load. */
export function routerCapabilities(caps: RtpCapabilities): ms.RtpCapabilities {
  return caps as ms.RtpCapabilities;
}

/** A device's receive capabilities for the wire (codec parameters are wider there; the server validates them). */
export function wireRecvCapabilities(device: { recvRtpCapabilities: ms.RtpCapabilities }): RtpCapabilities {
  return device.recvRtpCapabilities as RtpCapabilities;
}

/** Local DTLS parameters (mediasoup-client's `connect` event) for the wire. */
export function wireDtlsParameters(d: ms.DtlsParameters): DtlsParameters {
  return d as DtlsParameters;
}

/** A producer's RTP parameters (mediasoup-client's `produce` event) for the wire. */
export function wireRtpParameters(p: ms.RtpParameters): RtpParameters {
  return p as RtpParameters;
}

/** A data producer's SCTP stream parameters (mediasoup-client's `producedata` event) for the wire. */
export function wireSctpStreamParameters(p: ms.SctpStreamParameters): SctpStreamParameters {
  return p as SctpStreamParameters;
}

/** A consumer's RTP parameters from the wire, for Transport.consume. */
export function clientRtpParameters(p: RtpParameters): ms.RtpParameters {
  return p as unknown as ms.RtpParameters;
}

/** A data consumer's SCTP stream parameters from the wire, for Transport.consumeData. */
export function clientSctpStreamParameters(p: SctpStreamParameters): ms.SctpStreamParameters {
  return p as ms.SctpStreamParameters;
}

/** Restart ICE on `transport`: new ICE parameters from the server, applied to the local transport. */
export async function restartTransportIce(rpc: SignalingClient, transport: ms.Transport): Promise<void> {
  const { iceParameters } = await rpc.request('transport.restartIce', { transportId: transport.id });
  if (!transport.closed) await transport.restartIce({ iceParameters: iceParameters as ms.IceParameters });
}
