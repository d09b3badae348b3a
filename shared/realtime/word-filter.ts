/**
 * Word filter: a configurable zh + en list (normalised like the text, `text-keys.ts`). CJK terms match anywhere in the
 * separator-free key; Latin terms match the start of a Latin word (spaced-out letters are glued back), which avoids the
 * "Scunthorpe" problem while still catching "fucking", "f u c k" and "sh1t".
 */
import { collapseRuns, INVISIBLE, LEET, leetKey, matchKey } from './text-keys';

export const DEFAULT_BLOCKED_WORDS: readonly string[] = [
  // en
  'fuck',
  'motherfucker',
  'shit',
  'bitch',
  'cunt',
  'asshole',
  'nigger',
  'faggot',
  'retard',
  // zh
  '傻逼',
  '煞笔',
  '沙比',
  '草泥马',
  '操你妈',
  '你妈逼',
  '尼玛',
  '去死',
  '贱人',
  '婊子',
  '脑残',
  '滚蛋',
];

export interface CompiledWordList {
  /** CJK/mixed terms: substring of the separator-free key (Chinese has no word boundaries). */
  readonly anywhere: readonly { term: string; key: string; leet: string }[];
  /** Latin-only terms: prefix of a Latin word (so "fucking" matches "fuck" but "Scunthorpe" does not match "cunt"). */
  readonly latin: readonly { term: string; key: string; leet: string }[];
}

const LATIN_TERM = /^[a-z0-9]+$/;

export function compileWords(words: readonly string[]): CompiledWordList {
  const seen = new Set<string>();
  const anywhere: { term: string; key: string; leet: string }[] = [];
  const latin: { term: string; key: string; leet: string }[] = [];
  for (const term of words) {
    const key = matchKey(term);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    (LATIN_TERM.test(key) ? latin : anywhere).push({ term, key, leet: leetKey(term) });
  }
  return { anywhere, latin };
}

/**
 * Latin words of a text for word matching: runs of [a-z0-9] (anything else separates, including Han characters),
 * with runs of ≤ 2 characters glued together so spaced-out evasions ("f u c k", "f.u.c.k", "fu ck") become one word.
 */
export function latinWords(text: string, leet: boolean): string[] {
  let s = text.normalize('NFKC').toLowerCase().replace(INVISIBLE, '');
  if (leet) s = s.replace(/[013457@$!|]/g, (c) => LEET[c] ?? c);
  const runs = s.split(/[^a-z0-9]+/).filter(Boolean);
  const out: string[] = [];
  let glue = '';
  for (const r of runs) {
    if (r.length <= 2) {
      glue += r;
      continue;
    }
    if (glue) out.push(glue);
    glue = '';
    out.push(r);
  }
  if (glue) out.push(glue);
  if (!leet) return out;
  return out.map(collapseRuns);
}

/** The first blocked term found in the text, or null. */
export function findBlockedWord(text: string, list: CompiledWordList): string | null {
  if (list.anywhere.length) {
    const key = matchKey(text);
    const leet = leetKey(text);
    const collapsed = collapseRuns(key);
    for (const w of list.anywhere) {
      if (key.includes(w.key) || collapsed.includes(w.key) || leet.includes(w.leet)) return w.term;
    }
  }
  if (list.latin.length) {
    const plain = latinWords(text, false);
    const leet = latinWords(text, true);
    for (const w of list.latin) {
      if (plain.some((t) => t.startsWith(w.key)) || leet.some((t) => t.startsWith(w.leet) || t.startsWith(w.key))) return w.term;
    }
  }
  return null;
}
