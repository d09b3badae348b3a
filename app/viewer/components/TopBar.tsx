import { useTranslation } from 'react-i18next';
import { useViewer } from '../context';
import { formatCount } from '../format';
import { EyeIcon } from './icons';
import { LanguageSwitch } from './LanguageSwitch';

export function TopBar() {
  const { t, i18n } = useTranslation();
  const title = useViewer((s) => s.show?.title ?? null);
  const status = useViewer((s) => s.show?.status ?? null);
  const viewers = useViewer((s) => s.viewerCount);

  return (
    <header className="topbar">
      <div className="topbar-show">
        <div className="brand-mark" aria-hidden>
          S
        </div>
        <div className="topbar-text">
          <h1 className="show-title" title={title ?? undefined}>
            {title ?? t('app.name')}
          </h1>
          {status && (
            <div className="topbar-meta">
              <span className={`badge badge-${status}`}>
                {status === 'live' && <span className="badge-dot" />}
                {t(`status.${status}`)}
              </span>
              {status !== 'ended' && (
                <span className="viewers" title={t('topbar.viewers', { count: viewers })}>
                  <EyeIcon width={14} height={14} />
                  <span data-testid="viewer-count">{formatCount(viewers, i18n.language)}</span>
                </span>
              )}
            </div>
          )}
        </div>
      </div>
      <LanguageSwitch />
    </header>
  );
}
