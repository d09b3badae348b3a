/**
 * Real, decodable media into a Router without a browser: ffmpeg encodes a test pattern (H.264 constrained baseline,
 * a key frame every second, like the HLS recorder asks a studio for, the frame counter burned in by testsrc2) and a tone (Opus) and sends them as RTP to two
 * comedia PlainTransports with one producer each. For tests that need frames something downstream can decode
 * (HLS segments checked by ffprobe); rtp-feed.ts is the cheaper feed when only packets matter.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { types } from 'mediasoup';
import { FEED_H264_CODEC, FEED_OPUS_CODEC } from './rtp-feed';
import type { TestClient, TestServer } from './harness';

export const H264_FEED_VIDEO_SSRC = 4001;
export const H264_FEED_AUDIO_SSRC = 4002;

export interface H264Feed {
  video: types.Producer;
  audio: types.Producer;
  process: ChildProcess;
  stop(): void;
}

export async function feedH264(router: types.Router, ffmpegBin = process.env.FFMPEG_BIN ?? 'ffmpeg'): Promise<H264Feed> {
  const listenInfo = { protocol: 'udp' as const, ip: '127.0.0.1' };
  // RTCP on its own port: ffmpeg sends it from another local port than RTP, and a muxed comedia transport would
  // lock onto whichever arrived first.
  const vt = await router.createPlainTransport({ listenInfo, comedia: true, rtcpMux: false });
  const at = await router.createPlainTransport({ listenInfo, comedia: true, rtcpMux: false });
  const video = await vt.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [FEED_H264_CODEC],
      encodings: [{ ssrc: H264_FEED_VIDEO_SSRC }],
      rtcp: { cname: 'h264-feed' },
    },
    appData: { source: 'program' },
  });
  const audio = await at.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [FEED_OPUS_CODEC],
      encodings: [{ ssrc: H264_FEED_AUDIO_SSRC }],
      rtcp: { cname: 'h264-feed' },
    },
    appData: { source: 'mic' },
  });
  const rtp = (t: types.PlainTransport) => `rtp://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`;
  // biome-ignore format: one ffmpeg option per line pair
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-map', '0:v', '-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-preset', 'ultrafast',
    '-tune', 'zerolatency', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-bf', '0',
    '-f', 'rtp', '-ssrc', String(H264_FEED_VIDEO_SSRC), '-payload_type', String(FEED_H264_CODEC.payloadType), rtp(vt),
    '-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '64k',
    '-f', 'rtp', '-ssrc', String(H264_FEED_AUDIO_SSRC), '-payload_type', String(FEED_OPUS_CODEC.payloadType), rtp(at),
  ];
  const proc = spawn(ffmpegBin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    video,
    audio,
    process: proc,
    stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      vt.close();
      at.close();
    },
  };
}

/**
 * A show opened and live through the studio's socket whose studio producers are an H.264 feed (PlainTransports, no
 * browser): what the recording and HLS tests record.
 */
export async function goLiveWithFeed(server: TestServer, studio: TestClient, title: string): Promise<{ showId: string; feed: H264Feed }> {
  const {
    show: { id: showId },
  } = await studio.rpc.request('show.open', { title });
  await studio.rpc.request('show.goLive', { showId });
  const room = server.rooms.get(showId)!;
  const feed = await feedH264(room.router);
  room.studio!.producers.set(feed.video.id, feed.video as never);
  room.studio!.producers.set(feed.audio.id, feed.audio as never);
  room.onNewProducer();
  return { showId, feed };
}
