/**
 * Engagement contract (lucky bags, danmaku lotteries, red packets, live-only coupons) carried on the realtime socket
 * (shared/protocol/realtime.ts merges these methods and the `engage` batch item / `engage.sync` notification).
 *
 * Roles (each method's `caller`; lattice in realtime.ts): `giveaway.start|end`, `redpacket.create|end`,
 * `coupon.create|end` are `staff` (owner/studio token or a moderator); `engage.state` and `giveaway.entries` are `any`;
 * claims are `viewer`, and the service takes them from guests only (staff never take part). Room-wide events travel in the 100 ms batches as
 * `{ k: 'engage', event }`; right after `hello` the server sends `engage.sync` to that socket alone (current state plus
 * what this identity already entered or claimed), and again whenever the socket asks with `engage.state`.
 *
 * Draws are auditable: `commitment` is published at start, `seed` + `entriesHash` + winners at the end; the pure
 * re-run lives in shared/engagement/draw.ts and `giveaway.entries` returns the entrant list to check it against.
 */
import { z } from 'zod';
import { CouponId } from '../commerce/common';
import { CouponCreate, CouponView } from '../commerce/coupons';
import { Currency, MinorUnits } from '../domain/money';
import { ShowId } from '../domain/show';
import { HASH_HEX, SEED_HEX } from '../engagement/draw';
import { MAX_RED_PACKET_SHARES } from '../engagement/split';
import type { MethodMap } from './rpc';

export const GiveawayId = z.string().regex(/^g_[A-Za-z0-9_-]{6,40}$/, 'invalid giveaway id');
export const RedPacketId = z.string().regex(/^rp_[A-Za-z0-9_-]{6,40}$/, 'invalid red packet id');
/** Same shape as realtime's PublicUserId (kept here so this module does not import realtime.ts). */
const UserId = z.string().regex(/^u_[A-Za-z0-9_-]{8,32}$/, 'invalid user id');
const Hex64 = z.string().regex(HASH_HEX, 'expected 64 hex digits');
const Ms = z.number().int().nonnegative();

/** `lucky_bag`: a prize for viewers who chat a keyword or follow in the window; `lottery`: danmaku lottery (keyword only). */
export const GiveawayKind = z.enum(['lucky_bag', 'lottery']);
export type GiveawayKind = z.infer<typeof GiveawayKind>;

export const Keyword = z
  .string()
  .trim()
  .min(1)
  .max(20)
  .refine((s) => !/[\p{Cc}<>]/u.test(s), 'keyword contains forbidden characters');

export const Eligibility = z.discriminatedUnion('type', [
  z.object({ type: z.literal('keyword'), keyword: Keyword }),
  z.object({ type: z.literal('follow') }),
]);
export type Eligibility = z.infer<typeof Eligibility>;

export const GiveawayStart = z
  .object({
    kind: GiveawayKind,
    prize: z.string().trim().min(1).max(100),
    winners: z.number().int().min(1).max(100),
    durationSec: z.number().int().min(10).max(3600),
    eligibility: Eligibility,
  })
  .refine((g) => g.kind !== 'lottery' || g.eligibility.type === 'keyword', {
    message: 'a danmaku lottery draws among keyword senders',
    path: ['eligibility'],
  });
export type GiveawayStart = z.input<typeof GiveawayStart>;

export const Winner = z.object({ userId: UserId, name: z.string() });
export type Winner = z.infer<typeof Winner>;

export const GiveawayStatus = z.enum(['running', 'drawn', 'cancelled']);
export type GiveawayStatus = z.infer<typeof GiveawayStatus>;

export const GiveawayView = z.object({
  id: GiveawayId,
  showId: ShowId,
  kind: GiveawayKind,
  prize: z.string(),
  winnerCount: z.number().int(),
  eligibility: Eligibility,
  startedAt: Ms,
  endsAt: Ms,
  status: GiveawayStatus,
  /** hex(SHA-256(seed)), published at start. */
  commitment: Hex64,
  entrants: z.number().int(),
  /** Revealed when drawn (or cancelled). */
  seed: z.string().regex(SEED_HEX).nullable(),
  entriesHash: Hex64.nullable(),
  winners: z.array(Winner).nullable(),
  drawnAt: Ms.nullable(),
});
export type GiveawayView = z.infer<typeof GiveawayView>;

export const RedPacketCreate = z
  .object({
    amountMinor: z.number().int().min(1).max(100_000_000),
    currency: Currency,
    count: z.number().int().min(1).max(MAX_RED_PACKET_SHARES),
    /** Unclaimed shares lapse after this. */
    durationSec: z.number().int().min(10).max(3600).default(300),
    note: z.string().trim().max(40).default(''),
  })
  .refine((r) => r.amountMinor >= r.count, { message: 'at least one minor unit per share', path: ['amountMinor'] });
export type RedPacketCreate = z.input<typeof RedPacketCreate>;

export const RedPacketStatus = z.enum(['open', 'empty', 'closed']);
export const RedPacketView = z.object({
  id: RedPacketId,
  showId: ShowId,
  amountMinor: MinorUnits,
  currency: Currency,
  count: z.number().int(),
  claimed: z.number().int(),
  claimedMinor: MinorUnits,
  note: z.string(),
  status: RedPacketStatus,
  createdAt: Ms,
  endsAt: Ms,
});
export type RedPacketView = z.infer<typeof RedPacketView>;

export const RedPacketClaim = z.discriminatedUnion('outcome', [
  /** Got a share now (`already` false) or earlier (`already` true: a repeat claim returns the same share). */
  z.object({ outcome: z.literal('won'), amountMinor: MinorUnits, currency: Currency, already: z.boolean() }),
  /** Every share was taken (or the packet lapsed) before this claim. */
  z.object({ outcome: z.literal('empty') }),
]);
export type RedPacketClaim = z.infer<typeof RedPacketClaim>;

export const EngagementEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('giveaway.started'), giveaway: GiveawayView }),
  /** Entrant count changed (at most about once a second). */
  z.object({ type: z.literal('giveaway.entrants'), id: GiveawayId, entrants: z.number().int() }),
  z.object({ type: z.literal('giveaway.ended'), giveaway: GiveawayView }),
  z.object({ type: z.literal('redpacket.available'), packet: RedPacketView }),
  z.object({ type: z.literal('redpacket.updated'), packet: RedPacketView }),
  /** Every share claimed, or the packet lapsed / was ended (`packet.status` tells which). */
  z.object({ type: z.literal('redpacket.out'), packet: RedPacketView }),
  z.object({ type: z.literal('coupon.available'), coupon: CouponView }),
  z.object({ type: z.literal('coupon.updated'), coupon: CouponView }),
  z.object({ type: z.literal('coupon.ended'), coupon: CouponView }),
]);
export type EngagementEvent = z.infer<typeof EngagementEvent>;

/** The show's engagement state for one socket. */
export const EngageSync = z.object({
  showId: ShowId,
  /** The socket's public user id (to spot itself among winners); null without an identity. */
  userId: UserId.nullable(),
  /** Running giveaways and the latest finished ones (newest first). */
  giveaways: z.array(GiveawayView),
  redPackets: z.array(RedPacketView),
  coupons: z.array(CouponView),
  mine: z.object({
    entered: z.array(GiveawayId),
    redPackets: z.array(z.object({ id: RedPacketId, amountMinor: MinorUnits, currency: Currency })),
    coupons: z.array(CouponId),
  }),
});
export type EngageSync = z.infer<typeof EngageSync>;

const Empty = z.object({});

export const engagementMethods = {
  'engage.state': { caller: 'any', req: Empty, res: EngageSync },
  'giveaway.start': { caller: 'staff', req: GiveawayStart, res: z.object({ giveaway: GiveawayView }) },
  /** Draw now (`cancel`: end without winners, the seed is still revealed). */
  'giveaway.end': {
    caller: 'staff',
    req: z.object({ giveawayId: GiveawayId, cancel: z.boolean().default(false) }),
    res: z.object({ giveaway: GiveawayView }),
  },
  /** The canonical entrant list of a finished draw (anyone may verify). */
  'giveaway.entries': {
    caller: 'any',
    req: z.object({ giveawayId: GiveawayId }),
    res: z.object({ giveaway: GiveawayView, entrants: z.array(UserId) }),
  },
  'redpacket.create': { caller: 'staff', req: RedPacketCreate, res: z.object({ packet: RedPacketView }) },
  'redpacket.end': { caller: 'staff', req: z.object({ packetId: RedPacketId }), res: z.object({ packet: RedPacketView }) },
  'redpacket.claim': { caller: 'viewer', req: z.object({ packetId: RedPacketId }), res: RedPacketClaim },
  'coupon.create': { caller: 'staff', req: CouponCreate, res: z.object({ coupon: CouponView }) },
  'coupon.end': { caller: 'staff', req: z.object({ couponId: CouponId }), res: z.object({ coupon: CouponView }) },
  /** Once per buyer; a repeat claim answers `already: true`. */
  'coupon.claim': { caller: 'viewer', req: z.object({ couponId: CouponId }), res: z.object({ coupon: CouponView, already: z.boolean() }) },
} as const satisfies MethodMap;
export type EngagementMethods = typeof engagementMethods;
