/**
 * RTP parameters shaped like what Chromium sends through mediasoup-client (H.264 3-layer simulcast with RTX,
 * Opus): real producers on the server without a browser. No media flows; the SFU objects are real.
 */
import type { RtpParameters, SctpCapabilities } from '../../../shared/protocol/mediasoup-params';
import type { TransportOptions } from '../../../shared/protocol/signaling';

const videoFeedback = [
  { type: 'goog-remb' },
  { type: 'transport-cc' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
];

export function simulcastVideoParameters(ssrcBase = 1000): RtpParameters {
  return {
    mid: '0',
    codecs: [
      {
        mimeType: 'video/H264',
        payloadType: 102,
        clockRate: 90000,
        parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
        rtcpFeedback: videoFeedback,
      },
      { mimeType: 'video/rtx', payloadType: 103, clockRate: 90000, parameters: { apt: 102 }, rtcpFeedback: [] },
    ],
    headerExtensions: [
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4 },
      { uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', id: 2 },
      { uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01', id: 3 },
    ],
    encodings: [
      { ssrc: ssrcBase + 1, rtx: { ssrc: ssrcBase + 2 }, scalabilityMode: 'L1T3', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
      { ssrc: ssrcBase + 3, rtx: { ssrc: ssrcBase + 4 }, scalabilityMode: 'L1T3', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
      { ssrc: ssrcBase + 5, rtx: { ssrc: ssrcBase + 6 }, scalabilityMode: 'L1T3', scaleResolutionDownBy: 1, maxBitrate: 2_500_000 },
    ],
    rtcp: { cname: 'studio-test', reducedSize: true },
  };
}

export function opusParameters(ssrc = 5000): RtpParameters {
  return {
    mid: '1',
    codecs: [
      {
        mimeType: 'audio/opus',
        payloadType: 111,
        clockRate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 },
        rtcpFeedback: [{ type: 'transport-cc' }],
      },
    ],
    headerExtensions: [
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4 },
      { uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', id: 2 },
    ],
    encodings: [{ ssrc }],
    rtcp: { cname: 'studio-test', reducedSize: true },
  };
}

export const SCTP_CAPS: SctpCapabilities = { numStreams: { OS: 1024, MIS: 1024 } };

/** A DTLS fingerprint in the shape browsers send (the value is never verified until media connects). */
export const CLIENT_DTLS = {
  role: 'client' as const,
  fingerprints: [
    {
      algorithm: 'sha-256',
      value: '82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD',
    },
  ],
};

/**
 * mediasoup's side of a DataChannel-only session (what mediasoup-client's RemoteSdp writes) for a werift peer: the
 * answer to a studio's offer (`passive`) or the offer to a viewer (`actpass`), with one protocol's candidates.
 */
export function mediasoupDataChannelSdp(t: TransportOptions, mid: string, setup: 'passive' | 'actpass', protocol: 'udp' | 'tcp'): string {
  const fp = t.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256')!;
  const candidates = t.iceCandidates.filter((c) => c.protocol === protocol);
  return [
    'v=0',
    'o=mediasoup 1 1 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=group:BUNDLE ${mid}`,
    `m=application ${candidates[0]!.port} UDP/DTLS/SCTP webrtc-datachannel`,
    'c=IN IP4 127.0.0.1',
    `a=mid:${mid}`,
    `a=ice-ufrag:${t.iceParameters.usernameFragment}`,
    `a=ice-pwd:${t.iceParameters.password}`,
    `a=fingerprint:sha-256 ${fp.value}`,
    `a=setup:${setup}`,
    ...candidates.map(
      (c) =>
        `a=candidate:${c.foundation} 1 ${protocol} ${c.priority} ${c.address} ${c.port} typ host${c.tcpType ? ` tcptype ${c.tcpType}` : ''}`,
    ),
    'a=end-of-candidates',
    `a=sctp-port:${t.sctpParameters!.port}`,
    `a=max-message-size:${t.sctpParameters!.maxMessageSize}`,
    '',
  ].join('\r\n');
}
