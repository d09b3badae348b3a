/**
 * Plays an HLS playlist in a <video>: natively where the browser plays HLS itself (Safari / iOS), else through
 * hls.js, loaded by dynamic import only when a page needs it (the live page's fallback, the replay). Media errors
 * are recovered here; what to do on a fatal network error is the caller's (a live stream starts over, a VOD reloads).
 */
import type Hls from 'hls.js';
import type { HlsConfig } from 'hls.js';

const NATIVE_HLS = 'application/vnd.apple.mpegurl';

/**
 * Safari and every iOS browser (WebKit) play HLS themselves, and so does a browser without Media Source Extensions
 * that says it can. Recent Chromium also answers `canPlayType` with "maybe", but its own HLS stalled after the
 * playlist here: with MSE available, hls.js plays it.
 */
export function playsHlsNatively(video: HTMLVideoElement, nav: Pick<Navigator, 'vendor'> = navigator, win: object = window): boolean {
  if (!video.canPlayType(NATIVE_HLS)) return false;
  const mse = 'MediaSource' in win || 'ManagedMediaSource' in win;
  return nav.vendor.startsWith('Apple') || !mse;
}

export interface AttachHlsOptions {
  config: Partial<HlsConfig>;
  /** The page went away while hls.js was loading: attach nothing. */
  stopped(): boolean;
  /** hls.js could not be loaded, or this browser has no Media Source Extensions. */
  onUnsupported(): void;
  /** The playlist was read (hls.js only; a native player starts on its own). */
  onParsed?(): void;
  /** A fatal error that is not a media error; `hls` is the instance that failed. */
  onFatalNetwork(hls: Hls): void;
}

/** 'native' when the browser plays it, the hls.js instance otherwise, null when it cannot be played here. */
export async function attachHls(video: HTMLVideoElement, url: string, opts: AttachHlsOptions): Promise<Hls | 'native' | null> {
  if (playsHlsNatively(video)) {
    video.src = url;
    return 'native';
  }
  let HlsClass: typeof Hls;
  try {
    HlsClass = (await import('hls.js')).default;
  } catch (err) {
    console.error('storecast: cannot load the HLS player', err);
    opts.onUnsupported();
    return null;
  }
  if (opts.stopped()) return null;
  if (!HlsClass.isSupported()) {
    opts.onUnsupported();
    return null;
  }
  const hls = new HlsClass(opts.config);
  const { onParsed } = opts;
  if (onParsed) hls.on(HlsClass.Events.MANIFEST_PARSED, () => onParsed());
  hls.on(HlsClass.Events.ERROR, (_evt, data) => {
    if (!data.fatal) return;
    if (data.type === HlsClass.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    else opts.onFatalNetwork(hls);
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  return hls;
}
