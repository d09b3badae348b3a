/**
 * Studio state: one zustand vanilla store built from slices. Controllers (host bridge, devices, compositor,
 * publisher) live outside React and write here; components read through selectors. Derived values
 * (elapsed live time, viewer link, "can go live") are computed by selectors, not stored.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SellingScreen } from '../../shared/analytics/screen';
import type { ProductView } from '../../shared/commerce/catalog';
import type { OrderStatus, OrderView } from '../../shared/commerce/orders';
import type { FlashSaleView } from '../../shared/commerce/sales';
import type { ShowInfo } from '../../shared/domain/show';
import { DEFAULT_SETTINGS, type StudioSettings } from '../../shared/protocol/host';
import type { PinnedTrigger } from '../../shared/protocol/overlay';
import { defaultCollection } from '../../shared/scene/defaults';
import type { SceneCollection } from '../../shared/scene/model';
import type { Size } from '../../shared/scene/primitives';
import type { SourceStatus } from './render/sources/runtime';

// ---- host slice -------------------------------------------------------------------------------
export type HostStatus = 'connecting' | 'ready' | 'error';
export interface HostSlice {
  host: { status: HostStatus; mode: 'electron' | 'web' | null; version: string | null };
  settings: StudioSettings;
  /** Server base URL as reported by host.getConnection (null until known). */
  serverUrl: string | null;
}

// ---- devices slice ----------------------------------------------------------------------------
export interface DeviceOption {
  deviceId: string;
  label: string;
}
export type CaptureStatus = 'off' | 'starting' | 'on' | 'error';
export interface DevicesSlice {
  devices: {
    cameras: DeviceOption[];
    mics: DeviceOption[];
    camera: CaptureStatus;
    mic: CaptureStatus;
    /** deviceId of the camera / mic actually in use (may differ from the saved choice after a fallback). */
    activeCameraId: string | null;
    activeMicId: string | null;
    /** Camera resolution actually delivered. */
    cameraSize: { width: number; height: number } | null;
  };
}

// ---- compositor slice -------------------------------------------------------------------------
export interface ProgramStats {
  width: number;
  height: number;
  /** Frames drawn during the last second. */
  fps: number;
  /** Mean / max time spent drawing one frame (ms). */
  drawMs: number;
  drawMaxMs: number;
  /** Max gap between two frames during the last second (ms) — pacing quality. */
  gapMaxMs: number;
  frames: number;
  /** Render time percentiles over the last second (ms). */
  p50Ms: number;
  p95Ms: number;
  /** Drawing backend in use. */
  backend: 'webgl2' | 'canvas2d' | null;
  /** Clock ticks skipped during the last second: late (the page was busy) / shed (the previous frame overran). */
  lateTicks: number;
  shedTicks: number;
}
export interface CompositorSlice {
  program: ProgramStats;
  /** Draw the machine-readable timestamp strip (test / bench hook, `?marker=1`). */
  marker: boolean;
}

// ---- scene slice (scene collection being edited and shown) ------------------------------------
export interface SceneSlice {
  scene: {
    /** The collection (edited only through SceneController → shared/scene/edits). */
    collection: SceneCollection;
    /** Loaded from the persistence seam (false until then: the starter collection is shown). */
    loaded: boolean;
    canUndo: boolean;
    canRedo: boolean;
    /** Selected item in the edited scene. */
    selectedItemId: string | null;
    /** Layout sizes of running sources (reported by the compositor). */
    sizes: Record<string, Size>;
    /** Runtime status per source (missing media, unplugged device…). */
    status: Record<string, SourceStatus>;
    /** Studio-mode T-bar position while it is held (0‥1), else null. */
    tbar: number | null;
    /**
     * The frame changed orientation: the prompt offering to adapt the items (shown while the canvas is still `to`;
     * `adapted` once an offer was taken, so it offers undo).
     */
    reframe: { from: Size; to: Size; adapted: boolean } | null;
  };
}

// ---- mixer slice ------------------------------------------------------------------------------
export interface MixerLevel {
  /** dBFS of the last ~100 ms (−100 = silence). */
  peakDb: number;
  rmsDb: number;
}
export interface MixerSlice {
  mixer: {
    levels: Record<string, MixerLevel>;
    /** Sources whose audio is sent to the studio's speakers (monitoring). */
    monitoring: Record<string, boolean>;
    /** The audio context is running (a browser may hold it until a user gesture). */
    running: boolean;
  };
}

// ---- publish slice ----------------------------------------------------------------------------
export type PublishState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'ended' | 'error';
export interface LiveStats {
  /** Outgoing video+audio media bitrate (payload, bits/s). */
  bitrate: number;
  /** Frames per second and resolution of the top simulcast layer. */
  fps: number | null;
  width: number | null;
  height: number | null;
  /** Round-trip time (ms) of the ICE candidate pair / RTCP. */
  rttMs: number | null;
  /** Packet loss reported by the SFU (percent). */
  lossPct: number | null;
  /** Simulcast layers being sent. */
  layers: number;
  /** Reason the encoder is limiting quality, if any (bandwidth / cpu). */
  limitation: string | null;
  /** The browser's estimate of the uplink (selected candidate pair's availableOutgoingBitrate, bits/s). */
  estimateBps: number | null;
}
/** What the uplink policy (controllers/uplink.ts) is doing: `maxLayer < layers - 1` is the weak-uplink state. */
export interface UplinkView {
  /** Highest simulcast layer being sent, and how many the studio has. */
  maxLayer: number;
  layers: number;
  /** Estimate that led to the decision (bits/s). */
  estimateBps: number | null;
  /** Nominal resolution of the highest layer still sent. */
  width: number;
  height: number;
}
export interface PublishSlice {
  publish: {
    state: PublishState;
    /** i18n key (errors.*) and a technical detail, when state is error (or a recoverable warning while reconnecting). */
    errorKey: string | null;
    errorDetail: string | null;
    show: ShowInfo | null;
    viewerCount: number;
    reconnectAttempt: number;
    /** ICE / DTLS state of the send transport. */
    transportState: string | null;
  };
  stats: LiveStats | null;
  /** Null while not publishing. */
  uplink: UplinkView | null;
  /** Products pinned in the program (newest first, at most MAX_PINNED). */
  pinned: PinnedTrigger[];
}

// ---- shop slice (catalog, lineup, flash sales, orders) ----------------------------------------------------------
export type StudioTab = 'live' | 'products' | 'orders' | 'data';
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';
/** A failed shop request, ready to show: i18n key (shop.errors.*) + the server's message. */
export interface ShopFailure {
  key: string;
  detail: string;
  /** Per-field (validation) or per-row (CSV import) problems reported by the server. */
  issues?: { path: string; message: string }[];
}
export interface OrderFilters {
  status: OrderStatus | '';
  q: string;
  /** Only orders placed during the current show. */
  thisShow: boolean;
}
export interface ShopSlice {
  tab: StudioTab;
  catalog: { products: ProductView[]; status: LoadStatus; error: ShopFailure | null };
  lineup: {
    /** Show the lineup belongs to (current show, else the last one). */
    showId: string | null;
    /** Product ids in show order. */
    productIds: string[];
    status: LoadStatus;
    saving: boolean;
    error: ShopFailure | null;
  };
  /** Flash sales known to be running (ended ones are dropped on sale.ended). */
  sales: FlashSaleView[];
  orders: {
    list: OrderView[];
    nextCursor: string | null;
    status: LoadStatus;
    error: ShopFailure | null;
    filters: OrderFilters;
    /** Wall-clock ms of the last successful refresh. */
    refreshedAt: number | null;
    /** Order shown in the detail drawer (full contact, events, payments). */
    detailId: string | null;
    detail: OrderView | null;
    detailStatus: LoadStatus;
    detailError: ShopFailure | null;
  };
}

// ---- ui slice ---------------------------------------------------------------------------------
export interface BannerError {
  id: number;
  /** i18n key under errors.* */
  key: string;
  detail?: string;
}
export interface Notice {
  id: number;
  /** i18n key */
  key: string;
  params?: Record<string, string | number>;
  tone: 'ok' | 'warn' | 'error';
  /** Extra line (server message). */
  detail?: string;
}
export interface UiSlice {
  errors: BannerError[];
  pushError(key: string, detail?: string): void;
  dismissError(id: number): void;
  clearError(key: string): void;
  /** Short-lived confirmations / warnings (toasts), auto-dismissed by the UI. */
  notices: Notice[];
  notify(notice: Omit<Notice, 'id'>): void;
  dismissNotice(id: number): void;
}

// ---- selling slice (the Data tab's live big screen, written by controllers/selling-screen.ts) ----------------------
export type SellingSortKey = 'title' | 'impressions' | 'clicks' | 'ctr' | 'orders' | 'units' | 'gmv';
export interface SellingSort {
  key: SellingSortKey;
  dir: 'asc' | 'desc';
}
export interface SellingSlice {
  selling: {
    /** Show the data belongs to (a reply for another show is dropped). */
    showId: string | null;
    data: SellingScreen | null;
    status: LoadStatus;
    /** Server message of the last failed poll (the last good data stays shown). */
    error: string | null;
    sort: SellingSort;
  };
  /** Sort the product table by a column: a new column sorts descending (text ascending), the same one flips. */
  sortSelling(key: SellingSortKey): void;
}

export type StudioState = HostSlice &
  DevicesSlice &
  CompositorSlice &
  SceneSlice &
  MixerSlice &
  PublishSlice &
  ShopSlice &
  UiSlice &
  SellingSlice;
export type StudioStore = StoreApi<StudioState>;

type SliceCreator<T> = (set: StoreApi<StudioState>['setState'], get: StoreApi<StudioState>['getState']) => T;

const hostSlice: SliceCreator<HostSlice> = () => ({
  host: { status: 'connecting', mode: null, version: null },
  settings: { ...DEFAULT_SETTINGS },
  serverUrl: null,
});

const devicesSlice: SliceCreator<DevicesSlice> = () => ({
  devices: { cameras: [], mics: [], camera: 'off', mic: 'off', activeCameraId: null, activeMicId: null, cameraSize: null },
});

const compositorSlice: SliceCreator<CompositorSlice> = () => ({
  program: {
    width: 1280,
    height: 720,
    fps: 0,
    drawMs: 0,
    drawMaxMs: 0,
    gapMaxMs: 0,
    frames: 0,
    p50Ms: 0,
    p95Ms: 0,
    backend: null,
    lateTicks: 0,
    shedTicks: 0,
  },
  marker: false,
});

const sceneSlice: SliceCreator<SceneSlice> = () => ({
  scene: {
    collection: defaultCollection(DEFAULT_SETTINGS.locale),
    loaded: false,
    canUndo: false,
    canRedo: false,
    selectedItemId: null,
    sizes: {},
    status: {},
    tbar: null,
    reframe: null,
  },
});

const mixerSlice: SliceCreator<MixerSlice> = () => ({
  mixer: { levels: {}, monitoring: {}, running: false },
});

const publishSlice: SliceCreator<PublishSlice> = () => ({
  publish: { state: 'idle', errorKey: null, errorDetail: null, show: null, viewerCount: 0, reconnectAttempt: 0, transportState: null },
  stats: null,
  uplink: null,
  pinned: [],
});

const shopSlice: SliceCreator<ShopSlice> = () => ({
  tab: 'live',
  catalog: { products: [], status: 'idle', error: null },
  lineup: { showId: null, productIds: [], status: 'idle', saving: false, error: null },
  sales: [],
  orders: {
    list: [],
    nextCursor: null,
    status: 'idle',
    error: null,
    filters: { status: '', q: '', thisShow: false },
    refreshedAt: null,
    detailId: null,
    detail: null,
    detailStatus: 'idle',
    detailError: null,
  },
});

const sellingSlice: SliceCreator<SellingSlice> = (set) => ({
  selling: { showId: null, data: null, status: 'idle', error: null, sort: { key: 'gmv', dir: 'desc' } },
  sortSelling: (key) =>
    set((s) => {
      const cur = s.selling.sort;
      const dir = cur.key === key ? (cur.dir === 'asc' ? 'desc' : 'asc') : key === 'title' ? 'asc' : 'desc';
      return { selling: { ...s.selling, sort: { key, dir } } };
    }),
});

let nextErrorId = 1;
let nextNoticeId = 1;
const MAX_NOTICES = 4;
const uiSlice: SliceCreator<UiSlice> = (set) => ({
  errors: [],
  pushError: (key, detail) =>
    set((s) => ({
      // one banner per kind: a repeated failure updates the detail instead of stacking
      errors: [...s.errors.filter((e) => e.key !== key), { id: nextErrorId++, key, ...(detail ? { detail } : {}) }],
    })),
  dismissError: (id) => set((s) => ({ errors: s.errors.filter((e) => e.id !== id) })),
  clearError: (key) => set((s) => (s.errors.some((e) => e.key === key) ? { errors: s.errors.filter((e) => e.key !== key) } : s)),
  notices: [],
  notify: (notice) => set((s) => ({ notices: [...s.notices, { ...notice, id: nextNoticeId++ }].slice(-MAX_NOTICES) })),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
});

export function createStudioStore(init: Partial<Pick<StudioState, 'marker'>> = {}): StudioStore {
  return createStore<StudioState>()((set, get) => ({
    ...hostSlice(set, get),
    ...devicesSlice(set, get),
    ...compositorSlice(set, get),
    ...sceneSlice(set, get),
    ...mixerSlice(set, get),
    ...publishSlice(set, get),
    ...shopSlice(set, get),
    ...uiSlice(set, get),
    ...sellingSlice(set, get),
    ...init,
  }));
}

// ---- selectors (derived values) ---------------------------------------------------------------
export const selectIsBusy = (s: StudioState) =>
  s.publish.state === 'connecting' || s.publish.state === 'live' || s.publish.state === 'reconnecting';
export const selectViewerLink = (s: StudioState) =>
  s.serverUrl && s.publish.show ? `${s.serverUrl.replace(/\/+$/, '')}/live/${s.publish.show.id}` : null;
/** The post-show report (a page of the moderator pane on the server; staff sign-in) of the open show. */
export const selectReportLink = (s: StudioState) =>
  s.serverUrl && s.publish.show ? `${s.serverUrl.replace(/\/+$/, '')}/report/${s.publish.show.id}` : null;
/** The uplink policy pauses simulcast layers: what the weak-uplink badge shows (null while the uplink is fine). */
export const selectWeakUplink = (s: StudioState): UplinkView | null =>
  s.uplink && s.uplink.maxLayer < s.uplink.layers - 1 ? s.uplink : null;
export const selectLiveSince = (s: StudioState) => (s.publish.show?.status === 'live' ? s.publish.show.startedAt : null);
/** Show whose lineup / orders the shop panels use: the open show, else the last one. */
export const selectShowId = (s: StudioState) => s.publish.show?.id ?? s.settings.lastShowId;
export const selectProduct = (id: string | null) => (s: StudioState) => (id ? (s.catalog.products.find((p) => p.id === id) ?? null) : null);
/** The scene the editor works on: the preview scene in studio mode, else the program scene. */
export const selectEditSceneId = (s: StudioState) => s.scene.collection.previewSceneId ?? s.scene.collection.currentSceneId;
export const selectStudioMode = (s: StudioState) => s.scene.collection.previewSceneId !== null;
