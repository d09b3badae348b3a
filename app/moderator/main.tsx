/**
 * Moderator pane entry (/moderator, and the post-show report at /report/<showId>): builds the store and the controllers
 * outside React, wires them, and renders. The report signs in like the pane but opens no realtime connection.
 * Language: `?lang=` → saved choice → browser → zh-CN (the viewer's rules).
 */
// The design tokens and reset first, then the shared primitives: every later sheet builds on them.
import '../ui/theme.css';
import '../ui/primitives.css';
import '../ui/surfaces.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { ShowId } from '../../shared/domain/show';
import { createI18n, detectLocale, isAppLocale } from '../ui/i18n';
import { createStaffApi } from './api';
import { App } from './components/App';
import { ModeratorContext } from './context';
import { ModerationController } from './controllers/moderation';
import { SessionController } from './controllers/session';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';
import { ReportContext, type ReportControllers } from './report/context';
import { ReportController, reportShowId } from './report/controller';
import { ReportPage } from './report/ReportPage';
import { createReportStore } from './report/store';
import { createModeratorStore, type ModeratorStore } from './store';
import './moderator.css';

/** Read-only test handle (e2e tests read state snapshots through `window.__storecastModerator`). */
export interface StorecastModeratorHandle {
  readonly store: Pick<ModeratorStore, 'getState' | 'subscribe'>;
}

const LANGUAGE_KEY = 'storecast.moderator.lang';
const storage = safeLocalStorage();
const store = createModeratorStore();
const handle: StorecastModeratorHandle = Object.freeze({ store: Object.freeze({ getState: store.getState, subscribe: store.subscribe }) });
Object.defineProperty(window, '__storecastModerator', { value: handle, enumerable: false, configurable: false, writable: false });

const api = createStaffApi();
const session = new SessionController(store, api, {
  get hash() {
    return location.hash;
  },
  clearHash: () => history.replaceState(null, '', location.pathname + location.search),
});
const moderation = new ModerationController({
  store,
  api,
  origin: location.origin,
  storage,
  history: {
    initialShow: () => {
      const parsed = ShowId.safeParse(new URLSearchParams(location.search).get('show') ?? '');
      return parsed.success ? parsed.data : null;
    },
    setShow: (showId) => {
      const params = new URLSearchParams(location.search);
      if (showId) params.set('show', showId);
      else params.delete('show');
      const q = params.toString();
      history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}${location.hash}`);
    },
  },
  onSessionLost: () => void session.logout(),
});
const reportFor = reportShowId(location.pathname, (id) => ShowId.safeParse(id).success);
let report: ReportControllers | null = null;
if (reportFor) {
  const reportStore = createReportStore(reportFor);
  report = { store: reportStore, report: new ReportController(reportStore, api, () => void session.logout()) };
}
session.onSignedIn = () => void (report ? report.report.load() : moderation.start());
session.onSignedOut = () => moderation.stop();
void session.boot();
window.addEventListener('pagehide', () => moderation.stop());

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

let saved: string | null = null;
try {
  saved = localStorage.getItem(LANGUAGE_KEY);
} catch {
  // storage unavailable
}
const fromQuery = new URLSearchParams(location.search).get('lang');
const lang = isAppLocale(fromQuery) ? fromQuery : isAppLocale(saved) ? saved : detectLocale(navigator.languages);
const i18n = createI18n({ 'zh-CN': zhCN, en }, lang);
const syncTitle = () => {
  document.documentElement.lang = i18n.language;
  document.title = i18n.t('app.title');
};
syncTitle();
i18n.on('languageChanged', (l) => {
  syncTitle();
  try {
    localStorage.setItem(LANGUAGE_KEY, l);
  } catch {
    // storage unavailable: the choice lasts for this page
  }
});

const root = document.getElementById('root');
if (!root) throw new Error('#root missing');
createRoot(root).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <ModeratorContext.Provider value={{ store, session, moderation }}>
        {report ? (
          <ReportContext.Provider value={report}>
            <App page={<ReportPage />} />
          </ReportContext.Provider>
        ) : (
          <App />
        )}
      </ModeratorContext.Provider>
    </I18nextProvider>
  </StrictMode>,
);
