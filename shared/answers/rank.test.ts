import { describe, expect, it } from 'vitest';
import { Analyzer, CompiledLexicon, normalize, type Segmenter } from './analyze';
import { humanRoute } from './intent';
import { DEFAULT_LEXICON, extendLexicon } from './lexicon';
import { type AnswerDoc, rankAnswers, SHOW_THRESHOLD } from './rank';

/** No dictionary: Han runs as single words, Latin words split on spaces (the ranker must not depend on jieba). */
const plain: Segmenter = { cut: (t) => t.match(/\p{Script=Han}+|[\p{L}\p{N}.]+/gu) ?? [] };
const an = new Analyzer(new CompiledLexicon(DEFAULT_LEXICON), plain);

const doc = (
  productId: string | null,
  source: AnswerDoc['source'],
  text: string,
  fact: string | null = null,
  concepts?: string[],
): AnswerDoc => ({
  source,
  title: text,
  text,
  productId,
  fact,
  fields: [{ text, weight: 1 }],
  ...(concepts ? { concepts } : {}),
});
const products = [
  { id: 'p_a', title: '羊绒围巾' },
  { id: 'p_b', title: '降噪耳机' },
];
const docs = [
  doc('p_a', 'description', '180×30 cm'),
  doc('p_a', 'description', '70% 羊绒'),
  doc('p_b', 'faq', '整机一年保修，30 天无理由退换'),
  doc('p_b', 'fact', '直播价 ¥399', 'price', ['price']),
  doc(null, 'policy', '支持 7 天无理由退换', 'returns', ['returns']),
];

describe('rankAnswers', () => {
  it('splits numbers from units and finds concepts in zh and en', () => {
    expect(normalize('14寸 350ML')).toBe('14 寸 350 ml');
    const q = an.analyze('how long is the scarf');
    expect([...q.concepts]).toContain('size');
    expect([...q.nouns]).toEqual(['scarf']);
  });

  it('answers an English question from a Chinese catalog through the synonym layer', () => {
    const r = rankAnswers(an, { question: 'how long is the scarf', docs, products, productId: null });
    expect(r.suggestions[0]!.doc.text).toBe('180×30 cm');
  });

  it('a return question about no product gets the shop policy, never another product’s terms', () => {
    const r = rankAnswers(an, { question: 'can I return it?', docs, products, productId: null });
    expect(r.suggestions.map((s) => s.doc.source)).toEqual(['policy']);
    const own = rankAnswers(an, { question: '能退吗', docs, products, productId: 'p_b' });
    expect(own.suggestions[0]!.doc.productId).toBe('p_b');
  });

  it('shows nothing below the threshold and routes what needs a person', () => {
    expect(rankAnswers(an, { question: '主播多高', docs, products, productId: null }).suggestions).toEqual([]);
    const r = rankAnswers(an, { question: '耳机多少钱', docs, products, productId: null });
    expect(r.suggestions[0]).toMatchObject({ doc: { fact: 'price' }, auto: true });
    for (const s of r.suggestions) expect(s.confidence).toBeGreaterThanOrEqual(SHOW_THRESHOLD);
    expect(humanRoute('我的订单到哪了')).toBe('order');
    expect(humanRoute('where is my order')).toBe('order');
    expect(humanRoute('visit www.spam.example now')).toBe('unsafe');
  });

  it('owner synonym groups join the built-in concept that shares a term', () => {
    const lex = extendLexicon(DEFAULT_LEXICON, [['成分', '含量']]);
    expect(lex.concepts.material).toContain('含量');
  });
});
