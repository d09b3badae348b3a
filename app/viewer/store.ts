/**
 * Viewer state: one zustand vanilla store built from slices (show, media, overlays, metrics, shop, the shared
 * realtime feed, interaction). Controllers (player, frame monitor, shop, interaction, danmaku) write through
 * the slice actions; React reads through selectors (see selectors.ts). Derived values (which screen to show,
 * the active layer's name) are computed by selectors, never stored.
 */
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { Quality, ShowId, ShowInfo } from '../../shared/domain/show';
import { applyOverlay, type OverlayTrigger, type PinnedTrigger } from '../../shared/protocol/overlay';
import { type FeedSlice, feedSlice } from '../ui/realtime/feed';
import { type InteractionSlice, interactionSlice } from './interaction/slice';
import { type PlaybackSlice, playbackSlice } from './playback-slice';
import { type ShopSlice, shopSlice } from './shop/slice';

export type Connection = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';
export type TransportState = 'none' | 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
export type Fatal = { kind: 'invalidId' } | { kind: 'notFound' } | { kind: 'error'; code: string; message: string };

export interface TrackInfo {
  consumerId: string;
  producerId: string;
  /** Paused at the source (studio paused the producer, e.g. mic muted) or by the SFU. */
  paused: boolean;
}

/** One requestVideoFrameCallback report (times are performance.now()-based, ms). */
export interface FrameSample {
  now: number;
  presentationTime: number;
  expectedDisplayTime: number;
  mediaTime: number;
  presentedFrames: number;
  width: number;
  height: number;
  captureTime?: number;
  receiveTime?: number;
  rtpTimestamp?: number;
  processingDuration?: number;
}

export interface ShowSlice {
  showId: ShowId | null;
  show: ShowInfo | null;
  viewerCount: number;
  publisherConnected: boolean;
  connection: Connection;
  /** Consecutive failed connection attempts (0 once joined). */
  failedAttempts: number;
  fatal: Fatal | null;
  setShowId(showId: ShowId): void;
  setConnection(connection: Connection): void;
  connectFailed(): void;
  joined(show: ShowInfo, viewerCount: number, overlays: readonly OverlayTrigger[]): void;
  showChanged(show: ShowInfo): void;
  setViewerCount(showId: string, count: number): void;
  setPublisherConnected(showId: string, connected: boolean): void;
  setFatal(fatal: Fatal): void;
}

export interface MediaSlice {
  video: TrackInfo | null;
  audio: TrackInfo | null;
  transportState: TransportState;
  /**
   * ICE could not restore the media path and the player gave up to a rejoin: the network is too poor right now.
   * Stays set across the rejoin and clears once a transport connects again.
   */
  poorConnection: boolean;
  /**
   * The transport is connected but what arrives is too poor for live video (heavy loss, a slideshow): judged from the
   * inbound stats while the studio publishes (controllers/player/link-watch.ts), which retries by itself. Stays set
   * across its rejoins and clears once frames flow again.
   */
  mediaTooPoor: boolean;
  muted: boolean;
  /** play() was refused even muted: the page needs a tap to start playback. */
  playBlocked: boolean;
  quality: Quality;
  /** Simulcast layer the SFU forwards for the video consumer (from `consumer.layers`). */
  layers: { spatial: number | null; temporal: number | null } | null;
  videoSize: { width: number; height: number } | null;
  /** The current video track has presented at least one frame. */
  videoFrameSeen: boolean;
  trackAdded(kind: 'audio' | 'video', info: TrackInfo): void;
  trackRemoved(consumerId: string): void;
  trackPaused(consumerId: string, paused: boolean): void;
  mediaCleared(): void;
  setTransportState(state: TransportState): void;
  setPoorConnection(poor: boolean): void;
  setMediaTooPoor(poor: boolean): void;
  setMuted(muted: boolean): void;
  setPlayBlocked(blocked: boolean): void;
  setQuality(quality: Quality): void;
  setLayers(consumerId: string, spatial: number | null, temporal: number | null): void;
}

export interface OverlaySlice {
  pinned: PinnedTrigger[];
  expandedProductId: string | null;
  applyTrigger(trigger: OverlayTrigger): void;
  /** Replace the pinned list with the server's overlay state (`show.overlays`, newest first like the join's). */
  overlaysSynced(overlays: readonly OverlayTrigger[]): void;
  toggleExpanded(productId: string | null): void;
}

export interface MetricsSlice {
  /** performance.now() when the first `viewer.join` of this page was sent. */
  joinStartedAt: number | null;
  /** Page navigation start → first presented video frame (ms). */
  firstFrameMs: number | null;
  /** First `viewer.join` sent → first presented video frame (ms). */
  joinToFirstFrameMs: number | null;
  presentedFrames: number;
  lastFrame: FrameSample | null;
  joinStarted(at: number): void;
  frame(sample: FrameSample): void;
}

export type ViewerState = ShowSlice & MediaSlice & OverlaySlice & MetricsSlice & ShopSlice & FeedSlice & InteractionSlice & PlaybackSlice;
export type ViewerStore = StoreApi<ViewerState>;
type Slice<T> = StateCreator<ViewerState, [], [], T>;

/**
 * Fold triggers into the pinned list, oldest first by the studio's send time: `viewer.join` returns the server's
 * current state newest first (not a log), and folding that in array order would reverse the pinned order.
 */
export function foldOverlays(triggers: readonly OverlayTrigger[]): PinnedTrigger[] {
  const chronological = triggers.map((t, i) => ({ t, i })).sort((a, b) => a.t.at - b.t.at || a.i - b.i);
  return chronological.reduce<PinnedTrigger[]>((acc, { t }) => applyOverlay(acc, t), []);
}

/** A new pinned list, keeping the expanded card only while its product is still pinned. */
function pinnedState(pinned: PinnedTrigger[], expanded: string | null): Pick<OverlaySlice, 'pinned' | 'expandedProductId'> {
  return { pinned, expandedProductId: pinned.some((p) => p.product.productId === expanded) ? expanded : null };
}

const showSlice: Slice<ShowSlice> = (set, get) => ({
  showId: null,
  show: null,
  viewerCount: 0,
  publisherConnected: true,
  connection: 'idle',
  failedAttempts: 0,
  fatal: null,
  setShowId: (showId) => set({ showId }),
  setConnection: (connection) => set({ connection }),
  connectFailed: () => set((s) => ({ failedAttempts: s.failedAttempts + 1 })),
  joined: (show, viewerCount, overlays) =>
    set({
      show,
      viewerCount,
      publisherConnected: true,
      failedAttempts: 0,
      fatal: null,
      ...pinnedState(foldOverlays(overlays), get().expandedProductId),
    }),
  showChanged: (show) => {
    const current = get().show;
    if (current && current.id !== show.id) return;
    set({ show });
  },
  setViewerCount: (showId, count) => {
    if (get().showId === showId) set({ viewerCount: count });
  },
  setPublisherConnected: (showId, connected) => {
    if (get().showId === showId) set({ publisherConnected: connected });
  },
  setFatal: (fatal) => set({ fatal }),
});

const mediaSlice: Slice<MediaSlice> = (set, get) => ({
  video: null,
  audio: null,
  transportState: 'none',
  poorConnection: false,
  mediaTooPoor: false,
  muted: true,
  playBlocked: false,
  quality: 'auto',
  layers: null,
  videoSize: null,
  videoFrameSeen: false,
  trackAdded: (kind, info) =>
    set(kind === 'video' ? { video: info, videoFrameSeen: false, layers: null, videoSize: null } : { audio: info }),
  trackRemoved: (consumerId) => {
    const s = get();
    if (s.video?.consumerId === consumerId) set({ video: null, videoFrameSeen: false, layers: null });
    else if (s.audio?.consumerId === consumerId) set({ audio: null });
  },
  trackPaused: (consumerId, paused) => {
    const s = get();
    if (s.video?.consumerId === consumerId) set({ video: { ...s.video, paused } });
    else if (s.audio?.consumerId === consumerId) set({ audio: { ...s.audio, paused } });
  },
  mediaCleared: () => set({ video: null, audio: null, videoFrameSeen: false, layers: null, transportState: 'none' }),
  setTransportState: (transportState) =>
    set(transportState === 'connected' ? { transportState, poorConnection: false } : { transportState }),
  setPoorConnection: (poorConnection) => set({ poorConnection }),
  setMediaTooPoor: (mediaTooPoor) => set({ mediaTooPoor }),
  setMuted: (muted) => set({ muted }),
  setPlayBlocked: (playBlocked) => set({ playBlocked }),
  setQuality: (quality) => set({ quality }),
  setLayers: (consumerId, spatial, temporal) => {
    if (get().video?.consumerId === consumerId) set({ layers: { spatial, temporal } });
  },
});

const overlaySlice: Slice<OverlaySlice> = (set, get) => ({
  pinned: [],
  expandedProductId: null,
  applyTrigger: (trigger) => set(pinnedState(applyOverlay(get().pinned, trigger), get().expandedProductId)),
  overlaysSynced: (overlays) => set(pinnedState(foldOverlays(overlays), get().expandedProductId)),
  toggleExpanded: (productId) => set((s) => ({ expandedProductId: productId === s.expandedProductId ? null : productId })),
});

const metricsSlice: Slice<MetricsSlice> = (set, get) => ({
  joinStartedAt: null,
  firstFrameMs: null,
  joinToFirstFrameMs: null,
  presentedFrames: 0,
  lastFrame: null,
  joinStarted: (at) => {
    if (get().joinStartedAt === null) set({ joinStartedAt: at });
  },
  frame: (sample) => {
    const s = get();
    const patch: Partial<ViewerState> = { presentedFrames: sample.presentedFrames, lastFrame: sample };
    if (s.firstFrameMs === null) {
      patch.firstFrameMs = sample.presentationTime;
      patch.joinToFirstFrameMs = s.joinStartedAt === null ? null : sample.presentationTime - s.joinStartedAt;
    }
    if (!s.videoFrameSeen) patch.videoFrameSeen = true;
    if (s.videoSize?.width !== sample.width || s.videoSize?.height !== sample.height) {
      patch.videoSize = { width: sample.width, height: sample.height };
    }
    set(patch);
  },
});

export function createViewerStore(): ViewerStore {
  return createStore<ViewerState>()((...a) => ({
    ...showSlice(...a),
    ...mediaSlice(...a),
    ...overlaySlice(...a),
    ...metricsSlice(...a),
    ...shopSlice(...a),
    ...feedSlice<ViewerState>()(...a),
    ...interactionSlice(...a),
    ...playbackSlice(...a),
  }));
}
