/**
 * Chat text normalisation shared by every filter (pure, no I/O).
 *
 *  - Display normalisation: NFC, invisible/control characters removed, whitespace runs collapsed, trimmed; the length
 *    limit counts code points of that text. The text stays text: nothing here (or anywhere on the server) parses HTML.
 *  - Match normalisation (for the word/link/spam checks only, never shown): NFKC (full-width → half-width), lower case,
 *    zero-width characters, whitespace, punctuation and symbols removed, so "f.u.c.k", "傻 逼", "ｆｕｃｋ" and "f\u200Bu c-k"
 *    all collapse to the same key; a second key maps basic leetspeak (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s) and
 *    collapses runs of 3+ equal letters ("fuuuck" → "fuck").
 */
/** Zero-width / bidi / BOM / soft hyphen / variation selectors / tag characters / Hangul fillers: invisible, used to split words. */
export const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: a list of single invisible code points (joiners, selectors) to strip, not a grapheme.
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;

/** The text as it is stored and shown: NFC, no invisible/control characters, single spaces, trimmed. */
export function normalizeDisplay(text: string): string {
  return text
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(/\s+/gu, ' ')
    .replace(/\p{Cc}/gu, '')
    .trim();
}

/** Length in code points (what a user perceives as characters, close enough for CJK + Latin chat). */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'i',
};

/** Key for matching: NFKC, lower case, invisible characters, whitespace, punctuation and symbols removed. */
export function matchKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(INVISIBLE, '')
    .replace(/[\s\p{P}\p{S}\p{C}]+/gu, '');
}

/** Second key: leetspeak mapped (before symbols are dropped, so "@" and "$" count) and runs of a letter collapsed. */
export function leetKey(text: string): string {
  const mapped = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[013457@$!|]/g, (c) => LEET[c] ?? c);
  return collapseRuns(matchKey(mapped));
}

/** Runs of three or more of the same letter become one ("fuuuck" → "fuck"); doubles stay ("shiitake", "assess"). */
export function collapseRuns(s: string): string {
  return s.replace(/(\p{L})\1{2,}/gu, '$1');
}
