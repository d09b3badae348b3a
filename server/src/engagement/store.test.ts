/**
 * The engagement store's contract on both engines, each seen by two nodes at once (two SQLite connections to one
 * file; two PostgreSQL pools on one database): concurrent claims of a red packet's last share have exactly one
 * winner, a claimer never gets two shares, the shares taken sum to at most the amount, and a giveaway is drawn once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database';
import { postgresSuite } from '../db/pg-suite';
import { migratePostgres, openPostgresPool } from '../db/postgres';
import { ShowRepository } from '../db/shows';
import { type EngagementStore, type NewPacket, type ShareClaim, sqliteEngagementStore } from './store';
import { postgresEngagementStore } from './store-postgres';

const suite = postgresSuite('the engagement store contract');

interface TwoNodes {
  a: EngagementStore;
  b: EngagementStore;
  showId: string;
  close(): Promise<void>;
}

async function twoNodes(engine: 'sqlite' | 'postgres'): Promise<TwoNodes> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sc-engage-'));
    const one = openDatabase(join(dir, 'storecast.sqlite'));
    const two = openDatabase(join(dir, 'storecast.sqlite'));
    const showId = new ShowRepository(one).create('Show', Date.now()).id;
    return {
      a: sqliteEngagementStore(one),
      b: sqliteEngagementStore(two),
      showId,
      async close() {
        one.close();
        two.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = await suite.createDatabase('engage');
  const pools: pg.Pool[] = [openPostgresPool(url, 4), openPostgresPool(url, 4)];
  await migratePostgres(pools[0]!);
  return {
    a: postgresEngagementStore(pools[0]!),
    b: postgresEngagementStore(pools[1]!),
    showId: 'show-1',
    async close() {
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}

const packet = (id: string, showId: string, amount: number, count: number, now: number): NewPacket => ({
  id,
  show_id: showId,
  amount,
  currency: 'CNY',
  count,
  note: 'lucky',
  created_at: now,
  ends_at: now + 60_000,
  created_by: 'owner',
});
const claimer = (i: number) => ({ key: `b:buyer-${i}`, publicId: `u${i}`, name: `Buyer ${i}` });
const won = (r: ShareClaim) => (r.outcome === 'won' ? r.amount : 0);

const engines = suite.engines;

describe.each(engines)('engagement store on %s, two nodes', { timeout: 60_000 }, (engine) => {
  it('the last share claimed through both nodes at once has exactly one winner', async () => {
    const n = await twoNodes(engine);
    try {
      const now = Date.now();
      await n.a.insertPacket(packet('rp-last', n.showId, 300, 2, now), [100, 200]);
      const first = await n.a.claimShare('rp-last', n.showId, claimer(1), now);
      expect(first).toEqual({ outcome: 'won', amount: 100, currency: 'CNY', last: false });
      const [x, y] = await Promise.all([
        n.a.claimShare('rp-last', n.showId, claimer(2), now),
        n.b.claimShare('rp-last', n.showId, claimer(3), now),
      ]);
      const outcomes = [x!, y!].map((r) => r.outcome).sort();
      expect(outcomes).toEqual(['empty', 'won']);
      const winner = [x!, y!].find((r) => r.outcome === 'won');
      expect(winner).toEqual({ outcome: 'won', amount: 200, currency: 'CNY', last: true });
      expect(await n.b.packet('rp-last')).toMatchObject({ claimed: 2, claimed_amount: 300 });
      // A repeat claim returns the claimer's share, through either node.
      expect(await n.b.claimShare('rp-last', n.showId, claimer(1), now)).toEqual({ outcome: 'had', amount: 100, currency: 'CNY' });
      // Another show's packet is not there.
      expect(await n.b.claimShare('rp-last', 'other-show', claimer(9), now)).toEqual({ outcome: 'missing' });
    } finally {
      await n.close();
    }
  });

  it('as many claimers as shares, each through both nodes at once: every claimer gets exactly one share', async () => {
    const n = await twoNodes(engine);
    try {
      const now = Date.now();
      const shares = Array.from({ length: 10 }, (_, i) => i + 1);
      await n.a.insertPacket(packet('rp-many', n.showId, 55, 10, now), shares);
      // Claimers 0–9, each twice (once per node) — all at once. A claim that saw a share taken under it and gave up,
      // or a second share for one claimer, would leave someone without one.
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? n.b : n.a).claimShare('rp-many', n.showId, claimer(i >> 1), now)),
      );
      for (let c = 0; c < 10; c++) {
        expect([results[2 * c]!.outcome, results[2 * c + 1]!.outcome].sort()).toEqual(['had', 'won']);
      }
      expect(results.reduce((sum, r) => sum + won(r), 0)).toBe(55);
      expect(results.filter((r) => r.outcome === 'won' && r.last)).toHaveLength(1);
      expect((await n.a.packet('rp-many'))!).toMatchObject({ claimed: 10, claimed_amount: 55 });
      // Nothing left for an eleventh claimer.
      expect(await n.b.claimShare('rp-many', n.showId, claimer(10), now)).toEqual({ outcome: 'empty', last: true });
    } finally {
      await n.close();
    }
  });

  it('a giveaway is drawn once when both nodes draw it at once', async () => {
    const n = await twoNodes(engine);
    try {
      const now = Date.now();
      await n.a.insertGiveaway({
        id: 'g-1',
        show_id: n.showId,
        kind: 'lottery',
        prize: 'Mug',
        winner_count: 1,
        eligibility: 'keyword',
        keyword: 'mug',
        seed: 'seed',
        commitment: 'c',
        started_at: now,
        ends_at: now + 1000,
        created_by: 'owner',
      });
      expect(await n.a.addEntry('g-1', 'b:1', 'u1', 'One', now)).toBe(true);
      expect(await n.b.addEntry('g-1', 'b:1', 'u1', 'One', now)).toBe(false);
      await n.b.addEntry('g-1', 'b:2', 'u2', 'Two', now);
      const decide = (pick: number) => (_g: unknown, entries: { user_key: string; public_id: string; name: string }[]) => ({
        status: 'drawn' as const,
        entriesHash: `h${entries.length}`,
        winners: [{ rank: 0, ...entries.sort((p, q) => p.public_id.localeCompare(q.public_id))[pick]! }],
      });
      const done = await Promise.all([n.a.finishGiveaway('g-1', now + 1000, decide(0)), n.b.finishGiveaway('g-1', now + 1000, decide(1))]);
      expect(done.filter(Boolean)).toHaveLength(1);
      expect(await n.a.winners('g-1')).toHaveLength(1);
      expect(await n.b.giveaway('g-1')).toMatchObject({ status: 'drawn', entries_hash: 'h2', drawn_at: now + 1000 });
      expect(await n.a.runningGiveaways()).toEqual([]);
      // No entry after the draw (it would be missing from the published entrant list).
      expect(await n.b.addEntry('g-1', 'b:3', 'u3', 'Three', now + 1001)).toBe(false);
      expect(await n.a.entryCount('g-1')).toBe(2);
    } finally {
      await n.close();
    }
  });
});
