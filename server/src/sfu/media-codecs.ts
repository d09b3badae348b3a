import type { types } from 'mediasoup';

/** Codecs every Router offers. H.264 (constrained baseline, packetization-mode 1) is preferred for video; VP8 is the fallback. */
export const ROUTER_MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1, 'x-google-start-bitrate': 1000 },
  },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
];

/**
 * Studio video producers ask the studio for a key frame at most this often: every viewer that joins or loses packets
 * asks its producer for one (fan-out routers' requests arrive through the pipes), and mediasoup folds the requests
 * within this window into one, so a wave of joins sends the studio one PLI, not thousands.
 */
export const KEY_FRAME_REQUEST_DELAY_MS = 500;

/** Start estimate for viewers' receive transports (mediasoup's default is 600 kbps, below the top simulcast layer). */
export const RECV_INITIAL_OUTGOING_BITRATE = 3_000_000;
