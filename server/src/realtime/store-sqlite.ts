/**
 * The realtime store on the node's SQLite file (tables of migration 003; automatic replies: 010, 011). Statements are
 * synchronous and prepared once; each method runs its statements when called (before its promise settles), so the
 * hub's fire-and-forget writes land in the order they were made.
 */
import type { Database } from 'better-sqlite3';
import type { Announcement, AnswerVisibility, AutoReplyMode, FilterSettings, PublicAnswer } from '../../../shared/protocol/realtime';
import {
  type Actor,
  type AuditInput,
  type AuditRow,
  auditEntry,
  auditRow,
  type BanRow,
  type BlockKey,
  type NewBan,
  type NewQuestion,
  type QuestionRow,
  type RealtimeStore,
  type RoomRow,
} from './store';

export class SqliteRealtimeStore implements RealtimeStore {
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
      insertQuestion: db.prepare<[NewQuestion]>(
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
      answer: db.prepare<[string, string, AnswerVisibility, number, number, string, number, string]>(
        `UPDATE realtime_questions SET status = 'answered', claimed_by = NULL, answer = ?, answered_by = ?, visibility = ?, answered_at = ?,
                answered_auto = ?
         WHERE id = ? AND (status = 'unanswered' OR (? = 0 AND status = 'claimed' AND claimed_by = ?))`,
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
        'INSERT INTO realtime_ban_keys (ban_id, kind, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      activeBanKeys: db.prepare<[], BlockKey & { ban_id: number }>(
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
      mutes: db.prepare<[string, number], BlockKey & { until: number }>(
        'SELECT kind, value, until FROM realtime_mutes WHERE show_id = ? AND until > ?',
      ),
      setting: db.prepare<[string], { value: string }>('SELECT value FROM realtime_settings WHERE key = ?'),
      putSetting: db.prepare<[string, string]>(
        'INSERT INTO realtime_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      audit: db.prepare<[Omit<AuditRow, 'id'>]>(
        `INSERT INTO realtime_audit (show_id, actor_id, actor_name, actor_role, action, target, reason, detail, created_at)
         VALUES (@show_id, @actor_id, @actor_name, @actor_role, @action, @target, @reason, @detail, @created_at)`,
      ),
      auditList: db.prepare<[string | null, string | null, number, number], AuditRow>(
        `SELECT * FROM realtime_audit WHERE (? IS NULL OR show_id = ? OR show_id IS NULL) AND id < ? ORDER BY id DESC LIMIT ?`,
      ),
    };
  }

  private unit<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.db.transaction(fn)();
    return this.db.transaction(fn).immediate();
  }

  async room(showId: string): Promise<RoomRow> {
    this.q.ensureRoom.run(showId);
    return this.q.room.get(showId)!;
  }
  async setLikes(showId: string, likes: number): Promise<void> {
    this.q.setLikes.run(likes, showId);
  }
  async setSlowMode(showId: string, seconds: number): Promise<void> {
    this.q.setSlow.run(seconds, showId);
  }
  async setAnnouncement(showId: string, a: Announcement | null): Promise<void> {
    this.q.setAnnouncement.run(a?.text ?? null, a?.by ?? null, a?.at ?? null, showId);
  }
  async setAutoReply(showId: string, mode: AutoReplyMode): Promise<void> {
    this.q.ensureRoom.run(showId);
    this.q.setAutoReply.run(mode, showId);
  }
  async setPinnedAnswer(showId: string, a: PublicAnswer | null): Promise<void> {
    this.q.setPinned.run(a ? JSON.stringify(a) : null, showId);
  }

  async follow(userKey: string, name: string, now: number): Promise<boolean> {
    return this.q.follow.run(userKey, name, now).changes === 1;
  }
  async isFollowing(userKey: string): Promise<boolean> {
    return this.q.isFollowing.get(userKey)!.n > 0;
  }
  async followCount(): Promise<number> {
    return this.q.followCount.get()!.n;
  }

  async insertQuestion(row: NewQuestion): Promise<void> {
    this.q.insertQuestion.run(row);
  }
  async question(id: string): Promise<QuestionRow | null> {
    return this.q.question.get(id) ?? null;
  }
  async questions(showId: string, all: boolean, limit: number): Promise<QuestionRow[]> {
    return this.q.questions.all(showId, all ? 1 : 0, limit);
  }
  async claim(id: string, by: Actor, now: number): Promise<boolean> {
    return this.q.claim.run(by.id, by.name, now, id, by.id).changes === 1;
  }
  async release(id: string): Promise<boolean> {
    return this.q.release.run(id).changes === 1;
  }
  async answer(id: string, text: string, by: Actor, visibility: AnswerVisibility, now: number, auto = false): Promise<boolean> {
    const a = auto ? 1 : 0;
    return this.q.answer.run(text, by.name, visibility, now, a, id, a, by.id).changes === 1;
  }
  async correctAuto(id: string, text: string, by: Actor, visibility: AnswerVisibility, now: number): Promise<boolean> {
    return this.q.correctAuto.run(text, by.name, visibility, now, id).changes === 1;
  }
  async retractAuto(id: string): Promise<boolean> {
    return this.q.retractAuto.run(id).changes === 1;
  }
  async askerByPublic(publicId: string): Promise<{ key: string; name: string } | null> {
    const r = this.q.askerKeyByPublic.get(publicId);
    return r ? { key: r.asker_key, name: r.asker_name } : null;
  }

  async cannedReplies() {
    return this.q.canned.all().map((r) => ({ id: r.id, title: r.title, text: r.text, updatedAt: r.updated_at }));
  }
  async createCanned(id: string, title: string, text: string, by: string, now: number) {
    this.q.insertCanned.run(id, title, text, by, now);
    return { id, title, text, updatedAt: now };
  }
  async updateCanned(id: string, title: string, text: string, now: number) {
    return this.q.updateCanned.run(title, text, now, id).changes ? { id, title, text, updatedAt: now } : null;
  }
  async deleteCanned(id: string): Promise<boolean> {
    return this.q.deleteCanned.run(id).changes === 1;
  }

  async insertBan(ban: NewBan, keys: readonly BlockKey[]): Promise<number> {
    return this.unit(() => {
      const id = Number(this.q.insertBan.run(ban.publicId, ban.name, ban.reason, ban.by, ban.at).lastInsertRowid);
      for (const k of keys) this.q.insertBanKey.run(id, k.kind, k.value);
      return id;
    });
  }
  async addBanKey(banId: number, key: BlockKey): Promise<void> {
    this.q.insertBanKey.run(banId, key.kind, key.value);
  }
  async activeBanKeys() {
    return this.q.activeBanKeys.all();
  }
  async activeBans() {
    return this.q.activeBans.all();
  }
  async bansFor(publicId: string, key: string): Promise<number[]> {
    return this.q.bansFor.all(publicId, key).map((r) => r.id);
  }
  async liftBans(ids: readonly number[], by: string, now: number): Promise<void> {
    this.unit(() => {
      for (const id of ids) this.q.liftBan.run(now, by, id);
    });
  }

  async setMutes(showId: string, keys: readonly BlockKey[], until: number | null): Promise<void> {
    this.unit(() => {
      for (const k of keys) {
        if (until !== null) this.q.setMute.run(showId, k.kind, k.value, until);
        else this.q.deleteMute.run(showId, k.kind, k.value);
      }
    });
  }
  async mutes(showId: string, now: number) {
    return this.q.mutes.all(showId, now);
  }

  async filterSettings(): Promise<FilterSettings | null> {
    const r = this.q.setting.get('filter');
    return r ? (JSON.parse(r.value) as FilterSettings) : null;
  }
  async setFilterSettings(s: FilterSettings): Promise<void> {
    this.q.putSetting.run('filter', JSON.stringify(s));
  }

  async audit(e: AuditInput): Promise<void> {
    this.q.audit.run(auditRow(e));
  }
  async auditList(showId: string | null, beforeId: number | undefined, limit: number) {
    return this.q.auditList.all(showId, showId, beforeId ?? Number.MAX_SAFE_INTEGER, limit).map(auditEntry);
  }
}
