/**
 * Buyer questions and their answers: asking (screened like chat, plus its own duplicate check), the staff queue
 * (list, claim, release, answer — publicly pinned to the room or privately to the asker's sockets), suggested answers,
 * automatic replies (the owner's per-show opt-in: auto-reply.ts) with staff retracting or correcting them, and the
 * canned replies staff answer with.
 */
import { randomBytes } from 'node:crypto';
import type {
  AnswerVisibility,
  AutoReplyMode,
  CannedReply,
  PublicAnswer,
  QuestionView,
  SendResult,
  Suggestion,
  SuggestionRoute,
} from '../../../shared/protocol/realtime';
import { RpcError } from '../../../shared/protocol/rpc';
import { AnswerSuggester } from '../answers/suggester';
import { AutoReplies } from './auto-reply';
import type { Connection } from './connection';
import { actorOf, type HubContext, notificationFrame, reject, requireIdentity, screen } from './hub-context';
import type { Room } from './room';
import { type QuestionRow, questionView } from './store';

type Suggested = { suggestions: Suggestion[]; route: SuggestionRoute | null };

export class Questions {
  private answers: AnswerSuggester | undefined;
  private readonly autoReplies: AutoReplies;

  constructor(private readonly ctx: HubContext) {
    this.autoReplies = new AutoReplies({
      store: ctx.o.store,
      log: ctx.o.log,
      clock: ctx.o.clock,
      suggest: async (q) => this.suggestFor(q, await ctx.o.store.cannedReplies()),
      screen: (text) => ctx.filters.autoReplyText(text),
      deliver: (room, askerKey, answer, visibility) => this.deliver(room, askerKey, answer, visibility),
      audit: (e) => ctx.auditEntry(e),
    });
  }

  /** The error for a conditional write that lost the question to someone else: what it is now. */
  private async changed(questionId: string, before: QuestionRow): Promise<RpcError> {
    const q = await this.ctx.o.store.question(questionId);
    if (q?.status === 'answered') return new RpcError('BAD_STATE', 'question is already answered');
    return new RpcError('CONFLICT', `question is claimed by ${q?.claimed_by_name ?? before.claimed_by_name ?? 'another moderator'}`);
  }

  /** The room's pinned answer, stored in the background (the room holds it; a failure is logged). */
  private pin(showId: string, answer: PublicAnswer | null): void {
    this.ctx.o.store.setPinnedAnswer(showId, answer).catch((err) => this.ctx.o.log.error({ err, showId }, 'pinned answer not stored'));
  }

  private get now(): number {
    return this.ctx.o.clock();
  }

  async ask(conn: Connection, raw: string, productId: string | undefined): Promise<SendResult> {
    const { o } = this.ctx;
    const key = requireIdentity(conn);
    const now = this.now;
    const room = conn.room;
    const screened = screen(this.ctx, conn, key, raw, 'question', o.config.maxQuestionChars, now);
    if (!screened.ok) return screened.result;
    const { content } = screened;
    if (!conn.staff) {
      const spam = room.spam.check(`q:${key}`, content.text, now);
      if (spam === 'DUPLICATE') return reject(spam);
      room.spam.record(`q:${key}`, content.text, now);
    }
    if (productId !== undefined && o.catalog && !o.catalog.product(productId)) {
      throw new RpcError('NOT_FOUND', 'unknown product');
    }
    const id = `q_${randomBytes(9).toString('base64url')}`;
    await o.store.insertQuestion({
      id,
      show_id: room.showId,
      asker_key: key,
      asker_public: conn.publicId!,
      asker_name: conn.name,
      text: content.text,
      product_id: productId ?? null,
      created_at: now,
    });
    const row = await o.store.question(id);
    if (row) room.pushStaff({ k: 'question', question: questionView(row, now) });
    if (room.autoReply !== 'off') this.autoReplies.schedule(room, id);
    return { accepted: true, id, ts: now };
  }

  private async questionIn(conn: Connection, questionId: string): Promise<QuestionRow> {
    const q = await this.ctx.o.store.question(questionId);
    if (!q || q.show_id !== conn.room.showId) throw new RpcError('NOT_FOUND', 'no such question in this show');
    return q;
  }

  async list(conn: Connection, all: boolean, limit: number): Promise<QuestionView[]> {
    const rows = await this.ctx.o.store.questions(conn.room.showId, all, limit);
    const now = this.now;
    return rows.map((r) => questionView(r, now));
  }

  async claim(conn: Connection, questionId: string): Promise<QuestionView> {
    const { store } = this.ctx.o;
    const actor = actorOf(conn);
    const q = await this.questionIn(conn, questionId);
    if (q.status === 'answered') throw new RpcError('BAD_STATE', 'question is already answered');
    // The claim is one conditional write: of two moderators (on any nodes) one wins, the other is told who.
    if (!(await store.claim(questionId, actor, this.now))) throw await this.changed(questionId, q);
    const view = questionView((await store.question(questionId))!, this.now);
    this.ctx.audit(conn, 'question.claim', questionId);
    conn.room.pushStaff({ k: 'question', question: view });
    return view;
  }

  async release(conn: Connection, questionId: string): Promise<QuestionView> {
    const { store } = this.ctx.o;
    const actor = actorOf(conn);
    const q = await this.questionIn(conn, questionId);
    if (q.status !== 'claimed') throw new RpcError('BAD_STATE', 'question is not claimed');
    if (q.claimed_by !== actor.id && conn.role !== 'owner') throw new RpcError('CONFLICT', `question is claimed by ${q.claimed_by_name}`);
    await store.release(questionId);
    const view = questionView((await store.question(questionId))!, this.now);
    this.ctx.audit(conn, 'question.release', questionId);
    conn.room.pushStaff({ k: 'question', question: view });
    return view;
  }

  async answer(conn: Connection, questionId: string, text: string, visibility: 'public' | 'private'): Promise<QuestionView> {
    const { store } = this.ctx.o;
    const actor = actorOf(conn);
    const now = this.now;
    const clean = this.ctx.filters.checkStaff(text, 1000);
    if (!clean.ok) throw new RpcError('BAD_REQUEST', `answer rejected: ${clean.reason}`);
    const q = await this.questionIn(conn, questionId);
    // An automatic answer may be corrected: a person's answer replaces it.
    const replaced = q.status === 'answered' && q.answered_auto === 1 ? q : null;
    if (q.status === 'answered' && !replaced) throw new RpcError('BAD_STATE', 'question is already answered');
    if (q.status === 'claimed' && q.claimed_by !== actor.id) throw new RpcError('CONFLICT', `question is claimed by ${q.claimed_by_name}`);
    // Conditional writes: a claim or answer that landed since the read above wins, and this one is refused.
    const written = replaced
      ? await store.correctAuto(questionId, clean.text, actor, visibility, now)
      : await store.answer(questionId, clean.text, actor, visibility, now);
    if (!written) throw await this.changed(questionId, q);
    const row = (await store.question(questionId))!;
    const room = conn.room;
    // The automatic answer leaves every page first (the retract item drops only automatic answers, so the
    // correction, sent after it or privately before the batch, stays).
    if (replaced) this.unpin(room, questionId);
    const answer: PublicAnswer = {
      questionId,
      question: row.text,
      askerName: row.asker_name,
      productId: row.product_id,
      answer: clean.text,
      answeredBy: conn.name,
      answeredAt: now,
    };
    this.deliver(room, row.asker_key, answer, visibility);
    if (replaced) this.ctx.audit(conn, 'question.correct', questionId, null, { visibility, replaced: replaced.answer });
    else this.ctx.audit(conn, 'question.answer', questionId, null, { visibility });
    const view = questionView(row, now);
    room.pushStaff({ k: 'question', question: view });
    return view;
  }

  /** Public: pinned and pushed to the room; private: to the asker's sockets only. */
  private deliver(room: Room, askerKey: string, answer: PublicAnswer, visibility: AnswerVisibility): void {
    if (visibility === 'public') {
      room.pinnedAnswer = answer;
      this.pin(room.showId, answer);
      room.push({ k: 'answer', answer });
    } else {
      this.ctx.identities.sendTo(askerKey, notificationFrame('answer.private', answer));
    }
  }

  /** Every page drops the automatic answer to this question (the pinned one, or a private card). */
  private unpin(room: Room, questionId: string): void {
    if (room.pinnedAnswer?.questionId === questionId) {
      room.pinnedAnswer = null;
      this.pin(room.showId, null);
    }
    room.push({ k: 'retract', questionId });
  }

  /** Take back an automatic answer: the question goes back to the queue. */
  async retract(conn: Connection, questionId: string): Promise<QuestionView> {
    const { store } = this.ctx.o;
    const q = await this.questionIn(conn, questionId);
    if (!(await store.retractAuto(questionId))) throw new RpcError('BAD_STATE', 'only an automatic answer can be retracted');
    this.unpin(conn.room, questionId);
    this.ctx.audit(conn, 'question.retract', questionId, null, { visibility: q.visibility, answer: q.answer });
    const view = questionView((await store.question(questionId))!, this.now);
    conn.room.pushStaff({ k: 'question', question: view });
    return view;
  }

  autoReplyMode(conn: Connection): AutoReplyMode {
    return conn.room.autoReply;
  }

  async setAutoReply(conn: Connection, mode: AutoReplyMode): Promise<AutoReplyMode> {
    const room = conn.room;
    await this.ctx.o.store.setAutoReply(room.showId, mode);
    room.autoReply = mode;
    this.ctx.audit(conn, 'autoReply.set', null, null, { mode });
    return mode;
  }

  async suggest(conn: Connection, questionId: string): Promise<Suggested> {
    const q = await this.questionIn(conn, questionId);
    return this.suggestFor(q, await this.ctx.o.store.cannedReplies());
  }

  private suggestFor(q: QuestionRow, canned: CannedReply[]): Suggested {
    const { o } = this.ctx;
    const cat = o.catalog;
    // Read inside the suggester, which turns a failure into "no suggestion" instead of failing the request.
    const products = () => {
      const lineup = cat ? cat.showProducts(q.show_id) : [];
      const attached = cat && q.product_id && !lineup.some((p) => p.id === q.product_id) ? cat.product(q.product_id) : null;
      return attached ? [...lineup, attached] : lineup;
    };
    this.answers ??= o.answers ?? new AnswerSuggester({ log: o.log });
    const r = this.answers.suggest({
      text: q.text,
      productId: q.product_id,
      products,
      canned,
      now: this.now,
    });
    return {
      route: r.route,
      suggestions: r.suggestions.map(({ doc, confidence, auto }) => ({
        source: doc.source,
        title: doc.title,
        text: doc.text,
        productId: doc.productId,
        fact: doc.fact,
        score: confidence,
        confidence,
        auto,
      })),
    };
  }

  // Canned replies (staff answer with them; the suggester searches them too).

  cannedList() {
    return this.ctx.o.store.cannedReplies();
  }

  async cannedCreate(conn: Connection, title: string, text: string) {
    const reply = await this.ctx.o.store.createCanned(`c_${randomBytes(9).toString('base64url')}`, title, text, actorOf(conn).id, this.now);
    this.ctx.audit(conn, 'canned.create', reply.id);
    return reply;
  }

  async cannedUpdate(conn: Connection, id: string, title: string, text: string) {
    const reply = await this.ctx.o.store.updateCanned(id, title, text, this.now);
    if (!reply) throw new RpcError('NOT_FOUND', 'no such canned reply');
    this.ctx.audit(conn, 'canned.update', id);
    return reply;
  }

  async cannedDelete(conn: Connection, id: string): Promise<void> {
    if (!(await this.ctx.o.store.deleteCanned(id))) throw new RpcError('NOT_FOUND', 'no such canned reply');
    this.ctx.audit(conn, 'canned.delete', id);
  }
}
