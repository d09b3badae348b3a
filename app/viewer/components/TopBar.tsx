import { useTranslation } from 'react-i18next';
import { useViewer, useViewerContext } from '../context';
import { formatCount } from '../format';
import { EyeIcon, PlusIcon } from './icons';
import { LanguageSwitch } from './LanguageSwitch';

export function TopBar() {
  const { t, i18n } = useTranslation();
  const title = useViewer((s) => s.show?.title ?? null);
  const status = useViewer((s) => s.show?.status ?? null);
  const viewers = useViewer((s) => s.viewerCount);
  const hls = useViewer((s) => s.playback === 'hls');

  return (
    <header className="topbar">
      <div className="topbar-show">
        <div className="host-mark" aria-hidden>
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
              {hls && status === 'live' && (
                <span className="badge badge-latency" data-testid="latency-badge" title={t('hls.hint')}>
                  {t('hls.badge')}
                </span>
              )}
              {status !== 'ended' && (
                <span className="viewers" title={t('topbar.viewers', { count: viewers })}>
                  <EyeIcon width={14} height={14} />
                  <span data-testid="viewer-count">{formatCount(viewers, i18n.language)}</span>
                </span>
              )}
            </div>
          )}
        </div>
        <FollowButton />
      </div>
      <LanguageSwitch />
    </header>
  );
}

/** Follow the host (once; the button turns into a quiet "following" mark). */
function FollowButton() {
  const { t } = useTranslation();
  const { interaction } = useViewerContext();
  const following = useViewer((s) => s.you?.following ?? false);
  const canPost = useViewer((s) => (s.you?.canPost ?? false) && s.rtStatus === 'open');
  const status = useViewer((s) => s.show?.status ?? null);
  if (!interaction || status === null || status === 'ended') return null;
  if (following) {
    return (
      <span className="follow-done" data-testid="following">
        {t('follow.following')}
      </span>
    );
  }
  return (
    <button
      type="button"
      className="follow-button"
      onClick={() => void interaction.follow()}
      disabled={!canPost}
      data-testid="follow-button"
    >
      <PlusIcon width={14} height={14} strokeWidth={3} />
      {t('follow.follow')}
    </button>
  );
}
