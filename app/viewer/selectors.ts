import { QUALITY_SPATIAL_LAYER, type Quality } from '../../shared/domain/show';
import type { ViewerState } from './store';

/** Which designed screen the page shows. */
export type Screen = 'loading' | 'ready' | 'live' | 'reconnecting' | 'ended' | 'notFound' | 'error';
/**
 * Why a live show is not playing right now. `poor`: the media path could not be restored and the player is rejoining,
 * or what arrives while the studio publishes is too poor for live video (it keeps retrying on its own; chat and shop
 * keep working).
 */
export type StallReason = 'network' | 'poor' | 'host' | 'media' | null;

/** Consecutive failed connection attempts before "loading" turns into the offline error screen (retries go on). */
export const OFFLINE_AFTER_ATTEMPTS = 3;

export function selectStallReason(s: ViewerState): StallReason {
  // HLS buffers through what would stall WebRTC; the page shows the loading screen until its first frame.
  if (s.playback === 'hls') return null;
  if (s.connection !== 'open' || s.transportState === 'failed' || s.transportState === 'disconnected')
    return s.poorConnection || s.mediaTooPoor ? 'poor' : 'network';
  if (!s.publisherConnected) return 'host';
  // Judged while the studio publishes, from what this page receives: the viewer's link, not the studio's.
  if (s.mediaTooPoor) return 'poor';
  // The SFU forwards no layer of a playing video: the studio's stream stopped arriving (its uplink went away) before
  // the server noticed its socket was gone.
  if (s.video && !s.video.paused && s.layers?.spatial === null) return 'host';
  if (s.poorConnection && s.transportState !== 'connected') return 'poor';
  if (!s.video) return 'media';
  return null;
}

export function selectScreen(s: ViewerState): Screen {
  if (s.playback === 'hls' && s.hlsFailed) return 'error';
  if (s.fatal) return s.fatal.kind === 'error' ? 'error' : 'notFound';
  if (!s.show) return s.failedAttempts >= OFFLINE_AFTER_ATTEMPTS ? 'error' : 'loading';
  if (s.show.status === 'ended') return 'ended';
  if (s.show.status === 'ready') return 'ready';
  if (selectStallReason(s) !== null) return 'reconnecting';
  return s.videoFrameSeen ? 'live' : 'loading';
}

/** Error screen flavour: the show is full (retrying), another typed server error, or the network being unreachable. */
export function selectErrorKind(s: ViewerState): 'full' | 'offline' | 'server' | null {
  if (s.playback === 'hls' && s.hlsFailed) return s.hlsReason === 'full' ? 'full' : 'offline';
  if (s.fatal?.kind === 'error') return s.fatal.code === 'UNAVAILABLE' ? 'full' : 'server';
  if (!s.show && s.failedAttempts >= OFFLINE_AFTER_ATTEMPTS) return 'offline';
  return null;
}

/** The quality name of the simulcast layer being forwarded (null: unknown / no video). */
export function selectActiveLayer(s: ViewerState): Exclude<Quality, 'auto'> | null {
  const spatial = s.layers?.spatial;
  if (spatial === null || spatial === undefined) return null;
  for (const [q, layer] of Object.entries(QUALITY_SPATIAL_LAYER)) {
    if (layer === spatial) return q as Exclude<Quality, 'auto'>;
  }
  return null;
}

export const selectIsLive = (s: ViewerState): boolean => s.show?.status === 'live';

/**
 * The page's media start is over: the first video frame is on screen, or there will not be one soon (an error,
 * a failed connection, a show that is not live, a live show whose camera is off). Work that is not needed for the
 * first picture (shop data, the chat socket) starts then (see whenState).
 */
export function selectMediaSettled(s: ViewerState): boolean {
  if (s.videoFrameSeen || s.fatal !== null || s.failedAttempts > 0) return true;
  if (!s.show) return false;
  return s.show.status !== 'live' || s.video?.paused === true;
}
