/**
 * The realtime hub: rooms by show, identities, filters, bans and mutes, and every operation the socket handlers
 * perform (chat, likes, follows, questions, moderation). Handlers (handlers.ts) validate input and roles; the hub
 * owns state and persistence. All state changes by staff are written to the audit log.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  type Announcement,
  type AnswerVisibility,
  type AutoReplyMode,
  type ChatMessage,
  type FilterSettings,
  type Notice,
  type PublicAnswer,
  type QuestionView,
  type RealtimeNotifications,
  type RoomSnapshot,
  realtimeNotifications,
  type SendResult,
  type Suggestion,
  type SuggestionRoute,
  type YouState,
} from '../../../shared/protocol/realtime';
import { notification, RpcError } from '../../../shared/protocol/rpc';
import {
  checkContent,
  compileLinkFilter,
  compileWords,
  type CompiledLinkFilter,
  type CompiledWordList,
  DEFAULT_BLOCKED_WORDS,
  DEFAULT_LINK_SETTINGS,
  type RejectReason,
  slowModeWait,
} from '../../../shared/realtime/filter';
import { AnswerSuggester } from '../answers/suggester';
import type { Logger } from '../log';
import { AutoReplies } from './auto-reply';
import type { SuggestionCatalog } from './catalog';
import type { RealtimeConfig } from './config';
import type { Connection } from './connection';
import { type DeliveryStats, Room } from './room';
import { type Actor, type QuestionRow, questionView, type RealtimeStore } from './store';

const notificationFrame = <K extends keyof RealtimeNotifications & string>(method: K, data: z.input<RealtimeNotifications[K]>) =>
  notification(realtimeNotifications, method, data);
const NO_WORDS = compileWords([]);

const REJECT_TEXT: Record<RejectReason, string> = {
  EMPTY: 'message is empty',
  TOO_LONG: 'message is too long',
  RATE_LIMITED: 'sending too fast',
  SLOW_MODE: 'slow mode is on',
  MUTED: 'you are muted',
  BANNED: 'you are banned from chat',
  BLOCKED_WORD: 'message contains a blocked word',
  LINK: 'links and contact details are not allowed',
  DUPLICATE: 'you just sent this',
  FLOOD: 'too many people are sending the same text',
};

const reject = (reason: RejectReason, retryAfterMs?: number, detail?: string): SendResult => ({
  accepted: false,
  reason,
  message: detail ? `${REJECT_TEXT[reason]} (${detail})` : REJECT_TEXT[reason],
  ...(retryAfterMs !== undefined ? { retryAfterMs: Math.ceil(retryAfterMs) } : {}),
});

interface Identity {
  key: string;
  name: string;
  role: Connection['role'];
  devices: Set<string>;
}

export interface HubOptions {
  store: RealtimeStore;
  config: RealtimeConfig;
  log: Logger;
  /** Key for public user ids (derived from the session secret). */
  idKey: Buffer;
  catalog: SuggestionCatalog | null;
  /** Suggested answers (the server passes one reading `<dataDir>/answers.json`); a default one otherwise. */
  answers?: AnswerSuggester;
  clock: () => number;
  /** Told about accepted chat messages and new follows (engagement: keyword / follow entries). */
  observer?: HubObserver;
}

export interface HubObserver {
  chat(conn: Connection, text: string): void;
  follow(conn: Connection): void;
  like?(conn: Connection, count: number): void;
}

const MAX_IDENTITIES = 200_000;

export class RealtimeHub {
  readonly rooms = new Map<string, Room>();
  private answers: AnswerSuggester | undefined;
  private readonly autoReplies: AutoReplies;
  /** Open connections by identity key (private answers, `you` updates). */
  private readonly byKey = new Map<string, Set<Connection>>();
  /** Recently seen identities by public id (moderation targets), LRU-bounded. */
  private readonly identities = new Map<string, Identity>();
  private bannedKeys = new Map<string, number>();
  private bannedDevices = new Map<string, number>();
  private words: CompiledWordList;
  private links: CompiledLinkFilter;
  private filterSettings: FilterSettings;
  private followTotal: number;
  private msgCounter = 0;
  private readonly bootId = randomBytes(4).toString('base64url').replace(/[-_]/g, 'x');
  readonly stats: DeliveryStats & { chatAccepted: number; chatRejected: number } = {
    batches: 0,
    frames: 0,
    sampledFrames: 0,
    closedSlow: 0,
    chatDelivered: 0,
    chatAccepted: 0,
    chatRejected: 0,
  };

  constructor(private readonly o: HubOptions) {
    this.filterSettings = o.store.filterSettings() ?? { words: [...DEFAULT_BLOCKED_WORDS], links: DEFAULT_LINK_SETTINGS };
    this.words = compileWords(this.filterSettings.words);
    this.links = compileLinkFilter(this.filterSettings.links);
    this.followTotal = o.store.followCount();
    this.loadBans();
    this.autoReplies = new AutoReplies({
      store: o.store,
      log: o.log,
      clock: o.clock,
      suggest: (q) => this.suggestFor(q),
      screen: (text) => {
        const r = checkContent(text, { maxChars: 1000, words: this.words, links: this.links });
        return r.ok ? r.text : null;
      },
      deliver: (room, askerKey, answer, visibility) => this.deliver(room, askerKey, answer, visibility),
    });
  }

  private get now(): number {
    return this.o.clock();
  }

  publicIdOf(key: string): string {
    return `u_${createHmac('sha256', this.o.idKey).update(key).digest('base64url').slice(0, 16)}`;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Rooms and membership

  room(showId: string): Room {
    let room = this.rooms.get(showId);
    if (room) return room;
    const row = this.o.store.room(showId);
    room = new Room(showId, this.o.config, {
      likes: row.likes,
      slowModeSeconds: row.slow_mode_s,
      announcement:
        row.announcement !== null ? { text: row.announcement, by: row.announcement_by ?? '', at: row.announcement_at ?? 0 } : null,
      pinnedAnswer: row.pinned_answer ? (JSON.parse(row.pinned_answer) as PublicAnswer) : null,
      autoReply: row.auto_reply,
    });
    for (const m of this.o.store.mutes(showId, this.now)) room.mutes.set(`${m.kind === 'user' ? 'u' : 'd'}:${m.value}`, m.until);
    this.rooms.set(showId, room);
    return room;
  }

  join(conn: Connection): void {
    conn.room.members.add(conn);
  }

  leave(conn: Connection): void {
    conn.room.members.delete(conn);
    if (conn.key) this.unindex(conn);
  }

  private index(conn: Connection): void {
    if (!conn.key) return;
    let set = this.byKey.get(conn.key);
    if (!set) {
      set = new Set();
      this.byKey.set(conn.key, set);
    }
    set.add(conn);
  }

  private unindex(conn: Connection): void {
    if (!conn.key) return;
    const set = this.byKey.get(conn.key);
    set?.delete(conn);
    if (set && !set.size) this.byKey.delete(conn.key);
  }

  private remember(conn: Connection): void {
    if (!conn.key || !conn.publicId) return;
    let id = this.identities.get(conn.publicId);
    if (id) this.identities.delete(conn.publicId);
    else id = { key: conn.key, name: conn.name, role: conn.role, devices: new Set() };
    id.name = conn.name;
    id.role = conn.role;
    if (conn.deviceId && id.devices.size < 20) id.devices.add(conn.deviceId);
    this.identities.set(conn.publicId, id);
    if (this.identities.size > MAX_IDENTITIES) this.identities.delete(this.identities.keys().next().value!);
  }

  /** Complete `hello`: set identity fields, index, apply a device ban to a new identity (ban evasion). */
  identify(conn: Connection, fields: { key: string | null; role: Connection['role']; name: string; deviceId: string }): void {
    if (conn.key) this.unindex(conn);
    conn.key = fields.key;
    conn.role = fields.role;
    conn.name = fields.name;
    conn.deviceId = fields.deviceId;
    conn.publicId = fields.key ? this.publicIdOf(fields.key) : null;
    conn.helloDone = true;
    this.index(conn);
    this.remember(conn);
    if (conn.key && !conn.staff) {
      const deviceBan = this.bannedDevices.get(fields.deviceId);
      const keyBan = this.bannedKeys.get(conn.key);
      if (deviceBan !== undefined && keyBan === undefined) {
        // Same device, new cookie/account: extend the ban to the new identity.
        this.o.store.addBanKey(deviceBan, 'user', conn.key);
        this.bannedKeys.set(conn.key, deviceBan);
        this.o.log.info({ banId: deviceBan }, 'banned device came back with a new identity; ban extended');
      } else if (keyBan !== undefined && deviceBan === undefined) {
        this.o.store.addBanKey(keyBan, 'device', fields.deviceId);
        this.bannedDevices.set(fields.deviceId, keyBan);
      }
    }
  }

  isBanned(conn: Connection): boolean {
    if (conn.staff) return false;
    return (conn.key !== null && this.bannedKeys.has(conn.key)) || (conn.deviceId !== null && this.bannedDevices.has(conn.deviceId));
  }

  mutedUntil(conn: Connection): number | null {
    if (conn.staff) return null;
    const now = this.now;
    const a = conn.key ? (conn.room.mutes.get(`u:${conn.key}`) ?? 0) : 0;
    const b = conn.deviceId ? (conn.room.mutes.get(`d:${conn.deviceId}`) ?? 0) : 0;
    const until = Math.max(a, b);
    return until > now ? until : null;
  }

  you(conn: Connection): YouState {
    const banned = this.isBanned(conn);
    return {
      userId: conn.publicId,
      name: conn.name,
      role: conn.role,
      canPost: conn.key !== null && !banned,
      banned,
      mutedUntil: this.mutedUntil(conn),
      following: conn.key !== null && this.o.store.isFollowing(conn.key),
    };
  }

  snapshot(room: Room): RoomSnapshot {
    return {
      showId: room.showId,
      seq: room.seq,
      online: room.online,
      likes: room.likes,
      follows: this.followTotal,
      slowModeSeconds: room.slowModeSeconds,
      announcement: room.announcement,
      pinnedAnswer: room.pinnedAnswer,
      recent: room.recent(this.o.config.recentMessages),
    };
  }

  /** Check a nickname like a chat message (length 20, words, links); null when it may not be used. */
  acceptableNickname(nickname: string): string | null {
    const r = checkContent(nickname, { maxChars: 20, words: this.words, links: this.links });
    return r.ok ? r.text : null;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Viewer actions

  private requireIdentity(conn: Connection): string {
    if (!conn.helloDone) throw new RpcError('BAD_STATE', 'send hello first');
    if (!conn.key) throw new RpcError('UNAUTHORIZED', 'no guest session: POST /api/session first, then reconnect');
    return conn.key;
  }

  /** Ban/mute gate shared by chat and questions. */
  private gate(conn: Connection): SendResult | null {
    if (this.isBanned(conn)) return reject('BANNED');
    const muted = this.mutedUntil(conn);
    if (muted !== null) return reject('MUTED', muted - this.now);
    return null;
  }

  sendChat(conn: Connection, raw: string): SendResult {
    const key = this.requireIdentity(conn);
    const result = this.acceptChat(conn, key, raw);
    if (result.accepted) this.stats.chatAccepted++;
    else this.stats.chatRejected++;
    return result;
  }

  /** Checks chat and questions share: mute/ban gate, the per-user bucket (staff exempt), then the content filters. */
  private screen(conn: Connection, key: string, raw: string, bucket: 'chat' | 'question', maxChars: number, now: number) {
    const gated = this.gate(conn);
    if (gated) return { ok: false as const, result: gated };
    const limits = conn.room.limitsFor(key, now);
    if (!conn.staff) {
      const wait = limits[bucket].take(now);
      if (wait > 0) return { ok: false as const, result: reject('RATE_LIMITED', wait) };
    }
    const content = checkContent(raw, { maxChars, words: this.words, links: this.links, skipLinks: conn.staff });
    if (!content.ok) return { ok: false as const, result: reject(content.reason, undefined, content.detail) };
    return { ok: true as const, limits, content };
  }

  private acceptChat(conn: Connection, key: string, raw: string): SendResult {
    const now = this.now;
    const room = conn.room;
    const screened = this.screen(conn, key, raw, 'chat', this.o.config.maxChatChars, now);
    if (!screened.ok) return screened.result;
    const { limits, content } = screened;
    if (!conn.staff) {
      const slow = slowModeWait(limits.lastSentAt, room.slowModeSeconds, now);
      if (slow > 0) return reject('SLOW_MODE', slow);
      const spam = room.spam.check(key, content.text, now);
      if (spam) return reject(spam);
      room.spam.record(key, content.text, now);
    }
    limits.lastSentAt = now;
    const msg: ChatMessage = {
      id: `m_${this.bootId}${(++this.msgCounter).toString(36)}`,
      userId: conn.publicId!,
      name: conn.name,
      role: conn.role,
      text: content.text,
      ts: now,
    };
    room.addChat(key, msg);
    this.o.observer?.chat(conn, content.text);
    return { accepted: true, id: msg.id, ts: now };
  }

  like(conn: Connection, count: number): number {
    if (!conn.helloDone) throw new RpcError('BAD_STATE', 'send hello first');
    if (this.isBanned(conn)) throw new RpcError('FORBIDDEN', 'banned');
    this.o.observer?.like?.(conn, count);
    return conn.room.addLikes(count);
  }

  follow(conn: Connection): number {
    const key = this.requireIdentity(conn);
    if (this.isBanned(conn)) throw new RpcError('FORBIDDEN', 'banned');
    if (this.o.store.follow(key, conn.name, this.now)) {
      this.followTotal++;
      conn.room.push({ k: 'follow', name: conn.name, total: this.followTotal });
      this.o.observer?.follow(conn);
    }
    return this.followTotal;
  }

  ask(conn: Connection, raw: string, productId: string | undefined): SendResult {
    const key = this.requireIdentity(conn);
    const now = this.now;
    const room = conn.room;
    const screened = this.screen(conn, key, raw, 'question', this.o.config.maxQuestionChars, now);
    if (!screened.ok) return screened.result;
    const { content } = screened;
    if (!conn.staff) {
      const spam = room.spam.check(`q:${key}`, content.text, now);
      if (spam === 'DUPLICATE') return reject(spam);
      room.spam.record(`q:${key}`, content.text, now);
    }
    if (productId !== undefined && this.o.catalog && !this.o.catalog.product(productId)) {
      throw new RpcError('NOT_FOUND', 'unknown product');
    }
    const id = `q_${randomBytes(9).toString('base64url')}`;
    this.o.store.insertQuestion({
      id,
      show_id: room.showId,
      asker_key: key,
      asker_public: conn.publicId!,
      asker_name: conn.name,
      text: content.text,
      product_id: productId ?? null,
      created_at: now,
    });
    room.pushStaff({ k: 'question', question: questionView(this.o.store.question(id)!, now) });
    if (room.autoReply !== 'off') this.autoReplies.schedule(room, id);
    return { accepted: true, id, ts: now };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Staff: questions

  private actor(conn: Connection): Actor {
    return { id: conn.principal?.id ?? conn.key ?? 'unknown', name: conn.name, role: conn.role };
  }

  audit(conn: Connection, action: string, target: string | null, reason?: string | null, detail?: Record<string, unknown>) {
    this.o.store.audit({
      showId: conn.room.showId,
      actor: this.actor(conn),
      action,
      target,
      reason: reason ?? null,
      detail: detail ?? null,
      at: this.now,
    });
  }

  private questionIn(conn: Connection, questionId: string) {
    const q = this.o.store.question(questionId);
    if (!q || q.show_id !== conn.room.showId) throw new RpcError('NOT_FOUND', 'no such question in this show');
    return q;
  }

  listQuestions(conn: Connection, all: boolean, limit: number): QuestionView[] {
    const now = this.now;
    return this.o.store.questions(conn.room.showId, all, limit).map((r) => questionView(r, now));
  }

  claim(conn: Connection, questionId: string): QuestionView {
    const actor = this.actor(conn);
    const view = this.o.store.transaction(() => {
      const q = this.questionIn(conn, questionId);
      if (q.status === 'answered') throw new RpcError('BAD_STATE', 'question is already answered');
      if (!this.o.store.claim(questionId, actor, this.now)) {
        throw new RpcError('CONFLICT', `question is claimed by ${q.claimed_by_name ?? 'another moderator'}`);
      }
      return questionView(this.o.store.question(questionId)!, this.now);
    });
    this.audit(conn, 'question.claim', questionId);
    conn.room.pushStaff({ k: 'question', question: view });
    return view;
  }

  release(conn: Connection, questionId: string): QuestionView {
    const actor = this.actor(conn);
    const view = this.o.store.transaction(() => {
      const q = this.questionIn(conn, questionId);
      if (q.status !== 'claimed') throw new RpcError('BAD_STATE', 'question is not claimed');
      if (q.claimed_by !== actor.id && conn.role !== 'owner') throw new RpcError('CONFLICT', `question is claimed by ${q.claimed_by_name}`);
      this.o.store.release(questionId);
      return questionView(this.o.store.question(questionId)!, this.now);
    });
    this.audit(conn, 'question.release', questionId);
    conn.room.pushStaff({ k: 'question', question: view });
    return view;
  }

  answer(conn: Connection, questionId: string, text: string, visibility: 'public' | 'private'): QuestionView {
    const actor = this.actor(conn);
    const now = this.now;
    const clean = checkContent(text, { maxChars: 1000, words: NO_WORDS, links: this.links, skipLinks: true });
    if (!clean.ok) throw new RpcError('BAD_REQUEST', `answer rejected: ${clean.reason}`);
    const { row, replaced } = this.o.store.transaction(() => {
      const q = this.questionIn(conn, questionId);
      // An automatic answer may be corrected: a person's answer replaces it.
      if (q.status === 'answered' && q.answered_auto === 1) {
        this.o.store.correctAuto(questionId, clean.text, actor, visibility, now);
        return { row: this.o.store.question(questionId)!, replaced: q };
      }
      if (q.status === 'answered') throw new RpcError('BAD_STATE', 'question is already answered');
      if (q.status === 'claimed' && q.claimed_by !== actor.id)
        throw new RpcError('CONFLICT', `question is claimed by ${q.claimed_by_name}`);
      this.o.store.answer(questionId, clean.text, actor, visibility, now);
      return { row: this.o.store.question(questionId)!, replaced: null };
    });
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
    if (replaced) this.audit(conn, 'question.correct', questionId, null, { visibility, replaced: replaced.answer });
    else this.audit(conn, 'question.answer', questionId, null, { visibility });
    const view = questionView(row, now);
    room.pushStaff({ k: 'question', question: view });
    return view;
  }

  /** Public: pinned and pushed to the room; private: to the asker's sockets only. */
  private deliver(room: Room, askerKey: string, answer: PublicAnswer, visibility: AnswerVisibility): void {
    if (visibility === 'public') {
      room.pinnedAnswer = answer;
      this.o.store.setPinnedAnswer(room.showId, answer);
      room.push({ k: 'answer', answer });
    } else {
      const frame = notificationFrame('answer.private', answer);
      for (const c of this.byKey.get(askerKey) ?? []) c.sendText(frame);
    }
  }

  /** Every page drops the automatic answer to this question (the pinned one, or a private card). */
  private unpin(room: Room, questionId: string): void {
    if (room.pinnedAnswer?.questionId === questionId) {
      room.pinnedAnswer = null;
      this.o.store.setPinnedAnswer(room.showId, null);
    }
    room.push({ k: 'retract', questionId });
  }

  /** Take back an automatic answer: the question goes back to the queue. */
  retract(conn: Connection, questionId: string): QuestionView {
    const q = this.o.store.transaction(() => {
      const q = this.questionIn(conn, questionId);
      if (!this.o.store.retractAuto(questionId)) throw new RpcError('BAD_STATE', 'only an automatic answer can be retracted');
      return q;
    });
    this.unpin(conn.room, questionId);
    this.audit(conn, 'question.retract', questionId, null, { visibility: q.visibility, answer: q.answer });
    const view = questionView(this.o.store.question(questionId)!, this.now);
    conn.room.pushStaff({ k: 'question', question: view });
    return view;
  }

  autoReplyMode(conn: Connection): AutoReplyMode {
    return conn.room.autoReply;
  }

  setAutoReply(conn: Connection, mode: AutoReplyMode): AutoReplyMode {
    const room = conn.room;
    this.o.store.setAutoReply(room.showId, mode);
    room.autoReply = mode;
    this.audit(conn, 'autoReply.set', null, null, { mode });
    return mode;
  }

  suggest(conn: Connection, questionId: string): { suggestions: Suggestion[]; route: SuggestionRoute | null } {
    return this.suggestFor(this.questionIn(conn, questionId));
  }

  private suggestFor(q: QuestionRow): { suggestions: Suggestion[]; route: SuggestionRoute | null } {
    const cat = this.o.catalog;
    // Read inside the suggester, which turns a failure into "no suggestion" instead of failing the request.
    const products = () => {
      const lineup = cat ? cat.showProducts(q.show_id) : [];
      const attached = cat && q.product_id && !lineup.some((p) => p.id === q.product_id) ? cat.product(q.product_id) : null;
      return attached ? [...lineup, attached] : lineup;
    };
    this.answers ??= this.o.answers ?? new AnswerSuggester({ log: this.o.log });
    const r = this.answers.suggest({
      text: q.text,
      productId: q.product_id,
      products,
      canned: this.o.store.cannedReplies(),
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

  // ---------------------------------------------------------------------------------------------------------
  // Staff: canned replies

  cannedList() {
    return this.o.store.cannedReplies();
  }
  cannedCreate(conn: Connection, title: string, text: string) {
    const reply = this.o.store.createCanned(`c_${randomBytes(9).toString('base64url')}`, title, text, this.actor(conn).id, this.now);
    this.audit(conn, 'canned.create', reply.id);
    return reply;
  }
  cannedUpdate(conn: Connection, id: string, title: string, text: string) {
    const reply = this.o.store.updateCanned(id, title, text, this.now);
    if (!reply) throw new RpcError('NOT_FOUND', 'no such canned reply');
    this.audit(conn, 'canned.update', id);
    return reply;
  }
  cannedDelete(conn: Connection, id: string) {
    if (!this.o.store.deleteCanned(id)) throw new RpcError('NOT_FOUND', 'no such canned reply');
    this.audit(conn, 'canned.delete', id);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Staff: moderation

  /** Resolve a public user id to an identity (recently connected, or a question asker). */
  private target(publicId: string): Identity {
    const id = this.identities.get(publicId);
    if (id) return id;
    const asker = this.o.store.askerByPublic(publicId);
    if (asker) return { key: asker.key, name: asker.name, role: 'viewer', devices: new Set() };
    throw new RpcError('NOT_FOUND', 'unknown user');
  }

  private notifyYou(key: string): void {
    for (const c of this.byKey.get(key) ?? []) c.sendText(notificationFrame('you', this.you(c)));
  }

  deleteMessage(conn: Connection, messageId: string, reason?: string): void {
    const found = conn.room.removeMessage(messageId);
    conn.room.push({ k: 'delete', ids: [messageId] });
    this.audit(conn, 'message.delete', messageId, reason, { found });
  }

  mute(conn: Connection, publicId: string, seconds: number, reason?: string): number | null {
    const t = this.target(publicId);
    if (t.role !== 'viewer') throw new RpcError('FORBIDDEN', 'staff cannot be muted');
    const room = conn.room;
    const until = seconds > 0 ? this.now + seconds * 1000 : null;
    const keys: ['user' | 'device', string][] = [['user', t.key], ...[...t.devices].map((d): ['device', string] => ['device', d])];
    this.o.store.transaction(() => {
      for (const [kind, value] of keys) {
        if (until) this.o.store.setMute(room.showId, kind, value, until);
        else this.o.store.deleteMute(room.showId, kind, value);
      }
    });
    for (const [kind, value] of keys) {
      const k = `${kind === 'user' ? 'u' : 'd'}:${value}`;
      if (until) room.mutes.set(k, until);
      else room.mutes.delete(k);
    }
    this.audit(conn, until ? 'user.mute' : 'user.unmute', publicId, reason, { seconds, name: t.name });
    this.notifyYou(t.key);
    return until;
  }

  ban(conn: Connection, publicId: string, reason?: string): number {
    const t = this.target(publicId);
    if (t.role !== 'viewer') throw new RpcError('FORBIDDEN', 'staff cannot be banned');
    const now = this.now;
    const by = this.actor(conn);
    const banId = this.o.store.transaction(() => {
      const id = this.o.store.insertBan(publicId, t.name, reason ?? null, by.id, now);
      this.o.store.addBanKey(id, 'user', t.key);
      for (const d of t.devices) this.o.store.addBanKey(id, 'device', d);
      return id;
    });
    this.bannedKeys.set(t.key, banId);
    for (const d of t.devices) this.bannedDevices.set(d, banId);
    // Remove the user's earlier messages from every room it spoke in.
    let removed = 0;
    for (const room of this.rooms.values()) {
      const ids = room.removeMessagesOf(t.key);
      if (ids.length) {
        removed += ids.length;
        room.push({ k: 'delete', ids });
      }
    }
    this.audit(conn, 'user.ban', publicId, reason, { name: t.name, devices: t.devices.size, removed });
    this.notifyYou(t.key);
    return removed;
  }

  unban(conn: Connection, publicId: string, reason?: string): void {
    const key = this.identities.get(publicId)?.key ?? this.o.store.askerByPublic(publicId)?.key ?? '';
    const ids = this.o.store.bansFor(publicId, key);
    if (!ids.length) throw new RpcError('NOT_FOUND', 'user is not banned');
    const by = this.actor(conn).id;
    this.o.store.transaction(() => {
      for (const id of ids) this.o.store.liftBan(id, by, this.now);
    });
    this.loadBans();
    this.audit(conn, 'user.unban', publicId, reason, { bans: ids.length });
    if (key) this.notifyYou(key);
  }

  bans() {
    return this.o.store.activeBans().map((b) => ({
      id: b.id,
      userId: b.public_id,
      name: b.name,
      reason: b.reason,
      by: b.created_by,
      at: b.created_at,
      devices: b.devices,
    }));
  }

  private loadBans(): void {
    const keys = new Map<string, number>();
    const devices = new Map<string, number>();
    for (const k of this.o.store.activeBanKeys()) (k.kind === 'user' ? keys : devices).set(k.value, k.ban_id);
    this.bannedKeys = keys;
    this.bannedDevices = devices;
  }

  slowMode(conn: Connection, seconds: number): number {
    const room = conn.room;
    room.slowModeSeconds = seconds;
    this.o.store.setSlowMode(room.showId, seconds);
    room.push({ k: 'slowmode', seconds });
    this.audit(conn, seconds ? 'slowmode.on' : 'slowmode.off', null, null, { seconds });
    return seconds;
  }

  announce(conn: Connection, text: string | null): Announcement | null {
    const room = conn.room;
    let a: Announcement | null = null;
    if (text !== null) {
      const clean = checkContent(text, { maxChars: 200, words: NO_WORDS, links: this.links, skipLinks: true });
      if (!clean.ok) throw new RpcError('BAD_REQUEST', `announcement rejected: ${clean.reason}`);
      a = { text: clean.text, by: conn.name, at: this.now };
    }
    room.announcement = a;
    this.o.store.setAnnouncement(room.showId, a);
    room.push({ k: 'announcement', announcement: a });
    this.audit(conn, a ? 'announcement.set' : 'announcement.clear', null, null, a ? { text: a.text } : undefined);
    return a;
  }

  getFilter(): FilterSettings {
    return this.filterSettings;
  }

  setFilter(conn: Connection, s: FilterSettings): FilterSettings {
    const words = compileWords(s.words);
    const links = compileLinkFilter(s.links);
    const before = this.filterSettings;
    this.o.store.setFilterSettings(s);
    this.filterSettings = s;
    this.words = words;
    this.links = links;
    const added = s.words.filter((w) => !before.words.includes(w));
    const removed = before.words.filter((w) => !s.words.includes(w));
    this.audit(conn, 'filter.set', null, null, {
      words: s.words.length,
      added: added.slice(0, 50),
      removed: removed.slice(0, 50),
      links: s.links,
    });
    return s;
  }

  auditList(conn: Connection, limit: number, beforeId: number | undefined, thisShow: boolean) {
    return this.o.store.auditList(thisShow ? conn.room.showId : null, beforeId, limit);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Server-side pushes

  publishNotice(showId: string, notice: Notice): boolean {
    const room = this.rooms.get(showId);
    if (!room) return false;
    room.push({ k: 'notice', notice, ts: this.now });
    return true;
  }

  /** Flush every room; drop idle rooms (their state is persisted). */
  flushAll(): void {
    const now = this.now;
    for (const [showId, room] of this.rooms) {
      if (room.likesDirty) {
        room.likesDirty = false;
        this.o.store.setLikes(showId, room.likes);
      }
      room.flush(now, this.stats);
      if (room.idle) this.rooms.delete(showId);
    }
  }

  /** Periodic housekeeping (1 s): prune per-user limit state. */
  sweep(): void {
    const now = this.now;
    for (const room of this.rooms.values()) room.pruneLimits(now);
  }
}
