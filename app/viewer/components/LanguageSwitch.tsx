import { useTranslation } from 'react-i18next';
import { LANGUAGES } from '../i18n';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <fieldset className="lang-switch lang-switch--over-video" aria-label={t('language.label')}>
      {LANGUAGES.map((l) => (
        <button
          key={l}
          type="button"
          className={`lang-switch-btn${i18n.language === l ? ' lang-switch-btn--active' : ''}`}
          aria-pressed={i18n.language === l}
          onClick={() => void i18n.changeLanguage(l)}
        >
          {t(`language.short.${l}`)}
        </button>
      ))}
    </fieldset>
  );
}
