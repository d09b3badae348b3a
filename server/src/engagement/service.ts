/**
 * Engagement on a live show: lucky bags and danmaku lotteries (auditable commit–reveal draws), red packets (pre-split,
 * one share per claimer in one atomic store call, on either engine) and live-only coupons (delegated to commerce's
 * CouponService, which also applies them at checkout).
 *
 * The realtime hub reports accepted chat messages and new follows (`onChat`, `onFollow`); running giveaways turn them
 * into entries. Room-wide changes are pushed into the show's room as `{ k: 'engage', event }` batch items; claim
 * counts are coalesced and pushed by `tick()` (every 200 ms), which also draws due giveaways and lapses red packets.
 * Who may call each method is declared in the realtime contract and checked by the dispatcher; this checks who may
 * take part (guests with an identity, never staff, not banned) and the show's state.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { CouponView } from '../../../shared/commerce/coupons';
import type { ShowInfo } from '../../../shared/domain/show';
import { canonicalEntrants, commitmentOf, drawWinners, entriesHash, matchesKeyword } from '../../../shared/engagement/draw';
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
import { type EngagementStore, type GiveawayRow, type RedPacketRow, sqliteEngagementStore } from './store';

/** What engagement needs from commerce's coupons (CouponService implements it). */
export interface CouponPort {
  create(showId: string, raw: unknown, createdBy: string): Promise<CouponView>;
  end(id: string): Promise<CouponView>;
  get(id: string): Promise<CouponView | null>;
  claim(buyerId: string, couponId: string): Promise<{ coupon: CouponView; already: boolean }>;
  listForShow(showId: string): Promise<CouponView[]>;
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

interface RunningGiveaway {
  id: string;
  showId: string;
  keyword: string | null;
  endsAt: number;
  entered: Set<string>;
  pushedCount: number;
}

/** Finished items kept in the state a socket receives. */
const RECENT_FINISHED = 5;

export class EngagementService {
  private readonly store: EngagementStore;
  private readonly running = new Map<string, RunningGiveaway>();
  /** Open red packets: id → show and end time. */
  private readonly openPackets = new Map<string, { showId: string; endsAt: number }>();
  /** Active coupons: id → show and end time (null: until ended or the show ends). */
  private readonly liveCoupons = new Map<string, { showId: string; endsAt: number | null }>();
  private readonly dirtyPackets = new Set<string>();
  private readonly dirtyCoupons = new Set<string>();

  private ticking = false;

  constructor(private readonly d: EngagementDeps) {
    this.store = d.store ?? sqliteEngagementStore(d.db);
  }

  /** Pick up the running giveaways and open red packets the store holds (call once, before the first tick). */
  async init(): Promise<void> {
    for (const g of await this.store.runningGiveaways()) {
      this.running.set(g.id, {
        id: g.id,
        showId: g.show_id,
        keyword: g.keyword,
        endsAt: g.ends_at,
        entered: new Set((await this.store.entries(g.id)).map((e) => e.user_key)),
        pushedCount: -1,
      });
    }
    for (const p of await this.store.openPackets()) this.openPackets.set(p.id, { showId: p.show_id, endsAt: p.ends_at });
  }

  private get now(): number {
    return this.d.clock();
  }

  private publish(showId: string, event: EngagementEvent): void {
    this.d.hub.rooms.get(showId)?.push({ k: 'engage', event });
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

  private async giveawayView(g: GiveawayRow): Promise<GiveawayView> {
    const revealed = g.status !== 'running';
    const live = this.running.get(g.id);
    const entrants = live ? live.entered.size : await this.store.entryCount(g.id);
    const winners = revealed ? (await this.store.winners(g.id)).map((w) => ({ userId: w.public_id, name: w.name })) : null;
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
      winners,
      drawnAt: g.drawn_at,
    };
  }

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
    const giveaways = await Promise.all((await this.store.giveawaysOfShow(showId, RECENT_FINISHED)).map((g) => this.giveawayView(g)));
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
    const now = this.now;
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
      created_by: this.actorId(conn),
    };
    await this.store.insertGiveaway(row);
    this.running.set(row.id, { id: row.id, showId, keyword: row.keyword, endsAt: row.ends_at, entered: new Set(), pushedCount: 0 });
    const view = await this.giveawayView((await this.store.giveaway(row.id))!);
    this.publish(showId, { type: 'giveaway.started', giveaway: view });
    this.d.hub.audit(conn, 'giveaway.start', row.id, null, {
      kind: row.kind,
      prize: row.prize,
      winners: row.winner_count,
      eligibility: row.eligibility,
      keyword: row.keyword,
      commitment: row.commitment,
    });
    return view;
  }

  /** Staff: draw now (or cancel). */
  async endGiveaway(conn: Connection, giveawayId: string, cancel: boolean): Promise<GiveawayView> {
    const g = await this.store.giveaway(giveawayId);
    if (!g || g.show_id !== conn.room.showId) throw new RpcError('NOT_FOUND', 'no such giveaway in this show');
    if (g.status !== 'running') throw new RpcError('BAD_STATE', 'this giveaway has already ended');
    const view = await this.finish(giveawayId, cancel);
    this.d.hub.audit(conn, cancel ? 'giveaway.cancel' : 'giveaway.draw', giveawayId, null, {
      winners: view.winners?.map((w) => w.userId) ?? [],
      seed: view.seed,
    });
    return view;
  }

  /** Draw (or cancel) a running giveaway: winners from (seed, canonical entrants), seed revealed. Idempotent. */
  private async finish(giveawayId: string, cancel: boolean): Promise<GiveawayView> {
    const now = this.now;
    // Entries written a moment ago are awaited first, so the draw sees every entrant this node accepted.
    await this.entryWrites;
    const done = await this.store.finishGiveaway(giveawayId, now, (g, entries) => {
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
    const view = await this.giveawayView((await this.store.giveaway(giveawayId))!);
    if (done) this.publish(view.showId, { type: 'giveaway.ended', giveaway: view });
    return view;
  }

  async entries(conn: Connection, giveawayId: string): Promise<{ giveaway: GiveawayView; entrants: string[] }> {
    const g = await this.store.giveaway(giveawayId);
    if (!g || g.show_id !== conn.room.showId) throw new RpcError('NOT_FOUND', 'no such giveaway in this show');
    if (g.status === 'running') throw new RpcError('BAD_STATE', 'entrants are published when the draw ends');
    const entrants = canonicalEntrants((await this.store.entries(giveawayId)).map((e) => e.public_id));
    return { giveaway: await this.giveawayView(g), entrants };
  }

  /** Entry writes in flight, chained (a draw waits for them). */
  private entryWrites: Promise<void> = Promise.resolve();

  private enter(g: RunningGiveaway, conn: Connection): void {
    const key = conn.key!;
    if (g.entered.has(key) || this.now >= g.endsAt) return;
    g.entered.add(key);
    const write = this.store.addEntry(g.id, key, conn.publicId!, conn.name, this.now);
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
    this.openPackets.set(id, { showId, endsAt });
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
    this.openPackets.delete(packetId);
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

  /** Draw due giveaways, lapse red packets and coupons, push coalesced counts. A tick still running skips the next. */
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
    for (const g of [...this.running.values()]) {
      if (g.endsAt <= now) {
        try {
          await this.finish(g.id, false);
        } catch (err) {
          this.d.log.error({ err, giveawayId: g.id }, 'giveaway draw failed');
        }
      } else if (g.entered.size !== g.pushedCount) {
        g.pushedCount = g.entered.size;
        this.publish(g.showId, { type: 'giveaway.entrants', id: g.id, entrants: g.entered.size });
      }
    }
    const liveShow = new Map<string, boolean>();
    const isLive = (showId: string) => {
      let v = liveShow.get(showId);
      if (v === undefined) {
        v = this.d.shows.get(showId)?.status === 'live';
        liveShow.set(showId, v);
      }
      return v;
    };
    for (const [id, p] of [...this.openPackets]) {
      if (p.endsAt <= now || !isLive(p.showId)) await this.closePacket(id, 'closed');
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
        if ((c.endsAt !== null && c.endsAt <= now) || !isLive(c.showId)) {
          this.liveCoupons.delete(id);
          this.dirtyCoupons.delete(id);
          ended.push(id);
        }
      }
    }
    const dirty = [...this.dirtyCoupons];
    this.dirtyCoupons.clear();
    if (coupons && (ended.length || dirty.length)) await this.publishCoupons(coupons, ended, dirty);
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
