/**
 * Chat limits and the stateless content check of a message (length + blocked words + links). The parts live beside it:
 * `text-keys.ts` (display and match normalisation), `word-filter.ts`, `link-filter.ts`, and `flood-guard.ts`
 * (TokenBucket, slow mode, SpamGuard — the per-user state).
 */
import { z } from 'zod';
import type { CompiledLinkFilter } from './link-filter';
import { findLink } from './link-filter';
import { charLength, normalizeDisplay } from './text-keys';
import type { CompiledWordList } from './word-filter';
import { findBlockedWord } from './word-filter';

export const RejectReason = z.enum([
  'EMPTY',
  'TOO_LONG',
  'RATE_LIMITED',
  'SLOW_MODE',
  'MUTED',
  'BANNED',
  'BLOCKED_WORD',
  'LINK',
  'DUPLICATE',
  'FLOOD',
]);
export type RejectReason = z.infer<typeof RejectReason>;

export const MAX_CHAT_CHARS = 120;
export const MAX_QUESTION_CHARS = 300;

export interface ContentRules {
  maxChars: number;
  words: CompiledWordList;
  links: CompiledLinkFilter;
  /** Staff may post links. */
  skipLinks?: boolean;
}

export type ContentResult = { ok: true; text: string } | { ok: false; reason: RejectReason; detail?: string };

export function checkContent(raw: string, rules: ContentRules): ContentResult {
  const text = normalizeDisplay(raw);
  if (!text) return { ok: false, reason: 'EMPTY' };
  if (charLength(text) > rules.maxChars) return { ok: false, reason: 'TOO_LONG', detail: `max ${rules.maxChars} characters` };
  const word = findBlockedWord(text, rules.words);
  if (word !== null) return { ok: false, reason: 'BLOCKED_WORD' };
  if (!rules.skipLinks) {
    const link = findLink(text, rules.links);
    if (link) return { ok: false, reason: 'LINK', detail: link };
  }
  return { ok: true, text };
}
