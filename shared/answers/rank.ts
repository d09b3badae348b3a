/**
 * Rank answer snippets for a buyer question and say how sure we are.
 *
 * The confidence is the share of the question's weighted features (concepts 3, other content words 1, their Han
 * characters 0.3) that a snippet covers, weighted by the field that covers them (FAQ question 1, FAQ answer 0.7, a
 * description sentence 0.9, a structured fact 1), then discounted when the question is not clearly about the
 * snippet's product (no product attached or named: ×0.6; a kind of thing the lineup does not sell or the streamer:
 * ×0.4) or when its topic (every concept it asks about) is missed (×0.5). A coverage share, unlike a BM25 sum, means
 * the same on a short and a long question, so one threshold holds across questions: below SHOW_THRESHOLD the pane says
 * "no good suggestion", at AUTO_THRESHOLD and a clear margin over a different answer the suggestion may be sent alone.
 */
import type { Analysis, Analyzer } from './analyze';
import { POLICY_CONCEPTS, WEAK_CONCEPTS } from './lexicon';
import { humanRoute, type Route } from './intent';

export const SHOW_THRESHOLD = 0.4;
export const AUTO_THRESHOLD = 0.8;
export const AUTO_MARGIN = 0.1;

export type AnswerSource = 'faq' | 'description' | 'canned' | 'fact' | 'policy';

export interface AnswerDoc {
  source: AnswerSource;
  title: string;
  text: string;
  productId: string | null;
  /** Structured fact or policy kind ('price', 'stock', 'returns', …); null for free text. */
  fact: string | null;
  /** Searched text with the weight of the field it comes from. */
  fields: readonly { text: string; weight: number }[];
  /** Concepts the snippet answers whatever its wording (structured facts and policies). */
  concepts?: readonly string[];
}

export interface RankProduct {
  id: string;
  title: string;
}

export interface RankInput {
  question: string;
  docs: readonly AnswerDoc[];
  /** The products the question may be about (the show's lineup). */
  products: readonly RankProduct[];
  /** The product the buyer asked from, if any. */
  productId: string | null;
  limit?: number;
}

export interface RankedAnswer {
  doc: AnswerDoc;
  score: number;
  confidence: number;
  auto: boolean;
}

export interface RankResult {
  suggestions: RankedAnswer[];
  /** Set when the question must go to a person; suggestions are then empty. */
  route: Route | null;
}

const W_CONCEPT = 3;
const W_WEAK = 1;
const W_WORD = 1;
const W_CHAR = 0.3;
const POLICY = new Set<string>(POLICY_CONCEPTS);

interface DocIndex {
  concepts: Map<string, number>;
  words: Map<string, number>;
  chars: Map<string, number>;
}

function indexDoc(doc: AnswerDoc, an: Analyzer): DocIndex {
  const idx: DocIndex = { concepts: new Map(), words: new Map(), chars: new Map() };
  const put = (m: Map<string, number>, k: string, w: number) => m.set(k, Math.max(m.get(k) ?? 0, w));
  for (const f of doc.fields) {
    const a = an.analyzeCached(f.text);
    for (const c of a.concepts) put(idx.concepts, c, f.weight);
    for (const w of a.all) put(idx.words, w, f.weight);
    for (const w of a.words) put(idx.words, w, f.weight);
    for (const w of a.all) for (const ch of w) put(idx.chars, ch, f.weight);
  }
  // A policy answers what it is about; a word in its free text ("payment" in a shipping policy) weighs little.
  if (doc.source === 'policy') for (const [c, w] of idx.concepts) idx.concepts.set(c, w * 0.3);
  for (const c of doc.concepts ?? []) put(idx.concepts, c, 1);
  return idx;
}

/** Replace a Han character pair that is no known word by a known word read the same (续杭 → 续航, 摸粉 → 磨粉). */
export function correctTypos(text: string, an: Analyzer, vocab: readonly string[]): string {
  if (!an.pinyin('中')) return text;
  const known = new Set(vocab);
  const byReading = new Map<string, string[]>();
  for (const w of vocab) {
    if ([...w].length !== 2) continue;
    for (const r of an.pinyin(w)!.split('|')) byReading.set(r, [...(byReading.get(r) ?? []), w]);
  }
  const chars = [...text];
  for (let i = 0; i + 1 < chars.length; i++) {
    const pair = chars[i]! + chars[i + 1]!;
    if (!/^\p{Script=Han}{2}$/u.test(pair) || known.has(pair)) continue;
    for (const r of an.pinyin(pair)!.split('|')) {
      // Only a one-character slip: the known word keeps the other character where it was.
      const w = byReading.get(r)?.find((v) => (v[0] === pair[0]) !== (v[1] === pair[1]));
      if (w) {
        chars[i] = w[0]!;
        chars[i + 1] = w[1]!;
        i++;
        break;
      }
    }
  }
  return chars.join('');
}

export function rankAnswers(an: Analyzer, input: RankInput): RankResult {
  const limit = input.limit ?? 3;
  const route = humanRoute(input.question);
  if (route) return { suggestions: [], route };

  const vocab = new Set(an.lex.hanTerms);
  for (const d of input.docs)
    for (const f of d.fields) for (const w of an.analyzeCached(f.text).all) if (/^\p{Script=Han}{2}$/u.test(w)) vocab.add(w);
  for (const p of input.products) for (const w of an.analyzeCached(p.title).all) if (/^\p{Script=Han}{2}$/u.test(w)) vocab.add(w);
  const q = an.analyze(correctTypos(input.question, an, [...vocab]));

  // Which product is the question about?
  const nounsOf = new Map(input.products.map((p) => [p.id, an.analyzeCached(p.title)]));
  const lineupNouns = new Set([...nounsOf.values()].flatMap((a) => [...a.nouns]));
  const named = input.products.filter((p) => {
    const a = nounsOf.get(p.id)!;
    return [...q.nouns].some((n) => a.nouns.has(n)) || [...q.words].some((w) => w.length >= 2 && a.all.includes(w));
  });
  const foreign = [...q.nouns].some((n) => !lineupNouns.has(n));
  let scope: Set<string>;
  let specific = true;
  if (named.length && !(input.productId && named.some((p) => p.id === input.productId))) scope = new Set(named.map((p) => p.id));
  else if (input.productId) scope = new Set([input.productId]);
  else {
    scope = new Set(input.products.map((p) => p.id));
    specific = input.products.length <= 1;
  }
  if (named.length > 1) specific = false;

  const qWords = [...q.words];
  const qChars = [...q.chars];
  const strong = [...q.concepts].filter((c) => !WEAK_CONCEPTS.has(c));
  const weak = [...q.concepts].filter((c) => WEAK_CONCEPTS.has(c));
  const total = strong.length * W_CONCEPT + weak.length * W_WEAK + qWords.length * W_WORD + qChars.length * W_CHAR;
  if (!strong.length && !qWords.length) return { suggestions: [], route: null };

  const asksPolicy = strong.filter((c) => POLICY.has(c));
  const candidates = input.docs
    .filter((d) => d.productId === null || scope.has(d.productId))
    .map((doc) => ({ doc, idx: indexDoc(doc, an) }));
  // The product's own terms (its FAQ says "30 天无理由退换") replace the shop's general policy for that product.
  const ownPolicy = new Set(
    specific
      ? asksPolicy.filter((c) => candidates.some(({ doc, idx }) => doc.productId !== null && (idx.concepts.get(c) ?? 0) >= 0.7))
      : [],
  );
  const scored: RankedAnswer[] = [];
  for (const { doc, idx } of candidates) {
    // A product's own policy answers only for that product, never for "the shop" in general.
    if (asksPolicy.length && doc.productId !== null && !specific && asksPolicy.some((c) => idx.concepts.has(c))) continue;
    let matched = 0;
    let topic = 0;
    for (const c of strong) {
      const w = idx.concepts.get(c) ?? 0;
      matched += W_CONCEPT * w;
      topic += w;
    }
    for (const c of weak) matched += W_WEAK * (idx.concepts.get(c) ?? 0);
    let wordHit = 0;
    for (const w of qWords) {
      const f = idx.words.get(w) ?? 0;
      matched += W_WORD * f;
      wordHit += f;
    }
    for (const c of qChars) matched += W_CHAR * (idx.chars.get(c) ?? 0);
    if (matched <= 0) continue;
    let confidence = matched / total;
    if (strong.length && topic === 0) confidence *= 0.5;
    if (!topic && !wordHit) confidence *= 0.5;
    if (doc.productId !== null && !specific) confidence *= 0.6;
    if (foreign) confidence *= 0.4;
    if (doc.source === 'policy' && doc.fact && ownPolicy.has(doc.fact)) confidence *= 0.6;
    scored.push({
      doc,
      score: Math.round(matched * 1000) / 1000,
      confidence: Math.min(1, Math.round(confidence * 1000) / 1000),
      auto: false,
    });
  }
  // A product's own answer beats the shop's general one at equal confidence; facts beat free text.
  const rankOf = (d: AnswerDoc) => (d.productId !== null ? 0 : 1) * 0.5 + (d.source === 'fact' ? 0 : d.source === 'faq' ? 1 : 2) * 0.1;
  scored.sort((a, b) => b.confidence - a.confidence || rankOf(a.doc) - rankOf(b.doc));
  const seen = new Set<string>();
  const top: RankedAnswer[] = [];
  for (const s of scored) {
    if (s.confidence < SHOW_THRESHOLD) break;
    const key = `${s.doc.productId}|${s.doc.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    top.push(s);
    if (top.length >= limit) break;
  }
  const first = top[0];
  if (first && first.confidence >= AUTO_THRESHOLD) {
    const rival = top
      .slice(1)
      .find((s) => s.doc.productId !== first.doc.productId || s.doc.fact !== first.doc.fact || s.doc.source !== first.doc.source);
    first.auto = !rival || first.confidence - rival.confidence >= AUTO_MARGIN;
  }
  return { suggestions: top, route: null };
}

export type { Analysis };
