/**
 * The realtime store on PostgreSQL (pg-migration 004), shared by every node of a cluster: one question queue, one
 * audit log, one list of bans. A claim or an answer is one conditional UPDATE, so two moderators on any two nodes
 * cannot both claim or both answer; a ban with its keys, a set of mutes and lifted bans are one transaction each.
 */
import type pg from 'pg';
import { pgTransaction } from '../db/postgres';
import type {
  Announcement,
  AnswerVisibility,
  AutoReplyMode,
  CannedReply,
  FilterSettings,
  PublicAnswer,
} from '../../../shared/protocol/realtime';
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

type Q = Pick<pg.Pool, 'query'> | pg.PoolClient;

export class PgRealtimeStore implements RealtimeStore {
  constructor(private readonly pool: pg.Pool) {}

  private async rows<R extends object>(sql: string, params: unknown[] = [], q: Q = this.pool): Promise<R[]> {
    return (await q.query<R>(sql, params)).rows;
  }
  private async changed(sql: string, params: unknown[]): Promise<number> {
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }
  async room(showId: string): Promise<RoomRow> {
    const [row] = await this.rows<RoomRow>(
      `INSERT INTO realtime_rooms (show_id) VALUES ($1)
       ON CONFLICT (show_id) DO UPDATE SET show_id = excluded.show_id RETURNING *`,
      [showId],
    );
    return row!;
  }
  async setLikes(showId: string, likes: number): Promise<void> {
    await this.pool.query('UPDATE realtime_rooms SET likes = $1 WHERE show_id = $2', [likes, showId]);
  }
  async setSlowMode(showId: string, seconds: number): Promise<void> {
    await this.pool.query('UPDATE realtime_rooms SET slow_mode_s = $1 WHERE show_id = $2', [seconds, showId]);
  }
  async setAnnouncement(showId: string, a: Announcement | null): Promise<void> {
    await this.pool.query('UPDATE realtime_rooms SET announcement = $1, announcement_by = $2, announcement_at = $3 WHERE show_id = $4', [
      a?.text ?? null,
      a?.by ?? null,
      a?.at ?? null,
      showId,
    ]);
  }
  async setAutoReply(showId: string, mode: AutoReplyMode): Promise<void> {
    await this.pool.query(
      `INSERT INTO realtime_rooms (show_id, auto_reply) VALUES ($1, $2) ON CONFLICT (show_id) DO UPDATE SET auto_reply = excluded.auto_reply`,
      [showId, mode],
    );
  }
  async setPinnedAnswer(showId: string, a: PublicAnswer | null): Promise<void> {
    await this.pool.query('UPDATE realtime_rooms SET pinned_answer = $1 WHERE show_id = $2', [a ? JSON.stringify(a) : null, showId]);
  }

  async follow(userKey: string, name: string, now: number): Promise<boolean> {
    return (
      (await this.changed('INSERT INTO realtime_follows (user_key, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        userKey,
        name,
        now,
      ])) === 1
    );
  }
  async isFollowing(userKey: string): Promise<boolean> {
    return (await this.rows('SELECT 1 FROM realtime_follows WHERE user_key = $1', [userKey])).length > 0;
  }
  async followCount(): Promise<number> {
    return (await this.rows<{ n: number }>('SELECT COUNT(*)::int AS n FROM realtime_follows'))[0]!.n;
  }

  async insertQuestion(r: NewQuestion): Promise<void> {
    await this.pool.query(
      `INSERT INTO realtime_questions (id, show_id, asker_key, asker_public, asker_name, text, product_id, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'unanswered', $8)`,
      [r.id, r.show_id, r.asker_key, r.asker_public, r.asker_name, r.text, r.product_id, r.created_at],
    );
  }
  async question(id: string): Promise<QuestionRow | null> {
    return (await this.rows<QuestionRow>('SELECT * FROM realtime_questions WHERE id = $1', [id]))[0] ?? null;
  }
  async questions(showId: string, all: boolean, limit: number): Promise<QuestionRow[]> {
    return this.rows<QuestionRow>(
      `SELECT * FROM realtime_questions WHERE show_id = $1 AND ($2 OR status <> 'answered')
       ORDER BY CASE status WHEN 'unanswered' THEN 0 WHEN 'claimed' THEN 1 ELSE 2 END,
                CASE status WHEN 'answered' THEN -answered_at ELSE created_at END, id COLLATE "C"
       LIMIT $3`,
      [showId, all, limit],
    );
  }
  async claim(id: string, by: Actor, now: number): Promise<boolean> {
    return (
      (await this.changed(
        `UPDATE realtime_questions SET status = 'claimed', claimed_by = $1, claimed_by_name = $2, claimed_at = $3
         WHERE id = $4 AND (status = 'unanswered' OR (status = 'claimed' AND claimed_by = $1))`,
        [by.id, by.name, now, id],
      )) === 1
    );
  }
  async release(id: string): Promise<boolean> {
    return (
      (await this.changed(
        `UPDATE realtime_questions SET status = 'unanswered', claimed_by = NULL, claimed_by_name = NULL, claimed_at = NULL
         WHERE id = $1 AND status = 'claimed'`,
        [id],
      )) === 1
    );
  }
  async answer(id: string, text: string, by: Actor, visibility: AnswerVisibility, now: number, auto = false): Promise<boolean> {
    return (
      (await this.changed(
        `UPDATE realtime_questions SET status = 'answered', claimed_by = NULL, answer = $1, answered_by = $2, visibility = $3,
                answered_at = $4, answered_auto = $5
         WHERE id = $6 AND (status = 'unanswered' OR ($5 = 0 AND status = 'claimed' AND claimed_by = $7))`,
        [text, by.name, visibility, now, auto ? 1 : 0, id, by.id],
      )) === 1
    );
  }
  async correctAuto(id: string, text: string, by: Actor, visibility: AnswerVisibility, now: number): Promise<boolean> {
    return (
      (await this.changed(
        `UPDATE realtime_questions SET answer = $1, answered_by = $2, visibility = $3, answered_at = $4, answered_auto = 0
         WHERE id = $5 AND status = 'answered' AND answered_auto = 1`,
        [text, by.name, visibility, now, id],
      )) === 1
    );
  }
  async retractAuto(id: string): Promise<boolean> {
    return (
      (await this.changed(
        `UPDATE realtime_questions SET status = 'unanswered', claimed_by = NULL, claimed_by_name = NULL, claimed_at = NULL,
                answer = NULL, answered_by = NULL, visibility = NULL, answered_at = NULL, answered_auto = 0
         WHERE id = $1 AND status = 'answered' AND answered_auto = 1`,
        [id],
      )) === 1
    );
  }
  async askerByPublic(publicId: string): Promise<{ key: string; name: string } | null> {
    const [r] = await this.rows<{ asker_key: string; asker_name: string }>(
      'SELECT asker_key, asker_name FROM realtime_questions WHERE asker_public = $1 ORDER BY created_at DESC LIMIT 1',
      [publicId],
    );
    return r ? { key: r.asker_key, name: r.asker_name } : null;
  }

  async cannedReplies(): Promise<CannedReply[]> {
    const rows = await this.rows<{ id: string; title: string; text: string; updated_at: number }>(
      'SELECT id, title, text, updated_at FROM realtime_canned ORDER BY title COLLATE "C", id COLLATE "C"',
    );
    return rows.map((r) => ({ id: r.id, title: r.title, text: r.text, updatedAt: r.updated_at }));
  }
  async createCanned(id: string, title: string, text: string, by: string, now: number): Promise<CannedReply> {
    await this.pool.query('INSERT INTO realtime_canned (id, title, text, created_by, updated_at) VALUES ($1, $2, $3, $4, $5)', [
      id,
      title,
      text,
      by,
      now,
    ]);
    return { id, title, text, updatedAt: now };
  }
  async updateCanned(id: string, title: string, text: string, now: number): Promise<CannedReply | null> {
    const n = await this.changed('UPDATE realtime_canned SET title = $1, text = $2, updated_at = $3 WHERE id = $4', [title, text, now, id]);
    return n ? { id, title, text, updatedAt: now } : null;
  }
  async deleteCanned(id: string): Promise<boolean> {
    return (await this.changed('DELETE FROM realtime_canned WHERE id = $1', [id])) === 1;
  }

  async insertBan(ban: NewBan, keys: readonly BlockKey[]): Promise<number> {
    return pgTransaction(this.pool, async (c) => {
      const [row] = await this.rows<{ id: number }>(
        'INSERT INTO realtime_bans (public_id, name, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [ban.publicId, ban.name, ban.reason, ban.by, ban.at],
        c,
      );
      for (const k of keys) await addKey(c, row!.id, k);
      return row!.id;
    });
  }
  async addBanKey(banId: number, key: BlockKey): Promise<void> {
    await addKey(this.pool, banId, key);
  }
  async activeBanKeys(): Promise<(BlockKey & { ban_id: number })[]> {
    return this.rows(
      'SELECT k.ban_id, k.kind, k.value FROM realtime_ban_keys k JOIN realtime_bans b ON b.id = k.ban_id WHERE b.lifted_at IS NULL',
    );
  }
  async activeBans(): Promise<(BanRow & { devices: number })[]> {
    return this.rows(
      `SELECT b.id, b.public_id, b.name, b.reason, b.created_by, b.created_at,
              (SELECT COUNT(*)::int FROM realtime_ban_keys k WHERE k.ban_id = b.id AND k.kind = 'device') AS devices
       FROM realtime_bans b WHERE b.lifted_at IS NULL ORDER BY b.id DESC`,
    );
  }
  async bansFor(publicId: string, key: string): Promise<number[]> {
    const rows = await this.rows<{ id: number }>(
      `SELECT DISTINCT b.id FROM realtime_bans b LEFT JOIN realtime_ban_keys k ON k.ban_id = b.id
       WHERE b.lifted_at IS NULL AND (b.public_id = $1 OR (k.kind = 'user' AND k.value = $2))`,
      [publicId, key],
    );
    return rows.map((r) => r.id);
  }
  async liftBans(ids: readonly number[], by: string, now: number): Promise<void> {
    if (!ids.length) return;
    // One statement: every ban in the set or none.
    await this.pool.query('UPDATE realtime_bans SET lifted_at = $1, lifted_by = $2 WHERE id = ANY($3::bigint[]) AND lifted_at IS NULL', [
      now,
      by,
      ids,
    ]);
  }

  async setMutes(showId: string, keys: readonly BlockKey[], until: number | null): Promise<void> {
    if (!keys.length) return;
    const kinds = keys.map((k) => k.kind);
    const values = keys.map((k) => k.value);
    // One statement each way: the set is muted (or unmuted) as a whole.
    if (until === null) {
      await this.pool.query(
        `DELETE FROM realtime_mutes m USING unnest($2::text[], $3::text[]) AS k(kind, value)
         WHERE m.show_id = $1 AND m.kind = k.kind AND m.value = k.value`,
        [showId, kinds, values],
      );
      return;
    }
    await this.pool.query(
      `INSERT INTO realtime_mutes (show_id, kind, value, until)
       SELECT DISTINCT $1, k.kind, k.value, $4::bigint FROM unnest($2::text[], $3::text[]) AS k(kind, value)
       ON CONFLICT (show_id, kind, value) DO UPDATE SET until = excluded.until`,
      [showId, kinds, values, until],
    );
  }
  async mutes(showId: string, now: number): Promise<(BlockKey & { until: number })[]> {
    return this.rows('SELECT kind, value, until FROM realtime_mutes WHERE show_id = $1 AND until > $2', [showId, now]);
  }

  async filterSettings(): Promise<FilterSettings | null> {
    const [r] = await this.rows<{ value: string }>(`SELECT value FROM realtime_settings WHERE key = 'filter'`);
    return r ? (JSON.parse(r.value) as FilterSettings) : null;
  }
  async setFilterSettings(s: FilterSettings): Promise<void> {
    await this.pool.query(
      `INSERT INTO realtime_settings (key, value) VALUES ('filter', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [JSON.stringify(s)],
    );
  }

  async audit(e: AuditInput): Promise<void> {
    const r = auditRow(e);
    await this.pool.query(
      `INSERT INTO realtime_audit (show_id, actor_id, actor_name, actor_role, action, target, reason, detail, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [r.show_id, r.actor_id, r.actor_name, r.actor_role, r.action, r.target, r.reason, r.detail, r.created_at],
    );
  }
  async auditList(showId: string | null, beforeId: number | undefined, limit: number) {
    const rows = await this.rows<AuditRow>(
      `SELECT * FROM realtime_audit WHERE ($1::text IS NULL OR show_id = $1 OR show_id IS NULL) AND id < $2 ORDER BY id DESC LIMIT $3`,
      [showId, beforeId ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map(auditEntry);
  }
}

async function addKey(q: Q, banId: number, k: BlockKey): Promise<void> {
  await q.query('INSERT INTO realtime_ban_keys (ban_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [banId, k.kind, k.value]);
}
