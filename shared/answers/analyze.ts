/**
 * Text → weighted features for answer retrieval. The word segmenter and the pinyin reader are injected (the server
 * uses jieba and pinyin-pro, native/large; tests may pass simpler ones), so this module stays pure.
 *
 * Features: `k:<concept>` (a synonym group hit, the strongest signal), `n:<noun>` (a kind of product named),
 * `w:<word>` (a content word; question words are dropped), `c:<han char>` (single-character fallback, weak).
 * Numbers are split from units ("14寸" → "14", "寸") so the unit can name a concept and the number can match.
 */
import { type Lexicon, QUESTION_WORDS } from './lexicon';

export interface Segmenter {
  /** Split text into words (Chinese segmentation; other text may pass through as runs). */
  cut(text: string): string[];
  /** Toneless pinyin of a Han word, syllables joined by spaces; omit to turn typo tolerance off. */
  pinyin?(word: string): string;
}

export interface Analysis {
  /** Concept ids found. */
  concepts: Set<string>;
  /** Product-kind nouns found. */
  nouns: Set<string>;
  /** Content words (not question words, not inside a concept or noun term). */
  words: Set<string>;
  /** Han characters of the content words. */
  chars: Set<string>;
  /** Every segmented word (for vocabulary and pinyin). */
  all: string[];
}

const HAN = /\p{Script=Han}/u;
const HAN_ONLY = /^\p{Script=Han}+$/u;
const STOP_CHARS = new Set('的了吗呢啊呀吧么嘛是有不没会能要也都还就这那个我你他她它和在给一几啥哪什怎样多少'.split(''));

export function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/(\d)(?=[^\d\s.,%:×x*])/gu, '$1 ')
    .replace(/([^\d\s.,+-])(?=\d)/gu, '$1 ')
    .replace(/\s+/g, ' ')
    .trim();
}

const stem = (w: string) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w);

interface CompiledTerm {
  term: string;
  /** 'sub': Han substring; 'word': one segmented word; 'latin': whole Latin words. */
  how: 'sub' | 'word' | 'latin';
  ids: string[];
  kind: 'k' | 'n';
  /** Latin terms: whole words (Han letters around do not count as a word boundary). */
  re?: RegExp;
}

/** Precompiled lexicon: terms longest first so "how long is" wins over "how long" and "long". */
export class CompiledLexicon {
  readonly terms: CompiledTerm[];
  /** Han words of the lexicon (vocabulary for typo correction). */
  readonly hanTerms: string[];
  constructor(readonly lexicon: Lexicon) {
    const map = new Map<string, CompiledTerm>();
    const add = (kind: 'k' | 'n', id: string, raw: string) => {
      const term = raw.normalize('NFKC').toLowerCase().trim();
      if (!term) return;
      const key = `${kind}|${term}`;
      const how = HAN.test(term) ? (kind === 'n' && [...term].length === 1 ? 'word' : 'sub') : 'latin';
      const t: CompiledTerm = map.get(key) ?? { term, how, ids: [], kind };
      if (how === 'latin') t.re = new RegExp(`(?<![a-z0-9])${escapeRe(term)}s?(?![a-z0-9])`, 'gu');
      if (!t.ids.includes(id)) t.ids.push(id);
      map.set(key, t);
    };
    for (const [id, terms] of Object.entries(lexicon.concepts)) for (const t of terms) add('k', id, t);
    for (const [id, terms] of Object.entries(lexicon.nouns)) for (const t of terms) add('n', id, t);
    this.terms = [...map.values()].sort((a, b) => b.term.length - a.term.length);
    this.hanTerms = [...new Set(this.terms.filter((t) => HAN_ONLY.test(t.term) && t.term.length >= 2).map((t) => t.term))];
  }
}

export class Analyzer {
  private readonly cache = new Map<string, Analysis>();
  private readonly pinyinCache = new Map<string, string>();
  constructor(
    readonly lex: CompiledLexicon,
    private readonly seg: Segmenter,
  ) {}

  pinyin(word: string): string | null {
    if (!this.seg.pinyin) return null;
    let p = this.pinyinCache.get(word);
    if (p === undefined) {
      p = this.seg.pinyin(word);
      if (this.pinyinCache.size > 50_000) this.pinyinCache.clear();
      this.pinyinCache.set(word, p);
    }
    return p;
  }

  /** Analyse a snippet (cached by text: the catalog is re-read per question but rarely changes). */
  analyzeCached(text: string): Analysis {
    let a = this.cache.get(text);
    if (!a) {
      a = this.analyze(text);
      if (this.cache.size > 20_000) this.cache.clear();
      this.cache.set(text, a);
    }
    return a;
  }

  analyze(text: string): Analysis {
    let s = ` ${normalize(text)} `;
    const concepts = new Set<string>();
    const nouns = new Set<string>();
    const words0 = this.seg
      .cut(s.trim())
      .map((w) => w.trim())
      .filter((w) => w && /[\p{L}\p{N}]/u.test(w));
    const segWords = new Set(words0);
    for (const t of this.lex.terms) {
      let hit = false;
      if (t.how === 'sub') {
        if (s.includes(t.term)) {
          hit = true;
          s = s.split(t.term).join(' ');
        }
      } else if (t.how === 'word') {
        hit = segWords.has(t.term) && s.includes(t.term);
        if (hit) s = s.split(t.term).join(' ');
      } else {
        const re = t.re!;
        re.lastIndex = 0;
        if (re.test(s)) {
          hit = true;
          s = s.replace(re, ' ');
        }
      }
      if (hit) for (const id of t.ids) (t.kind === 'k' ? concepts : nouns).add(id);
    }
    // What is left after removing concept and noun terms: content words and their characters.
    const rest = this.seg
      .cut(s.trim())
      .map((w) => stem(w.trim()))
      .filter((w) => w && /[\p{L}\p{N}]/u.test(w));
    const words = new Set<string>();
    const chars = new Set<string>();
    for (const w of rest) {
      if (QUESTION_WORDS.has(w)) continue;
      if (!HAN.test(w) || w.length > 1) words.add(w);
      for (const ch of w) if (HAN.test(ch) && !STOP_CHARS.has(ch)) chars.add(ch);
    }
    return { concepts, nouns, words, chars, all: words0 };
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
