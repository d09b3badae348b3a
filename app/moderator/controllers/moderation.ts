/**
 * Moderation controller (outside React): every moderator action of the contract (shared/protocol/realtime.ts) over
 * the show socket of `ModerationSocket` (moderation-socket.ts: show picker, socket, busy/flash):
 * question queue, claim/release, answers with suggestions and canned replies, automatic replies (the owner's
 * per-show setting; staff retract or correct an automatic answer), delete, mute, ban, slow mode,
 * announcement, word filter, bans, audit log, and the owner's team (invites). Writes the store; components call it.
 */
import type { AnswerVisibility, AutoReplyMode, FilterSettings, QuestionView } from '../../../shared/protocol/realtime';
import { requestErrorCode } from '../../ui/realtime/connection';
import type { ModTab } from '../store';
import { ModerationSocket } from './moderation-socket';

const AUDIT_PAGE = 100;

export function inviteLink(origin: string, code: string): string {
  return `${origin.replace(/\/+$/, '')}/moderator#invite=${encodeURIComponent(code)}`;
}

export class ModerationController extends ModerationSocket {
  protected onStaffHello(): void {
    void this.refreshQueue();
    void this.loadCanned();
    void this.loadAutoReply();
  }

  // ---------------------------------------------------------------- tabs

  setTab(tab: ModTab): void {
    this.store.getState().setMod({ tab });
    if (tab === 'filter') void this.loadFilter();
    if (tab === 'bans') void this.loadBans();
    if (tab === 'audit') void this.loadAudit(true);
    if (tab === 'canned') void this.loadCanned();
    if (tab === 'team') void this.loadTeam();
  }

  // ---------------------------------------------------------------- questions

  async refreshQueue(): Promise<void> {
    const r = await this.act('queue', () => this.request('question.list', { status: 'all', limit: 300 }));
    if (!r) return;
    const now = Date.now();
    // The list replaces what we had (a reconnect may have missed changes).
    const questions: Record<string, QuestionView> = {};
    for (const q of r.questions) {
      questions[q.id] = q;
      this.trackSkew(q, now);
    }
    this.store.setState({ questions });
  }

  selectQuestion(questionId: string | null): void {
    const s = this.store.getState();
    s.setMod({ selectedQuestionId: questionId });
    if (questionId && s.suggestions?.questionId !== questionId) void this.loadSuggestions(questionId);
  }

  async loadSuggestions(questionId: string): Promise<void> {
    this.store.getState().setMod({ suggestions: { questionId, loading: true, items: [], route: null, error: null } });
    try {
      const r = await this.request('question.suggest', { questionId });
      if (this.store.getState().suggestions?.questionId !== questionId) return;
      this.store.getState().setMod({ suggestions: { questionId, loading: false, items: r.suggestions, route: r.route, error: null } });
    } catch (err) {
      if (this.store.getState().suggestions?.questionId !== questionId) return;
      this.store.getState().setMod({ suggestions: { questionId, loading: false, items: [], route: null, error: requestErrorCode(err) } });
    }
  }

  async claim(questionId: string): Promise<boolean> {
    const r = await this.act(`claim:${questionId}`, () => this.request('question.claim', { questionId }));
    if (r) this.store.getState().rtQuestions([r.question]);
    return r !== null;
  }

  async release(questionId: string): Promise<boolean> {
    const r = await this.act(`claim:${questionId}`, () => this.request('question.release', { questionId }));
    if (r) this.store.getState().rtQuestions([r.question]);
    return r !== null;
  }

  setDraft(questionId: string, text: string): void {
    this.store.getState().setDraft(questionId, text);
  }

  /** Put a suggestion or canned reply into the draft (appended after what is already typed). */
  insertText(questionId: string, text: string): void {
    const cur = this.store.getState().drafts[questionId] ?? '';
    this.setDraft(questionId, cur.trim() ? `${cur.trimEnd()}\n${text}` : text);
  }

  setVisibility(visibility: AnswerVisibility): void {
    this.store.getState().setMod({ visibility });
  }

  async answer(questionId: string): Promise<boolean> {
    const s = this.store.getState();
    const text = (s.drafts[questionId] ?? '').trim();
    if (!text) return false;
    const visibility = s.visibility;
    const r = await this.act(
      `answer:${questionId}`,
      () => this.request('question.answer', { questionId, text, visibility }),
      `flash.answered.${visibility}`,
    );
    if (!r) return false;
    const after = this.store.getState();
    after.rtQuestions([r.question]);
    const drafts = { ...after.drafts };
    delete drafts[questionId];
    after.setMod({ drafts });
    return true;
  }

  /** Take back an automatic answer: it leaves the room and the question is open again. */
  async retract(questionId: string): Promise<boolean> {
    const r = await this.act(`answer:${questionId}`, () => this.request('question.retract', { questionId }), 'flash.retracted');
    if (r) this.store.getState().rtQuestions([r.question]);
    return r !== null;
  }

  private async loadAutoReply(): Promise<void> {
    try {
      const { mode } = await this.request('autoReply.get', {});
      this.store.getState().setMod({ autoReply: mode });
    } catch {
      // the toggle stays hidden until the next connect
    }
  }

  /** Owner only (the server refuses anyone else with FORBIDDEN). */
  async setAutoReply(mode: AutoReplyMode): Promise<boolean> {
    const r = await this.act('autoReply', () => this.request('autoReply.set', { mode }), `flash.autoReply.${mode}`);
    if (r) this.store.getState().setMod({ autoReply: r.mode });
    return r !== null;
  }

  // ---------------------------------------------------------------- chat moderation

  deleteMessage(messageId: string): Promise<unknown> {
    return this.act(`msg:${messageId}`, () => this.request('mod.delete', { messageId }), 'flash.deleted');
  }

  mute(userId: string, seconds: number, name: string): Promise<unknown> {
    return this.act(`user:${userId}`, () => this.request('mod.mute', { userId, seconds }), seconds > 0 ? 'flash.muted' : 'flash.unmuted', {
      name,
      minutes: Math.round(seconds / 60),
    });
  }

  async ban(userId: string, name: string, reason: string): Promise<boolean> {
    const r = await this.act(`user:${userId}`, () =>
      this.request('mod.ban', { userId, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
    );
    if (r) this.flash('ok', 'flash.banned', { name, count: r.removed });
    if (r && this.store.getState().bans) void this.loadBans();
    return r !== null;
  }

  async unban(userId: string, name: string): Promise<void> {
    const r = await this.act(`user:${userId}`, () => this.request('mod.unban', { userId }), 'flash.unbanned', { name });
    if (r) void this.loadBans();
  }

  setSlowMode(seconds: number): Promise<unknown> {
    return this.act('slowmode', () => this.request('mod.slowMode', { seconds }), seconds ? 'flash.slowOn' : 'flash.slowOff', { seconds });
  }

  announce(text: string | null): Promise<unknown> {
    const t = text?.trim() ? text.trim() : null;
    return this.act('announce', () => this.request('mod.announce', { text: t }), t ? 'flash.announced' : 'flash.announceCleared');
  }

  /** Staff chat line (moderators may post; staff are exempt from rate limits and slow mode). */
  async say(text: string): Promise<boolean> {
    if (!text.trim()) return false;
    const r = await this.act('say', () => this.request('chat.send', { text: text.trim() }));
    if (r && !r.accepted) this.flash('error', `errors.${r.reason}`, { message: r.message });
    return r?.accepted === true;
  }

  // ---------------------------------------------------------------- filter, bans, audit, canned

  async loadFilter(): Promise<void> {
    const r = await this.act('filter', () => this.request('filter.get', {}));
    if (r) this.store.getState().setMod({ filter: r });
  }

  async saveFilter(settings: FilterSettings): Promise<boolean> {
    this.store.getState().setMod({ filterSaving: true });
    const r = await this.act('filter.save', () => this.request('filter.set', settings), 'flash.filterSaved');
    this.store.getState().setMod({ filterSaving: false, ...(r ? { filter: r } : {}) });
    return r !== null;
  }

  async loadBans(): Promise<void> {
    const r = await this.act('bans', () => this.request('mod.bans', {}));
    if (r) this.store.getState().setMod({ bans: r.bans });
  }

  async loadAudit(reset: boolean): Promise<void> {
    const s = this.store.getState();
    const cur = s.audit;
    if (cur.loading || (!reset && cur.done)) return;
    const beforeId = reset ? undefined : cur.entries[cur.entries.length - 1]?.id;
    s.setMod({ audit: { ...cur, loading: true, error: null, ...(reset ? { entries: [], done: false } : {}) } });
    try {
      const r = await this.request('audit.list', { limit: AUDIT_PAGE, thisShow: cur.thisShow, ...(beforeId ? { beforeId } : {}) });
      const a = this.store.getState().audit;
      this.store.getState().setMod({
        audit: { ...a, loading: false, entries: [...a.entries, ...r.entries], done: r.entries.length < AUDIT_PAGE },
      });
    } catch (err) {
      const a = this.store.getState().audit;
      this.store.getState().setMod({ audit: { ...a, loading: false, error: requestErrorCode(err) } });
    }
  }

  setAuditThisShow(thisShow: boolean): void {
    const s = this.store.getState();
    s.setMod({ audit: { ...s.audit, thisShow } });
    void this.loadAudit(true);
  }

  async loadCanned(): Promise<void> {
    try {
      const r = await this.request('canned.list', {});
      this.store.getState().setMod({ canned: r.replies });
    } catch {
      // shown empty; the canned tab offers a reload
    }
  }

  async saveCanned(id: string | null, title: string, text: string): Promise<boolean> {
    const r = await this.act(
      'canned',
      () => (id ? this.request('canned.update', { id, title, text }) : this.request('canned.create', { title, text })),
      'flash.cannedSaved',
    );
    if (r) await this.loadCanned();
    return r !== null;
  }

  async deleteCanned(id: string): Promise<void> {
    const r = await this.act(`canned:${id}`, () => this.request('canned.delete', { id }), 'flash.cannedDeleted');
    if (r) await this.loadCanned();
  }

  // ---------------------------------------------------------------- team (owner)

  async loadTeam(): Promise<void> {
    const r = await this.act('team', () => this.opts.api.accounts());
    if (r) this.store.getState().setMod({ accounts: r.accounts });
  }

  async createInvite(): Promise<void> {
    const r = await this.act('invite', () => this.opts.api.invite());
    if (r) this.store.getState().setMod({ invite: r });
  }

  async disableAccount(accountId: string, name: string): Promise<void> {
    const r = await this.act(`account:${accountId}`, () => this.opts.api.disableAccount(accountId), 'flash.disabled', { name });
    if (r) await this.loadTeam();
  }

  inviteLink(code: string): string {
    return inviteLink(this.opts.origin, code);
  }
}
