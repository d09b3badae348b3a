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

/**
 * Finding a show that may live on another node (cluster/show-directory.ts): `find` answers from what is known now,
 * `resolve` asks the cluster when this node does not know it. A single node answers both from its own database.
 */
export interface ShowLookup {
  find(showId: string): ShowInfo | null;
  resolve(showId: string): Promise<ShowInfo | null>;
}

export class ShowRepository implements ShowLookup {
  private readonly stmts;
  private readonly listeners: Array<(show: ShowInfo) => void> = [];

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
      unfinished: db.prepare<[], ShowRow>(`SELECT * FROM shows WHERE status != 'ended' AND origin_node IS NULL`),
      origin: db.prepare<[string], { origin_node: string | null }>('SELECT origin_node FROM shows WHERE id = ?'),
      own: db.prepare<[number], ShowRow>('SELECT * FROM shows WHERE origin_node IS NULL ORDER BY created_at DESC LIMIT ?'),
      copy: db.prepare<[string, string, ShowStatus, number, number | null, number | null, string]>(
        `INSERT INTO shows (id, title, status, created_at, started_at, ended_at, origin_node) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, status = excluded.status, started_at = excluded.started_at,
           ended_at = excluded.ended_at
         WHERE shows.origin_node IS NOT NULL`,
      ),
    };
  }

  /** Told of every show this node creates or changes (cluster mode shares the record). */
  onChange(listener: (show: ShowInfo) => void): void {
    this.listeners.push(listener);
  }

  create(title: string, now = Date.now()): ShowInfo {
    const id = newShowId();
    this.stmts.insert.run(id, title, now);
    return this.changed(this.require(id));
  }

  get(id: string): ShowInfo | null {
    const r = this.stmts.get.get(id);
    return r ? toInfo(r) : null;
  }

  find(id: string): ShowInfo | null {
    return this.get(id);
  }

  async resolve(id: string): Promise<ShowInfo | null> {
    return this.get(id);
  }

  recent(limit = 20): ShowInfo[] {
    return this.stmts.recent.all(limit).map(toInfo);
  }

  /** The node that owns a copied show (null: this node's own show, or unknown). */
  originOf(id: string): string | null {
    return this.stmts.origin.get(id)?.origin_node ?? null;
  }

  /** This node's own shows, newest first (not the copies of other nodes' shows). */
  own(limit = 50): ShowInfo[] {
    return this.stmts.own.all(limit).map(toInfo);
  }

  /**
   * Keep a copy of a show another node owns (cluster mode: its chat, claims and viewer events here need the row). Never
   * overwrites one of this node's own shows; tells no listener.
   */
  keepCopy(show: ShowInfo, originNode: string): void {
    this.stmts.copy.run(show.id, show.title, show.status, show.createdAt, show.startedAt, show.endedAt, originNode);
  }

  /** This node's own shows left ready/live by a previous process (crash or restart). */
  unfinished(): ShowInfo[] {
    return this.stmts.unfinished.all().map(toInfo);
  }

  setTitle(id: string, title: string): ShowInfo {
    this.mutate(id, () => this.stmts.title.run(title, id));
    return this.changed(this.require(id));
  }

  markLive(id: string, at = Date.now()): ShowInfo {
    this.mutate(id, () => this.stmts.live.run(at, id));
    return this.changed(this.require(id));
  }

  markEnded(id: string, at = Date.now()): ShowInfo {
    const cur = this.require(id);
    if (cur.status === 'ended') return cur;
    this.stmts.ended.run(at, id);
    return this.changed(this.require(id));
  }

  private changed(show: ShowInfo): ShowInfo {
    for (const l of this.listeners) l(show);
    return show;
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
