import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStudio, useStudioState } from '../context';
import { ConfirmEndDialog, GoLivePanel } from './GoLivePanel';
import { Preview, StatusBar } from './Preview';
import { DevicesPanel, LayersPanel, PinPanel } from './SidePanels';
import { TopBar } from './TopBar';

function ErrorBanner() {
  const { t } = useTranslation();
  const { store } = useStudio();
  const errors = useStudioState((s) => s.errors);
  if (errors.length === 0) return null;
  return (
    <div className="banners" role="alert" data-testid="error-banner">
      {errors.map((e) => (
        <div key={e.id} className="banner" data-error={e.key}>
          <span className="banner-icon" aria-hidden="true">
            !
          </span>
          <div className="banner-text">
            <strong>{t(`errors.${e.key}`)}</strong>
            {e.detail && <span className="banner-detail">{e.detail}</span>}
          </div>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => store.getState().dismissError(e.id)}>
            {t('errors.dismiss')}
          </button>
        </div>
      ))}
    </div>
  );
}

export function App() {
  const [confirmEnd, setConfirmEnd] = useState(false);
  return (
    <div className="studio">
      <TopBar />
      <ErrorBanner />
      <main className="workspace">
        <div className="stage">
          <Preview />
          <StatusBar />
        </div>
        <aside className="sidebar">
          <GoLivePanel onRequestEnd={() => setConfirmEnd(true)} />
          <DevicesPanel />
          <LayersPanel />
          <PinPanel />
        </aside>
      </main>
      {confirmEnd && <ConfirmEndDialog onClose={() => setConfirmEnd(false)} />}
    </div>
  );
}
