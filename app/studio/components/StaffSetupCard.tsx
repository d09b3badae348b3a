/**
 * "Set up moderator access" card: shown while the server has no owner account. Creates it in one step through
 * the studio (whose token proves it is the operator), then offers to open the moderator pane to sign in.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import { useStudio } from '../context';
import { selectShowCard } from '../controllers/staff-setup';

export function StaffSetupCard() {
  const { t } = useTranslation();
  const { staffSetup } = useStudio();
  const show = useStore(staffSetup.store, selectShowCard);
  const busy = useStore(staffSetup.store, (s) => s.busy);
  const error = useStore(staffSetup.store, (s) => s.error);
  const created = useStore(staffSetup.store, (s) => s.created);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [openFailed, setOpenFailed] = useState(false);
  if (!show) return null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void staffSetup.claim(name, password, confirm).then((ok) => {
      if (ok) {
        setPassword('');
        setConfirm('');
      }
    });
  };
  const open = async () => setOpenFailed(!(await staffSetup.openModerator()));
  const openButton = (
    <button type="button" className="btn btn--primary btn--block" data-testid="staff-setup-open" onClick={() => void open()}>
      {t('staffSetup.open')}
    </button>
  );

  return (
    <section className="panel" data-testid="staff-setup">
      <h2 className="panel-title">{t('staffSetup.title')}</h2>
      {created ? (
        <>
          <p className="hint" data-testid="staff-setup-done">
            {t('staffSetup.done', { name: created.name })}
          </p>
          {openButton}
          {openFailed && <p className="form-error">{t('staffSetup.openFailed', { url: staffSetup.store.getState().moderatorUrl })}</p>}
          <button type="button" className="btn btn--ghost btn--small" onClick={() => staffSetup.dismiss()}>
            {t('errors.dismiss')}
          </button>
        </>
      ) : (
        <form className="staff-setup-form" onSubmit={submit}>
          <p className="hint">{t('staffSetup.body')}</p>
          <label className="field">
            <span className="field-label">{t('staffSetup.name')}</span>
            <input
              className="input"
              value={name}
              autoComplete="off"
              data-testid="staff-setup-name"
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <label className="field">
            <span className="field-label">{t('staffSetup.password')}</span>
            <input
              className="input"
              type="password"
              value={password}
              autoComplete="new-password"
              data-testid="staff-setup-password"
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <label className="field">
            <span className="field-label">{t('staffSetup.confirm')}</span>
            <input
              className="input"
              type="password"
              value={confirm}
              autoComplete="new-password"
              data-testid="staff-setup-confirm"
              onChange={(e) => setConfirm(e.target.value)}
            />
          </label>
          {error && (
            <p className="form-error" role="alert" data-testid="staff-setup-error">
              {t(`staffSetup.errors.${error.code}`, { defaultValue: error.message || t('staffSetup.errors.INTERNAL') })}
            </p>
          )}
          <button type="submit" className="btn btn--primary btn--block" disabled={busy} data-testid="staff-setup-submit">
            {busy ? t('staffSetup.working') : t('staffSetup.submit')}
          </button>
          {error?.code === 'CONFLICT' && openButton}
        </form>
      )}
    </section>
  );
}
