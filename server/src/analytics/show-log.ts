/**
 * Writes the show event log (migration 007) from what the server already sees: the studio's overlay triggers (pins
 * folded exactly like the room folds them, so a product pushed off the screen by a fourth pin ends its explanation),
 * the commerce core's events and the engagement service's. Each entry gets two times: the server's and the program's
 * media clock (the studio's capture clock that frame-synced overlays use); the store numbers it (the next `seq` of its
 * show) when it is stored. Server-side events are put on the media clock through the last offset measured from a
 * trigger (studio `at` − arrival). Entries with an identity (a trigger's, a sale's, a coupon's, a giveaway's id) carry
 * it as their key, so an event two nodes both see is stored once.
 *
 * A show's state (the pins still open, the products explained) is read from its stored log the first time this node
 * meets the show; events that arrive meanwhile wait for it, in order, with the times they arrived.
 */
import type { ShowEventKind, ShowLogEntry } from '../../../shared/analytics/events';
import type { CommerceEvent } from '../../../shared/commerce/events';
import { applyOverlay, type OverlayTrigger, type PinnedTrigger } from '../../../shared/protocol/overlay';
import type { EngagementEvent } from '../../../shared/protocol/engagement';
import type { ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import type { WriteBuffer } from './buffer';
import type { AnalyticsStore } from './store';

/** Trigger ids remembered per show (a trigger resent after a reconnect is logged once). */
const SEEN_TRIGGERS = 256;
const LINEUP_TTL_MS = 10_000;

interface ShowState {
  /** The stored log has been read (until then `waiting` holds what arrived). */
  ready: Promise<void>;
  loaded: boolean;
  waiting: ((s: ShowState) => void)[];
  /** Studio clock − server clock, from the latest trigger; 0 until one arrives. */
  offset: number;
  pinned: PinnedTrigger[];
  seen: Set<string>;
  /** Every product explained in the show so far (viewer events may name them, lineup or not). */
  explained: Set<string>;
}

export interface ShowLogDeps {
  store: AnalyticsStore;
  buffer: WriteBuffer;
  shows: ShowRepository;
  clock: () => number;
  log: Logger;
  /** A show's lineup (product ids), from the commerce catalog. */
  lineupOf: (showId: string) => readonly string[];
  /** A product's SKU prices (minor units, SKU order), or null when it no longer exists. */
  pricesOf: (productId: string) => readonly number[] | null;
}

export class ShowLogRecorder {
  private readonly state = new Map<string, ShowState>();
  private readonly prices = new Map<string, string>();
  private readonly stock = new Map<string, number>();
  /** Products whose prices may have changed, with the time the change was seen. */
  private readonly priceDirty = new Map<string, number>();
  private readonly lineups = new Map<string, { ids: Set<string>; at: number }>();

  constructor(private readonly d: ShowLogDeps) {}

  private show(showId: string): ShowState {
    let s = this.state.get(showId);
    if (!s) {
      const state: ShowState = {
        ready: Promise.resolve(),
        loaded: false,
        waiting: [],
        offset: 0,
        pinned: [],
        seen: new Set(),
        explained: new Set(),
      };
      state.ready = this.load(showId, state);
      this.d.buffer.await(state.ready);
      this.state.set(showId, state);
      this.primePrices(showId);
      s = state;
    }
    return s;
  }

  /** Read the show's stored log into its state, then run what waited for it. */
  private async load(showId: string, s: ShowState): Promise<void> {
    try {
      const log = await this.d.store.showLog(showId);
      s.pinned = restorePinned(log);
      for (const e of log) if (e.kind === 'explain.start' && e.productId !== null) s.explained.add(e.productId);
    } catch (err) {
      this.d.log.error({ err, showId }, 'cannot read the show event log; going on without its open explanations');
    }
    s.loaded = true;
    for (const fn of s.waiting.splice(0)) fn(s);
  }

  /** Run `fn` on the show's state now, or once it is read. */
  private withShow(showId: string, fn: (s: ShowState) => void): void {
    const s = this.show(showId);
    if (s.loaded) fn(s);
    else s.waiting.push(fn);
  }

  private append(
    showId: string,
    kind: ShowEventKind,
    productId: string | null,
    data: Record<string, unknown>,
    key: string | null,
    media?: { time: number; clock: ShowLogEntry['mediaClock'] },
    at = this.d.clock(),
  ): void {
    this.withShow(showId, (s) =>
      this.d.buffer.addLog({
        showId,
        kind,
        at,
        mediaTime: Math.round(media?.time ?? at + s.offset),
        mediaClock: media?.clock ?? 'server',
        productId,
        data,
        key,
      }),
    );
  }

  /** An overlay trigger the room read from the studio's DataChannel (the room's one-line hook). */
  onOverlay(showId: string, t: OverlayTrigger): void {
    const now = this.d.clock();
    this.withShow(showId, (s) => this.overlay(showId, s, t, now));
  }

  private overlay(showId: string, s: ShowState, t: OverlayTrigger, now: number): void {
    if (s.seen.has(t.id)) return;
    s.seen.add(t.id);
    if (s.seen.size > SEEN_TRIGGERS) s.seen.delete(s.seen.values().next().value as string);
    s.offset = t.at - now;
    const before = new Set(s.pinned.map((p) => p.product.productId));
    s.pinned = applyOverlay(s.pinned, t);
    const after = new Set(s.pinned.map((p) => p.product.productId));
    const studio = { time: t.at, clock: 'studio' as const };
    for (const id of before) {
      if (!after.has(id))
        this.append(
          showId,
          'explain.end',
          id,
          { trigger: t.id, reason: t.type === 'product.unpin' ? 'unpin' : 'displaced' },
          `end:${t.id}:${id}`,
          studio,
          now,
        );
    }
    if (t.type !== 'product.pin') return;
    const p = t.product;
    s.explained.add(p.productId);
    if (!before.has(p.productId)) {
      this.append(
        showId,
        'explain.start',
        p.productId,
        { trigger: t.id, name: p.name, priceMinor: p.priceMinor, currency: p.currency },
        `start:${t.id}`,
        studio,
        now,
      );
    }
    if (t.mediaTime !== undefined)
      this.append(showId, 'card.shown', p.productId, { trigger: t.id }, `card:${t.id}`, { time: t.mediaTime, clock: 'frame' }, now);
  }

  /** Products the show has pinned so far (once its stored log is read). */
  async explained(showId: string): Promise<ReadonlySet<string>> {
    const s = this.show(showId);
    await s.ready;
    return s.explained;
  }

  /** A show this node serves viewers of (its log state is read now, so commerce events here are logged for it). */
  meet(showId: string): void {
    this.show(showId);
  }

  /** Note products another node's studio pinned (read from the shared log). */
  noteExplained(showId: string, productIds: readonly string[]): void {
    const s = this.state.get(showId);
    if (s) for (const id of productIds) s.explained.add(id);
  }

  /**
   * Commerce events after commit. A stock change (one per order: the checkout path) costs two map writes; the price
   * comparison it may call for runs at the next flush (`checkPrices`), off that path. A price change is therefore
   * timed by the first stock / product event since the previous flush: at most one flush period (1 s) early.
   */
  onCommerce(e: CommerceEvent): void {
    switch (e.type) {
      case 'stock.changed': {
        this.notePriceCheck(e.productId);
        // A stock change to 0 is a sell-out unless the SKU was already known to be at 0.
        const before = this.stock.get(e.skuId);
        const left = e.saleRemaining ?? e.stock;
        this.stock.set(e.skuId, left);
        if (left <= 0 && before !== 0) {
          for (const showId of this.showsWith(e.productId))
            this.append(showId, 'sold.out', e.productId, { skuId: e.skuId, flashSale: e.saleRemaining !== null }, null);
        }
        return;
      }
      case 'sale.started':
      case 'sale.ended': {
        const { sale } = e;
        const data = {
          saleId: sale.id,
          skuId: sale.skuId,
          salePriceMinor: sale.salePriceMinor,
          currency: sale.currency,
          cap: sale.cap,
          remaining: sale.remaining,
        };
        for (const showId of this.showsWith(sale.productId))
          this.append(
            showId,
            e.type,
            sale.productId,
            e.type === 'sale.ended' ? { ...data, reason: e.reason } : data,
            `${e.type}:${sale.id}`,
          );
        return;
      }
      case 'product.changed':
        if (e.deleted) this.prices.delete(e.productId);
        else this.notePriceCheck(e.productId);
        return;
      default:
        return;
    }
  }

  private notePriceCheck(productId: string): void {
    if (this.priceDirty.has(productId)) return;
    this.priceDirty.set(productId, this.d.clock());
    this.d.buffer.poke();
  }

  /** Compare the prices of products changed since the last call with the last known ones; log what moved. */
  checkPrices(): void {
    if (this.priceDirty.size === 0) return;
    const dirty = [...this.priceDirty];
    this.priceDirty.clear();
    for (const [productId, at] of dirty) {
      const before = this.prices.get(productId);
      const prices = this.d.pricesOf(productId);
      if (!prices) {
        this.prices.delete(productId);
        continue;
      }
      const sig = prices.join(',');
      this.prices.set(productId, sig);
      if (before === undefined || before === sig) continue;
      for (const showId of this.showsWith(productId)) {
        this.append(showId, 'price.changed', productId, { priceMinor: prices, before: before.split(',').map(Number) }, null, undefined, at);
      }
    }
  }

  /** Engagement events published to a show's room. */
  onEngagement(showId: string, e: EngagementEvent): void {
    if (e.type === 'coupon.available') this.append(showId, 'coupon.published', null, { couponId: e.coupon.id }, `coupon:${e.coupon.id}`);
    else if (e.type === 'giveaway.started')
      this.append(showId, 'giveaway.started', null, { giveawayId: e.giveaway.id }, `giveaway.started:${e.giveaway.id}`);
    else if (e.type === 'giveaway.ended')
      this.append(showId, 'giveaway.drawn', null, { giveawayId: e.giveaway.id }, `giveaway.drawn:${e.giveaway.id}`);
  }

  /**
   * Non-ended shows whose lineup holds the product: this node's own and, in a cluster, the other nodes' shows this one
   * has met (its viewers' batches came here), since a checkout on this node is told to this node only. What two nodes
   * both log (a sale, a price) is stored once (the rows' keys; the store's price check).
   */
  private showsWith(productId: string): string[] {
    const now = this.d.clock();
    const ids = new Set(this.d.shows.unfinished().map((s) => s.id));
    for (const id of this.state.keys()) if (!ids.has(id) && this.d.shows.get(id)?.status === 'live') ids.add(id);
    const out: string[] = [];
    for (const id of ids) {
      let l = this.lineups.get(id);
      if (!l || now - l.at >= LINEUP_TTL_MS) {
        l = { ids: new Set(this.d.lineupOf(id)), at: now };
        this.lineups.set(id, l);
      }
      if (l.ids.has(productId)) out.push(id);
    }
    return out;
  }

  /** Note the current prices of a show's lineup, so the first change after this is logged. */
  primePrices(showId: string): void {
    for (const id of this.d.lineupOf(showId)) {
      if (this.prices.has(id)) continue;
      const p = this.d.pricesOf(id);
      if (p) this.prices.set(id, p.join(','));
    }
  }
}

/**
 * Explanations the log left open (a previous process, another node, or before this one first heard of the show),
 * newest first, so the unpin that ends them is logged too.
 */
function restorePinned(log: readonly ShowLogEntry[]): PinnedTrigger[] {
  const open = new Map<string, PinnedTrigger>();
  for (const e of log) {
    if (e.productId === null) continue;
    if (e.kind === 'explain.end') open.delete(e.productId);
    if (e.kind !== 'explain.start') continue;
    const d = e.data as { trigger?: string; name?: string; priceMinor?: number; currency?: string };
    open.delete(e.productId);
    open.set(e.productId, {
      type: 'product.pin',
      id: d.trigger ?? `restored-${e.seq}`,
      at: e.mediaTime,
      product: { productId: e.productId, name: d.name ?? e.productId, priceMinor: d.priceMinor ?? 0, currency: d.currency ?? 'XXX' },
    });
  }
  return [...open.values()].reverse();
}
