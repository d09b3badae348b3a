/**
 * Two nodes of one shop serving the realtime module from one store, on each engine (SQLite: the nodes share the
 * file; PostgreSQL: DATABASE_URL, a pool per node): a question asked through one node is in the other's queue and
 * is answered once, and a ban, the slow mode and the audit log written through one node are what the other reads.
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { QuestionView } from '../../../shared/protocol/realtime';
import { postgresSuite } from '../db/pg-suite';
import { migratePostgres, openPostgresPool } from '../db/postgres';
import type { RoomRow } from './store';
import { PgRealtimeStore } from './store-postgres';
import { SqliteRealtimeStore } from './store-sqlite';
import { connectGreeted, RtClient, startRealtimeServer, type TestServer } from './testing';

const suite = postgresSuite('the realtime two-node tests');

let nodes: TestServer[] = [];
let pools: pg.Pool[] = [];
const clients: RtClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const n of nodes.reverse()) await n.close();
  nodes = [];
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

async function twoNodes(engine: 'sqlite' | 'postgres'): Promise<[TestServer, TestServer]> {
  if (engine === 'sqlite') {
    const a = await startRealtimeServer();
    nodes.push(a);
    const b = await startRealtimeServer({ like: a });
    nodes.push(b);
    return [a, b];
  }
  const url = await suite.createDatabase('rtnodes');
  pools = [openPostgresPool(url, 4), openPostgresPool(url, 4)];
  await migratePostgres(pools[0]!);
  const a = await startRealtimeServer({ realtimeStore: new PgRealtimeStore(pools[0]!) });
  nodes.push(a);
  const b = await startRealtimeServer({ like: a, realtimeStore: new PgRealtimeStore(pools[1]!) });
  nodes.push(b);
  return [a, b];
}

describe.each(suite.engines)('realtime state shared by two nodes on %s', { timeout: 60_000 }, (engine) => {
  it('serves one question queue: asked on one node, claimed once across both', async () => {
    const [a, b] = await twoNodes(engine);
    const viewer = await connectGreeted(a, clients, { cookie: a.guestCookie() });
    const ask = (await viewer.request('question.ask', { text: '这件毛衣会缩水吗？' })) as { accepted: boolean; id: string };
    expect(ask.accepted).toBe(true);
    const modA = await connectGreeted(a, clients, { token: a.studioToken });
    const modB = await connectGreeted(b, clients, { token: b.studioToken });
    const listed = (await modB.request('question.list', { status: 'open', limit: 50 })) as { questions: QuestionView[] };
    expect(listed.questions.map((q) => q.id)).toEqual([ask.id]);
    // The studio is one actor on both nodes: its claim through A lets it answer through B; then neither node takes
    // the answered question again. (Two moderators racing for a claim: the store contract, store.test.ts.)
    const claimed = (await modA.request('question.claim', { questionId: ask.id })) as { question: QuestionView };
    expect(claimed.question.status).toBe('claimed');
    const seen = (await modB.request('question.list', { status: 'open', limit: 50 })) as { questions: QuestionView[] };
    expect(seen.questions[0]).toMatchObject({ id: ask.id, status: 'claimed' });
    const answered = (await modB.request('question.answer', { questionId: ask.id, text: '不会，已预缩。', visibility: 'public' })) as {
      question: QuestionView;
    };
    expect(answered.question).toMatchObject({ status: 'answered', answer: '不会，已预缩。' });
    await expect(modA.request('question.claim', { questionId: ask.id })).rejects.toMatchObject({ code: 'BAD_STATE' });
    await expect(modA.request('question.answer', { questionId: ask.id, text: 'again', visibility: 'public' })).rejects.toMatchObject({
      code: 'BAD_STATE',
    });
  });

  it('keeps bans, slow mode and the audit log where both nodes read them', async () => {
    const [a, b] = await twoNodes(engine);
    const viewer = await connectGreeted(a, clients, { cookie: a.guestCookie() });
    const hello = (await viewer.request('hello', { deviceId: 'dev_shared_1' })) as { you: { userId: string } };
    await viewer.request('question.ask', { text: 'Is it wool?' });
    const modA = await connectGreeted(a, clients, { token: a.studioToken });
    const modB = await connectGreeted(b, clients, { token: b.studioToken });
    // Node B never saw this viewer: it finds the identity through the shared question queue.
    await modB.request('mod.ban', { userId: hello.you.userId, reason: 'spam' });
    const bans = (await modA.request('mod.bans', {})) as { bans: { userId: string; reason: string | null }[] };
    expect(bans.bans).toMatchObject([{ userId: hello.you.userId, reason: 'spam' }]);
    await modA.request('mod.slowMode', { seconds: 5 });
    // A node opening the show afresh reads the stored room.
    const c = await startRealtimeServer({ like: a, ...(engine === 'postgres' ? { realtimeStore: new PgRealtimeStore(pools[1]!) } : {}) });
    nodes.push(c);
    const late = await connectGreeted(c, clients, { cookie: c.guestCookie() });
    const snap = (await late.request('hello', { deviceId: 'dev_late' })) as { room: { slowModeSeconds: number } };
    expect(snap.room.slowModeSeconds).toBe(5);
    const audit = (await modB.request('audit.list', { limit: 10, thisShow: true })) as { entries: { action: string }[] };
    expect(audit.entries.map((e) => e.action)).toEqual(['slowmode.on', 'user.ban']);
    await modA.request('mod.unban', { userId: hello.you.userId });
    expect(((await modB.request('mod.bans', {})) as { bans: unknown[] }).bans).toEqual([]);
  });
});

/** The node's file, whose room reads fail while `down` is set (the database unreachable). */
class FlakyStore extends SqliteRealtimeStore {
  down = true;
  override async room(showId: string): Promise<RoomRow> {
    if (this.down) throw new Error('connection refused');
    return super.room(showId);
  }
}

describe('a room whose stored state cannot be read', { timeout: 30_000 }, () => {
  it('answers hello UNAVAILABLE and reads it again on the next hello', async () => {
    const a = await startRealtimeServer();
    nodes.push(a);
    const mod = await connectGreeted(a, clients, { token: a.studioToken });
    await mod.request('mod.slowMode', { seconds: 7 });
    const store = new FlakyStore(a.db);
    const b = await startRealtimeServer({ like: a, realtimeStore: store });
    nodes.push(b);
    const first = await RtClient.connect(b.wsUrl(), { cookie: b.guestCookie() });
    clients.push(first);
    await expect(first.hello()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    store.down = false;
    const snap = (await first.hello()) as { room: { slowModeSeconds: number } };
    expect(snap.room.slowModeSeconds).toBe(7);
  });
});
