/**
 * Studio renderer entry: builds the store and the controllers (outside React), wires them together and
 * renders the UI. Works in Electron (window.storecastHost) and in plain Chromium through the web host.
 */
// The design tokens and reset first, then the shared primitives: every later sheet builds on them.
import '../ui/theme.css';
import '../ui/primitives.css';
import '../ui/surfaces.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { OUTPUT_PRESETS } from '../../shared/protocol/host';
import { defaultCollection } from '../../shared/scene/defaults';
import { createI18n, DEFAULT_LOCALE } from '../ui/i18n';
import { App } from './components/App';
import { StudioContext, type StudioControllers } from './context';
import { createChatStore } from './chat-store';
import { StudioChatController } from './controllers/chat';
import { Compositor } from './controllers/compositor';
import { DevicesController } from './controllers/devices';
import { StudioEngagement } from './controllers/engagement';
import { ImageCache } from './controllers/images';
import { OverlayController } from './controllers/overlays';
import { Publisher } from './controllers/publisher';
import { OutputController } from './controllers/recorder';
import { ProgramAudioMix } from './controllers/recorder-audio';
import { HostScenePersistence } from './controllers/scene-persistence';
import { Mixer } from './controllers/mixer';
import { SceneController } from './controllers/scenes';
import { SellingScreenController } from './controllers/selling-screen';
import { SettingsController } from './controllers/settings';
import { ShopController } from './controllers/shop';
import { ShopApi } from './controllers/shop-api';
import { StaffSetupController } from './controllers/staff-setup';
import { createHostBridge } from './host-bridge';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';
import { MediaResolver } from './render/media';
import { createStudioStore, type StudioStore } from './store';
import './studio.css';

/** Read-only test handle (e2e tests read state snapshots through `window.__storecast.store`). */
export interface StorecastStudioHandle {
  readonly store: Pick<StudioStore, 'getState' | 'subscribe'>;
}

const params = new URLSearchParams(window.location.search);
const store = createStudioStore({ marker: params.get('marker') === '1' });
const handle: StorecastStudioHandle = Object.freeze({ store: Object.freeze({ getState: store.getState, subscribe: store.subscribe }) });
Object.defineProperty(window, '__storecast', { value: handle, enumerable: false, configurable: false, writable: false });

// zh-CN until the saved settings say otherwise (the locale is a studio setting, not a browser preference).
const i18n = createI18n({ 'zh-CN': zhCN, en }, DEFAULT_LOCALE);
document.documentElement.lang = i18n.language;
i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
  document.title = i18n.t('app.name');
});
document.title = i18n.t('app.name');

const host = createHostBridge();
const settings = new SettingsController(store, host);
const shopApi = new ShopApi(async () => {
  const conn = await host.call('host.getConnection', {});
  return { serverUrl: conn.serverUrl, token: conn.studioToken };
});
const images = new ImageCache((path) => shopApi.image(path));
// The chat dock's feed (written by the chat controller below) also feeds the chat-overlay source.
const chatStore = createChatStore();
const compositor = new Compositor(store, {
  chat: () => chatStore.getState().messages,
  locale: () => i18n.language,
  t: (key, params) => i18n.t(key, params ?? {}),
  loadImage: (path) => images.load(path),
  // picked media files live in the host's media library (userData / the data dir), served on the studio's origin
  media: new MediaResolver(undefined, (file) => host.mediaUrl(file)),
  // Electron: getDisplayMedia captures the screen / window selected here (web mode: the browser's own picker)
  selectDisplay: async (sourceId) => {
    await host.call('display.select', { sourceId });
  },
});
// Scene collections are saved by the host (atomic file in userData / the data dir, migrated on load).
const scenes = new SceneController(store, new HostScenePersistence(host));
scenes.onCut = (sceneId) => compositor.cutTo(sceneId);
const publisher = new Publisher(store, host, settings, () => compositor.programTrack);
// The published audio is the mixer's program mix (mic, media files: faders, mute, sync offset); without WebAudio the
// microphone goes out directly.
const mixer = new Mixer(store, compositor.graph);
const programMix = mixer.start();
if (programMix) publisher.setMicTrack(programMix);
// Recording / restream: the program = canvas video + the same audio mix (the microphone alone without WebAudio).
const fallbackAudio = programMix ? null : new ProgramAudioMix();
const output = new OutputController(
  host,
  () => new MediaStream([compositor.programTrack, programMix ?? (fallbackAudio as ProgramAudioMix).track()]),
  { videoBitsPerSecond: () => (store.getState().program.width * store.getState().program.height > 1280 * 720 ? 6_000_000 : 4_500_000) },
);
const devices = new DevicesController(store, settings, {
  camera: (stream) => compositor.setCamera(stream),
  mic: (track) => {
    compositor.setMic(track);
    if (!programMix) {
      publisher.setMicTrack(track);
      fallbackAudio?.setMic(track);
    }
  },
});
const overlays = new OverlayController(store, {
  nextFrameWith: (productId) => compositor.nextFrameWith(productId),
  send: (trigger) => publisher.sendOverlay(trigger),
});
const chat = new StudioChatController({
  chat: chatStore,
  studio: store,
  connection: async () => {
    const conn = await host.call('host.getConnection', {});
    return { serverUrl: conn.serverUrl, token: conn.studioToken };
  },
  storage: window.localStorage,
});
chat.start();
// Stock, flash sales and orders arrive on the chat dock's realtime socket.
const shop = new ShopController(store, shopApi, chat);
const engagement = new StudioEngagement(store, chat, chatStore);
const staffSetup = new StaffSetupController(host);
const selling = new SellingScreenController(store, shopApi);
selling.start();
const controllers: StudioControllers = {
  store,
  host,
  settings,
  devices,
  compositor,
  publisher,
  overlays,
  shop,
  images,
  chat,
  chatStore,
  engagement,
  output,
  scenes,
  mixer,
  staffSetup,
  selling,
};

compositor.start();

async function boot(): Promise<void> {
  if (await settings.load()) {
    await i18n.changeLanguage(store.getState().settings.locale);
    try {
      const conn = await host.call('host.getConnection', {});
      store.setState({ serverUrl: conn.serverUrl });
    } catch {
      // reported when going live
    }
  }
  const { locale, output: preset } = store.getState().settings;
  await scenes.load(() => defaultCollection(locale, OUTPUT_PRESETS[preset]));
  // After settings: the lineup belongs to the last show the studio opened.
  shop.start();
  engagement.start();
  void staffSetup.refresh();
  void output.start();
  await devices.start();
}
void boot();

window.addEventListener('beforeunload', () => {
  void settings.flush();
  void output.close();
  void scenes.flush();
});

const root = document.getElementById('root');
if (!root) throw new Error('#root missing');
createRoot(root).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <StudioContext.Provider value={controllers}>
        <App />
      </StudioContext.Provider>
    </I18nextProvider>
  </StrictMode>,
);
