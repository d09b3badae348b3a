import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LOCALES } from '../../ui/i18n';
import { dateTimeFormat } from '../../ui/format';

/** Re-render every `everyMs` while `active` (waiting times, relative times). */
export function useNow(active = true, everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [active, everyMs]);
  return now;
}

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <fieldset className="lang-switch">
      <legend className="sr-only">{t('language.label')}</legend>
      {LOCALES.map((l) => (
        <button
          key={l}
          type="button"
          className={`lang-switch-btn${i18n.language === l ? ' lang-switch-btn--active' : ''}`}
          aria-pressed={i18n.language === l}
          onClick={() => void i18n.changeLanguage(l)}
          data-testid={`lang-${l}`}
        >
          {t(`language.short.${l}`)}
        </button>
      ))}
    </fieldset>
  );
}

/** Local clock time ("14:05:09"), with the date when not today. */
export function formatClock(ms: number, locale: string, withDate = false): string {
  return dateTimeFormat(locale, {
    ...(withDate ? { month: 'short', day: 'numeric' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(ms);
}

export function Spinner() {
  return <span className="spinner" aria-hidden />;
}

/** A settings page's heading: title, what the page is for, and the page's main action on the right. */
export function PageHead({ title, body, children }: { title: string; body: string; children?: ReactNode }) {
  return (
    <div className="settings-head">
      <div>
        <h1>{title}</h1>
        <p className="muted">{body}</p>
      </div>
      {children}
    </div>
  );
}
