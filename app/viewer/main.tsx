// The design tokens and reset first, then the shared primitives: every later sheet builds on them.
import '../ui/theme.css';
import '../ui/primitives.css';
import '../ui/surfaces.css';
import { type ReactNode, StrictMode, useLayoutEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './components/App';
import { OrdersApp } from './components/OrdersApp';
import { ViewerContext } from './context';
import { startViewerAnalytics } from './controllers/analytics';
import { AudioMeter } from './controllers/audio-meter';
import { FrameMonitor } from './controllers/frames';
import { QueueWatch } from './controllers/player/queue-watch';
import { HlsFallbackController, newViewerKey } from './controllers/hls-fallback';
import { InteractionController } from './controllers/interaction';
import { OverlaySync } from './controllers/overlay-sync';
import { PlacementController, readClusterMarker } from './controllers/placement';
import { PlayerController } from './controllers/player';
import { ShopController, trackServerClock } from './controllers/shop';
import { DanmakuController } from './interaction/danmaku';
import { initViewerI18n, LANGUAGE_STORAGE_KEY, pickLanguage } from './i18n';
import { parseViewerPath, sameOriginWsUrl, showIdFromQuery } from './route';
import { selectMediaSettled } from './selectors';
import { createShopApi } from './shop/api';
import { createReplayPage, type ReplayPage } from './replay/boot';
import { ClipsProvider } from './replay/ClipPlayer';
import { createClipsStore, LiveClips } from './replay/clips';
import { ReplayApp } from './replay/ReplayApp';
import { createViewerStore } from './store';
import { whenState } from './controllers/when-state';
import { installTestHandle } from './test-handle';
import { SIGNALING_PATH } from '../../shared/protocol/signaling';
import { EngagementController } from '../ui/engagement/controller';
import { createEngagementStore } from '../ui/engagement/state';
import type { RealtimeConnection, RealtimeStatus } from '../ui/realtime/connection';
import { EngagementContext, type ViewerEngagement } from './engagement/context';
import './styles.css';

// Media first: the player starts connecting before React renders, and the UI (React's first render, shop data, the
// chat socket) waits until the first picture is on screen or will not be soon, at most STARTUP_DEFER_MAX_MS: on a
// phone the page's main thread is what the join waits for. Until then the static boot screen in index.html shows the
// player's video under a spinner.
const STARTUP_DEFER_MAX_MS = 2_000;
// The same bundle serves /live/<showId> (player + shop) and the buyer's /orders pages (shop only): route by path.
const store = createViewerStore();
const video = document.createElement('video');
video.className = 'stage-video';
video.muted = true;
video.autoplay = true;
video.playsInline = true;
video.setAttribute('playsinline', '');
video.disablePictureInPicture = true;
document.querySelector('#boot .boot-video')?.append(video);

const meter = new AudioMeter();
const frames = new FrameMonitor(video, store);
frames.start();
// Frame-synced overlays: a pin is shown with the video frame that carries the burned-in card (see overlay-sync.ts).
const overlaySync = new OverlaySync((t) => store.getState().applyTrigger(t));
frames.subscribe((f) => overlaySync.frame(f));
setInterval(() => overlaySync.sweep(), 500);
installTestHandle(store, video, frames, meter);

const viewerRoute = parseViewerPath(location.pathname);
const storage = safeLocalStorage();
const api = createShopApi({ onServerTime: trackServerClock(store) });
let player: PlayerController | null = null;
let interaction: InteractionController | null = null;
let danmaku: DanmakuController | null = null;
let engagement: ViewerEngagement | null = null;
let shop: ShopController;
let analytics: { stop(): void } | null = null;
let replayPage: ReplayPage | null = null;
// Explanation clips: the replay page's chapters, or on the live page those of explanations already over.
const liveClipsStore = createClipsStore();
let liveClips: LiveClips | null = null;
let leaving = false;
if (viewerRoute.page === 'live') {
  const route = viewerRoute.route;
  shop = new ShopController({ store, api, showId: route.ok ? route.showId : null, storage });
  if (route.ok) {
    // One key per page load: its HLS polls count it, and a join presenting it moves its count to WebRTC.
    const viewerKey = newViewerKey();
    player = new PlayerController({
      store,
      showId: route.showId,
      wsUrl: sameOriginWsUrl(location, SIGNALING_PATH),
      // Cluster mode (the server marks the page): each connection goes where a placement sends it.
      placement: readClusterMarker() ? new PlacementController({ showId: route.showId }) : undefined,
      video,
      audioMeter: meter,
      overlaySync,
      hlsViewer: viewerKey,
    });
    // The page's frames show its downlink filling before the server's estimate does (player/queue-watch.ts).
    const queueWatch = new QueueWatch((queueMs) => player?.reportQueue(queueMs));
    frames.subscribe((f) => queueWatch.frame(f));
    // Full show or no WebRTC path: the same page plays the show's HLS instead (hls.js loaded only then).
    const fallback = new HlsFallbackController({ store, showId: route.showId, video, player, viewerKey });
    fallback.start();
    player.start();
    // Chat and the rest of the interaction run on their own socket (started with the shop, below).
    const shopRef = shop;
    danmaku = new DanmakuController({ store });
    interaction = new InteractionController({
      store,
      origin: location.origin,
      showId: route.showId,
      storage,
      ensureSession: () => shopRef.ensureSession(),
      danmaku,
    });
    // Stock, flash sales, "just bought" and this buyer's order updates arrive on the realtime socket too.
    shop.attach(interaction);
    // Lucky bags, red packets and coupons ride on the same realtime socket as the chat.
    engagement = startEngagement(interaction.connection);
    liveClips = new LiveClips({ showId: route.showId, store, clips: liveClipsStore });
    window.addEventListener('pagehide', () => {
      leaving = true;
      analytics?.stop();
      player?.stop();
      fallback.stop();
      interaction?.stop();
      liveClips?.stop();
    });
    // Restored from the back/forward cache with a stopped player: start over.
    window.addEventListener('pageshow', (e) => e.persisted && location.reload());
  } else {
    store.getState().setFatal({ kind: 'invalidId' });
  }
} else if (viewerRoute.page === 'replay') {
  // An ended show's replay: its recording with chapters, cards and Buy (no live connection).
  shop = new ShopController({ store, api, showId: viewerRoute.showId, storage });
  replayPage = createReplayPage({ showId: viewerRoute.showId, store, video, storage });
  window.addEventListener('pagehide', () => replayPage?.stop());
} else {
  // Order pages: no player; the show they came from (for "back to the show") is in ?showId=.
  shop = new ShopController({ store, api, showId: null, storage });
}

/** Engagement (lucky bags, red packets, coupons) on the page's realtime socket (the chat's). */
function startEngagement(conn: RealtimeConnection): ViewerEngagement {
  const engagementStore = createEngagementStore();
  // The socket's state lives in the viewer store (the interaction controller writes it): mirror it.
  const mirror = (status: RealtimeStatus) => {
    if (engagementStore.getState().status !== status) engagementStore.setState({ status });
  };
  mirror(store.getState().rtStatus);
  store.subscribe((s) => mirror(s.rtStatus));
  const ctl = new EngagementController(engagementStore, conn);
  return { store: engagementStore, ctl, api };
}

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function savedLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null;
  }
}

const lang = pickLanguage(location.search, savedLanguage(), navigator.languages);
const i18n = initViewerI18n(lang);
document.documentElement.lang = lang;
i18n.on('languageChanged', (l) => {
  document.documentElement.lang = l;
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, l);
  } catch {
    // storage unavailable (private mode): the choice lasts for this page only
  }
});

/** The boot screen (index.html) goes once React has committed the page, which adopts the video element. */
function BootDone({ children }: { children: ReactNode }) {
  useLayoutEffect(() => document.getElementById('boot')?.remove(), []);
  return children;
}

function renderUi(): void {
  const rootEl = document.getElementById('root');
  if (!rootEl) throw new Error('#root missing');
  createRoot(rootEl).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <ViewerContext.Provider value={{ store, player, shop, interaction, danmaku, video }}>
          <BootDone>
            {replayPage ? (
              <ClipsProvider clips={replayPage.clips}>
                <ReplayApp replay={replayPage.replay} controller={replayPage.controller} />
              </ClipsProvider>
            ) : viewerRoute.page === 'live' ? (
              <EngagementContext.Provider value={engagement}>
                <ClipsProvider clips={liveClipsStore}>
                  <App />
                </ClipsProvider>
              </EngagementContext.Provider>
            ) : (
              <OrdersApp
                orderId={viewerRoute.page === 'order' ? viewerRoute.orderId : undefined}
                showId={showIdFromQuery(location.search)}
              />
            )}
          </BootDone>
        </ViewerContext.Provider>
      </I18nextProvider>
    </StrictMode>,
  );
}

const startUi = (shopCtl: ShopController) => {
  if (leaving) return;
  renderUi();
  shopCtl.start();
  interaction?.start();
  replayPage?.start();
  liveClips?.start();
  // Selling data (viewer events) — like the rest of the UI, only after the first picture.
  if (viewerRoute.page === 'live' && viewerRoute.route.ok) {
    analytics = startViewerAnalytics({ store, showId: viewerRoute.route.showId, storage, root: document.body });
  }
};
if (player) void whenState(store, selectMediaSettled, STARTUP_DEFER_MAX_MS).then(() => startUi(shop));
else startUi(shop);
