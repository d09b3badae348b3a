import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { ShowInfo, ShowStatus } from '../../../shared/domain/show';

interface ShowRow {
  id: string;
  title: string;
  status: ShowStatus;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
}

function toInfo(r: ShowRow): ShowInfo {
  return { id: r.id, title: r.title, status: r.status, createdAt: r.created_at, startedAt: r.started_at, endedAt: r.ended_at };
}

export class ShowNotFoundError extends Error {}
export class ShowStateError extends Error {}

/** URL-safe random show id (matches the ShowId schema). */
export function newShowId(): string {
  return randomBytes(9).toString('base64url');
}

export class ShowRepository {
  private readonly stmts;

  constructor(db: Database) {
    this.stmts = {
      insert: db.prepare<[string, string, number]>(`INSERT INTO shows (id, title, status, created_at) VALUES (?, ?, 'ready', ?)`),
      get: db.prepare<[string], ShowRow>('SELECT * FROM shows WHERE id = ?'),
      title: db.prepare<[string, string]>(`UPDATE shows SET title = ? WHERE id = ? AND status != 'ended'`),
      live: db.prepare<[number, string]>(
        `UPDATE shows SET status = 'live', started_at = COALESCE(started_at, ?) WHERE id = ? AND status != 'ended'`,
      ),
      ended: db.prepare<[number, string]>(`UPDATE shows SET status = 'ended', ended_at = ? WHERE id = ? AND status != 'ended'`),
      recent: db.prepare<[number], ShowRow>('SELECT * FROM shows ORDER BY created_at DESC LIMIT ?'),
      unfinished: db.prepare<[], ShowRow>(`SELECT * FROM shows WHERE status != 'ended'`),
    };
  }

  create(title: string, now = Date.now()): ShowInfo {
    const id = newShowId();
    this.stmts.insert.run(id, title, now);
    return this.require(id);
  }

  get(id: string): ShowInfo | null {
    const r = this.stmts.get.get(id);
    return r ? toInfo(r) : null;
  }

  recent(limit = 20): ShowInfo[] {
    return this.stmts.recent.all(limit).map(toInfo);
  }

  /** Shows left ready/live by a previous process (crash or restart). */
  unfinished(): ShowInfo[] {
    return this.stmts.unfinished.all().map(toInfo);
  }

  setTitle(id: string, title: string): ShowInfo {
    this.mutate(id, () => this.stmts.title.run(title, id));
    return this.require(id);
  }

  markLive(id: string, at = Date.now()): ShowInfo {
    this.mutate(id, () => this.stmts.live.run(at, id));
    return this.require(id);
  }

  markEnded(id: string, at = Date.now()): ShowInfo {
    const cur = this.require(id);
    if (cur.status === 'ended') return cur;
    this.stmts.ended.run(at, id);
    return this.require(id);
  }

  private mutate(id: string, fn: () => { changes: number }): void {
    const cur = this.require(id);
    if (fn().changes === 0) throw new ShowStateError(`show ${id} is ${cur.status}`);
  }

  private require(id: string): ShowInfo {
    const s = this.get(id);
    if (!s) throw new ShowNotFoundError(`unknown show ${id}`);
    return s;
  }
}
