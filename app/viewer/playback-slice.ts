import type { StateCreator } from 'zustand/vanilla';
import type { ViewerState } from './store';

/**
 * How the page plays the show: WebRTC (normal, sub-second) or HLS (the fallback when the show is full or WebRTC
 * cannot connect; "standard latency", a few seconds behind). Written by controllers/hls-fallback.ts and webrtc-return.ts.
 */
export type PlaybackMode = 'webrtc' | 'hls';
export type HlsReason = 'full' | 'unreachable';

export interface PlaybackSlice {
  playback: PlaybackMode;
  hlsReason: HlsReason | null;
  /** HLS cannot play in this browser (the page then shows why WebRTC did not work). */
  hlsFailed: boolean;
  /** The page plays HLS from now on: the WebRTC refusal is no longer an error. */
  switchedToHls(reason: HlsReason): void;
  setHlsFailed(failed: boolean): void;
  /** A place freed up: the page plays WebRTC again (controllers/webrtc-return.ts). */
  returnedToWebRtc(): void;
}

export const playbackSlice: StateCreator<ViewerState, [], [], PlaybackSlice> = (set) => ({
  playback: 'webrtc',
  hlsReason: null,
  hlsFailed: false,
  switchedToHls: (hlsReason) =>
    set({ playback: 'hls', hlsReason, fatal: null, failedAttempts: 0, poorConnection: false, mediaTooPoor: false }),
  setHlsFailed: (hlsFailed) => set({ hlsFailed }),
  returnedToWebRtc: () => set({ playback: 'webrtc', hlsReason: null, hlsFailed: false, fatal: null }),
});
