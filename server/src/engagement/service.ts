/**
 * Engagement on a live show: lucky bags and danmaku lotteries (auditable commit–reveal draws), red packets (pre-split,
 * one share per claimer in one atomic store call, on either engine) and live-only coupons (delegated to commerce's
 * CouponService, which also applies them at checkout).
 *
 * The realtime hub reports accepted chat messages and new follows (`onChat`, `onFollow`); running giveaways turn them
 * into entries (./giveaways.ts). Room-wide changes are pushed into the show's room as `{ k: 'engage', event }` batch
 * items. Every node's `tick()` (every 200 ms) pushes its coalesced claim counts and coupon changes; `runDue()` is the
 * scheduled work one node runs (the engagement lease holder in a cluster whose store is shared): draws of due
 * giveaways, entrant counts, red packets past their end, coupon windows that closed (whichever node made them).
 * Who may call each method is declared in the realtime contract and checked by the dispatcher; this checks who may
 * take part (guests with an identity, never staff, not banned) and the show's state.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { CouponView } from '../../../shared/commerce/coupons';
import type { ShowInfo } from '../../../shared/domain/show';
import { splitAmount } from '../../../shared/engagement/split';
import type { z } from 'zod';
import type {
  EngageSync,
  EngagementEvent,
  GiveawayStart,
  GiveawayView,
  RedPacketClaim,
  RedPacketCreate,
  RedPacketView,
} from '../../../shared/protocol/engagement';
import { RpcError } from '../../../shared/protocol/rpc';
import type { Logger } from '../log';
import type { Connection } from '../realtime/connection';
import type { RealtimeHub } from '../realtime/hub';
import { Giveaways } from './giveaways';
import { type EngagementStore, type RedPacketRow, sqliteEngagementStore } from './store';

/** What engagement needs from commerce's coupons (CouponService implements it). */
export interface CouponPort {
  create(showId: string, raw: unknown, createdBy: string): Promise<CouponView>;
  end(id: string): Promise<CouponView>;
  get(id: string): Promise<CouponView | null>;
  claim(buyerId: string, couponId: string): Promise<{ coupon: CouponView; already: boolean }>;
  listForShow(showId: string): Promise<CouponView[]>;
  lapsedBetween(from: number, to: number): Promise<CouponView[]>;
  buyerCoupons(buyerId: string, query: unknown): Promise<{ coupon: CouponView }[]>;
}

export interface EngagementDeps {
  /** The node's SQLite database: the default engine. */
  db: Parameters<typeof sqliteEngagementStore>[0];
  /** Another engine's store (PostgreSQL: ./store-postgres.ts). */
  store?: EngagementStore;
  hub: RealtimeHub;
  shows: { get(showId: string): ShowInfo | null };
  coupons: CouponPort | null;
  log: Logger;
  clock: () => number;
  /** Told of every event published to a show's room (the show event log). */
  onEvent?: (showId: string, event: EngagementEvent) => void;
}

/** Finished items kept in the state a socket receives. */
const RECENT_FINISHED = 5;
/** How often the scheduled work looks for coupon windows that closed. */
const LAPSE_CHECK_MS = 500;
/**
 * A node that starts running the scheduled work (it took over the lease) announces the lapses of this long before:
 * the previous holder may have died before announcing them (an announcement twice is harmless: the page marks the
 * coupon ended).
 */
const LAPSE_LOOKBACK_MS = 10_000;

export class EngagementService {
  private readonly store: EngagementStore;
  private readonly giveaways: Giveaways;
  /** Active coupons: id → show and end time (null: until ended or the show ends). */
  private readonly liveCoupons = new Map<string, { showId: string; endsAt: number | null }>();
  private readonly dirtyPackets = new Set<string>();
  private readonly dirtyCoupons = new Set<string>();
  private ticking = false;
  private lastRefresh = 0;
  /** Coupon windows closed up to this time have been announced by this node's scheduled work (null: none yet). */
  private lapsesTo: number | null = null;

  constructor(private readonly d: EngagementDeps) {
    this.store = d.store ?? sqliteEngagementStore(d.db);
    this.giveaways = new Giveaways({ store: this.store, log: d.log, clock: d.clock, publish: (showId, e) => this.publish(showId, e) });
  }

  /** Pick up the running giveaways the store holds (call once, before the first tick). */
  async init(): Promise<void> {
    await this.giveaways.refresh();
  }

  private get now(): number {
    return this.d.clock();
  }

  private publish(showId: string, event: EngagementEvent): void {
    this.d.hub.publishRoom(showId)?.push({ k: 'engage', event });
    this.d.onEvent?.(showId, event);
  }

  private requireLive(conn: Connection): string {
    const showId = conn.room.showId;
    if (this.d.shows.get(showId)?.status !== 'live') throw new RpcError('BAD_STATE', 'the show is not live');
    return showId;
  }

  /** A viewer with a guest identity who may take part (not staff, not banned). */
  private participant(conn: Connection): string {
    if (conn.staff) throw new RpcError('FORBIDDEN', 'staff cannot take part');
    if (!conn.key) throw new RpcError('UNAUTHORIZED', 'no guest session: POST /api/session first, then reconnect');
    if (this.d.hub.isBanned(conn)) throw new RpcError('FORBIDDEN', 'banned');
    return conn.key;
  }

  private actorId(conn: Connection): string {
    return conn.principal?.id ?? conn.key ?? 'unknown';
  }

  // ---------------------------------------------------------------------------------------------------------
  // Views

  private packetView(p: RedPacketRow): RedPacketView {
    return {
      id: p.id,
      showId: p.show_id,
      amountMinor: p.amount,
      currency: p.currency,
      count: p.count,
      claimed: p.claimed,
      claimedMinor: p.claimed_amount,
      note: p.note,
      status: p.status,
      createdAt: p.created_at,
      endsAt: p.ends_at,
    };
  }

  /** The show's state for one socket (sent after hello and on `engage.state`). */
  async sync(conn: Connection): Promise<EngageSync> {
    const showId = conn.room.showId;
    const key = conn.key;
    const buyerId = conn.buyerKey?.startsWith('b:') ? conn.buyerKey.slice(2) : null;
    const coupons = (await this.d.coupons?.listForShow(showId)) ?? [];
    const mine = buyerId && this.d.coupons ? (await this.d.coupons.buyerCoupons(buyerId, { showId })).map((c) => c.coupon.id) : [];
    const giveaways = await Promise.all((await this.store.giveawaysOfShow(showId, RECENT_FINISHED)).map((g) => this.giveaways.view(g)));
    const packets = await this.store.packetsOfShow(showId, RECENT_FINISHED);
    return {
      showId,
      userId: conn.publicId,
      giveaways,
      redPackets: packets.map((p) => this.packetView(p)),
      coupons: [...coupons.filter((c) => c.status === 'active'), ...coupons.filter((c) => c.status !== 'active').slice(0, RECENT_FINISHED)],
      mine: {
        entered: key ? await this.store.enteredBy(showId, key) : [],
        redPackets: key
          ? (await this.store.myPackets(showId, key)).map((r) => ({ id: r.id, amountMinor: r.amount, currency: r.currency }))
          : [],
        coupons: mine,
      },
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Giveaways and lotteries

  async startGiveaway(conn: Connection, input: z.output<typeof GiveawayStart>): Promise<GiveawayView> {
    const showId = this.requireLive(conn);
    const row = await this.giveaways.start(showId, input, this.actorId(conn));
    this.d.hub.audit(conn, 'giveaway.start', row.id, null, {
      kind: row.kind,
      prize: row.prize,
      winners: row.winner_count,
      eligibility: row.eligibility,
      keyword: row.keyword,
      commitment: row.commitment,
    });
    return this.giveaways.view(row);
  }

  /** Staff: draw now (or cancel). */
  async endGiveaway(conn: Connection, giveawayId: string, cancel: boolean): Promise<GiveawayView> {
    await this.giveaways.runningOf(conn.room.showId, giveawayId);
    const view = await this.giveaways.finish(giveawayId, cancel);
    this.d.hub.audit(conn, cancel ? 'giveaway.cancel' : 'giveaway.draw', giveawayId, null, {
      winners: view.winners?.map((w) => w.userId) ?? [],
      seed: view.seed,
    });
    return view;
  }

  entries(conn: Connection, giveawayId: string): Promise<{ giveaway: GiveawayView; entrants: string[] }> {
    return this.giveaways.entries(conn.room.showId, giveawayId);
  }

  /** The hub accepted a chat message (viewers only). */
  onChat(conn: Connection, text: string): void {
    this.giveaways.onChat(conn, text);
  }

  /** The hub recorded a new follow. */
  onFollow(conn: Connection): void {
    this.giveaways.onFollow(conn);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Red packets

  async createRedPacket(conn: Connection, input: z.output<typeof RedPacketCreate>): Promise<RedPacketView> {
    const showId = this.requireLive(conn);
    const now = this.now;
    const shares = splitAmount(input.amountMinor, input.count, (n) => randomInt(n));
    const id = `rp_${randomBytes(9).toString('base64url')}`;
    const endsAt = now + input.durationSec * 1000;
    await this.store.insertPacket(
      {
        id,
        show_id: showId,
        amount: input.amountMinor,
        currency: input.currency,
        count: input.count,
        note: input.note,
        created_at: now,
        ends_at: endsAt,
        created_by: this.actorId(conn),
      },
      shares,
    );
    const view = this.packetView((await this.store.packet(id))!);
    this.publish(showId, { type: 'redpacket.available', packet: view });
    this.d.hub.audit(conn, 'redpacket.create', id, null, { amount: input.amountMinor, currency: input.currency, count: input.count });
    return view;
  }

  async endRedPacket(conn: Connection, packetId: string): Promise<RedPacketView> {
    const p = await this.store.packet(packetId);
    if (!p || p.show_id !== conn.room.showId) throw new RpcError('NOT_FOUND', 'no such red packet in this show');
    if (p.status !== 'open') throw new RpcError('BAD_STATE', 'this red packet is already closed');
    await this.closePacket(packetId, 'closed');
    this.d.hub.audit(conn, 'redpacket.end', packetId);
    return this.packetView((await this.store.packet(packetId))!);
  }

  private async closePacket(packetId: string, status: 'empty' | 'closed'): Promise<void> {
    if (!(await this.store.closePacket(packetId, status, this.now))) return;
    this.dirtyPackets.delete(packetId);
    const view = this.packetView((await this.store.packet(packetId))!);
    this.publish(view.showId, { type: 'redpacket.out', packet: view });
  }

  /** One atomic claim in the store: an earlier share of this claimer, else the lowest free share, else empty. */
  async claimRedPacket(conn: Connection, packetId: string): Promise<RedPacketClaim> {
    const key = this.participant(conn);
    const r = await this.store.claimShare(packetId, conn.room.showId, { key, publicId: conn.publicId!, name: conn.name }, this.now);
    if (r.outcome === 'missing') throw new RpcError('NOT_FOUND', 'no such red packet in this show');
    if (r.outcome === 'had') return { outcome: 'won', amountMinor: r.amount, currency: r.currency, already: true };
    if (r.last) await this.closePacket(packetId, 'empty');
    else if (r.outcome === 'won') this.dirtyPackets.add(packetId);
    return r.outcome === 'won' ? { outcome: 'won', amountMinor: r.amount, currency: r.currency, already: false } : { outcome: 'empty' };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Coupons (commerce owns them; this publishes and checks roles)

  private couponsOrFail(): CouponPort {
    if (!this.d.coupons) throw new RpcError('BAD_STATE', 'coupons need the shop (commerce) on this server');
    return this.d.coupons;
  }

  async createCoupon(conn: Connection, input: unknown): Promise<CouponView> {
    const coupons = this.couponsOrFail();
    const showId = this.requireLive(conn);
    const coupon = await coupons.create(showId, input, this.actorId(conn));
    this.liveCoupons.set(coupon.id, { showId, endsAt: coupon.endsAt });
    this.publish(showId, { type: 'coupon.available', coupon });
    this.d.hub.audit(conn, 'coupon.create', coupon.id, null, { title: coupon.title, kind: coupon.kind, value: coupon.value });
    return coupon;
  }

  async endCoupon(conn: Connection, couponId: string): Promise<CouponView> {
    const coupons = this.couponsOrFail();
    const c = await coupons.get(couponId);
    if (!c || c.showId !== conn.room.showId) throw new RpcError('NOT_FOUND', 'no such coupon in this show');
    const coupon = await coupons.end(couponId);
    this.liveCoupons.delete(couponId);
    this.dirtyCoupons.delete(couponId);
    this.publish(coupon.showId, { type: 'coupon.ended', coupon });
    this.d.hub.audit(conn, 'coupon.end', couponId);
    return coupon;
  }

  async claimCoupon(conn: Connection, couponId: string): Promise<{ coupon: CouponView; already: boolean }> {
    const coupons = this.couponsOrFail();
    const key = this.participant(conn);
    if (!key.startsWith('b:')) throw new RpcError('FORBIDDEN', 'coupons are for buyers');
    const c = await coupons.get(couponId);
    if (!c || c.showId !== conn.room.showId) throw new RpcError('NOT_FOUND', 'no such coupon in this show');
    const r = await coupons.claim(key.slice(2), couponId);
    if (!r.already) this.dirtyCoupons.add(couponId);
    return r;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Timer

  /**
   * Every node, every 200 ms: this node's coalesced claim counts and coupon changes, its coupons' lapses, and once a
   * second the store's running giveaways (so entries on this node reach giveaways started on another). A tick still
   * running skips the next.
   */
  tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    void this.tickOnce()
      .catch((err) => this.d.log.error({ err }, 'engagement tick failed'))
      .finally(() => {
        this.ticking = false;
      });
  }

  private async tickOnce(): Promise<void> {
    const now = this.now;
    if (now - this.lastRefresh >= 1000) {
      this.lastRefresh = now;
      await this.giveaways.refresh();
    }
    const dirtyPackets = [...this.dirtyPackets];
    this.dirtyPackets.clear();
    for (const id of dirtyPackets) {
      const p = await this.store.packet(id);
      if (p) this.publish(p.show_id, { type: 'redpacket.updated', packet: this.packetView(p) });
    }
    const coupons = this.d.coupons;
    const ended: string[] = [];
    if (coupons) {
      for (const [id, c] of [...this.liveCoupons]) {
        // A window that closes is the scheduled work's to announce (runDue, on one node); a show that ended, here.
        const lapsed = c.endsAt !== null && c.endsAt <= now;
        if (lapsed || this.d.shows.get(c.showId)?.status !== 'live') {
          this.liveCoupons.delete(id);
          this.dirtyCoupons.delete(id);
          if (!lapsed) ended.push(id);
        }
      }
    }
    const dirty = [...this.dirtyCoupons];
    this.dirtyCoupons.clear();
    if (coupons && (ended.length || dirty.length)) await this.publishCoupons(coupons, ended, dirty);
  }

  /**
   * Scheduled work for one node (the engagement lease holder when the store is shared by a cluster; otherwise each
   * node for its own store): draw due giveaways, publish entrant counts, close red packets past their end or of a
   * show this node knows has ended.
   */
  async runDue(): Promise<void> {
    await this.giveaways.runDue();
    const now = this.now;
    await this.announceLapses(now);
    for (const p of await this.store.openPackets()) {
      const show = this.d.shows.get(p.show_id);
      if (p.ends_at <= now || (show !== null && show.status !== 'live')) await this.closePacket(p.id, 'closed');
    }
  }

  /** Coupons whose window closed since the last look: `coupon.ended` to their show, whichever node created them. */
  private async announceLapses(now: number): Promise<void> {
    const coupons = this.d.coupons;
    if (!coupons || (this.lapsesTo !== null && now - this.lapsesTo < LAPSE_CHECK_MS)) return;
    const from = this.lapsesTo ?? now - LAPSE_LOOKBACK_MS;
    for (const view of await coupons.lapsedBetween(from, now)) this.publish(view.showId, { type: 'coupon.ended', coupon: view });
    this.lapsesTo = now;
  }

  /** Coupon views are read from commerce (asynchronously), then published in the order they were marked. */
  private async publishCoupons(coupons: CouponPort, ended: string[], dirty: string[]): Promise<void> {
    try {
      for (const id of ended) {
        const view = await coupons.get(id);
        if (view) this.publish(view.showId, { type: 'coupon.ended', coupon: view });
      }
      for (const id of dirty) {
        const view = await coupons.get(id);
        if (view) this.publish(view.showId, { type: 'coupon.updated', coupon: view });
      }
    } catch (err) {
      this.d.log.error({ err }, 'publishing coupon changes failed');
    }
  }
}
