/**
 * Suggested answers for a buyer question: the corpus is built per question from live catalog data (so an FAQ or
 * price edited mid-show is used at once), ranked with a calibrated confidence (shared/answers/rank.ts). Never
 * throws: a failure to suggest is logged and yields no suggestion, and the question flow goes on.
 */
import { Analyzer, CompiledLexicon, type Segmenter } from '../../../shared/answers/analyze';
import { DEFAULT_LEXICON, extendLexicon } from '../../../shared/answers/lexicon';
import { type AnswerDoc, type RankResult, rankAnswers } from '../../../shared/answers/rank';
import type { SuggestionProduct } from '../realtime/catalog';
import { askerLanguage, policyDocs, productFacts, productTexts } from './corpus';
import { serverSegmenter } from './segmenter';
import { AnswerSettingsFile, type AnswerSettings } from './settings';

export interface SuggestInput {
  text: string;
  /** The product the question was asked from, if any. */
  productId: string | null;
  /** The show's lineup and the attached product; a function is called inside the suggester's error guard. */
  products: readonly SuggestionProduct[] | (() => readonly SuggestionProduct[]);
  canned: readonly { title: string; text: string }[];
  now: number;
}

export interface SuggesterOptions {
  /** `<dataDir>/answers.json`, or null for none (built-in synonyms, no shop policies). */
  settingsFile?: string | null;
  /** Settings given directly (tests, the evaluation); overrides the file. */
  settings?: AnswerSettings;
  segmenter?: Segmenter;
  log?: { warn(obj: object, msg: string): void };
}

const MAX_QUESTION_CHARS = 500;
const MAX_PRODUCTS = 200;

export class AnswerSuggester {
  private readonly file: AnswerSettingsFile;
  private analyzer: Analyzer | null = null;
  private analyzerFor: AnswerSettings | null = null;
  constructor(private readonly o: SuggesterOptions = {}) {
    this.file = new AnswerSettingsFile(o.settingsFile ?? null, (msg) => o.log?.warn({}, msg));
  }

  private settings(): AnswerSettings {
    return this.o.settings ?? this.file.get();
  }

  private analyzerOf(settings: AnswerSettings): Analyzer {
    if (!this.analyzer || this.analyzerFor !== settings) {
      const lexicon = settings.synonyms.length ? extendLexicon(DEFAULT_LEXICON, settings.synonyms) : DEFAULT_LEXICON;
      this.analyzer = new Analyzer(new CompiledLexicon(lexicon), this.o.segmenter ?? serverSegmenter());
      this.analyzerFor = settings;
    }
    return this.analyzer;
  }

  /**
   * Loads jieba's dictionary and pinyin's tables now (about half a second of CPU, blocking): at start-up rather than
   * on a live room's first question, where it would stall every socket of the process.
   */
  warm(): void {
    for (const text of ['这件衣服多少钱，可以退吗', 'how much is it, can I return it'])
      this.suggest({ text, products: [], canned: [], productId: null, now: Date.now() });
  }

  suggest(input: SuggestInput): RankResult {
    try {
      const settings = this.settings();
      const an = this.analyzerOf(settings);
      const text = input.text.slice(0, MAX_QUESTION_CHARS);
      const lang = askerLanguage(text);
      const products = (typeof input.products === 'function' ? input.products() : input.products).slice(0, MAX_PRODUCTS);
      const docs: AnswerDoc[] = [];
      for (const p of products) docs.push(...productTexts(p), ...productFacts(p, lang, input.now));
      docs.push(...policyDocs(settings, lang));
      for (const c of input.canned) {
        docs.push({
          source: 'canned',
          title: c.title,
          text: c.text,
          productId: null,
          fact: null,
          fields: [
            { text: c.title, weight: 1 },
            { text: c.text, weight: 0.7 },
          ],
        });
      }
      return rankAnswers(an, { question: text, docs, products, productId: input.productId });
    } catch (err) {
      this.o.log?.warn({ err }, 'answer suggestion failed');
      return { suggestions: [], route: null };
    }
  }
}
