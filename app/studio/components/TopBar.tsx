import { useTranslation } from 'react-i18next';
import { Locale } from '../../../shared/protocol/host';
import { formatBitrate, formatElapsed } from '../../ui/format';
import { useStudio, useStudioState } from '../context';
import { selectLiveSince, selectWeakUplink, type StudioTab } from '../store';
import { useNow } from './hooks';

export function TopBar() {
  const { t, i18n } = useTranslation();
  const { settings, shop, scenes } = useStudio();
  const tab = useStudioState((s) => s.tab);
  const state = useStudioState((s) => s.publish.state);
  const show = useStudioState((s) => s.publish.show);
  const viewers = useStudioState((s) => s.publish.viewerCount);
  const draftTitle = useStudioState((s) => s.settings.showTitle);
  const hostMode = useStudioState((s) => s.host.mode);
  const liveSince = useStudioState(selectLiveSince);
  const uplink = useStudioState(selectWeakUplink);
  const now = useNow();
  const onAir = state === 'live' || state === 'reconnecting';
  const title = show?.title || draftTitle.trim() || t('app.untitled');

  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">{t('app.name')}</span>
        {hostMode && <span className="host-mode">{t(hostMode === 'web' ? 'top.hostWeb' : 'top.hostElectron')}</span>}
      </div>
      <nav className="tabs" aria-label={t('nav.label')}>
        {(['live', 'data', 'products', 'orders'] as StudioTab[]).map((id) => (
          <button
            key={id}
            type="button"
            className={`tab ${tab === id ? 'tab--active' : ''}`}
            aria-current={tab === id ? 'page' : undefined}
            data-testid={`tab-${id}`}
            onClick={() => shop.openTab(id)}
          >
            {t(`nav.${id}`)}
          </button>
        ))}
      </nav>
      <div className="topbar-title" title={title}>
        {title}
      </div>
      <div className="topbar-status">
        {onAir ? (
          <span className={`live-badge ${state === 'reconnecting' ? 'live-badge--warn' : ''}`} data-testid="live-badge">
            <span className="live-dot" aria-hidden="true" />
            {state === 'reconnecting' ? t('state.reconnecting') : t('top.live')}
            {liveSince !== null && <span className="live-elapsed">{formatElapsed(now - liveSince)}</span>}
          </span>
        ) : (
          <span className={`state-chip state-chip--${state}`} data-testid="publish-state">
            {t(`state.${state}`)}
          </span>
        )}
        {uplink && state === 'live' && (
          <span className="uplink-badge" role="status" data-testid="uplink-weak" title={t('uplink.explain')}>
            {t(uplink.maxLayer === 0 ? 'uplink.lowest' : 'uplink.topPaused', {
              resolution: `${uplink.width}×${uplink.height}`,
              estimate: uplink.estimateBps === null ? '—' : formatBitrate(uplink.estimateBps),
            })}
          </span>
        )}
        {show && (
          <span className="viewer-count" data-testid="viewer-count">
            {t('top.viewers', { count: viewers })}
          </span>
        )}
        <label className="lang-switch">
          <span className="sr-only">{t('top.language')}</span>
          <select
            className="input input--small"
            aria-label={t('top.language')}
            value={i18n.language}
            onChange={(e) => {
              const locale = Locale.safeParse(e.target.value);
              if (!locale.success) return;
              const previous = Locale.safeParse(i18n.language);
              void i18n.changeLanguage(locale.data);
              if (previous.success) scenes.relocalize(previous.data, locale.data);
              settings.update({ locale: locale.data });
            }}
          >
            <option value="zh-CN">简体中文</option>
            <option value="en">English</option>
          </select>
        </label>
      </div>
    </header>
  );
}
