/**
 * The engagement store on PostgreSQL (pg-migration 003), shared by every node. A claim locks its packet row and a
 * draw its giveaway row (SELECT … FOR UPDATE) for the length of one transaction, so concurrent claims through any
 * nodes take shares one at a time — each claimer at most one (also a partial unique index), never more shares than
 * there are — and a giveaway is drawn exactly once, whichever nodes try.
 */
import type pg from 'pg';
import { pgTransaction } from '../db/postgres';
import type {
  Claimer,
  EngagementStore,
  EntryRow,
  GiveawayDecision,
  GiveawayRow,
  NewGiveaway,
  NewPacket,
  RedPacketRow,
  ShareClaim,
  WinnerRow,
} from './store';

const PACKET_COLS = `p.*,
  (SELECT COUNT(*) FROM red_packet_shares s WHERE s.packet_id = p.id AND s.claimer_key IS NOT NULL)::int AS claimed,
  (SELECT COALESCE(SUM(amount), 0) FROM red_packet_shares s WHERE s.packet_id = p.id AND s.claimer_key IS NOT NULL)::bigint AS claimed_amount`;

type Q = Pick<pg.Pool, 'query'> | pg.PoolClient;

async function rows<R extends object>(q: Q, sql: string, params: unknown[] = []): Promise<R[]> {
  return (await q.query<R>(sql, params)).rows;
}

export function postgresEngagementStore(pool: pg.Pool): EngagementStore {
  /** One transaction on one pooled client; only `fn`'s own queries are awaited inside it. */
  const unit = <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => pgTransaction(pool, fn);
  const one = async <R extends object>(sql: string, params: unknown[]): Promise<R | null> => (await rows<R>(pool, sql, params))[0] ?? null;

  return {
    async insertGiveaway(g: NewGiveaway) {
      await pool.query(
        `INSERT INTO giveaways (id, show_id, kind, prize, winner_count, eligibility, keyword, seed, commitment, status, started_at, ends_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'running', $10, $11, $12)`,
        [
          g.id,
          g.show_id,
          g.kind,
          g.prize,
          g.winner_count,
          g.eligibility,
          g.keyword,
          g.seed,
          g.commitment,
          g.started_at,
          g.ends_at,
          g.created_by,
        ],
      );
    },
    giveaway: (id) => one<GiveawayRow>('SELECT * FROM giveaways WHERE id = $1', [id]),
    giveawaysOfShow: (showId, finished) =>
      rows<GiveawayRow>(
        pool,
        `SELECT * FROM giveaways WHERE show_id = $1 AND (status = 'running' OR id IN
           (SELECT id FROM giveaways WHERE show_id = $1 AND status <> 'running' ORDER BY drawn_at DESC LIMIT $2))
         ORDER BY started_at DESC, id DESC`,
        [showId, finished],
      ),
    runningGiveaways: () => rows<GiveawayRow>(pool, `SELECT * FROM giveaways WHERE status = 'running' ORDER BY ends_at`),
    finishGiveaway: (id: string, at: number, decide: (g: GiveawayRow, entries: EntryRow[]) => GiveawayDecision) =>
      unit(async (c) => {
        const g = (await rows<GiveawayRow>(c, 'SELECT * FROM giveaways WHERE id = $1 FOR UPDATE', [id]))[0];
        if (g?.status !== 'running') return false;
        const d = decide(g, await rows<EntryRow>(c, 'SELECT user_key, public_id, name FROM giveaway_entries WHERE giveaway_id = $1', [id]));
        for (const w of d.winners) {
          await c.query('INSERT INTO giveaway_winners (giveaway_id, rank, user_key, public_id, name) VALUES ($1, $2, $3, $4, $5)', [
            id,
            w.rank,
            w.user_key,
            w.public_id,
            w.name,
          ]);
        }
        const r = await c.query(`UPDATE giveaways SET status = $1, entries_hash = $2, drawn_at = $3 WHERE id = $4 AND status = 'running'`, [
          d.status,
          d.entriesHash,
          at,
          id,
        ]);
        return r.rowCount === 1;
      }),
    async addEntry(giveawayId, userKey, publicId, name, at) {
      const r = await pool.query(
        // Only while it runs, and never beside a draw: the share lock waits for a draw in progress, which in turn
        // waits for the entries being written, so an entry is either in the draw's entrant list or refused.
        `INSERT INTO giveaway_entries (giveaway_id, user_key, public_id, name, entered_at)
         SELECT id, $2, $3, $4, $5 FROM giveaways WHERE id = $1 AND status = 'running' FOR SHARE
         ON CONFLICT DO NOTHING`,
        [giveawayId, userKey, publicId, name, at],
      );
      return r.rowCount === 1;
    },
    entries: (id) => rows<EntryRow>(pool, 'SELECT user_key, public_id, name FROM giveaway_entries WHERE giveaway_id = $1', [id]),
    async entryCount(id) {
      return (await one<{ n: number }>('SELECT COUNT(*)::int AS n FROM giveaway_entries WHERE giveaway_id = $1', [id]))!.n;
    },
    async enteredBy(showId, userKey) {
      const r = await rows<{ id: string }>(
        pool,
        `SELECT e.giveaway_id AS id FROM giveaway_entries e JOIN giveaways g ON g.id = e.giveaway_id WHERE g.show_id = $1 AND e.user_key = $2`,
        [showId, userKey],
      );
      return r.map((x) => x.id);
    },
    winners: (id) =>
      rows<WinnerRow>(pool, 'SELECT rank, user_key, public_id, name FROM giveaway_winners WHERE giveaway_id = $1 ORDER BY rank', [id]),
    insertPacket: (p: NewPacket, shares: readonly number[]) =>
      unit(async (c) => {
        await c.query(
          `INSERT INTO red_packets (id, show_id, amount, currency, count, note, status, created_at, ends_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9)`,
          [p.id, p.show_id, p.amount, p.currency, p.count, p.note, p.created_at, p.ends_at, p.created_by],
        );
        await c.query(
          'INSERT INTO red_packet_shares (packet_id, idx, amount) SELECT $1, i - 1, a FROM unnest($2::bigint[]) WITH ORDINALITY AS t(a, i)',
          [p.id, shares],
        );
      }),
    packet: (id) => one<RedPacketRow>(`SELECT ${PACKET_COLS} FROM red_packets p WHERE p.id = $1`, [id]),
    packetsOfShow: (showId, finished) =>
      rows<RedPacketRow>(
        pool,
        `SELECT ${PACKET_COLS} FROM red_packets p WHERE p.show_id = $1 AND (p.status = 'open' OR p.id IN
           (SELECT id FROM red_packets WHERE show_id = $1 AND status <> 'open' ORDER BY created_at DESC LIMIT $2))
         ORDER BY p.created_at DESC, p.id DESC`,
        [showId, finished],
      ),
    openPackets: () =>
      rows<{ id: string; show_id: string; ends_at: number }>(pool, `SELECT id, show_id, ends_at FROM red_packets WHERE status = 'open'`),
    claimShare: (packetId: string, showId: string, claimer: Claimer, now: number) =>
      unit(async (c): Promise<ShareClaim> => {
        const p = (
          await rows<{ show_id: string; currency: string; status: string; ends_at: number }>(
            c,
            'SELECT show_id, currency, status, ends_at FROM red_packets WHERE id = $1 FOR UPDATE',
            [packetId],
          )
        )[0];
        if (!p || p.show_id !== showId) return { outcome: 'missing' };
        const had = (
          await rows<{ amount: number }>(c, 'SELECT amount FROM red_packet_shares WHERE packet_id = $1 AND claimer_key = $2', [
            packetId,
            claimer.key,
          ])
        )[0];
        if (had) return { outcome: 'had', amount: had.amount, currency: p.currency };
        if (p.status !== 'open' || p.ends_at <= now) return { outcome: 'empty', last: false };
        const taken = (
          await rows<{ amount: number }>(
            c,
            `UPDATE red_packet_shares SET claimer_key = $2, claimer_public = $3, claimer_name = $4, claimed_at = $5
             WHERE packet_id = $1 AND claimer_key IS NULL
               AND idx = (SELECT MIN(idx) FROM red_packet_shares WHERE packet_id = $1 AND claimer_key IS NULL)
             RETURNING amount`,
            [packetId, claimer.key, claimer.publicId, claimer.name, now],
          )
        )[0];
        if (!taken) return { outcome: 'empty', last: true };
        const free = (
          await rows<{ n: number }>(c, 'SELECT COUNT(*)::int AS n FROM red_packet_shares WHERE packet_id = $1 AND claimer_key IS NULL', [
            packetId,
          ])
        )[0]!.n;
        return { outcome: 'won', amount: taken.amount, currency: p.currency, last: free === 0 };
      }),
    async closePacket(id, status, at) {
      const r = await pool.query(`UPDATE red_packets SET status = $1, closed_at = $2 WHERE id = $3 AND status = 'open'`, [status, at, id]);
      return r.rowCount === 1;
    },
    myPackets: (showId, userKey) =>
      rows<{ id: string; amount: number; currency: string }>(
        pool,
        `SELECT p.id, s.amount, p.currency FROM red_packet_shares s JOIN red_packets p ON p.id = s.packet_id
         WHERE p.show_id = $1 AND s.claimer_key = $2`,
        [showId, userKey],
      ),
  };
}
