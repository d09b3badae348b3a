import { useTranslation } from 'react-i18next';
import { useMod, useModerator } from '../context';
import { formatClock, Spinner } from './common';

/** Pick the show to moderate: live and starting-soon shows first, then recent ended ones. */
export function ShowPicker() {
  const { t, i18n } = useTranslation();
  const { moderation } = useModerator();
  const shows = useMod((s) => s.shows);
  const loading = useMod((s) => s.showsLoading);
  const error = useMod((s) => s.showsError);
  const open = shows?.filter((s) => s.status !== 'ended') ?? [];
  const ended = shows?.filter((s) => s.status === 'ended') ?? [];
  return (
    <main className="picker">
      <div className="picker-head">
        <div>
          <h1>{t('picker.title')}</h1>
          <p className="muted">{t('picker.body')}</p>
        </div>
        <button type="button" className="btn" onClick={() => void moderation.loadShows()} disabled={loading} data-testid="shows-refresh">
          {loading ? <Spinner /> : null}
          {t('picker.refresh')}
        </button>
      </div>
      {error && (
        <p className="banner banner--bar banner--error" role="alert">
          {t(`errors.${error}`, { defaultValue: t('errors.generic') })}
        </p>
      )}
      {shows && open.length === 0 && <div className="empty">{t('picker.none')}</div>}
      <ul className="show-list" data-testid="show-list">
        {open.map((s) => (
          <li key={s.id}>
            <button type="button" className="show-item" onClick={() => moderation.selectShow(s.id)} data-testid={`show-${s.id}`}>
              <span className={`status-dot status-dot--${s.status}`} aria-hidden />
              <span className="show-title">{s.title}</span>
              <span className={`pill pill--${s.status}`}>{t(`status.${s.status}`)}</span>
              <span className="muted small">
                {s.startedAt
                  ? t('picker.since', { time: formatClock(s.startedAt, i18n.language, true) })
                  : t('picker.created', { time: formatClock(s.createdAt, i18n.language, true) })}
              </span>
              <span className="show-go">{t('picker.moderate')} →</span>
            </button>
          </li>
        ))}
      </ul>
      {ended.length > 0 && (
        <>
          <h2 className="section-label">{t('picker.ended')}</h2>
          <ul className="show-list show-list--ended">
            {ended.map((s) => (
              <li key={s.id}>
                <button type="button" className="show-item" onClick={() => moderation.selectShow(s.id)} data-testid={`show-${s.id}`}>
                  <span className="status-dot st-ended" aria-hidden />
                  <span className="show-title">{s.title}</span>
                  <span className="pill pill--ended">{t('status.ended')}</span>
                  <span className="muted small">{s.endedAt ? formatClock(s.endedAt, i18n.language, true) : ''}</span>
                  <span className="show-go">{t('picker.review')} →</span>
                </button>
                <a className="btn show-report" href={`/report/${encodeURIComponent(s.id)}`} data-testid={`report-${s.id}`}>
                  {t('picker.report')}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </main>
  );
}
