import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useMod, useModerator } from '../context';
import { AuthScreen } from './Auth';
import { LanguageSwitch } from './common';
import { Pane } from './Pane';
import { ShowPicker } from './ShowPicker';

/** `page`: what a signed-in user sees instead of the picker / pane (the post-show report at /report/<showId>). */
export function App({ page }: { page?: ReactNode }) {
  const phase = useMod((s) => s.phase);
  const showId = useMod((s) => s.showId);
  return (
    <div className="mod-app" data-phase={phase}>
      {phase === 'signedIn' ? (page ?? (showId ? <Pane /> : <PickerPage />)) : <AuthScreen />}
      <Flash />
    </div>
  );
}

function PickerPage() {
  return (
    <>
      <Header />
      <ShowPicker />
    </>
  );
}

/** Top bar: brand, signed-in account, language, sign out. The pane adds the show and its stats. */
export function Header({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  const { session } = useModerator();
  const me = useMod((s) => s.me);
  const name = me?.kind === 'account' ? me.account.name : t('auth.studio');
  const role = me?.kind === 'account' ? me.account.role : 'owner';
  return (
    <header className="mod-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden />
        <span>{t('app.name')}</span>
      </div>
      <div className="header-main">{children}</div>
      <div className="header-user">
        <span className="user-chip" data-testid="signed-in-as">
          <span className={`role role-${role}`}>{t(`role.${role}`)}</span>
          {name}
        </span>
        <LanguageSwitch />
        <button type="button" className="btn btn--ghost" onClick={() => void session.logout()} data-testid="logout">
          {t('auth.logout')}
        </button>
      </div>
    </header>
  );
}

function Flash() {
  const { t } = useTranslation();
  const flash = useMod((s) => s.flash);
  if (!flash) return null;
  return (
    <div
      className={`flash flash-${flash.kind}`}
      role={flash.kind === 'error' ? 'alert' : 'status'}
      key={flash.id}
      data-testid={`flash-${flash.kind}`}
    >
      {t(flash.key, { ...flash.params, defaultValue: flash.params?.message || t('errors.generic') })}
    </div>
  );
}
