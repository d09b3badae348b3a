import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CannedReply, FilterSettings } from '../../../shared/protocol/realtime';
import { useMod, useModerator } from '../context';
import { auditActionKey, auditDetail, formatWordList, MAX_FILTER_WORDS, parseList, parseWordList } from '../selectors';
import { formatClock, PageHead, Spinner } from './common';

/** Word and link filter editor (applies to every show). */
export function FilterEditor() {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const filter = useMod((s) => s.filter);
  const saving = useMod((s) => s.filterSaving);
  const [words, setWords] = useState('');
  const [links, setLinks] = useState<FilterSettings['links'] | null>(null);
  const [domains, setDomains] = useState('');
  const [dirty, setDirty] = useState(false);

  useEffect(() => {
    if (!filter) return;
    setWords(formatWordList(filter.words));
    setLinks(filter.links);
    setDomains(filter.links.allowDomains.join('\n'));
    setDirty(false);
  }, [filter]);

  if (!filter || !links) {
    return (
      <main className="tab-page">
        <p className="muted">
          <Spinner /> {t('common.loading')}
        </p>
      </main>
    );
  }
  const parsed = parseWordList(words);
  const invalid = parsed.tooLong.length > 0 || parsed.overLimit;
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (invalid) return;
    void moderation.saveFilter({ words: parsed.words, links: { ...links, allowDomains: parseList(domains) } });
  };
  return (
    <main className="tab-page">
      <form className="settings-form" onSubmit={save} data-testid="filter-editor">
        <PageHead title={t('filter.title')} body={t('filter.body')}>
          <button type="submit" className="btn btn--primary" disabled={saving || !dirty || invalid} data-testid="filter-save">
            {saving ? t('common.saving') : t('common.save')}
          </button>
        </PageHead>
        <div className="settings-grid">
          <label className="field">
            <span>
              {t('filter.words')}{' '}
              <span className="muted small">{t('filter.count', { count: parsed.words.length, max: MAX_FILTER_WORDS })}</span>
            </span>
            <textarea
              rows={16}
              value={words}
              onChange={(e) => {
                setWords(e.target.value);
                setDirty(true);
              }}
              spellCheck={false}
              data-testid="filter-words"
            />
            <small>{t('filter.wordsHint')}</small>
            {parsed.tooLong.length > 0 && (
              <small className="error">{t('filter.tooLong', { words: parsed.tooLong.slice(0, 3).join('、') })}</small>
            )}
            {parsed.overLimit && <small className="error">{t('filter.overLimit', { max: MAX_FILTER_WORDS })}</small>}
          </label>
          <div className="field-group">
            <label className="check check--described">
              <input
                type="checkbox"
                checked={links.blockLinks}
                onChange={(e) => {
                  setLinks({ ...links, blockLinks: e.target.checked });
                  setDirty(true);
                }}
                data-testid="filter-block-links"
              />
              <span>
                <b>{t('filter.blockLinks')}</b>
                <small>{t('filter.blockLinksHint')}</small>
              </span>
            </label>
            <label className="check check--described">
              <input
                type="checkbox"
                checked={links.blockContacts}
                onChange={(e) => {
                  setLinks({ ...links, blockContacts: e.target.checked });
                  setDirty(true);
                }}
              />
              <span>
                <b>{t('filter.blockContacts')}</b>
                <small>{t('filter.blockContactsHint')}</small>
              </span>
            </label>
            <label className="field">
              <span>{t('filter.allowDomains')}</span>
              <textarea
                rows={5}
                value={domains}
                onChange={(e) => {
                  setDomains(e.target.value);
                  setDirty(true);
                }}
                spellCheck={false}
                placeholder="shop.example.com"
              />
              <small>{t('filter.allowDomainsHint')}</small>
            </label>
          </div>
        </div>
      </form>
    </main>
  );
}

/** Canned replies: list, create, edit, delete. */
export function CannedPanel() {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const canned = useMod((s) => s.canned);
  const [editing, setEditing] = useState<CannedReply | 'new' | null>(null);
  return (
    <main className="tab-page">
      <PageHead title={t('canned.title')} body={t('canned.body')}>
        <button type="button" className="btn btn--primary" onClick={() => setEditing('new')} data-testid="canned-new">
          {t('canned.new')}
        </button>
      </PageHead>
      {editing && <CannedForm reply={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      {canned.length === 0 && !editing && <div className="empty">{t('canned.empty')}</div>}
      <ul className="card-list">
        {canned.map((c) => (
          <li key={c.id} className="card" data-testid="canned-item">
            <div className="card-main">
              <strong>{c.title}</strong>
              <p>{c.text}</p>
            </div>
            <div className="card-actions">
              <button type="button" className="btn btn--ghost btn--small" onClick={() => setEditing(c)}>
                {t('common.edit')}
              </button>
              <button type="button" className="btn btn--danger btn--small" onClick={() => void moderation.deleteCanned(c.id)}>
                {t('common.delete')}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}

function CannedForm({ reply, onDone }: { reply: CannedReply | null; onDone: () => void }) {
  const { t } = useTranslation();
  const { moderation } = useModerator();
  const busy = useMod((s) => s.busy.canned === true);
  const [title, setTitle] = useState(reply?.title ?? '');
  const [text, setText] = useState(reply?.text ?? '');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await moderation.saveCanned(reply?.id ?? null, title.trim(), text.trim())) onDone();
  };
  return (
    <form className="card card--editing" onSubmit={submit} data-testid="canned-form">
      <label className="field">
        <span>{t('canned.titleField')}</span>
        <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={60} data-testid="canned-title" />
      </label>
      <label className="field">
        <span>{t('canned.textField')}</span>
        <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} maxLength={1000} data-testid="canned-text" />
      </label>
      <div className="card-actions">
        <button
          type="submit"
          className="btn btn--primary btn--small"
          disabled={busy || !title.trim() || !text.trim()}
          data-testid="canned-save"
        >
          {t('common.save')}
        </button>
        <button type="button" className="btn btn--ghost btn--small" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Active bans (all shows), with unban. */
export function BansPanel() {
  const { t, i18n } = useTranslation();
  const { moderation } = useModerator();
  const bans = useMod((s) => s.bans);
  return (
    <main className="tab-page">
      <PageHead title={t('bans.title')} body={t('bans.body')}>
        <button type="button" className="btn" onClick={() => void moderation.loadBans()}>
          {t('common.refresh')}
        </button>
      </PageHead>
      {bans === null ? (
        <p className="muted">
          <Spinner /> {t('common.loading')}
        </p>
      ) : bans.length === 0 ? (
        <div className="empty">{t('bans.empty')}</div>
      ) : (
        <table className="table" data-testid="bans-table">
          <thead>
            <tr>
              <th>{t('bans.user')}</th>
              <th>{t('bans.reason')}</th>
              <th>{t('bans.devices')}</th>
              <th>{t('bans.when')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {bans.map((b) => (
              <tr key={b.id} data-testid="ban-row">
                <td>
                  <strong>{b.name}</strong>
                  <div className="muted small mono">{b.userId}</div>
                </td>
                <td>{b.reason ?? <span className="muted">—</span>}</td>
                <td>{b.devices}</td>
                <td className="muted small">{formatClock(b.at, i18n.language, true)}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn--ghost btn--small"
                    onClick={() => void moderation.unban(b.userId, b.name)}
                    data-testid="unban"
                  >
                    {t('bans.unban')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** Audit log of every moderation action, newest first, paged. */
export function AuditLog() {
  const { t, i18n } = useTranslation();
  const { moderation } = useModerator();
  const audit = useMod((s) => s.audit);
  return (
    <main className="tab-page">
      <PageHead title={t('audit.title')} body={t('audit.body')}>
        <label className="check">
          <input
            type="checkbox"
            checked={audit.thisShow}
            onChange={(e) => moderation.setAuditThisShow(e.target.checked)}
            data-testid="audit-this-show"
          />
          <span>{t('audit.thisShow')}</span>
        </label>
        <button type="button" className="btn" onClick={() => void moderation.loadAudit(true)} disabled={audit.loading}>
          {t('common.refresh')}
        </button>
      </PageHead>
      {audit.error && (
        <p className="banner banner--bar banner--error" role="alert">
          {t(`errors.${audit.error}`, { defaultValue: t('errors.generic') })}
        </p>
      )}
      {audit.entries.length === 0 && !audit.loading ? (
        <div className="empty">{t('audit.empty')}</div>
      ) : (
        <table className="table" data-testid="audit-table">
          <thead>
            <tr>
              <th>{t('audit.when')}</th>
              <th>{t('audit.who')}</th>
              <th>{t('audit.actionCol')}</th>
              <th>{t('audit.target')}</th>
              <th>{t('audit.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {audit.entries.map((e) => {
              const key = auditActionKey(e);
              return (
                <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                  <td className="muted small nowrap">{formatClock(e.at, i18n.language, true)}</td>
                  <td>
                    <span className={`role role-${e.actorRole}`}>{t(`role.${e.actorRole}`)}</span> {e.actorName}
                  </td>
                  <td>{key ? t(key) : e.action}</td>
                  <td className="mono small">{e.target ?? ''}</td>
                  <td className="small">
                    {auditDetail(e)}
                    {e.reason && <div className="muted">{t('audit.reason', { reason: e.reason })}</div>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {!audit.done && audit.entries.length > 0 && (
        <button type="button" className="btn wide-center" onClick={() => void moderation.loadAudit(false)} disabled={audit.loading}>
          {audit.loading ? t('common.loading') : t('audit.more')}
        </button>
      )}
    </main>
  );
}

/** Owner: invite moderators (one-time link) and disable accounts. */
export function TeamPanel() {
  const { t, i18n } = useTranslation();
  const { moderation } = useModerator();
  const accounts = useMod((s) => s.accounts);
  const invite = useMod((s) => s.invite);
  const busy = useMod((s) => s.busy.invite === true);
  const [copied, setCopied] = useState(false);
  const link = invite ? moderation.inviteLink(invite.code) : null;
  return (
    <main className="tab-page">
      <PageHead title={t('team.title')} body={t('team.body')}>
        <button
          type="button"
          className="btn btn--primary"
          disabled={busy}
          onClick={() => void moderation.createInvite()}
          data-testid="invite-create"
        >
          {t('team.invite')}
        </button>
      </PageHead>
      {link && invite && (
        <div className="card card--invite" data-testid="invite-card">
          <div className="card-main">
            <strong>{t('team.inviteReady')}</strong>
            <p className="muted small">{t('team.inviteHint', { time: formatClock(invite.expiresAt, i18n.language, true) })}</p>
            <input readOnly value={link} onFocus={(e) => e.currentTarget.select()} className="input mono" data-testid="invite-link" />
          </div>
          <div className="card-actions">
            <button
              type="button"
              className="btn btn--small"
              onClick={() => {
                void navigator.clipboard?.writeText(link).then(
                  () => setCopied(true),
                  () => setCopied(false),
                );
              }}
            >
              {copied ? t('team.copied') : t('team.copy')}
            </button>
          </div>
        </div>
      )}
      {accounts === null ? (
        <p className="muted">
          <Spinner /> {t('common.loading')}
        </p>
      ) : (
        <table className="table" data-testid="accounts-table">
          <thead>
            <tr>
              <th>{t('team.name')}</th>
              <th>{t('team.role')}</th>
              <th>{t('team.since')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.id} className={a.disabled ? 'table-row--disabled' : ''}>
                <td>
                  <strong>{a.name}</strong>
                </td>
                <td>
                  <span className={`role role-${a.role}`}>{t(`role.${a.role}`)}</span>
                </td>
                <td className="muted small">{formatClock(a.createdAt, i18n.language, true)}</td>
                <td>
                  {a.disabled ? (
                    <span className="muted small">{t('team.disabled')}</span>
                  ) : (
                    a.role === 'moderator' && (
                      <button
                        type="button"
                        className="btn btn--danger btn--small"
                        onClick={() => void moderation.disableAccount(a.id, a.name)}
                      >
                        {t('team.disable')}
                      </button>
                    )
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
