/**
 * Moderation controller (outside React): the show picker, the realtime socket of the chosen show (authenticated by
 * the staff cookie at the handshake), and every moderator action of the contract (shared/protocol/realtime.ts):
 * question queue, claim/release, answers with suggestions and canned replies, automatic replies (the owner's
 * per-show setting; staff retract or correct an automatic answer), delete, mute, ban, slow mode,
 * announcement, word filter, bans, audit log, and the owner's team (invites). Writes the store; components call it.
 */
import type { AnswerVisibility, AutoReplyMode, FilterSettings, QuestionView } from '../../../shared/protocol/realtime';
import type { ReqOf, ResOf } from '../../../shared/protocol/rpc';
import type { RealtimeMethods } from '../../../shared/protocol/realtime';
import { RealtimeConnection, deviceIdFrom, requestErrorCode } from '../../ui/realtime/connection';
import { initialFeed } from '../../ui/realtime/feed';
import { type StaffApi, StaffApiError } from '../api';
import { skewFrom } from '../selectors';
import { INITIAL_AUDIT, type ModeratorStore, type ModTab, type ProductInfo } from '../store';
import { errorOf } from './session';

const FLASH_MS = 3500;
const AUDIT_PAGE = 100;

export interface ModerationOptions {
  store: ModeratorStore;
  api: StaffApi;
  origin: string;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Keeps the chosen show in the address (?show=…) so a reload returns to it. */
  history: { initialShow(): string | null; setShow(showId: string | null): void };
  /** The session ended (the socket's hello came back without a staff role): back to the login form. */
  onSessionLost: () => void;
  WebSocketImpl?: typeof WebSocket;
}

function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0'))
    .join('')
    .slice(0, 24);
}

/** The typed code of a failed realtime or HTTP request. */
export function errorCode(err: unknown): string {
  return err instanceof StaffApiError ? err.code : requestErrorCode(err);
}

export function inviteLink(origin: string, code: string): string {
  return `${origin.replace(/\/+$/, '')}/moderator#invite=${encodeURIComponent(code)}`;
}

export class ModerationController {
  private readonly store: ModeratorStore;
  private connection: RealtimeConnection | null = null;
  private readonly deviceId: string;
  private flashTimer: ReturnType<typeof setTimeout> | null = null;
  private productsLoaded = false;

  constructor(private readonly opts: ModerationOptions) {
    this.store = opts.store;
    this.deviceId = deviceIdFrom(opts.storage as Storage | null, randomId);
  }

  // ---------------------------------------------------------------- shows

  /** After sign-in: list shows and reopen the one in the address, if any. */
  async start(): Promise<void> {
    await this.loadShows();
    const wanted = this.opts.history.initialShow();
    if (wanted && this.store.getState().shows?.some((s) => s.id === wanted)) this.selectShow(wanted);
  }

  async loadShows(): Promise<void> {
    const s = this.store.getState();
    s.setShows({ showsLoading: true, showsError: null });
    try {
      const { shows } = await this.opts.api.shows();
      this.store.getState().setShows({ shows, showsLoading: false });
    } catch (err) {
      this.store.getState().setShows({ showsLoading: false, showsError: errorOf(err).code });
    }
  }

  selectShow(showId: string): void {
    this.disconnect();
    this.store.setState({
      ...initialFeed(),
      showId,
      selectedQuestionId: null,
      suggestions: null,
      autoReply: null,
      drafts: {},
      bans: null,
      audit: INITIAL_AUDIT,
      tab: 'live',
    });
    this.opts.history.setShow(showId);
    this.connect(showId);
    void this.loadProducts();
  }

  leaveShow(): void {
    this.disconnect();
    this.store.setState({ ...initialFeed(), showId: null, selectedQuestionId: null, suggestions: null });
    this.opts.history.setShow(null);
    void this.loadShows();
  }

  stop(): void {
    this.disconnect();
  }

  private disconnect(): void {
    this.connection?.stop();
    this.connection = null;
  }

  private connect(showId: string): void {
    const conn = new RealtimeConnection({
      origin: this.opts.origin,
      showId,
      deviceId: this.deviceId,
      ...(this.opts.WebSocketImpl ? { WebSocketImpl: this.opts.WebSocketImpl } : {}),
      events: {
        status: (status) => this.store.getState().rtSetStatus(status),
        hello: ({ you, room }) => {
          if (you.role === 'viewer') {
            // The staff cookie is gone or expired: this socket is an anonymous viewer.
            this.disconnect();
            this.opts.onSessionLost();
            return;
          }
          this.store.getState().rtHello(you, room);
          void this.refreshQueue();
          void this.loadCanned();
          void this.loadAutoReply();
        },
        batch: (b) => {
          this.store.getState().rtBatch(b);
          const now = Date.now();
          for (const item of b.items) if (item.k === 'question') this.trackSkew(item.question, now);
        },
        you: (y) => this.store.getState().rtYou(y),
      },
    });
    this.connection = conn;
    conn.start();
  }

  private trackSkew(q: QuestionView, now: number): void {
    const skew = skewFrom(q, now);
    if (skew !== null) this.store.getState().setMod({ clockSkewMs: skew });
  }

  private request<K extends keyof RealtimeMethods & string>(
    method: K,
    data: ReqOf<RealtimeMethods, K>,
  ): Promise<ResOf<RealtimeMethods, K>> {
    if (!this.connection) return Promise.reject(new Error('no show selected'));
    return this.connection.request(method, data);
  }

  /** Run a staff request with a busy key; errors become a flash (`errors.<code>`); returns null on failure. */
  private async act<T>(key: string, fn: () => Promise<T>, okKey?: string, params?: Record<string, string | number>): Promise<T | null> {
    const s = this.store.getState();
    if (s.busy[key]) return null;
    s.setBusy(key, true);
    try {
      const r = await fn();
      if (okKey) this.flash('ok', okKey, params);
      return r;
    } catch (err) {
      this.flash('error', `errors.${errorCode(err)}`, { message: err instanceof Error ? err.message : '' });
      return null;
    } finally {
      this.store.getState().setBusy(key, false);
    }
  }

  flash(kind: 'ok' | 'error', key: string, params?: Record<string, string | number>): void {
    const id = this.store.getState().showFlash({ kind, key, ...(params ? { params } : {}) });
    if (this.flashTimer) clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => this.store.getState().hideFlash(id), FLASH_MS);
  }

  private async loadProducts(): Promise<void> {
    if (this.productsLoaded) return;
    try {
      const { products } = await this.opts.api.products();
      const map: Record<string, ProductInfo> = {};
      for (const p of products) map[p.id] = { id: p.id, title: p.title, thumbUrl: p.images[0]?.thumbUrl ?? null };
      this.store.getState().setMod({ products: map });
      this.productsLoaded = true;
    } catch {
      // product context falls back to the id; tried again on the next show switch
    }
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
