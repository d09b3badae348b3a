/**
 * The server's word segmenter for answer retrieval: jieba (native, with its bundled dictionary) for Chinese and
 * pinyin-pro for typo tolerance. Loading the dictionary takes about half a second, so it happens once per process,
 * on the first question.
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { pinyin } from 'pinyin-pro';
import type { Segmenter } from '../../../shared/answers/analyze';

let jieba: Jieba | null = null;

function readings(word: string): string {
  const chars = [...word];
  if (chars.length > 3) return pinyin(word, { toneType: 'none' });
  // Every reading of each character (调 → diao|tiao), so a typo is found whichever reading the buyer meant.
  let combos = [''];
  for (const ch of chars) {
    const rs = pinyin(ch, { toneType: 'none', multiple: true, type: 'array' }).slice(0, 3);
    combos = combos.flatMap((c) => rs.map((r) => (c ? `${c} ${r}` : r))).slice(0, 9);
  }
  return combos.join('|');
}

export function serverSegmenter(): Segmenter {
  return {
    cut(text) {
      jieba ??= Jieba.withDict(dict);
      return jieba.cut(text, false);
    },
    pinyin: readings,
  };
}
