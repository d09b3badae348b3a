/**
 * i18next setup shared by the browser apps: each app passes its own resources (zh-CN and en) and
 * gets an initialised, isolated instance bound to react-i18next. zh-CN is the default and the fallback.
 */
import i18next, { type i18n, type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { localeFor } from '../../shared/protocol/host';

export const LOCALES = ['zh-CN', 'en'] as const;
export type AppLocale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: AppLocale = 'zh-CN';

export function isAppLocale(v: unknown): v is AppLocale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

/** Best match for the browser's languages (zh-* → zh-CN, en-* → en), else the default. */
export const detectLocale: (languages: readonly string[]) => AppLocale = localeFor;

export function createI18n(resources: Record<AppLocale, Record<string, unknown>>, lng: AppLocale = DEFAULT_LOCALE): i18n {
  const instance = i18next.createInstance();
  const res: Resource = {};
  for (const l of LOCALES) res[l] = { translation: resources[l] };
  void instance.use(initReactI18next).init({
    resources: res,
    lng,
    fallbackLng: DEFAULT_LOCALE,
    supportedLngs: [...LOCALES],
    interpolation: { escapeValue: false }, // React escapes
    initAsync: false,
  });
  return instance;
}
