import { useTranslation } from 'react-i18next';
import { useMod, useModerator } from '../context';
import type { ModTab } from '../store';
import { Header } from './App';
import { ChatColumn } from './ChatColumn';
import { QuestionDetail, QuestionQueue } from './Questions';
import { AuditLog, BansPanel, CannedPanel, FilterEditor, TeamPanel } from './Settings';
import { numberFormat } from '../../ui/format';

const TABS: ModTab[] = ['live', 'filter', 'canned', 'bans', 'audit', 'team'];

/** The moderation pane of one show: header with the room's state, tabs, and the tab's content. */
export function Pane() {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const tab = useMod((s) => s.tab);
  const isOwner = useMod((s) => s.me?.kind === 'studio' || (s.me?.kind === 'account' && s.me.account.role === 'owner'));
  const tabs = TABS.filter((x) => x !== 'team' || isOwner);
  return (
    <>
      <Header>
        <ShowBar />
      </Header>
      <nav className="tabs tabs--underline" aria-label={t('tabs.label')}>
        {tabs.map((x) => (
          <button
            key={x}
            type="button"
            className={`tab${tab === x ? ' tab--active' : ''}`}
            aria-current={tab === x ? 'page' : undefined}
            onClick={() => moderation.setTab(x)}
            data-testid={`tab-${x}`}
          >
            {t(`tabs.${x}`)}
            {x === 'live' && <OpenBadge />}
          </button>
        ))}
      </nav>
      <ConnectionBanner />
      {tab === 'live' && (
        <main className="live-grid">
          <QuestionQueue />
          <QuestionDetail />
          <ChatColumn />
        </main>
      )}
      {tab === 'filter' && <FilterEditor />}
      {tab === 'canned' && <CannedPanel />}
      {tab === 'bans' && <BansPanel />}
      {tab === 'audit' && <AuditLog />}
      {tab === 'team' && isOwner && <TeamPanel />}
    </>
  );
}

function OpenBadge() {
  const n = useMod((s) => Object.values(s.questions).filter((q) => q.status === 'unanswered').length);
  if (n === 0) return null;
  return (
    <span className="count-badge" data-testid="open-count">
      {n}
    </span>
  );
}

function ShowBar() {
  const { t, i18n } = useTranslation();
  const { moderation } = useModerator();
  const show = useMod((s) => s.shows?.find((x) => x.id === s.showId) ?? null);
  const online = useMod((s) => s.online);
  const likes = useMod((s) => s.likes);
  const follows = useMod((s) => s.follows);
  const status = useMod((s) => s.rtStatus);
  const nf = numberFormat(i18n.language, { notation: 'compact', maximumFractionDigits: 1 });
  return (
    <div className="show-bar">
      <button type="button" className="btn btn--ghost btn--small" onClick={() => moderation.leaveShow()} data-testid="back-to-shows">
        ← {t('pane.shows')}
      </button>
      <div className="show-bar-title">
        {show && <span className={`pill pill--${show.status}`}>{t(`status.${show.status}`)}</span>}
        <strong data-testid="pane-show-title">{show?.title ?? ''}</strong>
      </div>
      <div className="stats">
        <span title={t('pane.online')}>
          {t('pane.online')} <b data-testid="stat-online">{nf.format(online)}</b>
        </span>
        <span title={t('pane.likes')}>
          {t('pane.likes')} <b>{nf.format(likes)}</b>
        </span>
        <span title={t('pane.follows')}>
          {t('pane.follows')} <b>{nf.format(follows)}</b>
        </span>
        <span className={`conn conn-${status}`} data-testid="rt-status">
          {t(`conn.${status}`)}
        </span>
      </div>
    </div>
  );
}

function ConnectionBanner() {
  const { t } = useTranslation();
  const status = useMod((s) => s.rtStatus);
  if (status === 'open' || status === 'idle') return null;
  return (
    <div className={`banner banner--bar ${status === 'closed' ? 'banner--error' : 'banner--warn'}`} role="status" data-testid="conn-banner">
      {t(`conn.banner.${status}`)}
    </div>
  );
}
