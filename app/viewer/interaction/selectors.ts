/**
 * Derived interaction state for the viewer's components (computed from the feed and interaction slices, never
 * stored): the chat list with system notices merged in time order, what the composer may do, the answer cards,
 * and the i18n key for a refused send.
 */
import type { ChatMessage, PublicAnswer } from '../../../shared/protocol/realtime';
import type { FeedNotice } from '../../ui/realtime/feed';
import type { ViewerState } from '../store';
import type { SendError } from './slice';

export type ChatEntry =
  | { kind: 'chat'; key: string; ts: number; message: ChatMessage }
  | { kind: 'notice'; key: string; ts: number; notice: FeedNotice };

/** Chat lines shown in the panel (the newest ones). */
export const CHAT_PANEL_LINES = 60;

let memo: { messages: ChatMessage[]; notices: FeedNotice[]; out: ChatEntry[] } | null = null;

/** Chat messages and notices in time order (stable for equal inputs, so React re-renders only on change). */
export function selectChatEntries(s: Pick<ViewerState, 'messages' | 'notices'>): ChatEntry[] {
  if (memo && memo.messages === s.messages && memo.notices === s.notices) return memo.out;
  const out = mergeEntries(s.messages, s.notices).slice(-CHAT_PANEL_LINES);
  memo = { messages: s.messages, notices: s.notices, out };
  return out;
}

export function mergeEntries(messages: readonly ChatMessage[], notices: readonly FeedNotice[]): ChatEntry[] {
  const out: ChatEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < messages.length || j < notices.length) {
    const m = messages[i];
    const n = notices[j];
    if (m && (!n || m.ts <= n.ts)) {
      out.push({ kind: 'chat', key: m.id, ts: m.ts, message: m });
      i++;
    } else if (n) {
      out.push({ kind: 'notice', key: `n${n.n}`, ts: n.ts, notice: n });
      j++;
    }
  }
  return out;
}

export type ComposerState = 'connecting' | 'offline' | 'banned' | 'muted' | 'ready';

export function selectComposerState(s: ViewerState, now: number): ComposerState {
  if (s.you?.banned) return 'banned';
  if (s.you?.mutedUntil && s.you.mutedUntil > now) return 'muted';
  if (s.rtStatus === 'open') return 'ready';
  if (s.rtStatus === 'reconnecting' || s.rtStatus === 'closed') return 'offline';
  return 'connecting';
}

/** The chat had been connected and is now trying again (shown as a small pill). */
export const selectChatReconnecting = (s: ViewerState): boolean => s.rtStatus === 'reconnecting';

/** The newest private answer the viewer has not closed. */
export function selectPrivateAnswer(s: ViewerState): PublicAnswer | null {
  for (let i = s.privateAnswers.length - 1; i >= 0; i--) {
    const a = s.privateAnswers[i]!;
    if (!s.dismissedAnswers[a.questionId]) return a;
  }
  return null;
}

/** The product a new question is about by default: the main pinned product, if any. */
export function selectAskProduct(s: ViewerState): { productId: string; title: string } | null {
  const pin = s.pinned[0];
  if (!pin) return null;
  const id = pin.product.productId;
  return { productId: id, title: s.products[id]?.title ?? pin.product.name };
}

/** Status of each question this page asked: answered privately / publicly (from the answers received), or waiting. */
export function questionStatus(s: ViewerState, questionId: string): 'private' | 'public' | 'waiting' {
  if (s.privateAnswers.some((a) => a.questionId === questionId)) return 'private';
  if (s.pinnedAnswer?.questionId === questionId) return 'public';
  return 'waiting';
}

const KNOWN_REASONS = new Set([
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
  'OFFLINE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'NICKNAME_INVALID',
  'NICKNAME_REJECTED',
]);

/** i18n key (under `chat.error.`) for a refused send; unknown codes get the generic text. */
export function sendErrorKey(reason: string): string {
  return `chat.error.${KNOWN_REASONS.has(reason) ? reason : 'generic'}`;
}

/** Seconds to wait before retrying (rounded up), or null when the error carries no wait. */
export function retrySeconds(err: SendError, now: number): number | null {
  if (err.retryAfterMs === null) return null;
  const left = err.at + err.retryAfterMs - now;
  return left > 0 ? Math.ceil(left / 1000) : null;
}

/** Errors fade from the composer after this long (unless they carry a longer wait). */
export const SEND_ERROR_MS = 6000;

export function isSendErrorVisible(err: SendError | null, now: number): boolean {
  if (!err) return false;
  return now - err.at < Math.max(SEND_ERROR_MS, err.retryAfterMs ?? 0);
}
