import { describe, expect, it } from 'vitest';
import { bm25Rank, splitPassages, tokenize } from './retrieval';

describe('tokenize', () => {
  it('splits Chinese into bigrams and English into words', () => {
    expect(tokenize('会起球吗? Does it PILL?')).toEqual(['会起', '起球', '球吗', 'pill']);
    expect(tokenize('Ｍ码')).toEqual(['m', '码']);
    expect(tokenize('the a of')).toEqual([]);
  });
});

describe('bm25Rank', () => {
  const docs = [
    { text: '会起球吗？ 正常使用基本不起球。', meta: 'pilling' },
    { text: '可以机洗吗？ 只能手洗，平铺晾干。', meta: 'wash' },
    { text: 'What sizes are there? S, M and L.', meta: 'sizes' },
    { text: 'Shipping: within 48 hours, free delivery.', meta: 'shipping' },
  ];
  it('ranks the relevant snippet first for zh and en queries', () => {
    expect(bm25Rank('这个围巾起球吗', docs)[0]!.snippet.meta).toBe('pilling');
    expect(bm25Rank('能不能机洗', docs)[0]!.snippet.meta).toBe('wash');
    expect(bm25Rank('which sizes do you have', docs)[0]!.snippet.meta).toBe('sizes');
    expect(bm25Rank('how fast is shipping?', docs)[0]!.snippet.meta).toBe('shipping');
  });
  it('returns at most `limit` positive scores, best first', () => {
    const r = bm25Rank('起球 shipping sizes 手洗', docs, 3);
    expect(r).toHaveLength(3);
    for (let i = 1; i < r.length; i++) expect(r[i - 1]!.score).toBeGreaterThanOrEqual(r[i]!.score);
    expect(bm25Rank('completely unrelated xyz', docs)).toEqual([]);
    expect(bm25Rank('', docs)).toEqual([]);
  });
});

describe('splitPassages', () => {
  it('splits by sentence and bounds length', () => {
    const parts = splitPassages('第一句。第二句！Third sentence. Fourth one?\n\nNew paragraph', 20);
    expect(parts).toEqual(['第一句。 第二句！', 'Third sentence.', 'Fourth one?', 'New paragraph']);
    expect(splitPassages('x'.repeat(50), 20).map((p) => p.length)).toEqual([20, 20, 10]);
    expect(splitPassages('')).toEqual([]);
  });
});
