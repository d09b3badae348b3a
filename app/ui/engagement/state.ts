/**
 * Engagement state of a page (viewer cards, studio panel) as a zustand vanilla store. `applySync` / `applyEvent` are
 * pure folds of the server's `engage.sync` notification and `engage` batch items, unit-tested without a socket.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CouponView } from '../../../shared/commerce/coupons';
import { type DrawCheck, verifyDraw } from '../../../shared/engagement/draw';
import type { EngageSync, EngagementEvent, GiveawayView, RedPacketView } from '../../../shared/protocol/engagement';
import type { RealtimeStatus } from '../realtime/connection';

export interface PacketResult {
  outcome: 'won' | 'empty';
  amountMinor?: number;
  currency?: string;
}

export interface EngagementData {
  status: RealtimeStatus;
  showId: string | null;
  userId: string | null;
  giveaways: GiveawayView[];
  redPackets: RedPacketView[];
  coupons: CouponView[];
  entered: string[];
  /** Red packet id → what this identity got. */
  packetResults: Record<string, PacketResult>;
  claimedCoupons: string[];
  /** Request in flight per item id (claim / grab / start / end). */
  pending: Record<string, boolean>;
  /** Last error per item id (or 'form' for the studio forms): an RpcError code. */
  errors: Record<string, string>;
  /** Verification results by giveaway id. */
  checks: Record<string, DrawCheck | 'running' | 'failed'>;
}

export type EngagementStore = StoreApi<EngagementData>;

export function initialEngagement(): EngagementData {
  return {
    status: 'idle',
    showId: null,
    userId: null,
    giveaways: [],
    redPackets: [],
    coupons: [],
    entered: [],
    packetResults: {},
    claimedCoupons: [],
    pending: {},
    errors: {},
    checks: {},
  };
}

export function createEngagementStore(): EngagementStore {
  return createStore<EngagementData>()(() => initialEngagement());
}

export function applySync(s: EngagementData, sync: EngageSync): EngagementData {
  const packetResults: Record<string, PacketResult> = {};
  for (const p of sync.mine.redPackets) packetResults[p.id] = { outcome: 'won', amountMinor: p.amountMinor, currency: p.currency };
  return {
    ...s,
    showId: sync.showId,
    userId: sync.userId,
    giveaways: sync.giveaways,
    redPackets: sync.redPackets,
    coupons: sync.coupons,
    entered: sync.mine.entered,
    packetResults: { ...s.packetResults, ...packetResults },
    claimedCoupons: sync.mine.coupons,
  };
}

const upsert = <T extends { id: string }>(list: readonly T[], item: T): T[] => {
  const i = list.findIndex((x) => x.id === item.id);
  if (i < 0) return [item, ...list];
  const next = [...list];
  next[i] = item;
  return next;
};

export function applyEvent(s: EngagementData, e: EngagementEvent): EngagementData {
  switch (e.type) {
    case 'giveaway.started':
    case 'giveaway.ended':
      return { ...s, giveaways: upsert(s.giveaways, e.giveaway) };
    case 'giveaway.entrants':
      return { ...s, giveaways: s.giveaways.map((g) => (g.id === e.id && g.status === 'running' ? { ...g, entrants: e.entrants } : g)) };
    case 'redpacket.available':
    case 'redpacket.updated':
    case 'redpacket.out':
      return { ...s, redPackets: upsert(s.redPackets, e.packet) };
    case 'coupon.available':
    case 'coupon.updated':
    case 'coupon.ended':
      return { ...s, coupons: upsert(s.coupons, e.coupon) };
  }
}

/** Re-run a finished draw locally from the published entrant list (shared/engagement/draw.ts). */
export function checkGiveaway(g: GiveawayView, entrants: readonly string[]): DrawCheck | null {
  if (!g.seed || !g.entriesHash || !g.winners) return null;
  return verifyDraw({
    seed: g.seed,
    commitment: g.commitment,
    entrants,
    entriesHash: g.entriesHash,
    winnerCount: g.winnerCount,
    winners: g.winners.map((w) => w.userId),
  });
}

/** Running first (soonest end first), then finished (newest first). */
export function orderedGiveaways(list: readonly GiveawayView[]): GiveawayView[] {
  const running = list.filter((g) => g.status === 'running').sort((a, b) => a.endsAt - b.endsAt);
  const done = list.filter((g) => g.status !== 'running').sort((a, b) => (b.drawnAt ?? 0) - (a.drawnAt ?? 0));
  return [...running, ...done];
}
