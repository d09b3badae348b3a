import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMod, useModerator } from '../context';
import { LanguageSwitch, Spinner } from './common';

/** Loading, first-run owner setup, invite acceptance and login: one centred card. */
export function AuthScreen() {
  const { t } = useTranslation();
  const phase = useMod((s) => s.phase);
  const { session } = useModerator();
  return (
    <main className="auth-page">
      <div className="auth-lang">
        <LanguageSwitch />
      </div>
      <div className="auth-card" data-testid={`auth-${phase}`}>
        <div className="auth-brand">
          <span className="brand-mark brand-mark--large" aria-hidden />
          <div>
            <div className="auth-app">{t('app.name')}</div>
            <div className="auth-sub">{t('app.tagline')}</div>
          </div>
        </div>
        {phase === 'loading' && (
          <p className="auth-wait">
            <Spinner /> {t('auth.loading')}
          </p>
        )}
        {phase === 'unreachable' && (
          <>
            <p className="auth-error" role="alert">
              {t('auth.unreachable')}
            </p>
            <button type="button" className="btn btn--primary wide" onClick={() => void session.boot()}>
              {t('common.retry')}
            </button>
          </>
        )}
        {phase === 'login' && <LoginForm />}
        {phase === 'setup' && <NewAccountForm kind="setup" />}
        {phase === 'accept' && <NewAccountForm kind="accept" />}
      </div>
    </main>
  );
}

function AuthError() {
  const { t } = useTranslation();
  const err = useMod((s) => s.authError);
  if (!err) return null;
  return (
    <p className="auth-error" role="alert" data-testid="auth-error">
      {t(`auth.error.${err.code}`, { defaultValue: err.message || t('errors.generic') })}
    </p>
  );
}

function LoginForm() {
  const { t } = useTranslation();
  const { session } = useModerator();
  const busy = useMod((s) => s.authBusy);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void session.login(name, password);
  };
  return (
    <form className="auth-form" onSubmit={submit}>
      <h1>{t('auth.login.title')}</h1>
      <p className="muted">{t('auth.login.body')}</p>
      <label className="field">
        <span>{t('auth.name')}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="username" data-testid="login-name" />
      </label>
      <label className="field">
        <span>{t('auth.password')}</span>
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          data-testid="login-password"
        />
      </label>
      <AuthError />
      <button type="submit" className="btn btn--primary wide" disabled={busy} data-testid="login-submit">
        {busy ? t('auth.signingIn') : t('auth.login.submit')}
      </button>
    </form>
  );
}

function NewAccountForm({ kind }: { kind: 'setup' | 'accept' }) {
  const { t } = useTranslation();
  const { session } = useModerator();
  const busy = useMod((s) => s.authBusy);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [setupCode, setSetupCode] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void (kind === 'setup' ? session.setup(name, password, confirm, setupCode) : session.accept(name, password, confirm));
  };
  return (
    <form className="auth-form" onSubmit={submit}>
      <h1>{t(`auth.${kind}.title`)}</h1>
      <p className="muted">{t(`auth.${kind}.body`)}</p>
      {kind === 'setup' && (
        <label className="field">
          <span>{t('auth.setup.code')}</span>
          <input
            value={setupCode}
            onChange={(e) => setSetupCode(e.target.value)}
            autoComplete="one-time-code"
            autoCapitalize="characters"
            spellCheck={false}
            placeholder="XXXXX-XXXXX-XXXXX-XXXXX"
            data-testid="setup-code"
          />
          <small>{t('auth.setup.codeHint')}</small>
        </label>
      )}
      <label className="field">
        <span>{t('auth.name')}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="username" data-testid={`${kind}-name`} />
        <small>{t('auth.nameHint')}</small>
      </label>
      <label className="field">
        <span>{t('auth.password')}</span>
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="new-password"
          data-testid={`${kind}-password`}
        />
        <small>{t('auth.passwordHint')}</small>
      </label>
      <label className="field">
        <span>{t('auth.confirm')}</span>
        <input
          type="password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          autoComplete="new-password"
          data-testid={`${kind}-confirm`}
        />
      </label>
      <AuthError />
      <button type="submit" className="btn btn--primary wide" disabled={busy} data-testid={`${kind}-submit`}>
        {busy ? t('auth.working') : t(`auth.${kind}.submit`)}
      </button>
      {kind === 'accept' && (
        <button type="button" className="btn btn--ghost wide" onClick={() => session.toLogin()}>
          {t('auth.accept.haveAccount')}
        </button>
      )}
    </form>
  );
}
