import type { i18n as I18n } from 'i18next';
import { createI18n, DEFAULT_LOCALE, LOCALES } from '../ui/i18n';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';

export const LANGUAGES = LOCALES;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = DEFAULT_LOCALE;
export const LANGUAGE_STORAGE_KEY = 'storecast.lang';

/** Map a BCP 47 tag to a supported language: any zh* → zh-CN, any en* → en, else null. */
export function matchLanguage(tag: string | null | undefined): Language | null {
  if (!tag) return null;
  const t = tag.trim().toLowerCase();
  if (t === 'zh' || t.startsWith('zh-') || t.startsWith('zh_')) return 'zh-CN';
  if (t === 'en' || t.startsWith('en-') || t.startsWith('en_')) return 'en';
  return null;
}

/**
 * Pick the UI language: `?lang=` wins, then the viewer's saved choice, then the first supported browser
 * language, then zh-CN.
 */
export function pickLanguage(search: string, saved: string | null, browserLanguages: readonly string[]): Language {
  const fromQuery = matchLanguage(new URLSearchParams(search).get('lang'));
  if (fromQuery) return fromQuery;
  const fromSaved = matchLanguage(saved);
  if (fromSaved) return fromSaved;
  for (const l of browserLanguages) {
    const m = matchLanguage(l);
    if (m) return m;
  }
  return DEFAULT_LANGUAGE;
}

/** The viewer's i18next instance, built with the shared app/ui setup (zh-CN default and fallback). */
export function initViewerI18n(lng: Language): I18n {
  return createI18n({ 'zh-CN': zhCN, en }, lng);
}
