/**
 * Giveaways and coupons across nodes (cluster mode: two realtime nodes of one shop, each with its own Redis
 * connection): viewers on any node enter a giveaway started on another, and the draw is scheduled work under the Redis
 * lease — it happens once, on the lease holder, even when the node that started the giveaway is gone. So is the end
 * of a coupon's window: announced once to every node's viewers, also when the node that issued it is gone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngagementEvent } from '../../../shared/protocol/engagement';
import { RedisConnection } from '../cluster/redis';
import { startTestRedis, type TestRedis } from '../cluster/testing';
import { createLogger } from '../log';
import { RtClient, startRealtimeServer, type TestServer } from '../realtime/testing';

const log = createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' });

let redis: TestRedis;
let nodes: TestServer[] = [];
const conns: RedisConnection[] = [];
const clients: RtClient[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const n of nodes.reverse()) await n.close();
  nodes = [];
  for (const c of conns.splice(0)) await c.close();
  offset = 0;
});

/** Both nodes' clock (a giveaway runs at least 10 s; the test moves time on). */
let offset = 0;

async function node(i: number, withCommerce = false): Promise<TestServer> {
  const conn = new RedisConnection(redis.url, log);
  conns.push(conn);
  await conn.waitReady(5000);
  const n = await startRealtimeServer({
    redis: conn,
    like: nodes[0],
    nodeId: `node-${i}`,
    clock: () => Date.now() + offset,
    config: { chatRatePerSec: 1000, chatBurst: 1000 },
    withCommerce,
  });
  nodes.push(n);
  return n;
}

const engageEvents = (c: RtClient): EngagementEvent[] => c.items().flatMap((x) => (x.k === 'engage' ? [x.event] : []));

describe('giveaways across nodes', { timeout: 30_000 }, () => {
  it('enters viewers of every node and draws once, on the lease holder, after the starting node left', async () => {
    const first = await node(1);
    first.shows.markLive(first.showId);
    const second = await node(2);
    const host = await RtClient.connect(first.wsUrl());
    clients.push(host);
    await host.hello({ token: first.studioToken });
    const viewers = await Promise.all(
      [first, second, second].map(async (n, i) => {
        const c = await RtClient.connect(n.wsUrl(), { cookie: n.guestCookie() });
        clients.push(c);
        await c.hello({ nickname: `viewer${i}` });
        return c;
      }),
    );
    const { giveaway } = await host.request('giveaway.start', {
      kind: 'lottery',
      prize: 'Teapot',
      winners: 3,
      durationSec: 10,
      eligibility: { type: 'keyword', keyword: 'tea' },
    });
    // The second node learns of the giveaway from the shared store (within a second); then its viewers' keyword
    // enters them. Repeating the keyword changes nothing once entered.
    const three = () => engageEvents(viewers[1]!).some((e) => e.type === 'giveaway.entrants' && e.entrants === 3);
    for (let round = 0; round < 20 && !three(); round++) {
      for (const v of viewers) expect((await v.request('chat.send', { text: `tea please (${round})` })).accepted).toBe(true);
      await viewers[1]!.waitFor(three, 500, 'three entrants').catch(() => undefined);
    }
    expect(three()).toBe(true);
    // The starting node's realtime service stops before the draw is due (its sockets close, its jobs stop and give
    // their leases back); the other node draws it.
    await first.realtime.close();
    offset += 10_000;
    await viewers[1]!.waitFor(() => engageEvents(viewers[1]!).some((e) => e.type === 'giveaway.ended'), 15_000, 'drawn');
    const ended = engageEvents(viewers[1]!).filter((e) => e.type === 'giveaway.ended');
    expect(ended).toHaveLength(1);
    const g = ended[0]!.type === 'giveaway.ended' ? ended[0]!.giveaway : null;
    expect(g).toMatchObject({ id: giveaway.id, status: 'drawn', entrants: 3 });
    expect(g!.winners).toHaveLength(3);
  });

  it('announces a coupon window that closes once to every node, also after the issuing node left', async () => {
    const first = await node(1, true);
    first.shows.markLive(first.showId);
    const second = await node(2, true);
    const host = await RtClient.connect(first.wsUrl());
    clients.push(host);
    await host.hello({ token: first.studioToken });
    const [onFirst, onSecond] = await Promise.all(
      [first, second].map(async (n, i) => {
        const c = await RtClient.connect(n.wsUrl(), { cookie: n.guestCookie() });
        clients.push(c);
        await c.hello({ nickname: `buyer${i}` });
        return c;
      }),
    );
    const ends = (c: RtClient, id: string) => engageEvents(c).filter((e) => e.type === 'coupon.ended' && e.coupon.id === id);
    const issue = async (title: string) =>
      (await host.request('coupon.create', { title, kind: 'amount', value: 500, currency: 'CNY', durationSec: 10 })).coupon;

    const early = await issue('早鸟券');
    offset += 10_000;
    for (const c of [onFirst!, onSecond!]) await c.waitFor(() => ends(c, early.id).length > 0, 5000, 'the first window closed');
    await new Promise((r) => setTimeout(r, 1500)); // every node's tick and scheduled run have seen it by now
    expect([ends(onFirst!, early.id).length, ends(onSecond!, early.id).length]).toEqual([1, 1]);

    // The issuing node's realtime service stops; the window of its next coupon closes on the other node's watch.
    const late = await issue('晚场券');
    await first.realtime.close();
    offset += 10_000;
    await onSecond!.waitFor(() => ends(onSecond!, late.id).length > 0, 15_000, 'the second window closed');
    await new Promise((r) => setTimeout(r, 1500));
    expect(ends(onSecond!, late.id)).toHaveLength(1);
    expect(ends(onSecond!, late.id)[0]).toMatchObject({ coupon: { id: late.id, status: 'ended' } });
  });

  it('tells the show of a closed window from the node running the scheduled work, without sockets of it there', async () => {
    // The first node runs the scheduled work (it holds the lease, alone at first) and never has a socket of the show.
    const first = await node(1, true);
    first.shows.markLive(first.showId);
    await new Promise((r) => setTimeout(r, 600));
    const second = await node(2, true);
    const host = await RtClient.connect(second.wsUrl());
    clients.push(host);
    await host.hello({ token: second.studioToken });
    const buyer = await RtClient.connect(second.wsUrl(), { cookie: second.guestCookie() });
    clients.push(buyer);
    await buyer.hello({ nickname: 'buyer' });
    const { coupon } = await host.request('coupon.create', {
      title: '整点券',
      kind: 'amount',
      value: 500,
      currency: 'CNY',
      durationSec: 10,
    });
    offset += 10_000;
    const ended = () => engageEvents(buyer).filter((e) => e.type === 'coupon.ended' && e.coupon.id === coupon.id);
    await buyer.waitFor(() => ended().length > 0, 5000, 'the window closed');
    await new Promise((r) => setTimeout(r, 1000));
    expect(ended()).toHaveLength(1);
  });
});
