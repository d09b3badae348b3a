/**
 * Writes the show event log (migration 007) from what the server already sees: the studio's overlay triggers (pins
 * folded exactly like the room folds them, so a product pushed off the screen by a fourth pin ends its explanation),
 * the commerce core's events and the engagement service's. Each entry gets the next `seq` of its show and two times:
 * the server's and the program's media clock (the studio's capture clock that frame-synced overlays use). Server-side
 * events are put on the media clock through the last offset measured from a trigger (studio `at` − arrival).
 */
import type { ShowEventKind, ShowLogEntry } from '../../../shared/analytics/events';
import type { CommerceEvent } from '../../../shared/commerce/events';
import { applyOverlay, type OverlayTrigger, type PinnedTrigger } from '../../../shared/protocol/overlay';
import type { EngagementEvent } from '../../../shared/protocol/engagement';
import type { ShowRepository } from '../db/shows';
import type { WriteBuffer } from './buffer';
import type { AnalyticsStore } from './store';

/** Trigger ids remembered per show (a trigger resent after a reconnect is logged once). */
const SEEN_TRIGGERS = 256;
const LINEUP_TTL_MS = 10_000;

interface ShowState {
  nextSeq: number;
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
      s = {
        nextSeq: this.d.store.lastLogSeq(showId) + 1,
        offset: 0,
        pinned: this.restorePinned(showId),
        seen: new Set(),
        explained: new Set(this.d.store.explained(showId)),
      };
      this.state.set(showId, s);
      this.primePrices(showId);
    }
    return s;
  }

  private append(
    showId: string,
    kind: ShowEventKind,
    productId: string | null,
    data: Record<string, unknown>,
    media?: { time: number; clock: ShowLogEntry['mediaClock'] },
    at = this.d.clock(),
  ): void {
    const s = this.show(showId);
    this.d.buffer.addLog({
      showId,
      seq: s.nextSeq++,
      kind,
      at,
      mediaTime: Math.round(media?.time ?? at + s.offset),
      mediaClock: media?.clock ?? 'server',
      productId,
      data,
    });
  }

  /**
   * Explanations the log left open (a previous process, or before this one first heard of the show), newest first, so
   * the unpin that ends them after a restart is logged too.
   */
  private restorePinned(showId: string): PinnedTrigger[] {
    const open = new Map<string, PinnedTrigger>();
    for (const e of this.d.store.showLog(showId)) {
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

  /** An overlay trigger the room read from the studio's DataChannel (the room's one-line hook). */
  onOverlay(showId: string, t: OverlayTrigger): void {
    const s = this.show(showId);
    if (s.seen.has(t.id)) return;
    s.seen.add(t.id);
    if (s.seen.size > SEEN_TRIGGERS) s.seen.delete(s.seen.values().next().value as string);
    s.offset = t.at - this.d.clock();
    const before = new Set(s.pinned.map((p) => p.product.productId));
    s.pinned = applyOverlay(s.pinned, t);
    const after = new Set(s.pinned.map((p) => p.product.productId));
    const studio = { time: t.at, clock: 'studio' as const };
    for (const id of before) {
      if (!after.has(id))
        this.append(showId, 'explain.end', id, { trigger: t.id, reason: t.type === 'product.unpin' ? 'unpin' : 'displaced' }, studio);
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
        studio,
      );
    }
    if (t.mediaTime !== undefined) this.append(showId, 'card.shown', p.productId, { trigger: t.id }, { time: t.mediaTime, clock: 'frame' });
  }

  /** Products the show has pinned so far. */
  explained(showId: string): ReadonlySet<string> {
    return this.show(showId).explained;
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
            this.append(showId, 'sold.out', e.productId, { skuId: e.skuId, flashSale: e.saleRemaining !== null });
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
          this.append(showId, e.type, sale.productId, e.type === 'sale.ended' ? { ...data, reason: e.reason } : data);
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
        this.append(showId, 'price.changed', productId, { priceMinor: prices, before: before.split(',').map(Number) }, undefined, at);
      }
    }
  }

  /** Engagement events published to a show's room. */
  onEngagement(showId: string, e: EngagementEvent): void {
    if (e.type === 'coupon.available') this.append(showId, 'coupon.published', null, { couponId: e.coupon.id });
    else if (e.type === 'giveaway.started') this.append(showId, 'giveaway.started', null, { giveawayId: e.giveaway.id });
    else if (e.type === 'giveaway.ended') this.append(showId, 'giveaway.drawn', null, { giveawayId: e.giveaway.id });
  }

  /** Non-ended shows whose lineup holds the product (their price baseline is noted on the way). */
  private showsWith(productId: string): string[] {
    const now = this.d.clock();
    const out: string[] = [];
    for (const show of this.d.shows.unfinished()) {
      let l = this.lineups.get(show.id);
      if (!l || now - l.at >= LINEUP_TTL_MS) {
        l = { ids: new Set(this.d.store.lineup(show.id)), at: now };
        this.lineups.set(show.id, l);
      }
      if (l.ids.has(productId)) out.push(show.id);
    }
    return out;
  }

  /** Note the current prices of a show's lineup, so the first change after this is logged. */
  primePrices(showId: string): void {
    for (const id of this.d.store.lineup(showId)) {
      if (this.prices.has(id)) continue;
      const p = this.d.pricesOf(id);
      if (p) this.prices.set(id, p.join(','));
    }
  }
}
