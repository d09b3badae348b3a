/**
 * The answer corpus for one question: a product's FAQ pairs, its title and description sentences, structured facts
 * read from live catalog data (price, flash sale and time left, stock, variants, per-buyer limit) in the asker's
 * language, the shop's policies, and the canned replies.
 */
import type { AnswerDoc } from '../../../shared/answers/rank';
import type { SuggestionProduct } from '../realtime/catalog';
import type { AnswerSettings } from './settings';

export type Lang = 'zh' | 'en';

/** English when the question has Latin letters and no Chinese. */
export function askerLanguage(question: string): Lang {
  return /\p{Script=Han}/u.test(question) || !/[a-z]/i.test(question) ? 'zh' : 'en';
}

/** Sentences, and the clauses of long ones: the suggestion is the part that answers. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const sentence of text.split(/\n+|(?<=[。！？!?；;])|(?<=\.)\s+/u)) {
    const s = sentence.trim().replace(/[。！？!?；;.]+$/u, '');
    if (!s) continue;
    const clauses = s
      .split(/[，,、]\s*/u)
      .map((c) => c.trim())
      .filter(Boolean);
    if (clauses.length > 1) out.push(...clauses);
    else out.push(s);
  }
  return out.map((s) => s.slice(0, 240));
}

function money(minor: number, currency: string, lang: Lang): string {
  const digits = currency === 'JPY' || currency === 'KRW' ? 0 : 2;
  const v = minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-US', {
      style: 'currency',
      currency,
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: v % 1 ? digits : 0,
    }).format(v);
  } catch {
    return `${v.toFixed(digits)} ${currency}`;
  }
}

const variantName = (options: Record<string, string>) => Object.values(options).join('/');

function fact(p: SuggestionProduct, fact: string, text: string, concepts: string[]): AnswerDoc {
  return { source: 'fact', title: p.title, text, productId: p.id, fact, fields: [{ text, weight: 1 }], concepts };
}

/** Structured facts of one product from live data. */
export function productFacts(p: SuggestionProduct, lang: Lang, now: number): AnswerDoc[] {
  const skus = p.skus.filter((s) => s.active);
  if (!skus.length) return [];
  const zh = lang === 'zh';
  const docs: AnswerDoc[] = [];
  const many = skus.length > 1;
  // Price: what an order placed now pays, per variant when they differ.
  const prices = new Set(skus.map((s) => s.priceMinor));
  const one = skus[0]!;
  let priceText: string;
  if (prices.size === 1 && !one.sale) {
    const live = one.livePriceMinor !== null && one.livePriceMinor < one.listPriceMinor;
    priceText = zh
      ? `${live ? '直播价' : '价格'} ${money(one.priceMinor, p.currency, lang)}${live ? `（原价 ${money(one.listPriceMinor, p.currency, lang)}）` : ''}`
      : `${live ? 'Live price' : 'Price'} ${money(one.priceMinor, p.currency, lang)}${live ? ` (list price ${money(one.listPriceMinor, p.currency, lang)})` : ''}`;
  } else {
    priceText = skus
      .map(
        (s) =>
          `${variantName(s.options) || p.title} ${money(s.priceMinor, p.currency, lang)}${s.sale ? (zh ? '（秒杀）' : ' (flash sale)') : ''}`,
      )
      .join(zh ? '，' : ', ');
  }
  docs.push(fact(p, 'price', priceText, ['price']));
  // Flash sale: price, units left and time left.
  for (const s of skus) {
    if (!s.sale || s.sale.endsAt <= now) continue;
    const left = Math.max(0, Math.round((s.sale.endsAt - now) / 1000));
    const mm = Math.floor(left / 60);
    const ss = left % 60;
    const name = variantName(s.options);
    const text = zh
      ? `秒杀价 ${money(s.sale.salePriceMinor, p.currency, lang)}${name ? `（${name}）` : ''}，还剩 ${s.sale.remaining} 件，${mm ? `${mm} 分 ` : ''}${ss} 秒后结束`
      : `Flash sale ${money(s.sale.salePriceMinor, p.currency, lang)}${name ? ` (${name})` : ''}: ${s.sale.remaining} left, ends in ${mm ? `${mm} min ` : ''}${ss} s`;
    docs.push(fact(p, 'sale', text, ['sale', 'price', 'duration', 'stock']));
  }
  // Stock: what a buyer can order now.
  const total = skus.reduce((a, s) => a + Math.max(0, s.available), 0);
  const stockText =
    total <= 0
      ? zh
        ? '已售罄'
        : 'Sold out'
      : many
        ? skus
            .map(
              (s) =>
                `${variantName(s.options)} ${s.available > 0 ? (zh ? `有货（${s.available} 件）` : `${s.available} in stock`) : zh ? '售罄' : 'sold out'}`,
            )
            .join(zh ? '，' : ', ')
        : zh
          ? `有货，还剩 ${total} 件`
          : `In stock: ${total} left`;
  docs.push(fact(p, 'stock', stockText, ['stock']));
  // Variants: the spec attributes (colours, sizes, …).
  if (p.attributes.length) {
    const text = p.attributes.map((a) => `${a.name}${zh ? '：' : ': '}${a.values.join(zh ? '、' : ' / ')}`).join(zh ? '；' : '; ');
    const fields = [{ text, weight: 1 }, ...p.attributes.map((a) => ({ text: `${a.name} ${a.values.join(' ')}`, weight: 1 }))];
    docs.push({ ...fact(p, 'variants', zh ? `可选 ${text}` : `Options: ${text}`, ['variants']), fields });
  }
  // Per-buyer limit.
  const limitText = p.perBuyerLimit
    ? zh
      ? `每人限购 ${p.perBuyerLimit} 件`
      : `Limit ${p.perBuyerLimit} per buyer`
    : zh
      ? '不限购'
      : 'No per-buyer limit';
  docs.push(fact(p, 'limit', limitText, ['limit']));
  return docs;
}

/** FAQ pairs (question weighed above answer), the title and the description's sentences. */
export function productTexts(p: SuggestionProduct): AnswerDoc[] {
  const docs: AnswerDoc[] = [];
  for (const f of p.faq) {
    docs.push({
      source: 'faq',
      title: f.q,
      text: f.a,
      productId: p.id,
      fact: null,
      fields: [
        { text: f.q, weight: 1 },
        { text: f.a, weight: 0.7 },
      ],
    });
  }
  docs.push({
    source: 'description',
    title: p.title,
    text: p.title,
    productId: p.id,
    fact: null,
    fields: [{ text: p.title, weight: 0.8 }],
  });
  for (const s of splitSentences(p.description)) {
    docs.push({ source: 'description', title: p.title, text: s, productId: p.id, fact: null, fields: [{ text: s, weight: 0.9 }] });
  }
  return docs;
}

export function policyDocs(settings: AnswerSettings, lang: Lang): AnswerDoc[] {
  const docs: AnswerDoc[] = [];
  for (const kind of ['shipping', 'returns', 'warranty'] as const) {
    const p = settings.policies[kind];
    const text = p?.[lang] ?? p?.zh ?? p?.en;
    if (!text) continue;
    // Both languages are searched; the asker's is shown.
    const fields = [p?.zh, p?.en].filter((t): t is string => !!t).map((t) => ({ text: t, weight: 1 }));
    docs.push({ source: 'policy', title: kind, text, productId: null, fact: kind, fields, concepts: [kind] });
  }
  return docs;
}
