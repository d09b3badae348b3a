/**
 * Real RTP into a Router without a browser: a PlainTransport with an H.264 producer (three simulcast SSRCs, every
 * frame a key frame so any layer can start at once) and an Opus producer, fed from a UDP socket every 20 ms.
 */
import { createSocket } from 'node:dgram';
import type { types } from 'mediasoup';

export const FEED_VIDEO_SSRCS = [2001, 2002, 2003];
export const FEED_AUDIO_SSRC = 3001;

function rtpPacket(pt: number, ssrc: number, seq: number, ts: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = 0x80 | pt; // marker: one packet per frame
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  payload.copy(b, 12);
  return b;
}

/** STAP-A with SPS, PPS and an IDR slice. */
function h264KeyFrame(): Buffer {
  const nals = [Buffer.from([0x67, 0x42, 0xe0, 0x1f, 0xda]), Buffer.from([0x68, 0xce, 0x3c, 0x80]), Buffer.alloc(300, 0x65)];
  return Buffer.concat([Buffer.from([0x78]), ...nals.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]);
}

/** The feeds' codecs: H.264 constrained baseline (payload type 102) and Opus (111). */
export const FEED_H264_CODEC: types.RtpCodecParameters = {
  mimeType: 'video/H264',
  payloadType: 102,
  clockRate: 90000,
  parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  rtcpFeedback: [{ type: 'nack', parameter: 'pli' }],
};
export const FEED_OPUS_CODEC: types.RtpCodecParameters = { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 };

export interface RtpFeed {
  transport: types.PlainTransport;
  video: types.Producer<{ source: 'program' }>;
  audio: types.Producer<{ source: 'mic' }>;
  stop(): void;
}

export async function feedRtp(router: types.Router, video: Pick<types.ProducerOptions, 'keyFrameRequestDelay'> = {}): Promise<RtpFeed> {
  const plain = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true });
  const videoProducer = await plain.produce({
    ...video,
    kind: 'video',
    rtpParameters: {
      codecs: [FEED_H264_CODEC],
      encodings: FEED_VIDEO_SSRCS.map((ssrc) => ({ ssrc, scalabilityMode: 'L1T1' })),
      rtcp: { cname: 'studio-test' },
    },
    appData: { source: 'program' as const },
  });
  const audioProducer = await plain.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [FEED_OPUS_CODEC],
      encodings: [{ ssrc: FEED_AUDIO_SSRC }],
      rtcp: { cname: 'studio-test' },
    },
    appData: { source: 'mic' as const },
  });
  const sock = createSocket('udp4');
  let seq = 0;
  const key = h264KeyFrame();
  const opus = Buffer.alloc(60, 0xfc);
  const timer = setInterval(() => {
    seq++;
    const port = plain.tuple.localPort;
    for (const ssrc of FEED_VIDEO_SSRCS) sock.send(rtpPacket(102, ssrc, seq, seq * 3000, key), port, '127.0.0.1');
    sock.send(rtpPacket(111, FEED_AUDIO_SSRC, seq, seq * 960, opus), port, '127.0.0.1');
  }, 20);
  return {
    transport: plain,
    video: videoProducer,
    audio: audioProducer,
    stop() {
      clearInterval(timer);
      sock.close();
      plain.close();
    },
  };
}
