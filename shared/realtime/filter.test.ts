import { describe, expect, it } from 'vitest';
import { checkContent } from './filter';
import { SpamGuard, slowModeWait, TokenBucket } from './flood-guard';
import { compileLinkFilter, DEFAULT_LINK_SETTINGS, findLink } from './link-filter';
import { charLength, normalizeDisplay } from './text-keys';
import { compileWords, DEFAULT_BLOCKED_WORDS, findBlockedWord } from './word-filter';

const words = compileWords(DEFAULT_BLOCKED_WORDS);
const links = compileLinkFilter(DEFAULT_LINK_SETTINGS);

describe('normalisation', () => {
  it('keeps the text but drops invisible characters and collapses spaces', () => {
    expect(normalizeDisplay('  hi\u200B  there\n\n<b>x</b>\u0007 ')).toBe('hi there <b>x</b>');
    expect(normalizeDisplay('Ｆｕｌｌ，宽度')).toBe('Ｆｕｌｌ，宽度'); // display keeps full-width punctuation
    expect(normalizeDisplay('e\u0301')).toBe('é');
    expect(charLength('😀测试ab')).toBe(5);
  });
});

describe('word filter', () => {
  it.each([
    ['fuck you', 'fuck'],
    ['ｆｕｃｋ', 'fuck'], // full-width
    ['F U C K', 'fuck'], // spacing
    ['f.u.c.k', 'fuck'], // punctuation
    ['f\u200Bu\u200Cc\u200Dk', 'fuck'], // zero-width
    ['fu ck off', 'fuck'],
    ['FuUuUck', 'fuck'], // repeated letters
    ['sh1t', 'shit'], // leetspeak
    ['$h!t', 'shit'],
    ['fucking great', 'fuck'],
    ['傻逼', '傻逼'],
    ['傻 逼', '傻逼'],
    ['你个傻.逼', '傻逼'],
    ['傻\u200B逼', '傻逼'],
    ['草-泥-马', '草泥马'],
    ['你是shit吗', 'shit'], // mixed zh/en
    ['ＳＨＩＴ真的', 'shit'],
  ])('blocks %j', (text, term) => {
    expect(findBlockedWord(text, words)).toBe(term);
  });

  it.each(['Scunthorpe United', 'a classic class', 'assess the shiitake', 'hello world', '这件衣服很好看', '1234 5678', 'cocktail'])(
    'lets %j through',
    (text) => {
      expect(findBlockedWord(text, words)).toBeNull();
    },
  );

  it('uses a configurable list', () => {
    const custom = compileWords(['榴莲', 'Durian', '  ', 'durian']);
    expect(custom.anywhere.map((w) => w.term)).toEqual(['榴莲']);
    expect(custom.latin.map((w) => w.term)).toEqual(['Durian']);
    expect(findBlockedWord('我爱榴 莲', custom)).toBe('榴莲');
    expect(findBlockedWord('D U R I A N', custom)).toBe('Durian');
    expect(findBlockedWord('fuck', custom)).toBeNull();
    expect(findBlockedWord('anything', compileWords([]))).toBeNull();
  });
});

describe('link filter', () => {
  it.each([
    ['see https://evil.example/x', 'url'],
    ['HTTPS：//evil', 'url'],
    ['www.something', 'url'],
    ['go to cheap-deals.com now', 'domain'],
    ['ｅｘａｍｐｌｅ．ｃｏｍ', 'domain'],
    ['example。com', 'domain'],
    ['example dot com', 'domain'],
    ['example(dot)com', 'domain'],
    ['taobao点com', 'domain'],
    ['buy.shop', 'domain'],
    ['加我vx: abc123', 'contact'],
    ['wx：abc', 'contact'],
    ['微信号 abc', 'contact'],
    ['QQ: 12345', 'contact'],
    ['call 138 1234 5678', 'contact'],
    ['+86 13812345678', 'contact'],
  ])('flags %j as %s', (text, kind) => {
    expect(findLink(text, links)).toBe(kind);
  });

  it.each(['Great. Me too', 'price 1.5 kg', 'v2.0 release', 'e.g. co-op', '好的。me too', '3.14 is pi', '订单号 20240101', 'I like it'])(
    'lets %j through',
    (text) => {
      expect(findLink(text, links)).toBeNull();
    },
  );

  it('honours allowed domains and switches', () => {
    const f = compileLinkFilter({ ...DEFAULT_LINK_SETTINGS, allowDomains: ['storecast.example'], blockContacts: false });
    expect(findLink('see shop.storecast.example', f)).toBeNull();
    expect(findLink('https://storecast.example/live/x', f)).toBeNull();
    expect(findLink('https://other.example.com/x', f)).toBe('domain');
    expect(findLink('wx: abc', f)).toBeNull();
    const off = compileLinkFilter({ ...DEFAULT_LINK_SETTINGS, blockLinks: false });
    expect(findLink('https://evil.com', off)).toBeNull();
    expect(findLink('vx: 123', off)).toBe('contact');
  });
});

describe('checkContent', () => {
  const rules = { maxChars: 10, words, links };
  it('normalises, then checks length, words and links in that order', () => {
    expect(checkContent('  hello  ', rules)).toEqual({ ok: true, text: 'hello' });
    expect(checkContent('\u200B \u200D', rules)).toEqual({ ok: false, reason: 'EMPTY' });
    expect(checkContent('12345678901', rules)).toMatchObject({ ok: false, reason: 'TOO_LONG' });
    expect(checkContent('测试测试测试测试测试', rules)).toMatchObject({ ok: true });
    expect(checkContent('f u c k', rules)).toMatchObject({ ok: false, reason: 'BLOCKED_WORD' });
    expect(checkContent('a.com', rules)).toMatchObject({ ok: false, reason: 'LINK' });
    expect(checkContent('a.com', { ...rules, skipLinks: true })).toMatchObject({ ok: true });
    expect(checkContent('<script>', rules)).toEqual({ ok: true, text: '<script>' });
  });
});

describe('rate limits', () => {
  it('token bucket: burst, then refill at the rate', () => {
    const b = new TokenBucket(1, 3, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0]);
    expect(b.take(0)).toBe(1000);
    expect(b.take(500)).toBe(500);
    expect(b.take(1000)).toBe(0);
    expect(b.idle(1000)).toBe(false);
    expect(b.idle(10_000)).toBe(true);
  });

  it('slow mode wait', () => {
    expect(slowModeWait(undefined, 10, 5)).toBe(0);
    expect(slowModeWait(1000, 0, 1001)).toBe(0);
    expect(slowModeWait(1000, 10, 4000)).toBe(7000);
    expect(slowModeWait(1000, 10, 11_000)).toBe(0);
  });

  it('spam guard: duplicates per user, floods across users, windows expire, memory bounded', () => {
    const g = new SpamGuard({ duplicateWindowMs: 30_000, floodWindowMs: 10_000, floodUsers: 3 }, 100);
    g.record('u1', 'Hello there', 0);
    expect(g.check('u1', 'hello THERE!!', 1000)).toBe('DUPLICATE');
    expect(g.check('u2', 'hello there', 1000)).toBeNull();
    expect(g.check('u1', 'hello there', 31_000)).toBeNull();
    g.record('a', 'JOIN NOW 1', 40_000);
    g.record('b', 'join now 22', 40_100);
    expect(g.check('c', 'join  now 333', 40_200)).toBe('FLOOD');
    expect(g.check('c', 'join now 333', 60_000)).toBeNull();
    for (let i = 0; i < 1000; i++) g.record(`user${i}`, `unique text number ${i} ${'abcdefghij'[i % 10]}`, 70_000 + i);
    expect(g.size).toBeLessThanOrEqual(200);
  });
});
