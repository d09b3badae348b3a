/**
 * What ffmpeg is told: the SDP describing the RTP the recorder's PlainTransports send it (one m-line per consumer,
 * RTP on an even port, RTCP on the next one) and the command line that turns it into HLS (video copied, audio
 * Opus → AAC, 1–2 s segments cut on the key frames the recorder requests).
 */
import { createSocket } from 'node:dgram';
import type { types } from 'mediasoup';

/** One consumer's stream as ffmpeg receives it. */
export interface SdpStream {
  kind: 'audio' | 'video';
  rtpPort: number;
  codec: types.RtpCodecParameters;
}

/** Playlist and segment names inside a show's HLS folder (the HTTP routes accept exactly these). */
export const PLAYLIST_FILE = 'index.m3u8';
export const SEGMENT_PATTERN = 'seg-%05d.ts';
export const SEGMENT_FILE_RE = /^seg-\d{5,9}\.ts$/;
/**
 * ffmpeg cuts a segment at the first key frame past the next multiple of HLS_TIME_S (counted from the start, not
 * from the last cut), and the recorder asks for a key frame every KEY_FRAME_INTERVAL_MS: equal, they make ~1 s
 * segments, a late key frame a longer one (under 2 s). Denser key frames would make segments shorter than 1 s.
 */
export const HLS_TIME_S = 1;
export const KEY_FRAME_INTERVAL_MS = 1000;

export function buildSdp(streams: readonly SdpStream[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=storecast-hls', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const s of streams) {
    const { codec } = s;
    const [, name] = codec.mimeType.split('/');
    const channels = s.kind === 'audio' && codec.channels && codec.channels > 1 ? `/${codec.channels}` : '';
    lines.push(`m=${s.kind} ${s.rtpPort} RTP/AVP ${codec.payloadType}`);
    lines.push(`a=rtcp:${s.rtpPort + 1}`);
    lines.push(`a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${channels}`);
    const fmtp = Object.entries(codec.parameters ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(';');
    if (fmtp) lines.push(`a=fmtp:${codec.payloadType} ${fmtp}`);
    lines.push('a=recvonly');
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function ffmpegArgs(dir: string, opts: { hasAudio: boolean; copyVideo: boolean }): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-protocol_whitelist',
    'pipe,udp,rtp',
    '-fflags',
    '+genpts',
    '-analyzeduration',
    '3000000',
    '-f',
    'sdp',
    '-i',
    'pipe:0',
    '-map',
    '0:v:0',
    ...(opts.hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '96k', '-ac', '2', '-ar', '48000'] : []),
    // H.264 is copied as the studio encoded it; another codec (VP8) is encoded once here at the studio's key frames.
    ...(opts.copyVideo
      ? ['-c:v', 'copy']
      : ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-force_key_frames', 'source']),
    '-f',
    'hls',
    '-hls_time',
    String(HLS_TIME_S),
    '-hls_list_size',
    '0',
    '-hls_playlist_type',
    'event',
    // append_list: a restarted ffmpeg continues the playlist (with a discontinuity) instead of overwriting it;
    // omit_endlist: only the end of the show closes the playlist (HlsRecorder.finalize), not a pause of the studio.
    '-hls_flags',
    'program_date_time+append_list+omit_endlist+independent_segments+temp_file',
    '-hls_segment_filename',
    `${dir}/${SEGMENT_PATTERN}`,
    `${dir}/${PLAYLIST_FILE}`,
  ];
}

/** An even UDP port whose successor is free too (RTP + RTCP for ffmpeg), on 127.0.0.1. */
export async function freeRtpPort(exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bindUdp(0);
    const port = first.port % 2 === 0 ? first.port : first.port + 1;
    first.close();
    if (port > 65534 || exclude.has(port) || exclude.has(port + 1)) continue;
    const a = await bindUdp(port).catch(() => null);
    const b = a ? await bindUdp(port + 1).catch(() => null) : null;
    a?.close();
    b?.close();
    if (a && b) return port;
  }
  throw new Error('no free UDP port pair for ffmpeg');
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const sock = await bindUdp(0);
  sock.close();
  return sock.port;
}

function bindUdp(port: number): Promise<{ port: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', (err) => {
      sock.close();
      reject(err);
    });
    sock.bind(port, '127.0.0.1', () => resolve({ port: sock.address().port, close: () => sock.close() }));
  });
}
