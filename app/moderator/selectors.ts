/**
 * Derived moderator-pane state (computed, never stored): the question queue, waiting times, who holds a question,
 * the word-list editor's parse, and audit-log lines.
 */
import type { AuditEntry, QuestionView } from '../../shared/protocol/realtime';
import { sortQuestions } from '../ui/realtime/feed';
import type { ModeratorState, QueueFilter, SuggestionsState } from './store';

const memo = new Map<QueueFilter, { questions: ModeratorState['questions']; out: QuestionView[] }>();

/**
 * The queue: `open` = unanswered (longest waiting first) then claimed; `answered` = newest answer first.
 * Memoised on the questions record so components re-render only when it changes.
 */
export function selectQueue(s: Pick<ModeratorState, 'questions'>, filter: QueueFilter): QuestionView[] {
  const hit = memo.get(filter);
  if (hit && hit.questions === s.questions) return hit.out;
  const sorted = sortQuestions(s.questions);
  const out = filter === 'open' ? sorted.filter((q) => q.status !== 'answered') : sorted.filter((q) => q.status === 'answered');
  memo.set(filter, { questions: s.questions, out });
  return out;
}

export function selectQueueCounts(s: Pick<ModeratorState, 'questions'>): { unanswered: number; claimed: number; answered: number } {
  const c = { unanswered: 0, claimed: 0, answered: 0 };
  for (const q of Object.values(s.questions)) c[q.status]++;
  return c;
}

/** How long the asker has waited (open questions: until now on the server's clock; answered: until the answer). */
export function waitingMs(q: QuestionView, localNow: number, skewMs: number): number {
  if (q.status === 'answered' && q.answeredAt !== null) return Math.max(0, q.answeredAt - q.createdAt);
  return Math.max(0, localNow + skewMs - q.createdAt);
}

/** "0:42", "12:05", "1:02:03". */
export function formatWaiting(ms: number): string {
  const total = Math.floor(ms / 1000);
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600);
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Urgency band for colouring the waiting time. */
export function waitingLevel(ms: number): 'ok' | 'warn' | 'late' {
  if (ms >= 120_000) return 'late';
  if (ms >= 30_000) return 'warn';
  return 'ok';
}

export type ClaimState = 'free' | 'mine' | 'other' | 'answered';

/** Who holds the question, from this moderator's point of view (`me`: the name the realtime hello returned). */
export function claimState(q: QuestionView, me: string | null): ClaimState {
  if (q.status === 'answered') return 'answered';
  if (q.status === 'claimed') return q.claimedBy !== null && q.claimedBy === me ? 'mine' : 'other';
  return 'free';
}

/** Server clock skew seen in a question view produced "now" on the server: createdAt + waitingMs ≈ server now. */
export function skewFrom(q: QuestionView, localNow: number): number | null {
  if (q.status === 'answered') return null;
  return q.createdAt + q.waitingMs - localNow;
}

export const MAX_FILTER_WORDS = 2000;
export const MAX_FILTER_WORD_CHARS = 40;

/** The word-list editor: one entry per line (commas and 、 also separate), trimmed, deduplicated case-insensitively. */
export function parseWordList(text: string): { words: string[]; tooLong: string[]; overLimit: boolean } {
  const seen = new Set<string>();
  const words: string[] = [];
  const tooLong: string[] = [];
  for (const raw of text.split(/[\n,，、]+/)) {
    const w = raw.trim();
    if (!w) continue;
    if ([...w].length > MAX_FILTER_WORD_CHARS) {
      tooLong.push(w);
      continue;
    }
    const key = w.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    words.push(w);
  }
  return { words, tooLong, overLimit: words.length > MAX_FILTER_WORDS };
}

export const formatWordList = (words: readonly string[]): string => words.join('\n');

/** Lines of a list setting (domains, TLDs): split on whitespace/commas, trimmed, lower-cased, deduplicated. */
export function parseList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,，]+/)
        .map((w) => w.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

/** i18n key for an audit action (`audit.action.<action>`; unknown actions show their raw name). */
export const AUDIT_ACTIONS = new Set([
  'question.claim',
  'question.release',
  'question.answer',
  'question.autoAnswer',
  'question.retract',
  'question.correct',
  'autoReply.set',
  'canned.create',
  'canned.update',
  'canned.delete',
  'message.delete',
  'user.mute',
  'user.unmute',
  'user.ban',
  'user.unban',
  'slowmode.on',
  'slowmode.off',
  'announcement.set',
  'announcement.clear',
  'filter.set',
]);

export function auditActionKey(entry: AuditEntry): string | null {
  return AUDIT_ACTIONS.has(entry.action) ? `audit.action.${entry.action.replace('.', '_')}` : null;
}

/** Short human detail for an audit entry (name of the target, seconds, visibility, words added/removed…). */
export function auditDetail(entry: AuditEntry): string {
  const d = entry.detail ?? {};
  const parts: string[] = [];
  if (typeof d.name === 'string') parts.push(d.name);
  if (typeof d.seconds === 'number' && d.seconds > 0) parts.push(`${d.seconds}s`);
  if (typeof d.visibility === 'string') parts.push(d.visibility);
  if (typeof d.mode === 'string') parts.push(d.mode);
  if (typeof d.removed === 'number') parts.push(`−${d.removed} msg`);
  if (typeof d.text === 'string') parts.push(`“${d.text}”`);
  if (Array.isArray(d.added) && d.added.length) parts.push(`+${d.added.join(', ')}`);
  if (Array.isArray(d.removed) && d.removed.length) parts.push(`−${d.removed.join(', ')}`);
  return parts.join(' · ');
}

/**
 * What the suggestions box shows: a question routed to a person shows only why (never suggestions, even if some
 * came back), an empty answer says "no good suggestion" or that the suggester is unavailable.
 */
export type SuggestionsBox =
  | { kind: 'loading' }
  | { kind: 'person'; key: string }
  | { kind: 'error' }
  | { kind: 'none' }
  | { kind: 'items'; items: SuggestionsState['items'] };

export function suggestionsBox(sug: SuggestionsState | null): SuggestionsBox {
  if (!sug || sug.loading) return { kind: 'loading' };
  if (sug.route) return { kind: 'person', key: `detail.route.${sug.route}` };
  if (sug.error) return { kind: 'error' };
  if (sug.items.length === 0) return { kind: 'none' };
  return { kind: 'items', items: sug.items };
}
