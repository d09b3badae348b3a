/**
 * What the realtime module keeps, behind one asynchronous seam on SQLite (the node's file, tables of migrations 003,
 * 010, 011; ./store-sqlite.ts) or PostgreSQL (pg-migration 004, shared by every node; ./store-postgres.ts): room
 * settings and like totals, follows, questions, canned replies, bans (+ their identity/device keys), timed mutes,
 * filter settings, the audit log. Chat messages are not kept (they live in the rooms and, in a cluster, the shows'
 * streams). What must be atomic is one call: a question's claim or answer is one conditional UPDATE (two moderators,
 * on any nodes, cannot both win), a ban is stored with its keys, mutes and lifted bans as one set.
 */
import type {
  Announcement,
  AnswerVisibility,
  AuditEntry,
  AutoReplyMode,
  CannedReply,
  ChatRole,
  FilterSettings,
  PublicAnswer,
  QuestionView,
} from '../../../shared/protocol/realtime';

export interface RoomRow {
  show_id: string;
  likes: number;
  slow_mode_s: number;
  announcement: string | null;
  announcement_by: string | null;
  announcement_at: number | null;
  pinned_answer: string | null;
  auto_reply: AutoReplyMode;
}

export interface QuestionRow {
  id: string;
  show_id: string;
  asker_key: string;
  asker_public: string;
  asker_name: string;
  text: string;
  product_id: string | null;
  status: 'unanswered' | 'claimed' | 'answered';
  claimed_by: string | null;
  claimed_by_name: string | null;
  claimed_at: number | null;
  answer: string | null;
  answered_by: string | null;
  visibility: AnswerVisibility | null;
  created_at: number;
  answered_at: number | null;
  /** 1: answered by the room on its own (automatic reply). */
  answered_auto: number;
}

export type NewQuestion = Pick<
  QuestionRow,
  'id' | 'show_id' | 'asker_key' | 'asker_public' | 'asker_name' | 'text' | 'product_id' | 'created_at'
>;

/** The audit log's row, as both engines return it. */
export interface AuditRow {
  id: number;
  show_id: string | null;
  actor_id: string;
  actor_name: string;
  actor_role: ChatRole;
  action: string;
  target: string | null;
  reason: string | null;
  detail: string | null;
  created_at: number;
}

export interface BanRow {
  id: number;
  public_id: string;
  name: string;
  reason: string | null;
  created_by: string;
  created_at: number;
}

export interface Actor {
  id: string;
  name: string;
  role: ChatRole;
}

/** An identity (`user`: its key) or a device a ban or a mute holds. */
export interface BlockKey {
  kind: 'user' | 'device';
  value: string;
}

export interface AuditInput {
  showId: string | null;
  actor: Actor;
  action: string;
  target?: string | null;
  reason?: string | null;
  detail?: Record<string, unknown> | null;
  at: number;
}

export interface NewBan {
  publicId: string;
  name: string;
  reason: string | null;
  by: string;
  at: number;
}

export interface RealtimeStore {
  /** The show's room settings, created with defaults on first use. */
  room(showId: string): Promise<RoomRow>;
  setLikes(showId: string, likes: number): Promise<void>;
  setSlowMode(showId: string, seconds: number): Promise<void>;
  setAnnouncement(showId: string, a: Announcement | null): Promise<void>;
  setAutoReply(showId: string, mode: AutoReplyMode): Promise<void>;
  setPinnedAnswer(showId: string, a: PublicAnswer | null): Promise<void>;

  /** True when this is a new follow. */
  follow(userKey: string, name: string, now: number): Promise<boolean>;
  isFollowing(userKey: string): Promise<boolean>;
  followCount(): Promise<number>;

  insertQuestion(row: NewQuestion): Promise<void>;
  question(id: string): Promise<QuestionRow | null>;
  /** Open ones first (unanswered, then claimed, oldest first), then (with `all`) the answered, newest first. */
  questions(showId: string, all: boolean, limit: number): Promise<QuestionRow[]>;
  /** An unanswered question, or one `by` already holds; false otherwise. */
  claim(id: string, by: Actor, now: number): Promise<boolean>;
  release(id: string): Promise<boolean>;
  /**
   * A person's answer to a question unanswered or claimed by them; with `auto`, the room's own answer to a question
   * still unanswered (a person's claim or answer wins). False when that no longer holds.
   */
  answer(id: string, text: string, by: Actor, visibility: AnswerVisibility, now: number, auto?: boolean): Promise<boolean>;
  /** Replace an automatic answer with a person's (a correction); false when the answer is not automatic. */
  correctAuto(id: string, text: string, by: Actor, visibility: AnswerVisibility, now: number): Promise<boolean>;
  /** Take back an automatic answer: the question is open again. False when the answer is not automatic. */
  retractAuto(id: string): Promise<boolean>;
  /** The identity behind a question asker's public id (their latest question). */
  askerByPublic(publicId: string): Promise<{ key: string; name: string } | null>;

  cannedReplies(): Promise<CannedReply[]>;
  createCanned(id: string, title: string, text: string, by: string, now: number): Promise<CannedReply>;
  updateCanned(id: string, title: string, text: string, now: number): Promise<CannedReply | null>;
  deleteCanned(id: string): Promise<boolean>;

  /** A ban with the keys it holds, atomically; returns its id. */
  insertBan(ban: NewBan, keys: readonly BlockKey[]): Promise<number>;
  /** One more key for a ban (its identity came back on a new device, or its device with a new identity). */
  addBanKey(banId: number, key: BlockKey): Promise<void>;
  activeBanKeys(): Promise<(BlockKey & { ban_id: number })[]>;
  activeBans(): Promise<(BanRow & { devices: number })[]>;
  /** Active bans naming this public id or containing this identity key. */
  bansFor(publicId: string, key: string): Promise<number[]>;
  /** Lift these bans, atomically (an already lifted one stays as it was). */
  liftBans(ids: readonly number[], by: string, now: number): Promise<void>;

  /** Mute these keys in a show until `until`, or (null) unmute them, atomically. */
  setMutes(showId: string, keys: readonly BlockKey[], until: number | null): Promise<void>;
  /** The show's mutes still running at `now`. */
  mutes(showId: string, now: number): Promise<(BlockKey & { until: number })[]>;

  filterSettings(): Promise<FilterSettings | null>;
  setFilterSettings(s: FilterSettings): Promise<void>;

  audit(e: AuditInput): Promise<void>;
  /** Newest first, below `beforeId`; for a show: its entries and the ones of no show (filters). */
  auditList(showId: string | null, beforeId: number | undefined, limit: number): Promise<AuditEntry[]>;
}

export function questionView(r: QuestionRow, now: number): QuestionView {
  return {
    id: r.id,
    showId: r.show_id,
    askerId: r.asker_public,
    askerName: r.asker_name,
    text: r.text,
    productId: r.product_id,
    status: r.status,
    claimedBy: r.claimed_by_name,
    answer: r.answer,
    answeredBy: r.answered_by,
    visibility: r.visibility,
    createdAt: r.created_at,
    answeredAt: r.answered_at,
    waitingMs: Math.max(0, (r.answered_at ?? now) - r.created_at),
    auto: r.answered_auto === 1,
  };
}

/** An audit input as the row both engines write (detail as JSON text). */
export function auditRow(e: AuditInput): Omit<AuditRow, 'id'> {
  return {
    show_id: e.showId,
    actor_id: e.actor.id,
    actor_name: e.actor.name,
    actor_role: e.actor.role,
    action: e.action,
    target: e.target ?? null,
    reason: e.reason ?? null,
    detail: e.detail ? JSON.stringify(e.detail) : null,
    created_at: e.at,
  };
}

export function auditEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    showId: r.show_id,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role,
    action: r.action,
    target: r.target,
    reason: r.reason,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    at: r.created_at,
  };
}
