import type { AudioMeter } from './controllers/audio-meter';
import type { FrameListener, FrameMonitor } from './controllers/frames';
import { type Screen, selectActiveLayer, selectScreen } from './selectors';
import type { FrameSample, ViewerStore } from './store';

/**
 * Read-only handle for e2e tests and benches: `window.__storecast`. It exposes the store (read + subscribe),
 * the <video> element, the retained requestVideoFrameCallback samples and a frame listener registry, and the
 * received audio level. Nothing here can change the viewer's state.
 */
export interface StorecastViewerHandle {
  readonly store: Pick<ViewerStore, 'getState' | 'subscribe'>;
  readonly video: HTMLVideoElement;
  /** Call `cb` for every presented video frame; returns an unsubscribe function. */
  onFrame(cb: FrameListener): () => void;
  /** The last ≤300 frame samples, oldest first. */
  frames(): FrameSample[];
  /** RMS level (0‥1) of the received audio, null without a live track or running AudioContext. */
  audioLevel(): number | null;
  audioTrackState(): MediaStreamTrackState | null;
  screen(): Screen;
  activeLayer(): ReturnType<typeof selectActiveLayer>;
}

declare global {
  interface Window {
    __storecast?: StorecastViewerHandle;
  }
}

export function installTestHandle(store: ViewerStore, video: HTMLVideoElement, frames: FrameMonitor, meter: AudioMeter): void {
  const handle: StorecastViewerHandle = {
    store: { getState: store.getState, subscribe: store.subscribe },
    video,
    onFrame: (cb) => frames.subscribe(cb),
    frames: () => frames.samples(),
    audioLevel: () => meter.level(),
    audioTrackState: () => meter.trackState(),
    screen: () => selectScreen(store.getState()),
    activeLayer: () => selectActiveLayer(store.getState()),
  };
  Object.defineProperty(window, '__storecast', { value: Object.freeze(handle), writable: false, configurable: false });
}
