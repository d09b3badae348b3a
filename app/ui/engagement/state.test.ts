import { describe, expect, it } from 'vitest';
import { commitmentOf, drawWinners, entriesHash } from '../../../shared/engagement/draw';
import type { GiveawayView, RedPacketView } from '../../../shared/protocol/engagement';
import { applyEvent, applySync, checkGiveaway, initialEngagement, orderedGiveaways } from './state';

const seed = '5e'.repeat(32);
const g = (over: Partial<GiveawayView> = {}): GiveawayView => ({
  id: 'g_abcdef1',
  showId: 'show-1',
  kind: 'lottery',
  prize: 'Tea',
  winnerCount: 2,
  eligibility: { type: 'keyword', keyword: '福袋' },
  startedAt: 1000,
  endsAt: 61_000,
  status: 'running',
  commitment: commitmentOf(seed),
  entrants: 0,
  seed: null,
  entriesHash: null,
  winners: null,
  drawnAt: null,
  ...over,
});
const packet: RedPacketView = {
  id: 'rp_abcdef1',
  showId: 'show-1',
  amountMinor: 1000,
  currency: 'CNY',
  count: 5,
  claimed: 0,
  claimedMinor: 0,
  note: '',
  status: 'open',
  createdAt: 1,
  endsAt: 2,
};

describe('engagement folds', () => {
  it('applies sync then events (upsert by id, entrant counts only while running)', () => {
    let s = applySync(initialEngagement(), {
      showId: 'show-1',
      userId: 'u_abcdefgh1',
      giveaways: [g()],
      redPackets: [],
      coupons: [],
      mine: { entered: ['g_abcdef1'], redPackets: [{ id: 'rp_old0001', amountMinor: 12, currency: 'CNY' }], coupons: [] },
    });
    expect(s.entered).toEqual(['g_abcdef1']);
    expect(s.packetResults.rp_old0001).toEqual({ outcome: 'won', amountMinor: 12, currency: 'CNY' });
    s = applyEvent(s, { type: 'giveaway.entrants', id: 'g_abcdef1', entrants: 7 });
    expect(s.giveaways[0]!.entrants).toBe(7);
    s = applyEvent(s, { type: 'redpacket.available', packet });
    s = applyEvent(s, { type: 'redpacket.updated', packet: { ...packet, claimed: 3 } });
    expect(s.redPackets).toEqual([{ ...packet, claimed: 3 }]);
    const done = g({ status: 'drawn', seed, entrants: 7, drawnAt: 5, entriesHash: 'a'.repeat(64), winners: [] });
    s = applyEvent(s, { type: 'giveaway.ended', giveaway: done });
    s = applyEvent(s, { type: 'giveaway.entrants', id: 'g_abcdef1', entrants: 9 });
    expect(s.giveaways).toEqual([done]);
  });

  it('orders running draws before finished ones and verifies a finished draw locally', () => {
    const entrants = ['u_aaaaaaaa', 'u_bbbbbbbb', 'u_cccccccc'];
    const winners = drawWinners(seed, entrants, 2).map((userId) => ({ userId, name: userId }));
    const done = g({ id: 'g_done0001', status: 'drawn', seed, entriesHash: entriesHash(entrants), winners, drawnAt: 10 });
    expect(orderedGiveaways([done, g()]).map((x) => x.status)).toEqual(['running', 'drawn']);
    expect(checkGiveaway(done, entrants)).toMatchObject({ commitmentOk: true, entriesOk: true, winnersOk: true });
    expect(checkGiveaway({ ...done, winners: [...winners].reverse() }, entrants)?.winnersOk).toBe(false);
    expect(checkGiveaway(g(), entrants)).toBeNull();
  });
});
