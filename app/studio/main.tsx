/**
 * Studio renderer entry: builds the store and the controllers (outside React), wires them together and
 * renders the UI. Works in Electron (window.storecastHost) and in plain Chromium through the web host.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
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
import { SettingsController } from './controllers/settings';
import { ShopController } from './controllers/shop';
import { ShopApi } from './controllers/shop-api';
import { createHostBridge } from './host-bridge';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';
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
const compositor = new Compositor(
  store,
  () => i18n.language,
  (path) => images.load(path),
);
const publisher = new Publisher(store, host, settings, () => compositor.programTrack);
// Recording / restream: the program = canvas video + mixed audio (the compositor's seam; until it mixes audio
// itself, ProgramAudioMix carries the microphone).
const programAudio = new ProgramAudioMix();
const output = new OutputController(host, () => new MediaStream([compositor.programTrack, programAudio.track()]), {
  videoBitsPerSecond: () => (store.getState().settings.output === '1080p30' ? 6_000_000 : 4_500_000),
});
const devices = new DevicesController(store, settings, {
  camera: (stream) => compositor.setCamera(stream),
  mic: (track) => {
    publisher.setMicTrack(track);
    programAudio.setMic(track);
  },
});
const overlays = new OverlayController(store, {
  nextFrameWith: (productId) => compositor.nextFrameWith(productId),
  send: (trigger) => publisher.sendOverlay(trigger),
});
const shop = new ShopController(store, shopApi, publisher);
const chatStore = createChatStore();
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
const engagement = new StudioEngagement(store, chat, chatStore);
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
  // After settings: the lineup belongs to the last show the studio opened.
  shop.start();
  engagement.start();
  void output.start();
  await devices.start();
}
void boot();

window.addEventListener('beforeunload', () => {
  void settings.flush();
  void output.close();
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
