import { describe, expect, it } from 'vitest';
import { initViewerI18n, matchLanguage, pickLanguage } from './i18n';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';

function keys(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('language choice', () => {
  it('maps tags to supported languages', () => {
    expect(matchLanguage('zh-TW')).toBe('zh-CN');
    expect(matchLanguage('zh')).toBe('zh-CN');
    expect(matchLanguage('en-GB')).toBe('en');
    expect(matchLanguage('fr-FR')).toBeNull();
    expect(matchLanguage('')).toBeNull();
  });

  it('prefers ?lang, then the saved choice, then the browser, then zh-CN', () => {
    expect(pickLanguage('?lang=en', 'zh-CN', ['zh-CN'])).toBe('en');
    expect(pickLanguage('?lang=xx', 'en', ['zh-CN'])).toBe('en');
    expect(pickLanguage('', null, ['fr-FR', 'en-US'])).toBe('en');
    expect(pickLanguage('', null, ['fr-FR'])).toBe('zh-CN');
    expect(pickLanguage('', null, [])).toBe('zh-CN');
  });
});

describe('locales', () => {
  it('zh-CN and en define the same keys', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort());
  });

  it('resolves keys and interpolation in both languages', async () => {
    const i18n = initViewerI18n('zh-CN');
    expect(i18n.t('state.ended.title')).toBe('直播已结束');
    expect(i18n.t('product.saving', { amount: '¥20.00' })).toBe('立省 ¥20.00');
    await i18n.changeLanguage('en');
    expect(i18n.t('state.ended.title')).toBe('The show has ended');
    expect(i18n.t('quality.current', { layer: 'High' })).toBe('Now: High');
  });
});
