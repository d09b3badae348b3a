/**
 * ffmpeg command lines of the outputs. Input: the program stream (Matroska/WebM from MediaRecorder) on stdin.
 * Video is copied when it is already H.264 (MediaRecorder encoded it), otherwise encoded with x264; audio (Opus from
 * the browser) is encoded to AAC. Output: fragmented MP4 (playable even if the process dies mid-way) or FLV over RTMP(S).
 */
import type { MkvTrack } from './mkv-stream';

export interface EncodeOptions {
  /** Video bitrate when video has to be encoded (kbit/s). */
  videoKbps: number;
  audioKbps: number;
  /** Keyframe interval when encoding (frames). */
  gop: number;
}

export const DEFAULT_ENCODE: EncodeOptions = { videoKbps: 4500, audioKbps: 160, gop: 60 };

export function videoIsH264(tracks: readonly MkvTrack[]): boolean {
  const v = tracks.find((t) => t.type === 'video');
  return !!v && v.codecId === 'V_MPEG4/ISO/AVC';
}

function common(tracks: readonly MkvTrack[], enc: EncodeOptions): string[] {
  const hasAudio = tracks.some((t) => t.type === 'audio');
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    '-stats_period',
    '1',
    '-fflags',
    '+genpts',
    '-f',
    'matroska',
    '-i',
    'pipe:0',
  ];
  // Platforms and players expect an audio track: without a microphone the program carries silence.
  if (!hasAudio) args.push('-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000');
  args.push('-map', '0:v:0', '-map', hasAudio ? '0:a:0' : '1:a:0');
  if (videoIsH264(tracks)) {
    args.push('-c:v', 'copy');
  } else {
    const k = enc.videoKbps;
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-tune',
      'zerolatency',
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(enc.gop),
      '-b:v',
      `${k}k`,
      '-maxrate',
      `${k}k`,
      '-bufsize',
      `${k * 2}k`,
    );
  }
  args.push('-c:a', 'aac', '-b:a', `${enc.audioKbps}k`, '-ar', '48000', '-ac', '2', '-af', 'aresample=async=1000');
  if (!hasAudio) args.push('-shortest');
  return args;
}

/** Fragmented MP4: moov first (empty), then a moof+mdat per keyframe / second — a killed process leaves a playable file. */
export function recordingArgs(tracks: readonly MkvTrack[], file: string, enc: EncodeOptions = DEFAULT_ENCODE): string[] {
  return [
    ...common(tracks, enc),
    '-f',
    'mp4',
    '-movflags',
    '+frag_keyframe+empty_moov+default_base_moof',
    '-frag_duration',
    '1000000',
    '-flush_packets',
    '1',
    '-y',
    file,
  ];
}

/** The publish URL of a target: server URL + "/" + stream key. */
export function rtmpPublishUrl(url: string, streamKey: string): string {
  const base = url.replace(/\/+$/, '');
  return streamKey ? `${base}/${streamKey}` : base;
}

export function restreamArgs(tracks: readonly MkvTrack[], publishUrl: string, enc: EncodeOptions = DEFAULT_ENCODE): string[] {
  return [...common(tracks, enc), '-rw_timeout', '15000000', '-f', 'flv', '-flvflags', 'no_duration_filesize', publishUrl];
}
