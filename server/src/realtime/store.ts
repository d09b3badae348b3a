/**
 * SQLite persistence of the realtime module (tables from migration 003; automatic replies: 010, 011): room settings and like totals, follows,
 * questions, canned replies, bans (+ their identity/device keys), timed mutes, filter settings, audit log.
 * Synchronous better-sqlite3 statements, prepared once.
 */
import type { Database } from 'better-sqlite3';
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

interface AuditRow {
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

export class RealtimeStore {
  private readonly q;

  constructor(private readonly db: Database) {
    this.q = {
      ensureRoom: db.prepare<[string]>('INSERT OR IGNORE INTO realtime_rooms (show_id) VALUES (?)'),
      room: db.prepare<[string], RoomRow>('SELECT * FROM realtime_rooms WHERE show_id = ?'),
      setLikes: db.prepare<[number, string]>('UPDATE realtime_rooms SET likes = ? WHERE show_id = ?'),
      setSlow: db.prepare<[number, string]>('UPDATE realtime_rooms SET slow_mode_s = ? WHERE show_id = ?'),
      setAnnouncement: db.prepare<[string | null, string | null, number | null, string]>(
        'UPDATE realtime_rooms SET announcement = ?, announcement_by = ?, announcement_at = ? WHERE show_id = ?',
      ),
      setAutoReply: db.prepare<[AutoReplyMode, string]>('UPDATE realtime_rooms SET auto_reply = ? WHERE show_id = ?'),
      setPinned: db.prepare<[string | null, string]>('UPDATE realtime_rooms SET pinned_answer = ? WHERE show_id = ?'),
      follow: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO realtime_follows (user_key, name, created_at) VALUES (?, ?, ?)'),
      isFollowing: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM realtime_follows WHERE user_key = ?'),
      followCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM realtime_follows'),
      insertQuestion: db.prepare(
        `INSERT INTO realtime_questions (id, show_id, asker_key, asker_public, asker_name, text, product_id, status, created_at)
         VALUES (@id, @show_id, @asker_key, @asker_public, @asker_name, @text, @product_id, 'unanswered', @created_at)`,
      ),
      question: db.prepare<[string], QuestionRow>('SELECT * FROM realtime_questions WHERE id = ?'),
      questions: db.prepare<[string, number, number], QuestionRow>(
        `SELECT * FROM realtime_questions WHERE show_id = ? AND (? = 1 OR status <> 'answered')
         ORDER BY CASE status WHEN 'unanswered' THEN 0 WHEN 'claimed' THEN 1 ELSE 2 END,
                  CASE status WHEN 'answered' THEN -answered_at ELSE created_at END, id
         LIMIT ?`,
      ),
      claim: db.prepare<[string, string, number, string, string]>(
        `UPDATE realtime_questions SET status = 'claimed', claimed_by = ?, claimed_by_name = ?, claimed_at = ?
         WHERE id = ? AND (status = 'unanswered' OR (status = 'claimed' AND claimed_by = ?))`,
      ),
      release: db.prepare<[string]>(
        `UPDATE realtime_questions SET status = 'unanswered', claimed_by = NULL, claimed_by_name = NULL, claimed_at = NULL
         WHERE id = ? AND status = 'claimed'`,
      ),
      answer: db.prepare<[string, string, AnswerVisibility, number, number, string]>(
        `UPDATE realtime_questions SET status = 'answered', claimed_by = NULL, answer = ?, answered_by = ?, visibility = ?, answered_at = ?,
                answered_auto = ?
         WHERE id = ? AND status <> 'answered'`,
      ),
      correctAuto: db.prepare<[string, string, AnswerVisibility, number, string]>(
        `UPDATE realtime_questions SET answer = ?, answered_by = ?, visibility = ?, answered_at = ?, answered_auto = 0
         WHERE id = ? AND status = 'answered' AND answered_auto = 1`,
      ),
      retractAuto: db.prepare<[string]>(
        `UPDATE realtime_questions SET status = 'unanswered', claimed_by = NULL, claimed_by_name = NULL, claimed_at = NULL,
                answer = NULL, answered_by = NULL, visibility = NULL, answered_at = NULL, answered_auto = 0
         WHERE id = ? AND status = 'answered' AND answered_auto = 1`,
      ),
      askerKeyByPublic: db.prepare<[string], { asker_key: string; asker_name: string }>(
        'SELECT asker_key, asker_name FROM realtime_questions WHERE asker_public = ? ORDER BY created_at DESC LIMIT 1',
      ),
      canned: db.prepare<[], { id: string; title: string; text: string; updated_at: number }>(
        'SELECT id, title, text, updated_at FROM realtime_canned ORDER BY title, id',
      ),
      insertCanned: db.prepare<[string, string, string, string, number]>(
        'INSERT INTO realtime_canned (id, title, text, created_by, updated_at) VALUES (?, ?, ?, ?, ?)',
      ),
      updateCanned: db.prepare<[string, string, number, string]>(
        'UPDATE realtime_canned SET title = ?, text = ?, updated_at = ? WHERE id = ?',
      ),
      deleteCanned: db.prepare<[string]>('DELETE FROM realtime_canned WHERE id = ?'),
      insertBan: db.prepare<[string, string, string | null, string, number]>(
        'INSERT INTO realtime_bans (public_id, name, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      insertBanKey: db.prepare<[number, 'user' | 'device', string]>(
        'INSERT OR IGNORE INTO realtime_ban_keys (ban_id, kind, value) VALUES (?, ?, ?)',
      ),
      activeBanKeys: db.prepare<[], { ban_id: number; kind: 'user' | 'device'; value: string }>(
        'SELECT k.ban_id, k.kind, k.value FROM realtime_ban_keys k JOIN realtime_bans b ON b.id = k.ban_id WHERE b.lifted_at IS NULL',
      ),
      activeBans: db.prepare<[], BanRow & { devices: number }>(
        `SELECT b.id, b.public_id, b.name, b.reason, b.created_by, b.created_at,
                (SELECT COUNT(*) FROM realtime_ban_keys k WHERE k.ban_id = b.id AND k.kind = 'device') AS devices
         FROM realtime_bans b WHERE b.lifted_at IS NULL ORDER BY b.id DESC`,
      ),
      bansFor: db.prepare<[string, string], { id: number }>(
        `SELECT DISTINCT b.id FROM realtime_bans b LEFT JOIN realtime_ban_keys k ON k.ban_id = b.id
         WHERE b.lifted_at IS NULL AND (b.public_id = ? OR (k.kind = 'user' AND k.value = ?))`,
      ),
      liftBan: db.prepare<[number, string, number]>(
        'UPDATE realtime_bans SET lifted_at = ?, lifted_by = ? WHERE id = ? AND lifted_at IS NULL',
      ),
      setMute: db.prepare<[string, 'user' | 'device', string, number]>(
        'INSERT INTO realtime_mutes (show_id, kind, value, until) VALUES (?, ?, ?, ?) ON CONFLICT (show_id, kind, value) DO UPDATE SET until = excluded.until',
      ),
      deleteMute: db.prepare<[string, 'user' | 'device', string]>(
        'DELETE FROM realtime_mutes WHERE show_id = ? AND kind = ? AND value = ?',
      ),
      mutes: db.prepare<[string, number], { kind: 'user' | 'device'; value: string; until: number }>(
        'SELECT kind, value, until FROM realtime_mutes WHERE show_id = ? AND until > ?',
      ),
      setting: db.prepare<[string], { value: string }>('SELECT value FROM realtime_settings WHERE key = ?'),
      putSetting: db.prepare<[string, string]>(
        'INSERT INTO realtime_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      audit: db.prepare(
        `INSERT INTO realtime_audit (show_id, actor_id, actor_name, actor_role, action, target, reason, detail, created_at)
         VALUES (@show_id, @actor_id, @actor_name, @actor_role, @action, @target, @reason, @detail, @created_at)`,
      ),
      auditList: db.prepare<[string | null, string | null, number, number], AuditRow>(
        `SELECT * FROM realtime_audit WHERE (? IS NULL OR show_id = ? OR show_id IS NULL) AND id < ? ORDER BY id DESC LIMIT ?`,
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  room(showId: string): RoomRow {
    this.q.ensureRoom.run(showId);
    return this.q.room.get(showId)!;
  }
  setLikes(showId: string, likes: number): void {
    this.q.setLikes.run(likes, showId);
  }
  setSlowMode(showId: string, seconds: number): void {
    this.q.setSlow.run(seconds, showId);
  }
  setAnnouncement(showId: string, a: Announcement | null): void {
    this.q.setAnnouncement.run(a?.text ?? null, a?.by ?? null, a?.at ?? null, showId);
  }
  setAutoReply(showId: string, mode: AutoReplyMode): void {
    this.q.ensureRoom.run(showId);
    this.q.setAutoReply.run(mode, showId);
  }
  setPinnedAnswer(showId: string, a: PublicAnswer | null): void {
    this.q.setPinned.run(a ? JSON.stringify(a) : null, showId);
  }

  /** Returns true when this is a new follow. */
  follow(userKey: string, name: string, now: number): boolean {
    return this.q.follow.run(userKey, name, now).changes === 1;
  }
  isFollowing(userKey: string): boolean {
    return this.q.isFollowing.get(userKey)!.n > 0;
  }
  followCount(): number {
    return this.q.followCount.get()!.n;
  }

  insertQuestion(
    row: Pick<QuestionRow, 'id' | 'show_id' | 'asker_key' | 'asker_public' | 'asker_name' | 'text' | 'product_id' | 'created_at'>,
  ): void {
    this.q.insertQuestion.run(row);
  }
  question(id: string): QuestionRow | null {
    return this.q.question.get(id) ?? null;
  }
  questions(showId: string, all: boolean, limit: number): QuestionRow[] {
    return this.q.questions.all(showId, all ? 1 : 0, limit);
  }
  claim(id: string, by: Actor, now: number): boolean {
    return this.q.claim.run(by.id, by.name, now, id, by.id).changes === 1;
  }
  release(id: string): boolean {
    return this.q.release.run(id).changes === 1;
  }
  answer(id: string, text: string, by: Actor, visibility: AnswerVisibility, now: number, auto = false): boolean {
    return this.q.answer.run(text, by.name, visibility, now, auto ? 1 : 0, id).changes === 1;
  }
  /** Replace an automatic answer with a person's (a correction); false when the answer is not automatic. */
  correctAuto(id: string, text: string, by: Actor, visibility: AnswerVisibility, now: number): boolean {
    return this.q.correctAuto.run(text, by.name, visibility, now, id).changes === 1;
  }
  /** Take back an automatic answer: the question is open again. False when the answer is not automatic. */
  retractAuto(id: string): boolean {
    return this.q.retractAuto.run(id).changes === 1;
  }
  askerByPublic(publicId: string): { key: string; name: string } | null {
    const r = this.q.askerKeyByPublic.get(publicId);
    return r ? { key: r.asker_key, name: r.asker_name } : null;
  }

  cannedReplies(): CannedReply[] {
    return this.q.canned.all().map((r) => ({ id: r.id, title: r.title, text: r.text, updatedAt: r.updated_at }));
  }
  createCanned(id: string, title: string, text: string, by: string, now: number): CannedReply {
    this.q.insertCanned.run(id, title, text, by, now);
    return { id, title, text, updatedAt: now };
  }
  updateCanned(id: string, title: string, text: string, now: number): CannedReply | null {
    return this.q.updateCanned.run(title, text, now, id).changes ? { id, title, text, updatedAt: now } : null;
  }
  deleteCanned(id: string): boolean {
    return this.q.deleteCanned.run(id).changes === 1;
  }

  insertBan(publicId: string, name: string, reason: string | null, by: string, now: number): number {
    return Number(this.q.insertBan.run(publicId, name, reason, by, now).lastInsertRowid);
  }
  addBanKey(banId: number, kind: 'user' | 'device', value: string): void {
    this.q.insertBanKey.run(banId, kind, value);
  }
  activeBanKeys(): { ban_id: number; kind: 'user' | 'device'; value: string }[] {
    return this.q.activeBanKeys.all();
  }
  activeBans(): (BanRow & { devices: number })[] {
    return this.q.activeBans.all();
  }
  /** Active bans naming this public id or containing this identity key. */
  bansFor(publicId: string, key: string): number[] {
    return this.q.bansFor.all(publicId, key).map((r) => r.id);
  }
  liftBan(id: number, by: string, now: number): void {
    this.q.liftBan.run(now, by, id);
  }

  setMute(showId: string, kind: 'user' | 'device', value: string, until: number): void {
    this.q.setMute.run(showId, kind, value, until);
  }
  deleteMute(showId: string, kind: 'user' | 'device', value: string): void {
    this.q.deleteMute.run(showId, kind, value);
  }
  mutes(showId: string, now: number): { kind: 'user' | 'device'; value: string; until: number }[] {
    return this.q.mutes.all(showId, now);
  }

  filterSettings(): FilterSettings | null {
    const r = this.q.setting.get('filter');
    return r ? (JSON.parse(r.value) as FilterSettings) : null;
  }
  setFilterSettings(s: FilterSettings): void {
    this.q.putSetting.run('filter', JSON.stringify(s));
  }

  audit(e: {
    showId: string | null;
    actor: Actor;
    action: string;
    target?: string | null;
    reason?: string | null;
    detail?: Record<string, unknown> | null;
    at: number;
  }): void {
    this.q.audit.run({
      show_id: e.showId,
      actor_id: e.actor.id,
      actor_name: e.actor.name,
      actor_role: e.actor.role,
      action: e.action,
      target: e.target ?? null,
      reason: e.reason ?? null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
      created_at: e.at,
    });
  }
  auditList(showId: string | null, beforeId: number | undefined, limit: number): AuditEntry[] {
    return this.q.auditList.all(showId, showId, beforeId ?? Number.MAX_SAFE_INTEGER, limit).map((r) => ({
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
    }));
  }
}
