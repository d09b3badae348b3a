import { afterEach, describe, expect, it } from 'vitest';
import { commitmentOf, drawWinners, entriesHash, verifyDraw } from '../../../shared/engagement/draw';
import type { EngageSync, EngagementEvent } from '../../../shared/protocol/engagement';
import { RpcError } from '../../../shared/protocol/rpc';
import { RtClient, sleep, startRealtimeServer, type TestServer } from '../realtime/testing';

let server: TestServer | null = null;
const clients: RtClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

async function live(opts: Parameters<typeof startRealtimeServer>[0] = {}): Promise<TestServer> {
  server = await startRealtimeServer({ config: { chatRatePerSec: 1000, chatBurst: 1000 }, ...opts });
  server.shows.markLive(server.showId);
  return server;
}

async function guest(s: TestServer, nickname?: string) {
  const c = await RtClient.connect(s.wsUrl(), { cookie: s.guestCookie() });
  clients.push(c);
  const syncs: EngageSync[] = [];
  c.rpc.on('engage.sync', (x) => syncs.push(x));
  const hello = await c.hello(nickname ? { nickname } : {});
  return Object.assign(c, { syncs, userId: hello.you.userId! });
}

async function studio(s: TestServer) {
  const c = await RtClient.connect(s.wsUrl());
  clients.push(c);
  await c.hello({ token: s.studioToken });
  return c;
}

const engageEvents = (c: RtClient): EngagementEvent[] => c.items().flatMap((i) => (i.k === 'engage' ? [i.event] : []));

async function rpcError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError) return err.code;
    throw err;
  }
  throw new Error('expected the request to fail');
}

const count = (s: TestServer, sql: string, ...args: unknown[]) => (s.db.prepare(sql).get(...args) as { n: number }).n;

describe('giveaways and danmaku lotteries', () => {
  it('commits at start, enters keyword senders only, draws reproducibly and reveals the seed', async () => {
    const s = await live();
    const host = await studio(s);
    const viewers = await Promise.all(Array.from({ length: 8 }, (_, i) => guest(s, `viewer${i}`)));
    const { giveaway } = await host.request('giveaway.start', {
      kind: 'lottery',
      prize: 'Lipstick set',
      winners: 3,
      durationSec: 60,
      eligibility: { type: 'keyword', keyword: '福袋' },
    });
    expect(giveaway.status).toBe('running');
    expect(giveaway.seed).toBeNull();
    expect(giveaway.commitment).toMatch(/^[0-9a-f]{64}$/);
    await viewers[0]!.waitFor(() => engageEvents(viewers[0]!).some((e) => e.type === 'giveaway.started'), 3000, 'started event');
    const started = engageEvents(viewers[0]!).find((e) => e.type === 'giveaway.started');
    expect(started?.type === 'giveaway.started' && started.giveaway.commitment).toBe(giveaway.commitment);
    expect(JSON.stringify(viewers[0]!.batches)).not.toContain((s.db.prepare('SELECT seed FROM giveaways').get() as { seed: string }).seed);

    // 5 send the keyword (one twice, one in full-width form), 3 chat something else; staff messages never count.
    for (const [i, text] of [
      [0, '我要福袋'],
      [1, '福袋!'],
      [2, '福 袋'],
      [3, 'give me the 福袋 please'],
      [4, '福袋'],
      [4, '福袋福袋'],
      [5, 'hello'],
      [6, 'nice'],
      [7, '福'],
    ] as const) {
      const r = await viewers[i]!.request('chat.send', { text });
      expect(r.accepted).toBe(true);
    }
    await host.request('chat.send', { text: '福袋 from the host' });
    await viewers[0]!.waitFor(
      () => engageEvents(viewers[0]!).some((e) => e.type === 'giveaway.entrants' && e.entrants === 5),
      3000,
      'entrant count 5',
    );

    // Viewers cannot end it; the host draws now.
    expect(await rpcError(viewers[0]!.request('giveaway.end', { giveawayId: giveaway.id }))).toBe('FORBIDDEN');
    const ended = (await host.request('giveaway.end', { giveawayId: giveaway.id })).giveaway;
    expect(ended.status).toBe('drawn');
    expect(ended.entrants).toBe(5);
    expect(ended.winners).toHaveLength(3);
    expect(commitmentOf(ended.seed!)).toBe(giveaway.commitment);

    const eligible = viewers.slice(0, 5).map((v) => v.userId);
    for (const w of ended.winners!) expect(eligible).toContain(w.userId);
    // Anyone can re-run it from the published data.
    const { entrants } = await viewers[6]!.request('giveaway.entries', { giveawayId: giveaway.id });
    expect([...entrants].sort()).toEqual([...eligible].sort());
    expect(entriesHash(entrants)).toBe(ended.entriesHash);
    expect(drawWinners(ended.seed!, entrants, 3)).toEqual(ended.winners!.map((w) => w.userId));
    expect(
      verifyDraw({
        seed: ended.seed!,
        commitment: giveaway.commitment,
        entrants,
        entriesHash: ended.entriesHash!,
        winnerCount: 3,
        winners: ended.winners!.map((w) => w.userId),
      }),
    ).toMatchObject({ commitmentOk: true, entriesOk: true, winnersOk: true });
    await viewers[5]!.waitFor(() => engageEvents(viewers[5]!).some((e) => e.type === 'giveaway.ended'), 3000, 'ended event');

    // Persisted: winners and entries in SQLite; a second end is refused.
    expect(count(s, 'SELECT COUNT(*) AS n FROM giveaway_winners WHERE giveaway_id = ?', giveaway.id)).toBe(3);
    expect(count(s, 'SELECT COUNT(*) AS n FROM giveaway_entries WHERE giveaway_id = ?', giveaway.id)).toBe(5);
    expect(await rpcError(host.request('giveaway.end', { giveawayId: giveaway.id }))).toBe('BAD_STATE');
    // A late joiner gets the finished draw in its sync.
    const late = await guest(s);
    await late.waitFor(() => late.syncs.length > 0, 2000, 'sync');
    expect(late.syncs[0]!.giveaways[0]).toMatchObject({ id: giveaway.id, seed: ended.seed, status: 'drawn' });
  });

  it('follow eligibility; the timer draws when the window ends; running draws hide the entrant list', async () => {
    let offset = 0;
    const s = await live({ clock: () => Date.now() + offset });
    const host = await studio(s);
    const a = await guest(s, 'follower');
    const b = await guest(s, 'chatter');
    const { giveaway } = await host.request('giveaway.start', {
      kind: 'lucky_bag',
      prize: '福袋: tea set',
      winners: 5,
      durationSec: 30,
      eligibility: { type: 'follow' },
    });
    await a.request('follow', {});
    await b.request('chat.send', { text: 'hi' });
    expect(await rpcError(a.request('giveaway.entries', { giveawayId: giveaway.id }))).toBe('BAD_STATE');
    const sync = await a.request('engage.state', {});
    expect(sync.mine.entered).toEqual([giveaway.id]);
    offset += 31_000;
    await a.waitFor(() => engageEvents(a).some((e) => e.type === 'giveaway.ended'), 3000, 'timer draw');
    const ended = engageEvents(a).find((e) => e.type === 'giveaway.ended');
    expect(ended?.type === 'giveaway.ended' && ended.giveaway.winners).toEqual([{ userId: a.userId, name: 'follower' }]);
  });

  it('validates roles, input and show state without changing anything', async () => {
    const s = await startRealtimeServer();
    const host = await studio(s);
    const v = await guest(s);
    const ok = { kind: 'lucky_bag', prize: 'x', winners: 1, durationSec: 30, eligibility: { type: 'follow' } } as const;
    expect(await rpcError(host.request('giveaway.start', ok))).toBe('BAD_STATE'); // show not live
    s.shows.markLive(s.showId);
    expect(await rpcError(v.request('giveaway.start', ok))).toBe('FORBIDDEN');
    for (const bad of [
      { ...ok, winners: 0 },
      { ...ok, winners: 101 },
      { ...ok, durationSec: 5 },
      { ...ok, prize: '' },
      { ...ok, kind: 'lottery' }, // a lottery needs a keyword
      { ...ok, eligibility: { type: 'keyword', keyword: '' } },
      { ...ok, eligibility: { type: 'keyword', keyword: '<b>' } },
    ]) {
      expect(await rpcError(host.request('giveaway.start', bad as never))).toBe('BAD_REQUEST');
    }
    expect(await rpcError(host.request('giveaway.end', { giveawayId: 'g_doesnotexist' }))).toBe('NOT_FOUND');
    expect(count(s, 'SELECT COUNT(*) AS n FROM giveaways')).toBe(0);
    // An anonymous socket (no guest cookie) may watch but not claim.
    const anon = await RtClient.connect(s.wsUrl());
    clients.push(anon);
    await anon.hello();
    const { packet } = await host.request('redpacket.create', { amountMinor: 100, currency: 'CNY', count: 2 });
    expect(await rpcError(anon.request('redpacket.claim', { packetId: packet.id }))).toBe('UNAUTHORIZED');
    expect(await rpcError(host.request('redpacket.claim', { packetId: packet.id }))).toBe('FORBIDDEN');
    expect(await rpcError(v.request('redpacket.create', { amountMinor: 100, currency: 'CNY', count: 2 }))).toBe('FORBIDDEN');
    expect(await rpcError(host.request('redpacket.create', { amountMinor: 5, currency: 'CNY', count: 6 }))).toBe('BAD_REQUEST');
    expect(await rpcError(host.request('redpacket.create', { amountMinor: 5, currency: 'cny', count: 1 }))).toBe('BAD_REQUEST');
    expect(count(s, 'SELECT COUNT(*) AS n FROM red_packets')).toBe(1);
  });
});

describe('red packets', () => {
  it('200 concurrent claimers over WebSocket for 50 shares: exactly 50 winners, each once, the sum exact', async () => {
    const s = await live();
    const host = await studio(s);
    const viewers = await Promise.all(Array.from({ length: 200 }, () => guest(s)));
    const amount = 88_888;
    const { packet } = await host.request('redpacket.create', { amountMinor: amount, currency: 'CNY', count: 50, note: '新年快乐' });
    expect(packet).toMatchObject({ count: 50, claimed: 0, status: 'open' });
    // Everyone claims at once, twice each (a double tap), all in flight together.
    const results = await Promise.all(
      viewers.flatMap((v) => [
        v.request('redpacket.claim', { packetId: packet.id }),
        v.request('redpacket.claim', { packetId: packet.id }),
      ]),
    );
    const perViewer = viewers.map((_, i) => [results[2 * i]!, results[2 * i + 1]!] as const);
    const winners = perViewer.filter(([first]) => first.outcome === 'won');
    expect(winners).toHaveLength(50);
    let sum = 0;
    for (const [first, second] of winners) {
      if (first.outcome !== 'won' || second.outcome !== 'won') throw new Error('unreachable');
      expect(first.already).toBe(false);
      expect(second).toEqual({ ...first, already: true });
      expect(first.amountMinor).toBeGreaterThanOrEqual(1);
      sum += first.amountMinor;
    }
    expect(sum).toBe(amount);
    expect(perViewer.filter(([a, b]) => a.outcome === 'empty' && b.outcome === 'empty')).toHaveLength(150);
    // The database agrees: 50 claimed shares, 50 distinct claimers, the amount exact, the packet empty.
    expect(count(s, 'SELECT COUNT(*) AS n FROM red_packet_shares WHERE packet_id = ? AND claimer_key IS NOT NULL', packet.id)).toBe(50);
    expect(count(s, 'SELECT COUNT(DISTINCT claimer_key) AS n FROM red_packet_shares WHERE packet_id = ?', packet.id)).toBe(50);
    expect(count(s, 'SELECT SUM(amount) AS n FROM red_packet_shares WHERE packet_id = ?', packet.id)).toBe(amount);
    await viewers[0]!.waitFor(
      () => engageEvents(viewers[0]!).some((e) => e.type === 'redpacket.out' && e.packet.status === 'empty' && e.packet.claimed === 50),
      3000,
      'claimed-out event',
    );
    const again = await viewers[199]!.request('redpacket.claim', { packetId: packet.id });
    const winner = viewers[perViewer.findIndex(([a]) => a.outcome === 'won')]!;
    expect((await winner.request('engage.state', {})).mine.redPackets).toHaveLength(1);
    expect(again.outcome === 'empty' || again.already).toBe(true);
  });

  it('the unique index refuses a second share for one claimer even outside the service', async () => {
    const s = await live();
    const host = await studio(s);
    const v = await guest(s);
    const { packet } = await host.request('redpacket.create', { amountMinor: 300, currency: 'CNY', count: 3 });
    await v.request('redpacket.claim', { packetId: packet.id });
    const key = (s.db.prepare('SELECT claimer_key FROM red_packet_shares WHERE claimer_key IS NOT NULL').get() as { claimer_key: string })
      .claimer_key;
    expect(() =>
      s.db
        .prepare(
          'UPDATE red_packet_shares SET claimer_key = ?, claimed_at = 1 WHERE packet_id = ? AND claimer_key IS NULL AND idx = (SELECT MIN(idx) FROM red_packet_shares WHERE packet_id = ? AND claimer_key IS NULL)',
        )
        .run(key, packet.id, packet.id),
    ).toThrow(/UNIQUE/);
  });

  it('lapses when its window ends and when the host ends it', async () => {
    let offset = 0;
    const s = await live({ clock: () => Date.now() + offset });
    const host = await studio(s);
    const v = await guest(s);
    const first = (await host.request('redpacket.create', { amountMinor: 1000, currency: 'CNY', count: 5, durationSec: 10 })).packet;
    offset += 11_000;
    await sleep(450);
    expect(await v.request('redpacket.claim', { packetId: first.id })).toEqual({ outcome: 'empty' });
    const second = (await host.request('redpacket.create', { amountMinor: 1000, currency: 'CNY', count: 5 })).packet;
    expect((await host.request('redpacket.end', { packetId: second.id })).packet.status).toBe('closed');
    expect(await v.request('redpacket.claim', { packetId: second.id })).toEqual({ outcome: 'empty' });
    expect(await rpcError(v.request('redpacket.claim', { packetId: 'rp_doesnotexist' }))).toBe('NOT_FOUND');
  });
});
