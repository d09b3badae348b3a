import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStudio, useStudioState } from '../context';
import type { Notice } from '../store';
import { BigScreen } from './BigScreen';
import { ChatDock } from './ChatDock';
import { EngagementPanel } from './EngagementPanel';
import { ConfirmEndDialog, GoLivePanel } from './GoLivePanel';
import { OutputPanel } from './OutputPanel';
import { PinPicker } from './PinPicker';
import { StatusBar } from './Preview';
import { ScenesDock, SourcesDock } from './scenes/Docks';
import { MixerDock } from './scenes/MixerDock';
import { PropertiesPanel } from './scenes/PropertiesPanel';
import { Stage } from './scenes/Stage';
import { FlashSalesPanel } from './shop/FlashSales';
import { OrdersPage } from './shop/OrdersPage';
import { ProductsPage } from './shop/ProductsPage';
import { DevicesPanel } from './SidePanels';
import { StaffSetupCard } from './StaffSetupCard';
import { TopBar } from './TopBar';

const NOTICE_MS = 4500;

function NoticeItem({ notice }: { notice: Notice }) {
  const { t } = useTranslation();
  const { store } = useStudio();
  // Each toast has its own timer (a newer one does not keep older ones up).
  useEffect(() => {
    const id = setTimeout(() => store.getState().dismissNotice(notice.id), NOTICE_MS);
    return () => clearTimeout(id);
  }, [notice.id, store]);
  return (
    <div className={`notice notice--${notice.tone}`} data-testid="notice">
      <div className="notice-text">
        <span>{t(notice.key, notice.params ?? {})}</span>
        {notice.detail && <span className="notice-detail">{notice.detail}</span>}
      </div>
      <button
        type="button"
        className="notice-close"
        aria-label={t('errors.dismiss')}
        onClick={() => store.getState().dismissNotice(notice.id)}
      >
        ×
      </button>
    </div>
  );
}

function Notices() {
  const notices = useStudioState((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <NoticeItem key={n.id} notice={n} />
      ))}
    </div>
  );
}

function ErrorBanner() {
  const { t } = useTranslation();
  const { store } = useStudio();
  const errors = useStudioState((s) => s.errors);
  if (errors.length === 0) return null;
  return (
    <div className="banners" role="alert" data-testid="error-banner">
      {errors.map((e) => (
        <div key={e.id} className="banner banner--error" data-error={e.key}>
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
  const tab = useStudioState((s) => s.tab);
  return (
    <div className="studio">
      <TopBar />
      <ErrorBanner />
      {/* The live view stays mounted on the other tabs (program canvas, forms), just hidden. */}
      <main className="workspace" hidden={tab !== 'live'}>
        <div className="stage">
          <Stage />
          <StatusBar />
          <div className="docks">
            <ScenesDock />
            <SourcesDock />
            <PropertiesPanel />
          </div>
          <MixerDock />
        </div>
        <aside className="sidebar">
          <StaffSetupCard />
          <GoLivePanel onRequestEnd={() => setConfirmEnd(true)} />
          <OutputPanel />
          <PinPicker />
          <FlashSalesPanel hideWhenEmpty />
          <ChatDock />
          <EngagementPanel />
          <DevicesPanel />
        </aside>
      </main>
      {/* Shop tabs stay mounted too, so an open editor or drawer survives a look at the live view. */}
      <div className="tab-pane" hidden={tab !== 'products'}>
        <ProductsPage />
      </div>
      <div className="tab-pane" hidden={tab !== 'orders'}>
        <OrdersPage />
      </div>
      <div className="tab-pane" hidden={tab !== 'data'}>
        <BigScreen />
      </div>
      <Notices />
      {confirmEnd && <ConfirmEndDialog onClose={() => setConfirmEnd(false)} />}
    </div>
  );
}
