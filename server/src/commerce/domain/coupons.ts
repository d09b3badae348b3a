/**
 * Live-only coupons. The studio (or a moderator, through the realtime engagement methods) creates a coupon on a live
 * show; buyers claim it once while the show is live (and inside its optional window); checkout (orders.ts) applies it
 * with `applyInTx` inside the order's own transaction and records the use on the claim, so the order and the coupon
 * use commit or roll back together. Cancelling or expiring an unpaid order frees the claim again (`releaseInTx`).
 */
import {
  BuyerCouponQuery,
  type BuyerCoupon,
  CouponCreate,
  type CouponView,
  couponDiscount,
  type Quote,
  QuoteRequest,
} from '../../../../shared/commerce/coupons';
import type { OrderDiscount } from '../../../../shared/commerce/orders';
import { badRequest, CommerceError, conflict, notFound, parse } from '../errors';
import { newId } from '../ids';
import type { CommerceRepos, CommerceStore, CommerceTx, CouponRecord } from '../store/types';
import { runningSale, unitPrice } from './views';

export class CouponService {
  constructor(
    private readonly store: CommerceStore,
    private readonly clock: () => number,
  ) {}

  /** active: not ended by hand, inside its window, and its show is live right now. */
  private async isActive(c: CouponRecord, now: number, q: CommerceRepos = this.store): Promise<boolean> {
    return c.endedAt === null && (c.endsAt === null || c.endsAt > now) && (await q.coupons.showStatus(c.showId)) === 'live';
  }

  async view(c: CouponRecord, now = this.clock()): Promise<CouponView> {
    return {
      id: c.id,
      showId: c.showId,
      title: c.title,
      kind: c.kind,
      value: c.value,
      currency: c.currency,
      minSpendMinor: c.minSpend,
      quantity: c.quantity,
      claimed: c.claimed,
      used: c.used,
      createdAt: c.createdAt,
      endsAt: c.endsAt,
      status: (await this.isActive(c, now)) ? 'active' : 'ended',
    };
  }

  async get(id: string): Promise<CouponView | null> {
    const c = await this.store.coupons.get(id);
    return c ? this.view(c) : null;
  }

  async listForShow(showId: string): Promise<CouponView[]> {
    const now = this.clock();
    const out: CouponView[] = [];
    for (const c of await this.store.coupons.listForShow(showId)) out.push(await this.view(c, now));
    return out;
  }

  /** Coupons whose window closed in (from, to] and that were not ended by hand. */
  async lapsedBetween(from: number, to: number): Promise<CouponView[]> {
    const out: CouponView[] = [];
    for (const c of await this.store.coupons.lapsedBetween(from, to)) out.push(await this.view(c, to));
    return out;
  }

  /** Create on a live show. `raw` is validated here (CouponCreate). */
  async create(showId: string, raw: unknown, createdBy: string): Promise<CouponView> {
    const input = parse(CouponCreate, raw, 'coupon');
    const now = this.clock();
    const id = newId('cp');
    await this.store.transaction(async (tx) => {
      if ((await tx.coupons.showStatus(showId)) !== 'live')
        throw new CommerceError('BAD_STATE', 'coupons can only be issued while the show is live');
      await tx.coupons.insert({
        id,
        showId,
        title: input.title,
        kind: input.kind,
        value: input.value,
        currency: input.currency,
        minSpend: input.minSpendMinor,
        quantity: input.quantity,
        createdAt: now,
        endsAt: input.durationSec === null ? null : now + input.durationSec * 1000,
        endedAt: null,
        createdBy,
      });
    });
    return this.view((await this.store.coupons.get(id))!, now);
  }

  async end(id: string): Promise<CouponView> {
    const c = await this.store.coupons.get(id);
    if (!c) throw notFound('coupon');
    await this.store.coupons.end(id, this.clock());
    return this.view((await this.store.coupons.get(id))!);
  }

  /** One claim per buyer, only while active. Returns the coupon and whether this buyer already had it. */
  async claim(buyerId: string, couponId: string): Promise<{ coupon: CouponView; already: boolean }> {
    const now = this.clock();
    const outcome = await this.store.transaction(async (tx) => {
      const c = await tx.coupons.get(couponId);
      if (!c) throw notFound('coupon');
      if (await tx.coupons.getClaim(couponId, buyerId)) return 'already' as const;
      if (!(await this.isActive(c, now, tx))) throw conflict('this coupon is no longer available', 'COUPON_UNAVAILABLE');
      return tx.coupons.claim(couponId, buyerId, now);
    });
    if (outcome === 'gone') throw conflict('every coupon was claimed', 'COUPON_GONE');
    return { coupon: await this.view((await this.store.coupons.get(couponId))!, now), already: outcome === 'already' };
  }

  /** The buyer's coupons (optionally of one show), newest first. */
  async buyerCoupons(buyerId: string, rawQuery: unknown): Promise<BuyerCoupon[]> {
    const q = parse(BuyerCouponQuery, rawQuery, 'coupon filter');
    const now = this.clock();
    const out: BuyerCoupon[] = [];
    for (const { claim, coupon } of await this.store.coupons.claimsOf(buyerId, q.showId ?? null)) {
      const view = await this.view(coupon, now);
      out.push({
        coupon: view,
        claimedAt: claim.claimedAt,
        usedOrderId: claim.orderId,
        usable: claim.orderId === null && view.status === 'active',
      });
    }
    return out;
  }

  /**
   * Check a buyer's coupon against a server-priced subtotal and return the discount. Throws a CONFLICT with a coupon
   * reason when it does not apply. Pure read: call inside the order's transaction, then `redeem`.
   */
  async check(
    q: CommerceRepos,
    buyerId: string,
    couponId: string,
    currency: string,
    subtotal: number,
    now: number,
  ): Promise<{ coupon: CouponRecord; discount: number }> {
    const c = await q.coupons.get(couponId);
    const claim = c ? await q.coupons.getClaim(couponId, buyerId) : null;
    if (!c || !claim) throw conflict('claim this coupon during the show first', 'COUPON_UNAVAILABLE');
    if (claim.orderId !== null) throw conflict('this coupon was already used', 'COUPON_USED');
    if (!(await this.isActive(c, now, q))) throw conflict('this coupon is only valid while the show is live', 'COUPON_UNAVAILABLE');
    if (c.currency !== currency) throw conflict(`this coupon is for ${c.currency} orders`, 'COUPON_CURRENCY');
    if (c.minSpend !== null && subtotal < c.minSpend)
      throw conflict(`spend at least ${c.minSpend} (minor units) to use this coupon`, 'COUPON_MIN_SPEND');
    return { coupon: c, discount: couponDiscount(c, subtotal) };
  }

  /** Apply inside the order transaction (after the order row exists): records the use; throws when it was used meanwhile. */
  async redeemInTx(tx: CommerceTx, buyerId: string, couponId: string, orderId: string, discount: number, now: number): Promise<void> {
    if (!(await tx.coupons.redeem(couponId, buyerId, orderId, discount, now)))
      throw conflict('this coupon was already used', 'COUPON_USED');
  }

  /** Inside the cancel/expiry transaction of an unpaid order: give the coupon back. */
  releaseInTx(tx: CommerceTx, orderId: string): Promise<boolean> {
    return tx.coupons.releaseOrder(orderId);
  }

  async discountOf(orderId: string): Promise<OrderDiscount | null> {
    const r = await this.store.coupons.forOrder(orderId);
    return r ? { couponId: r.coupon.id, title: r.coupon.title, amountMinor: r.discount } : null;
  }

  /** What the server would charge for a cart (current prices, running sales, the coupon) — nothing is reserved. */
  async quote(buyerId: string, raw: unknown): Promise<Quote> {
    const req = parse(QuoteRequest, raw, 'quote');
    const now = this.clock();
    let currency: string | null = null;
    let subtotal = 0;
    for (const it of req.items) {
      const sku = await this.store.inventory.getSku(it.skuId);
      if (!sku) throw notFound(`SKU ${it.skuId}`);
      const product = (await this.store.catalog.getProduct(sku.productId))!;
      if (currency !== null && currency !== product.currency) throw badRequest('all items of an order must share one currency');
      currency = product.currency;
      subtotal += unitPrice(sku, runningSale(await this.store.inventory.getActiveSale(sku.id), now)) * it.qty;
    }
    let discount = 0;
    let coupon: CouponView | null = null;
    let couponError: Quote['couponError'] = null;
    if (req.couponId) {
      const c = await this.store.coupons.get(req.couponId);
      coupon = c ? await this.view(c, now) : null;
      try {
        discount = (await this.check(this.store, buyerId, req.couponId, currency!, subtotal, now)).discount;
      } catch (err) {
        if (!(err instanceof CommerceError)) throw err;
        couponError = { reason: err.reason ?? err.code, message: err.message };
      }
    }
    return { currency: currency!, subtotalMinor: subtotal, discountMinor: discount, totalMinor: subtotal - discount, coupon, couponError };
  }
}
