/**
 * Offline text retrieval for suggested answers: Okapi BM25 over small snippet sets (a product's description
 * paragraphs, its FAQ pairs, canned replies). Tokens: English/number words (NFKC, lower case, a few stop words
 * dropped) and Chinese as overlapping character bigrams (a lone Han character counts as a unigram).
 * Pure and synchronous; the corpus is tiny (tens to hundreds of snippets), so it is indexed per query.
 */

const STOP = new Set([
  'a',
  'an',
  'the',
  'is',
  'are',
  'was',
  'be',
  'to',
  'of',
  'and',
  'or',
  'in',
  'on',
  'for',
  'it',
  'this',
  'that',
  'do',
  'does',
  'can',
  'i',
  'you',
  'we',
  'my',
  'your',
  'with',
  'what',
  'how',
]);
const HAN = /\p{Script=Han}/u;

export function tokenize(text: string): string[] {
  const s = text.normalize('NFKC').toLowerCase();
  const out: string[] = [];
  let word = '';
  let han: string[] = [];
  const flushWord = () => {
    if (word && !STOP.has(word)) out.push(word);
    word = '';
  };
  const flushHan = () => {
    if (han.length === 1) out.push(han[0]!);
    for (let i = 0; i + 1 < han.length; i++) out.push(han[i]! + han[i + 1]!);
    han = [];
  };
  for (const ch of s) {
    if (HAN.test(ch)) {
      flushWord();
      han.push(ch);
    } else if (/[\p{L}\p{N}]/u.test(ch)) {
      flushHan();
      word += ch;
    } else {
      flushWord();
      flushHan();
    }
  }
  flushWord();
  flushHan();
  return out;
}

export interface Snippet<Meta = unknown> {
  /** The text searched. */
  text: string;
  meta: Meta;
}

export interface Scored<Meta> {
  snippet: Snippet<Meta>;
  score: number;
}

export interface Bm25Options {
  k1?: number;
  b?: number;
}

/** Rank snippets against the query; returns the top `limit` with score > 0, best first (stable for ties). */
export function bm25Rank<Meta>(query: string, snippets: readonly Snippet<Meta>[], limit = 3, opts: Bm25Options = {}): Scored<Meta>[] {
  const k1 = opts.k1 ?? 1.2;
  const b = opts.b ?? 0.75;
  const qTerms = [...new Set(tokenize(query))];
  if (!qTerms.length || !snippets.length) return [];
  const docs = snippets.map((s) => {
    const tf = new Map<string, number>();
    const toks = tokenize(s.text);
    for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
    return { tf, len: toks.length };
  });
  const n = docs.length;
  const avgLen = docs.reduce((a, d) => a + d.len, 0) / n || 1;
  const idf = new Map<string, number>();
  for (const t of qTerms) {
    const df = docs.reduce((a, d) => a + (d.tf.has(t) ? 1 : 0), 0);
    idf.set(t, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
  }
  const scored: Scored<Meta>[] = [];
  docs.forEach((d, i) => {
    let score = 0;
    for (const t of qTerms) {
      const f = d.tf.get(t);
      if (!f) continue;
      score += idf.get(t)! * ((f * (k1 + 1)) / (f + k1 * (1 - b + (b * d.len) / avgLen)));
    }
    if (score > 0) scored.push({ snippet: snippets[i]!, score });
  });
  return scored
    .map((s, i) => ({ s, i }))
    .sort((x, y) => y.s.score - x.s.score || x.i - y.i)
    .slice(0, limit)
    .map(({ s }) => s);
}

/** Split a product description into paragraph/sentence snippets of at most ~240 characters. */
export function splitPassages(text: string, maxChars = 240): string[] {
  const parts = text
    .split(/\n+|(?<=[。！？!?；;])\s*|(?<=\.)\s+/u)
    .map((p) => p.trim())
    .filter(Boolean);
  const out: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur && cur.length + p.length + 1 > maxChars) {
      out.push(cur);
      cur = '';
    }
    cur = cur ? `${cur} ${p}` : p;
    while (cur.length > maxChars) {
      out.push(cur.slice(0, maxChars));
      cur = cur.slice(maxChars);
    }
  }
  if (cur) out.push(cur);
  return out;
}
