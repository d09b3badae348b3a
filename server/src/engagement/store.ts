/**
 * Persistence of giveaways, entries, winners, red packets and their shares behind one asynchronous seam, on SQLite
 * (tables of migration 004, this file) or PostgreSQL (pg-migration 003, ./store-postgres.ts). What must be atomic is
 * one call: a red-packet claim, a draw, a packet with its shares. On PostgreSQL a claim or a draw locks its packet or
 * giveaway row, so claims through any number of nodes take shares one at a time and a giveaway is drawn once.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { GiveawayKind, GiveawayStatus } from '../../../shared/protocol/engagement';

export interface GiveawayRow {
  id: string;
  show_id: string;
  kind: GiveawayKind;
  prize: string;
  winner_count: number;
  eligibility: 'keyword' | 'follow';
  keyword: string | null;
  seed: string;
  commitment: string;
  status: GiveawayStatus;
  started_at: number;
  ends_at: number;
  entries_hash: string | null;
  drawn_at: number | null;
  created_by: string;
}

export interface EntryRow {
  user_key: string;
  public_id: string;
  name: string;
}

export interface WinnerRow {
  rank: number;
  user_key: string;
  public_id: string;
  name: string;
}

export interface RedPacketRow {
  id: string;
  show_id: string;
  amount: number;
  currency: string;
  count: number;
  note: string;
  status: 'open' | 'empty' | 'closed';
  created_at: number;
  ends_at: number;
  closed_at: number | null;
  created_by: string;
  claimed: number;
  claimed_amount: number;
}

const PACKET_COLS = `p.*,
  (SELECT COUNT(*) FROM red_packet_shares s WHERE s.packet_id = p.id AND s.claimer_key IS NOT NULL) AS claimed,
  (SELECT COALESCE(SUM(amount), 0) FROM red_packet_shares s WHERE s.packet_id = p.id AND s.claimer_key IS NOT NULL) AS claimed_amount`;

export interface Claimer {
  key: string;
  publicId: string;
  name: string;
}

/** A claim's result: no such packet in the show, this claimer's earlier share, none left, or a share just taken. */
export type ShareClaim =
  | { outcome: 'missing' }
  | { outcome: 'had'; amount: number; currency: string }
  | { outcome: 'empty'; last: boolean }
  | { outcome: 'won'; amount: number; currency: string; last: boolean };

/** How a running giveaway ends: computed from its row and entries inside the unit that records it. */
export interface GiveawayDecision {
  status: 'drawn' | 'cancelled';
  winners: WinnerRow[];
  entriesHash: string;
}

export type NewGiveaway = Omit<GiveawayRow, 'status' | 'entries_hash' | 'drawn_at'>;
export type NewPacket = Omit<RedPacketRow, 'status' | 'closed_at' | 'claimed' | 'claimed_amount'>;

export interface EngagementStore {
  insertGiveaway(g: NewGiveaway): Promise<void>;
  giveaway(id: string): Promise<GiveawayRow | null>;
  /** Running ones and the `finished` most recently drawn, newest first. */
  giveawaysOfShow(showId: string, finished: number): Promise<GiveawayRow[]>;
  runningGiveaways(): Promise<GiveawayRow[]>;
  /** Atomically, if it is still running: record `decide`'s winners and status. False when it had already ended. */
  finishGiveaway(id: string, at: number, decide: (g: GiveawayRow, entries: EntryRow[]) => GiveawayDecision): Promise<boolean>;
  /** False when this user had entered already, or the giveaway is no longer running. */
  addEntry(giveawayId: string, userKey: string, publicId: string, name: string, at: number): Promise<boolean>;
  entries(giveawayId: string): Promise<EntryRow[]>;
  entryCount(giveawayId: string): Promise<number>;
  enteredBy(showId: string, userKey: string): Promise<string[]>;
  winners(giveawayId: string): Promise<WinnerRow[]>;
  /** The packet and its shares, atomically. */
  insertPacket(p: NewPacket, shares: readonly number[]): Promise<void>;
  packet(id: string): Promise<RedPacketRow | null>;
  packetsOfShow(showId: string, finished: number): Promise<RedPacketRow[]>;
  openPackets(): Promise<{ id: string; show_id: string; ends_at: number }[]>;
  /** One atomic claim: this claimer's earlier share, else the lowest free share of an open packet not past its end. */
  claimShare(packetId: string, showId: string, claimer: Claimer, now: number): Promise<ShareClaim>;
  /** Close an open packet; false when it was not open. */
  closePacket(id: string, status: 'empty' | 'closed', at: number): Promise<boolean>;
  myPackets(showId: string, userKey: string): Promise<{ id: string; amount: number; currency: string }[]>;
}

/** The SQLite engine: synchronous statements on the node's file, each call its own (immediate) transaction. */
export function sqliteEngagementStore(db: Database): EngagementStore {
  const s = new SqliteEngagement(db);
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    insertGiveaway: (g) => run(() => s.insertGiveaway(g)),
    giveaway: (id) => run(() => s.giveaway(id)),
    giveawaysOfShow: (showId, finished) => run(() => s.giveawaysOfShow(showId, finished)),
    runningGiveaways: () => run(() => s.runningGiveaways()),
    finishGiveaway: (id, at, decide) =>
      run(() =>
        s.transaction(() => {
          const g = s.giveaway(id);
          if (g?.status !== 'running') return false;
          const d = decide(g, s.entries(id));
          for (const w of d.winners) s.addWinner(id, w);
          return s.finishGiveaway(id, d.status, d.entriesHash, at);
        }),
      ),
    addEntry: (giveawayId, userKey, publicId, name, at) => run(() => s.addEntry(giveawayId, userKey, publicId, name, at)),
    entries: (id) => run(() => s.entries(id)),
    entryCount: (id) => run(() => s.entryCount(id)),
    enteredBy: (showId, userKey) => run(() => s.enteredBy(showId, userKey)),
    winners: (id) => run(() => s.winners(id)),
    insertPacket: (p, shares) => run(() => s.transaction(() => s.insertPacket(p, shares))),
    packet: (id) => run(() => s.packet(id)),
    packetsOfShow: (showId, finished) => run(() => s.packetsOfShow(showId, finished)),
    openPackets: () => run(() => s.openPackets()),
    claimShare: (packetId, showId, c, now) =>
      run(() =>
        s.transaction((): ShareClaim => {
          const p = s.packet(packetId);
          if (!p || p.show_id !== showId) return { outcome: 'missing' };
          const had = s.shareOf(packetId, c.key);
          if (had !== null) return { outcome: 'had', amount: had, currency: p.currency };
          if (p.status !== 'open' || p.ends_at <= now) return { outcome: 'empty', last: false };
          const amount = s.takeShare(packetId, c.key, c.publicId, c.name, now);
          if (amount === null) return { outcome: 'empty', last: true };
          return { outcome: 'won', amount, currency: p.currency, last: s.freeShares(packetId) === 0 };
        }),
      ),
    closePacket: (id, status, at) => run(() => s.closePacket(id, status, at)),
    myPackets: (showId, userKey) => run(() => s.myPackets(showId, userKey)),
  };
}

class SqliteEngagement {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    this.s = {
      insertGiveaway: db.prepare(
        `INSERT INTO giveaways (id, show_id, kind, prize, winner_count, eligibility, keyword, seed, commitment, status, started_at, ends_at, created_by)
         VALUES (@id, @show_id, @kind, @prize, @winner_count, @eligibility, @keyword, @seed, @commitment, 'running', @started_at, @ends_at, @created_by)`,
      ),
      giveaway: db.prepare('SELECT * FROM giveaways WHERE id = ?'),
      giveawaysOfShow: db.prepare(
        `SELECT * FROM giveaways WHERE show_id = ? AND (status = 'running' OR id IN
           (SELECT id FROM giveaways WHERE show_id = ? AND status <> 'running' ORDER BY drawn_at DESC LIMIT ?))
         ORDER BY started_at DESC, id DESC`,
      ),
      running: db.prepare(`SELECT * FROM giveaways WHERE status = 'running' ORDER BY ends_at`),
      finish: db.prepare(`UPDATE giveaways SET status = ?, entries_hash = ?, drawn_at = ? WHERE id = ? AND status = 'running'`),
      // Only while it runs: an entry landing after the draw would not be in its published entrant list.
      insertEntry: db.prepare(
        `INSERT OR IGNORE INTO giveaway_entries (giveaway_id, user_key, public_id, name, entered_at)
         SELECT id, ?, ?, ?, ? FROM giveaways WHERE id = ? AND status = 'running'`,
      ),
      entries: db.prepare('SELECT user_key, public_id, name FROM giveaway_entries WHERE giveaway_id = ?'),
      entryCount: db.prepare('SELECT COUNT(*) AS n FROM giveaway_entries WHERE giveaway_id = ?'),
      enteredBy: db.prepare(
        `SELECT e.giveaway_id AS id FROM giveaway_entries e JOIN giveaways g ON g.id = e.giveaway_id
         WHERE g.show_id = ? AND e.user_key = ?`,
      ),
      insertWinner: db.prepare('INSERT INTO giveaway_winners (giveaway_id, rank, user_key, public_id, name) VALUES (?, ?, ?, ?, ?)'),
      winners: db.prepare('SELECT rank, user_key, public_id, name FROM giveaway_winners WHERE giveaway_id = ? ORDER BY rank'),

      insertPacket: db.prepare(
        `INSERT INTO red_packets (id, show_id, amount, currency, count, note, status, created_at, ends_at, created_by)
         VALUES (@id, @show_id, @amount, @currency, @count, @note, 'open', @created_at, @ends_at, @created_by)`,
      ),
      insertShare: db.prepare('INSERT INTO red_packet_shares (packet_id, idx, amount) VALUES (?, ?, ?)'),
      packet: db.prepare(`SELECT ${PACKET_COLS} FROM red_packets p WHERE p.id = ?`),
      packetsOfShow: db.prepare(
        `SELECT ${PACKET_COLS} FROM red_packets p WHERE p.show_id = ? AND (p.status = 'open' OR p.id IN
           (SELECT id FROM red_packets WHERE show_id = ? AND status <> 'open' ORDER BY created_at DESC LIMIT ?))
         ORDER BY p.created_at DESC, p.id DESC`,
      ),
      openPackets: db.prepare(`SELECT id, show_id, ends_at FROM red_packets WHERE status = 'open'`),
      shareOf: db.prepare('SELECT amount FROM red_packet_shares WHERE packet_id = ? AND claimer_key = ?'),
      // The lowest free share goes to this claimer; the partial unique index forbids a second share per claimer.
      takeShare: db.prepare(
        `UPDATE red_packet_shares SET claimer_key = ?, claimer_public = ?, claimer_name = ?, claimed_at = ?
         WHERE packet_id = ? AND claimer_key IS NULL
           AND idx = (SELECT MIN(idx) FROM red_packet_shares WHERE packet_id = ? AND claimer_key IS NULL)
         RETURNING amount`,
      ),
      freeShares: db.prepare('SELECT COUNT(*) AS n FROM red_packet_shares WHERE packet_id = ? AND claimer_key IS NULL'),
      setPacketStatus: db.prepare(`UPDATE red_packets SET status = ?, closed_at = ? WHERE id = ? AND status = 'open'`),
      myPackets: db.prepare(
        `SELECT p.id, s.amount, p.currency FROM red_packet_shares s JOIN red_packets p ON p.id = s.packet_id
         WHERE p.show_id = ? AND s.claimer_key = ?`,
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.db.transaction(fn)();
    return this.db.transaction(fn).immediate();
  }

  insertGiveaway(g: NewGiveaway): void {
    this.s.insertGiveaway!.run(g);
  }
  giveaway(id: string): GiveawayRow | null {
    return (this.s.giveaway!.get(id) as GiveawayRow | undefined) ?? null;
  }
  giveawaysOfShow(showId: string, finished: number): GiveawayRow[] {
    return this.s.giveawaysOfShow!.all(showId, showId, finished) as GiveawayRow[];
  }
  runningGiveaways(): GiveawayRow[] {
    return this.s.running!.all() as GiveawayRow[];
  }
  finishGiveaway(id: string, status: 'drawn' | 'cancelled', entriesHash: string, at: number): boolean {
    return this.s.finish!.run(status, entriesHash, at, id).changes === 1;
  }
  addEntry(giveawayId: string, userKey: string, publicId: string, name: string, at: number): boolean {
    return this.s.insertEntry!.run(userKey, publicId, name, at, giveawayId).changes === 1;
  }
  entries(giveawayId: string): EntryRow[] {
    return this.s.entries!.all(giveawayId) as EntryRow[];
  }
  entryCount(giveawayId: string): number {
    return (this.s.entryCount!.get(giveawayId) as { n: number }).n;
  }
  enteredBy(showId: string, userKey: string): string[] {
    return (this.s.enteredBy!.all(showId, userKey) as { id: string }[]).map((r) => r.id);
  }
  addWinner(giveawayId: string, w: WinnerRow): void {
    this.s.insertWinner!.run(giveawayId, w.rank, w.user_key, w.public_id, w.name);
  }
  winners(giveawayId: string): WinnerRow[] {
    return this.s.winners!.all(giveawayId) as WinnerRow[];
  }

  insertPacket(p: NewPacket, shares: readonly number[]): void {
    this.s.insertPacket!.run(p);
    shares.forEach((amount, idx) => {
      this.s.insertShare!.run(p.id, idx, amount);
    });
  }
  packet(id: string): RedPacketRow | null {
    return (this.s.packet!.get(id) as RedPacketRow | undefined) ?? null;
  }
  packetsOfShow(showId: string, finished: number): RedPacketRow[] {
    return this.s.packetsOfShow!.all(showId, showId, finished) as RedPacketRow[];
  }
  openPackets(): { id: string; show_id: string; ends_at: number }[] {
    return this.s.openPackets!.all() as { id: string; show_id: string; ends_at: number }[];
  }
  shareOf(packetId: string, userKey: string): number | null {
    return (this.s.shareOf!.get(packetId, userKey) as { amount: number } | undefined)?.amount ?? null;
  }
  takeShare(packetId: string, userKey: string, publicId: string, name: string, at: number): number | null {
    const r = this.s.takeShare!.get(userKey, publicId, name, at, packetId, packetId) as { amount: number } | undefined;
    return r?.amount ?? null;
  }
  freeShares(packetId: string): number {
    return (this.s.freeShares!.get(packetId) as { n: number }).n;
  }
  closePacket(id: string, status: 'empty' | 'closed', at: number): boolean {
    return this.s.setPacketStatus!.run(status, at, id).changes === 1;
  }
  myPackets(showId: string, userKey: string): { id: string; amount: number; currency: string }[] {
    return this.s.myPackets!.all(showId, userKey) as { id: string; amount: number; currency: string }[];
  }
}
