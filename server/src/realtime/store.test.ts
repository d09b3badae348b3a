/**
 * The realtime store's contract on both engines, each seen by two nodes at once (two SQLite connections to one file;
 * two PostgreSQL pools on one database): room settings, follows, the question queue (two moderators claiming or
 * answering at once: one wins), canned replies, bans with their keys, mutes, filter settings and the audit log.
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
import type { Actor, NewQuestion, RealtimeStore } from './store';
import { PgRealtimeStore } from './store-postgres';
import { SqliteRealtimeStore } from './store-sqlite';

const suite = postgresSuite('the realtime store contract');

interface TwoNodes {
  a: RealtimeStore;
  b: RealtimeStore;
  shows: [string, string];
  close(): Promise<void>;
}

async function twoNodes(engine: 'sqlite' | 'postgres'): Promise<TwoNodes> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sc-rt-store-'));
    const one = openDatabase(join(dir, 'storecast.sqlite'));
    const two = openDatabase(join(dir, 'storecast.sqlite'));
    const repo = new ShowRepository(one);
    return {
      a: new SqliteRealtimeStore(one),
      b: new SqliteRealtimeStore(two),
      shows: [repo.create('One', Date.now()).id, repo.create('Two', Date.now()).id],
      async close() {
        one.close();
        two.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = await suite.createDatabase('realtime');
  const pools: pg.Pool[] = [openPostgresPool(url, 4), openPostgresPool(url, 4)];
  await migratePostgres(pools[0]!);
  return {
    a: new PgRealtimeStore(pools[0]!),
    b: new PgRealtimeStore(pools[1]!),
    shows: ['show-1', 'show-2'],
    async close() {
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}

async function withNodes(engine: 'sqlite' | 'postgres', fn: (n: TwoNodes) => Promise<void>): Promise<void> {
  const n = await twoNodes(engine);
  try {
    await fn(n);
  } finally {
    await n.close();
  }
}

const T = 1_700_000_000_000;
const ann: Actor = { id: 'a:ann', name: 'Ann', role: 'moderator' };
const bob: Actor = { id: 'a:bob', name: 'Bob', role: 'moderator' };
const room: Actor = { id: 'auto', name: 'Auto', role: 'owner' };
const ask = (id: string, showId: string, at: number, asker = 'b:alice'): NewQuestion => ({
  id,
  show_id: showId,
  asker_key: asker,
  asker_public: `u_${asker}`,
  asker_name: 'Alice',
  text: `question ${id}`,
  product_id: null,
  created_at: at,
});

describe.each(suite.engines)('realtime store on %s', { timeout: 60_000 }, (engine) => {
  it('keeps a room’s settings, created with defaults, as both nodes see them', () =>
    withNodes(engine, async ({ a, b, shows: [s1] }) => {
      expect(await a.room(s1)).toMatchObject({ likes: 0, slow_mode_s: 0, announcement: null, pinned_answer: null, auto_reply: 'off' });
      await a.setLikes(s1, 42);
      await a.setSlowMode(s1, 10);
      await a.setAnnouncement(s1, { text: '今晚包邮', by: 'Ann', at: T });
      await a.setAutoReply(s1, 'private');
      await a.setPinnedAnswer(s1, {
        questionId: 'q1',
        question: 'size?',
        askerName: 'Alice',
        productId: null,
        answer: 'M',
        answeredBy: 'Ann',
        answeredAt: T,
      });
      const row = await b.room(s1);
      expect(row).toMatchObject({ likes: 42, slow_mode_s: 10, announcement: '今晚包邮', announcement_by: 'Ann', auto_reply: 'private' });
      expect(row.announcement_at).toBe(T);
      expect(JSON.parse(row.pinned_answer!)).toMatchObject({ questionId: 'q1', answer: 'M' });
      await b.setAnnouncement(s1, null);
      await b.setPinnedAnswer(s1, null);
      expect(await a.room(s1)).toMatchObject({ announcement: null, announcement_at: null, pinned_answer: null });
    }));

  it('counts a follow once, even when two nodes record it at once', () =>
    withNodes(engine, async ({ a, b }) => {
      const [x, y] = await Promise.all([a.follow('b:alice', 'Alice', T), b.follow('b:alice', 'Alice', T)]);
      expect([x, y].filter(Boolean)).toHaveLength(1);
      expect(await a.follow('b:bob', 'Bob', T)).toBe(true);
      expect(await b.followCount()).toBe(2);
      expect(await b.isFollowing('b:alice')).toBe(true);
      expect(await b.isFollowing('b:carol')).toBe(false);
    }));

  it('lists questions open first, then answered newest first, per show', () =>
    withNodes(engine, async ({ a, b, shows: [s1, s2] }) => {
      for (const [i, id] of ['q1', 'q2', 'q3', 'q4'].entries()) await a.insertQuestion(ask(id, s1, T + i));
      await a.insertQuestion(ask('other', s2, T));
      expect(await b.claim('q2', ann, T + 10)).toBe(true);
      expect(await b.answer('q3', 'yes', bob, 'public', T + 11)).toBe(true);
      expect(await b.answer('q4', 'no', bob, 'private', T + 12)).toBe(true);
      expect((await a.questions(s1, false, 10)).map((q) => q.id)).toEqual(['q1', 'q2']);
      expect((await a.questions(s1, true, 10)).map((q) => q.id)).toEqual(['q1', 'q2', 'q4', 'q3']);
      expect((await a.questions(s1, true, 3)).map((q) => q.id)).toEqual(['q1', 'q2', 'q4']);
      expect(await a.question('q4')).toMatchObject({
        status: 'answered',
        answer: 'no',
        answered_by: 'Bob',
        visibility: 'private',
        answered_at: T + 12,
      });
      expect(await a.question('nope')).toBeNull();
      expect(await b.askerByPublic('u_b:alice')).toEqual({ key: 'b:alice', name: 'Alice' });
      expect(await b.askerByPublic('u_nobody')).toBeNull();
    }));

  it('lets one of two moderators claiming at once on two nodes win, and only the claimer answer', () =>
    withNodes(engine, async ({ a, b, shows: [s1] }) => {
      await a.insertQuestion(ask('q1', s1, T));
      const won = await Promise.all([a.claim('q1', ann, T + 1), b.claim('q1', bob, T + 1)]);
      expect(won.filter(Boolean)).toHaveLength(1);
      const holder = won[0] ? ann : bob;
      const other = won[0] ? bob : ann;
      expect(await a.claim('q1', holder, T + 2)).toBe(true); // claiming again is fine
      expect(await b.answer('q1', 'mine', other, 'public', T + 3)).toBe(false);
      expect(await b.answer('q1', 'auto', room, 'public', T + 3, true)).toBe(false); // a person's claim wins over the room
      expect(await a.release('q1')).toBe(true);
      expect(await a.release('q1')).toBe(false);
      const answered = await Promise.all([a.answer('q1', 'from a', ann, 'public', T + 4), b.answer('q1', 'from b', bob, 'public', T + 4)]);
      expect(answered.filter(Boolean)).toHaveLength(1);
      expect(await a.claim('q1', ann, T + 5)).toBe(false);
      expect(await a.question('q1')).toMatchObject({ status: 'answered', claimed_by: null, answered_auto: 0 });
    }));

  it('corrects or retracts only an automatic answer', () =>
    withNodes(engine, async ({ a, b, shows: [s1] }) => {
      await a.insertQuestion(ask('q1', s1, T));
      await a.insertQuestion(ask('q2', s1, T));
      expect(await a.answer('q1', 'auto says', room, 'public', T + 1, true)).toBe(true);
      expect(await b.answer('q2', 'person says', ann, 'public', T + 1)).toBe(true);
      expect(await b.correctAuto('q2', 'fixed', ann, 'public', T + 2)).toBe(false);
      expect(await b.retractAuto('q2')).toBe(false);
      expect(await b.correctAuto('q1', 'fixed', ann, 'private', T + 2)).toBe(true);
      expect(await a.question('q1')).toMatchObject({ answer: 'fixed', answered_by: 'Ann', visibility: 'private', answered_auto: 0 });
      expect(await a.answer('q1', 'auto again', room, 'public', T + 3, true)).toBe(false);
      await a.insertQuestion(ask('q3', s1, T));
      expect(await a.answer('q3', 'auto', room, 'public', T + 1, true)).toBe(true);
      expect(await b.retractAuto('q3')).toBe(true);
      expect(await a.question('q3')).toMatchObject({
        status: 'unanswered',
        answer: null,
        visibility: null,
        answered_at: null,
        answered_auto: 0,
      });
    }));

  it('keeps canned replies and the filter settings', () =>
    withNodes(engine, async ({ a, b }) => {
      expect(await a.filterSettings()).toBeNull();
      const settings = {
        words: ['加微信'],
        links: { blockLinks: true, blockContacts: false, allowDomains: ['shop.example'], tlds: ['com'] },
      };
      await a.setFilterSettings(settings);
      expect(await b.filterSettings()).toEqual(settings);
      await a.createCanned('c2', 'Shipping', 'Ships in 48 h', 'a:ann', T);
      await a.createCanned('c1', 'Returns', 'Seven days', 'a:ann', T);
      expect(await b.updateCanned('c1', 'Refunds', 'Seven days, no reason', T + 1)).toEqual({
        id: 'c1',
        title: 'Refunds',
        text: 'Seven days, no reason',
        updatedAt: T + 1,
      });
      expect(await b.updateCanned('nope', 'x', 'y', T)).toBeNull();
      expect((await a.cannedReplies()).map((r) => r.title)).toEqual(['Refunds', 'Shipping']);
      expect(await b.deleteCanned('c2')).toBe(true);
      expect(await b.deleteCanned('c2')).toBe(false);
      expect((await a.cannedReplies()).map((r) => r.id)).toEqual(['c1']);
    }));

  it('stores a ban with its keys as one, and lifts bans as a set', () =>
    withNodes(engine, async ({ a, b }) => {
      const ban = { publicId: 'u_x', name: 'Spammer', reason: 'ads', by: 'a:ann', at: T };
      const id = await a.insertBan(ban, [
        { kind: 'user', value: 'b:x' },
        { kind: 'device', value: 'd1' },
        { kind: 'device', value: 'd1' },
      ]);
      await b.addBanKey(id, { kind: 'device', value: 'd2' });
      expect((await b.activeBanKeys()).map((k) => `${k.ban_id}:${k.kind}:${k.value}`).sort()).toEqual(
        [`${id}:device:d1`, `${id}:device:d2`, `${id}:user:b:x`].sort(),
      );
      expect(await b.activeBans()).toEqual([
        { id, public_id: 'u_x', name: 'Spammer', reason: 'ads', created_by: 'a:ann', created_at: T, devices: 2 },
      ]);
      // A key the schema refuses: nothing of that ban is stored.
      await expect(
        a.insertBan({ ...ban, publicId: 'u_y' }, [
          { kind: 'user', value: 'b:y' },
          { kind: 'bogus' as never, value: 'z' },
        ]),
      ).rejects.toThrow();
      expect(await b.bansFor('u_y', 'b:y')).toEqual([]);
      const second = await b.insertBan({ ...ban, at: T + 1 }, [{ kind: 'user', value: 'b:x2' }]);
      expect((await a.bansFor('u_x', 'none')).sort()).toEqual([id, second].sort());
      expect(await a.bansFor('u_other', 'b:x')).toEqual([id]);
      await a.liftBans([id, second], 'a:bob', T + 2);
      expect(await b.activeBans()).toEqual([]);
      expect(await b.activeBanKeys()).toEqual([]);
      await a.liftBans([], 'a:bob', T + 3);
    }));

  it('mutes and unmutes a set of keys per show until a time', () =>
    withNodes(engine, async ({ a, b, shows: [s1, s2] }) => {
      const keys = [
        { kind: 'user' as const, value: 'b:x' },
        { kind: 'device' as const, value: 'd1' },
      ];
      await a.setMutes(s1, keys, T + 60_000);
      await a.setMutes(s2, [{ kind: 'user', value: 'b:x' }], T + 1000);
      await b.setMutes(s1, [{ kind: 'device', value: 'd1' }], T + 120_000);
      const sorted = (m: { kind: string; value: string; until: number }[]) => m.map((x) => `${x.kind}:${x.value}:${x.until - T}`).sort();
      expect(sorted(await b.mutes(s1, T))).toEqual(['device:d1:120000', 'user:b:x:60000']);
      expect(sorted(await b.mutes(s2, T + 1000))).toEqual([]);
      await b.setMutes(s1, keys, null);
      expect(await a.mutes(s1, T)).toEqual([]);
      expect(sorted(await a.mutes(s2, T))).toEqual(['user:b:x:1000']);
    }));

  it('pages the audit log newest first, a show’s entries with the ones of no show', () =>
    withNodes(engine, async ({ a, b, shows: [s1, s2] }) => {
      await a.audit({ showId: s1, actor: ann, action: 'user.mute', target: 'u_x', reason: 'spam', detail: { seconds: 60 }, at: T });
      await b.audit({ showId: null, actor: ann, action: 'filter.set', at: T + 1 });
      await a.audit({ showId: s2, actor: bob, action: 'slowmode.on', detail: { seconds: 5 }, at: T + 2 });
      await b.audit({ showId: s1, actor: bob, action: 'message.delete', target: 'm1', at: T + 3 });
      const all = await a.auditList(null, undefined, 10);
      expect(all.map((e) => e.action)).toEqual(['message.delete', 'slowmode.on', 'filter.set', 'user.mute']);
      expect(all[3]).toMatchObject({
        showId: s1,
        actorId: 'a:ann',
        actorName: 'Ann',
        actorRole: 'moderator',
        target: 'u_x',
        reason: 'spam',
        detail: { seconds: 60 },
        at: T,
      });
      expect(all[2]).toMatchObject({ showId: null, target: null, reason: null, detail: null });
      const mine = await b.auditList(s1, undefined, 2);
      expect(mine.map((e) => e.action)).toEqual(['message.delete', 'filter.set']);
      expect((await b.auditList(s1, mine[1]!.id, 2)).map((e) => e.action)).toEqual(['user.mute']);
    }));
});
