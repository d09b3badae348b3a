/**
 * Automatic replies, the owner's opt-in per show (`autoReply.set`): after a buyer asks, the suggester runs off the
 * ask path; when the question was not routed to a person and the top suggestion is `auto` (confident with a clear
 * margin, and safe — shared/answers/rank.ts, intent.ts), the room answers as the system, publicly or to the asker,
 * marked automatic (one conditional write: a person's claim or answer that came first wins), then audited. Anything else leaves the question in the moderator
 * queue. Nothing here throws into the question flow: a failure is logged and the question simply waits for a person.
 */
import type { AnswerVisibility, PublicAnswer, Suggestion, SuggestionRoute } from '../../../shared/protocol/realtime';
import type { Logger } from '../log';
import type { Room } from './room';
import { type Actor, type AuditInput, type QuestionRow, questionView, type RealtimeStore } from './store';

/** Who answers automatically (the audit log's actor; the pages show "Automatic reply", not this name). */
export const AUTO_REPLY_ACTOR: Actor = { id: 'system:auto-reply', name: 'auto-reply', role: 'owner' };

/** The suggestion the room may send on its own, or null (routed to a person, nothing sure enough). */
export function pickAutoAnswer(r: { suggestions: readonly Suggestion[]; route: SuggestionRoute | null }): Suggestion | null {
  if (r.route !== null) return null;
  const top = r.suggestions[0];
  return top?.auto ? top : null;
}

export interface AutoReplyDeps {
  store: RealtimeStore;
  log: Pick<Logger, 'warn' | 'error'>;
  clock: () => number;
  suggest(q: QuestionRow): Promise<{ suggestions: Suggestion[]; route: SuggestionRoute | null }>;
  /** The answer text through the room's word and link filters (never skipped, unlike a person's answer); null = refuse. */
  screen(text: string): string | null;
  deliver(room: Room, askerKey: string, answer: PublicAnswer, visibility: AnswerVisibility): void;
  /** Into the audit log (in the background, in order with the hub's other entries). */
  audit(e: AuditInput): void;
}

export class AutoReplies {
  constructor(private readonly d: AutoReplyDeps) {}

  /** Called once the question is stored; the answer leaves with the room's next batch, well within a second. */
  schedule(room: Room, questionId: string): void {
    setImmediate(() => void this.run(room, questionId));
  }

  /** True when the question was answered automatically. */
  async run(room: Room, questionId: string): Promise<boolean> {
    try {
      return await this.answer(room, questionId);
    } catch (err) {
      this.d.log.warn({ err, questionId }, 'automatic reply failed; the question stays in the queue');
      return false;
    }
  }

  private async answer(room: Room, questionId: string): Promise<boolean> {
    const mode = room.autoReply;
    if (mode === 'off') return false;
    const q = await this.d.store.question(questionId);
    if (q?.status !== 'unanswered') return false;
    const pick = pickAutoAnswer(await this.d.suggest(q));
    if (!pick) return false;
    const text = this.d.screen(pick.text);
    if (text === null) return false;
    const now = this.d.clock();
    const { store } = this.d;
    // Only a question still unanswered: a person who claimed or answered it meanwhile wins.
    if (!(await store.answer(questionId, text, AUTO_REPLY_ACTOR, mode, now, true))) return false;
    this.d.audit({
      showId: room.showId,
      actor: AUTO_REPLY_ACTOR,
      action: 'question.autoAnswer',
      target: questionId,
      detail: { visibility: mode, confidence: pick.confidence, source: pick.source, title: pick.title, answer: text },
      at: now,
    });
    const row = await store.question(questionId);
    if (!row) return false;
    const answer: PublicAnswer = {
      questionId,
      question: row.text,
      askerName: row.asker_name,
      productId: row.product_id,
      answer: text,
      answeredBy: AUTO_REPLY_ACTOR.name,
      answeredAt: now,
      auto: true,
    };
    this.d.deliver(room, row.asker_key, answer, mode);
    room.pushStaff({ k: 'question', question: questionView(row, now) });
    return true;
  }
}
