import type { CouponClaimRecord, CouponRecord, CouponRepository } from '../types';
import { changed, one, type Queryable, type ShowDirectory } from './query';

const COUPON = `c.id, c.show_id AS "showId", c.title, c.kind, c.value, c.currency, c.min_spend AS "minSpend", c.quantity, c.claimed,
  (SELECT COUNT(*)::int FROM coupon_claims u WHERE u.coupon_id = c.id AND u.order_id IS NOT NULL) AS used,
  c.created_at AS "createdAt", c.ends_at AS "endsAt", c.ended_at AS "endedAt", c.created_by AS "createdBy"`;
const CLAIM = `k.coupon_id AS "couponId", k.buyer_id AS "buyerId", k.claimed_at AS "claimedAt", k.order_id AS "orderId", k.discount,
  k.used_at AS "usedAt"`;

export class PgCouponRepository implements CouponRepository {
  constructor(
    private readonly q: Queryable,
    private readonly shows: ShowDirectory,
  ) {}

  async insert(c: Omit<CouponRecord, 'claimed' | 'used'>): Promise<void> {
    await this.q.query(
      `INSERT INTO coupons (id, show_id, title, kind, value, currency, min_spend, quantity, claimed, created_at, ends_at, ended_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12)`,
      [c.id, c.showId, c.title, c.kind, c.value, c.currency, c.minSpend, c.quantity, c.createdAt, c.endsAt, c.endedAt, c.createdBy],
    );
  }
  get(id: string): Promise<CouponRecord | null> {
    return one<CouponRecord>(this.q, `SELECT ${COUPON} FROM coupons c WHERE c.id = $1`, [id]);
  }
  async listForShow(showId: string): Promise<CouponRecord[]> {
    return (
      await this.q.query<CouponRecord>(`SELECT ${COUPON} FROM coupons c WHERE c.show_id = $1 ORDER BY c.created_at DESC, c.id DESC`, [
        showId,
      ])
    ).rows;
  }
  async lapsedBetween(from: number, to: number): Promise<CouponRecord[]> {
    return (
      await this.q.query<CouponRecord>(
        `SELECT ${COUPON} FROM coupons c WHERE c.ended_at IS NULL AND c.ends_at > $1 AND c.ends_at <= $2 ORDER BY c.ends_at, c.id`,
        [from, to],
      )
    ).rows;
  }
  async end(id: string, at: number): Promise<boolean> {
    return (await changed(this.q, 'UPDATE coupons SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL', [id, at])) === 1;
  }
  async claim(couponId: string, buyerId: string, at: number): Promise<'claimed' | 'already' | 'gone'> {
    const inserted = await changed(
      this.q,
      'INSERT INTO coupon_claims (coupon_id, buyer_id, claimed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [couponId, buyerId, at],
    );
    if (inserted === 0) return 'already';
    const counted = await changed(
      this.q,
      'UPDATE coupons SET claimed = claimed + 1 WHERE id = $1 AND (quantity IS NULL OR claimed < quantity)',
      [couponId],
    );
    if (counted === 1) return 'claimed';
    await this.q.query('DELETE FROM coupon_claims WHERE coupon_id = $1 AND buyer_id = $2', [couponId, buyerId]);
    return 'gone';
  }
  getClaim(couponId: string, buyerId: string): Promise<CouponClaimRecord | null> {
    return one<CouponClaimRecord>(this.q, `SELECT ${CLAIM} FROM coupon_claims k WHERE k.coupon_id = $1 AND k.buyer_id = $2`, [
      couponId,
      buyerId,
    ]);
  }
  async redeem(couponId: string, buyerId: string, orderId: string, discount: number, at: number): Promise<boolean> {
    const n = await changed(
      this.q,
      'UPDATE coupon_claims SET order_id = $3, discount = $4, used_at = $5 WHERE coupon_id = $1 AND buyer_id = $2 AND order_id IS NULL',
      [couponId, buyerId, orderId, discount, at],
    );
    return n === 1;
  }
  async releaseOrder(orderId: string): Promise<boolean> {
    return (
      (await changed(this.q, 'UPDATE coupon_claims SET order_id = NULL, discount = NULL, used_at = NULL WHERE order_id = $1', [orderId])) >
      0
    );
  }
  async forOrder(orderId: string): Promise<{ coupon: CouponRecord; discount: number } | null> {
    const r = await one<{ couponId: string; discount: number }>(
      this.q,
      'SELECT coupon_id AS "couponId", discount FROM coupon_claims WHERE order_id = $1',
      [orderId],
    );
    if (!r) return null;
    const coupon = await this.get(r.couponId);
    return coupon ? { coupon, discount: r.discount } : null;
  }
  async claimsOf(buyerId: string, showId: string | null): Promise<Array<{ claim: CouponClaimRecord; coupon: CouponRecord }>> {
    const { rows } = await this.q.query<{ claim: CouponClaimRecord; coupon: CouponRecord }>(
      `SELECT row_to_json(k1) AS claim, row_to_json(c1) AS coupon FROM coupon_claims kk
       JOIN LATERAL (SELECT ${CLAIM} FROM coupon_claims k WHERE k.coupon_id = kk.coupon_id AND k.buyer_id = kk.buyer_id) k1 ON TRUE
       JOIN LATERAL (SELECT ${COUPON} FROM coupons c WHERE c.id = kk.coupon_id) c1 ON TRUE
       WHERE kk.buyer_id = $1 AND ($2::text IS NULL OR c1."showId" = $2) ORDER BY kk.claimed_at DESC LIMIT 200`,
      [buyerId, showId],
    );
    return rows;
  }
  async showStatus(showId: string): Promise<string | null> {
    return this.shows.status(showId);
  }
}
