/**
 * Lucky bags and danmaku lotteries: auditable commit–reveal draws. Entries come from the hub's chat and follow
 * observer on whichever node the viewer is connected to, so every node follows the running giveaways of the store
 * (`refresh`, every second): with a shared store (PostgreSQL) a giveaway started on one node takes entries on all.
 * The draw of a due giveaway and its entrant count are scheduled work (`runDue`): one node runs it, the holder of
 * the engagement lease in a cluster. A draw is one atomic store call that records it once, whoever runs it.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { canonicalEntrants, commitmentOf, drawWinners, entriesHash, matchesKeyword } from '../../../shared/engagement/draw';
import type { EngagementEvent, GiveawayStart, GiveawayView } from '../../../shared/protocol/engagement';
import { RpcError } from '../../../shared/protocol/rpc';
import type { Logger } from '../log';
import type { Connection } from '../realtime/connection';
import type { EngagementStore, GiveawayRow } from './store';

interface RunningGiveaway {
  id: string;
  showId: string;
  keyword: string | null;
  endsAt: number;
  /** Users this node has entered (their entries are stored; the store counts every node's). */
  entered: Set<string>;
  /** The entrant count last published (runDue). */
  pushedCount: number;
  /** When this node started following it (`Giveaways.seq`). */
  since: number;
}

export interface GiveawayDeps {
  store: EngagementStore;
  log: Logger;
  clock: () => number;
  publish(showId: string, event: EngagementEvent): void;
}

export class Giveaways {
  private readonly running = new Map<string, RunningGiveaway>();
  /** Entry writes in flight, chained (a draw on this node waits for them). */
  private entryWrites: Promise<void> = Promise.resolve();
  /** Counts additions to `running`, so a refresh read before one does not drop it. */
  private seq = 0;

  constructor(private readonly d: GiveawayDeps) {}

  /** Follow the store's running giveaways (started on any node); returns them. */
  async refresh(): Promise<GiveawayRow[]> {
    const mark = this.seq;
    const rows = await this.d.store.runningGiveaways();
    const ids = new Set(rows.map((g) => g.id));
    for (const [id, r] of this.running) if (!ids.has(id) && r.since <= mark) this.running.delete(id);
    for (const g of rows) {
      if (!this.running.has(g.id)) this.follow(g, -1);
    }
    return rows;
  }

  private follow(g: GiveawayRow, pushedCount: number): void {
    this.running.set(g.id, {
      id: g.id,
      showId: g.show_id,
      keyword: g.keyword,
      endsAt: g.ends_at,
      entered: new Set(),
      pushedCount,
      since: ++this.seq,
    });
  }

  async view(g: GiveawayRow): Promise<GiveawayView> {
    const revealed = g.status !== 'running';
    const [entrants, winners] = await Promise.all([
      this.d.store.entryCount(g.id),
      revealed ? this.d.store.winners(g.id) : Promise.resolve(null),
    ]);
    return {
      id: g.id,
      showId: g.show_id,
      kind: g.kind,
      prize: g.prize,
      winnerCount: g.winner_count,
      eligibility: g.eligibility === 'keyword' ? { type: 'keyword', keyword: g.keyword ?? '' } : { type: 'follow' },
      startedAt: g.started_at,
      endsAt: g.ends_at,
      status: g.status,
      commitment: g.commitment,
      entrants,
      seed: revealed ? g.seed : null,
      entriesHash: revealed ? g.entries_hash : null,
      winners: winners ? winners.map((w) => ({ userId: w.public_id, name: w.name })) : null,
      drawnAt: g.drawn_at,
    };
  }

  async start(showId: string, input: z.output<typeof GiveawayStart>, createdBy: string): Promise<GiveawayRow> {
    const now = this.d.clock();
    const seed = randomBytes(32).toString('hex');
    const row = {
      id: `g_${randomBytes(9).toString('base64url')}`,
      show_id: showId,
      kind: input.kind,
      prize: input.prize,
      winner_count: input.winners,
      eligibility: input.eligibility.type,
      keyword: input.eligibility.type === 'keyword' ? input.eligibility.keyword : null,
      seed,
      commitment: commitmentOf(seed),
      started_at: now,
      ends_at: now + input.durationSec * 1000,
      created_by: createdBy,
    };
    await this.d.store.insertGiveaway(row);
    const stored = (await this.d.store.giveaway(row.id))!;
    this.follow(stored, 0);
    this.d.publish(showId, { type: 'giveaway.started', giveaway: await this.view(stored) });
    return stored;
  }

  /** A running giveaway of the show, or NOT_FOUND / BAD_STATE. */
  async runningOf(showId: string, giveawayId: string): Promise<GiveawayRow> {
    const g = await this.d.store.giveaway(giveawayId);
    if (!g || g.show_id !== showId) throw new RpcError('NOT_FOUND', 'no such giveaway in this show');
    if (g.status !== 'running') throw new RpcError('BAD_STATE', 'this giveaway has already ended');
    return g;
  }

  /** Draw (or cancel) a running giveaway: winners from (seed, canonical entrants), seed revealed. Idempotent. */
  async finish(giveawayId: string, cancel: boolean): Promise<GiveawayView> {
    const now = this.d.clock();
    await this.entryWrites;
    const done = await this.d.store.finishGiveaway(giveawayId, now, (g, entries) => {
      const byPublic = new Map(entries.map((e) => [e.public_id, e]));
      const ids = canonicalEntrants(entries.map((e) => e.public_id));
      const winners = cancel ? [] : drawWinners(g.seed, ids, g.winner_count);
      return {
        status: cancel ? 'cancelled' : 'drawn',
        entriesHash: entriesHash(ids),
        winners: winners.map((pid, rank) => {
          const e = byPublic.get(pid)!;
          return { rank, user_key: e.user_key, public_id: pid, name: e.name };
        }),
      };
    });
    this.running.delete(giveawayId);
    const view = await this.view((await this.d.store.giveaway(giveawayId))!);
    if (done) this.d.publish(view.showId, { type: 'giveaway.ended', giveaway: view });
    return view;
  }

  async entries(showId: string, giveawayId: string): Promise<{ giveaway: GiveawayView; entrants: string[] }> {
    const g = await this.d.store.giveaway(giveawayId);
    if (!g || g.show_id !== showId) throw new RpcError('NOT_FOUND', 'no such giveaway in this show');
    if (g.status === 'running') throw new RpcError('BAD_STATE', 'entrants are published when the draw ends');
    const entrants = canonicalEntrants((await this.d.store.entries(giveawayId)).map((e) => e.public_id));
    return { giveaway: await this.view(g), entrants };
  }

  private enter(g: RunningGiveaway, conn: Connection): void {
    const key = conn.key!;
    const now = this.d.clock();
    if (g.entered.has(key) || now >= g.endsAt) return;
    g.entered.add(key);
    const write = this.d.store.addEntry(g.id, key, conn.publicId!, conn.name, now);
    this.entryWrites = Promise.all([this.entryWrites, write]).then(
      () => undefined,
      (err) => this.d.log.error({ err, giveawayId: g.id }, 'giveaway entry not stored'),
    );
  }

  /** The hub accepted a chat message (viewers only). */
  onChat(conn: Connection, text: string): void {
    if (!this.running.size || conn.staff || !conn.key || !conn.publicId) return;
    for (const g of this.running.values()) {
      if (g.showId === conn.room.showId && g.keyword !== null && matchesKeyword(text, g.keyword)) this.enter(g, conn);
    }
  }

  /** The hub recorded a new follow. */
  onFollow(conn: Connection): void {
    if (!this.running.size || conn.staff || !conn.key || !conn.publicId) return;
    for (const g of this.running.values()) if (g.showId === conn.room.showId && g.keyword === null) this.enter(g, conn);
  }

  /** Scheduled work (one node): draw the due giveaways of every node, publish changed entrant counts. */
  async runDue(): Promise<void> {
    const now = this.d.clock();
    for (const g of await this.refresh()) {
      if (g.ends_at <= now) {
        try {
          await this.finish(g.id, false);
        } catch (err) {
          this.d.log.error({ err, giveawayId: g.id }, 'giveaway draw failed');
        }
        continue;
      }
      const r = this.running.get(g.id)!;
      const n = await this.d.store.entryCount(g.id);
      if (n !== r.pushedCount) {
        r.pushedCount = n;
        this.d.publish(g.show_id, { type: 'giveaway.entrants', id: g.id, entrants: n });
      }
    }
  }
}
