import type { Database, Statement } from 'better-sqlite3';
import type { CouponClaimRecord, CouponRecord, CouponRepository, Sync } from '../types';

interface CouponRow {
  id: string;
  show_id: string;
  title: string;
  kind: 'amount' | 'percent';
  value: number;
  currency: string;
  min_spend: number | null;
  quantity: number | null;
  claimed: number;
  used: number;
  created_at: number;
  ends_at: number | null;
  ended_at: number | null;
  created_by: string;
}

interface ClaimRow {
  coupon_id: string;
  buyer_id: string;
  claimed_at: number;
  order_id: string | null;
  discount: number | null;
  used_at: number | null;
}

const toCoupon = (r: CouponRow): CouponRecord => ({
  id: r.id,
  showId: r.show_id,
  title: r.title,
  kind: r.kind,
  value: r.value,
  currency: r.currency,
  minSpend: r.min_spend,
  quantity: r.quantity,
  claimed: r.claimed,
  used: r.used,
  createdAt: r.created_at,
  endsAt: r.ends_at,
  endedAt: r.ended_at,
  createdBy: r.created_by,
});

const toClaim = (r: ClaimRow): CouponClaimRecord => ({
  couponId: r.coupon_id,
  buyerId: r.buyer_id,
  claimedAt: r.claimed_at,
  orderId: r.order_id,
  discount: r.discount,
  usedAt: r.used_at,
});

const COUPON_COLS = `c.*, (SELECT COUNT(*) FROM coupon_claims u WHERE u.coupon_id = c.id AND u.order_id IS NOT NULL) AS used`;

export class SqliteCouponRepository implements Sync<CouponRepository> {
  private readonly s: Record<string, Statement>;

  constructor(db: Database) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO coupons (id, show_id, title, kind, value, currency, min_spend, quantity, claimed, created_at, ends_at, ended_at, created_by)
         VALUES (@id, @showId, @title, @kind, @value, @currency, @minSpend, @quantity, 0, @createdAt, @endsAt, @endedAt, @createdBy)`,
      ),
      get: db.prepare(`SELECT ${COUPON_COLS} FROM coupons c WHERE c.id = ?`),
      listForShow: db.prepare(`SELECT ${COUPON_COLS} FROM coupons c WHERE c.show_id = ? ORDER BY c.created_at DESC, c.id DESC`),
      lapsedBetween: db.prepare(
        `SELECT ${COUPON_COLS} FROM coupons c WHERE c.ended_at IS NULL AND c.ends_at > ? AND c.ends_at <= ? ORDER BY c.ends_at, c.id`,
      ),
      end: db.prepare('UPDATE coupons SET ended_at = ? WHERE id = ? AND ended_at IS NULL'),
      insertClaim: db.prepare('INSERT OR IGNORE INTO coupon_claims (coupon_id, buyer_id, claimed_at) VALUES (?, ?, ?)'),
      countClaim: db.prepare('UPDATE coupons SET claimed = claimed + 1 WHERE id = ? AND (quantity IS NULL OR claimed < quantity)'),
      deleteClaim: db.prepare('DELETE FROM coupon_claims WHERE coupon_id = ? AND buyer_id = ?'),
      getClaim: db.prepare('SELECT * FROM coupon_claims WHERE coupon_id = ? AND buyer_id = ?'),
      redeem: db.prepare(
        'UPDATE coupon_claims SET order_id = ?, discount = ?, used_at = ? WHERE coupon_id = ? AND buyer_id = ? AND order_id IS NULL',
      ),
      release: db.prepare('UPDATE coupon_claims SET order_id = NULL, discount = NULL, used_at = NULL WHERE order_id = ?'),
      forOrder: db.prepare('SELECT coupon_id, discount FROM coupon_claims WHERE order_id = ?'),
      claimsOf: db.prepare(
        `SELECT k.*, ${COUPON_COLS} FROM coupon_claims k JOIN coupons c ON c.id = k.coupon_id
         WHERE k.buyer_id = ? AND (? IS NULL OR c.show_id = ?) ORDER BY k.claimed_at DESC LIMIT 200`,
      ),
      showStatus: db.prepare('SELECT status FROM shows WHERE id = ?'),
    };
  }

  insert(c: Omit<CouponRecord, 'claimed' | 'used'>): void {
    this.s.insert!.run(c);
  }

  get(id: string): CouponRecord | null {
    const r = this.s.get!.get(id) as CouponRow | undefined;
    return r ? toCoupon(r) : null;
  }

  listForShow(showId: string): CouponRecord[] {
    return (this.s.listForShow!.all(showId) as CouponRow[]).map(toCoupon);
  }

  lapsedBetween(from: number, to: number): CouponRecord[] {
    return (this.s.lapsedBetween!.all(from, to) as CouponRow[]).map(toCoupon);
  }

  end(id: string, at: number): boolean {
    return this.s.end!.run(at, id).changes === 1;
  }

  claim(couponId: string, buyerId: string, at: number): 'claimed' | 'already' | 'gone' {
    if (this.s.insertClaim!.run(couponId, buyerId, at).changes === 0) return 'already';
    if (this.s.countClaim!.run(couponId).changes === 1) return 'claimed';
    this.s.deleteClaim!.run(couponId, buyerId);
    return 'gone';
  }

  getClaim(couponId: string, buyerId: string): CouponClaimRecord | null {
    const r = this.s.getClaim!.get(couponId, buyerId) as ClaimRow | undefined;
    return r ? toClaim(r) : null;
  }

  redeem(couponId: string, buyerId: string, orderId: string, discount: number, at: number): boolean {
    return this.s.redeem!.run(orderId, discount, at, couponId, buyerId).changes === 1;
  }

  releaseOrder(orderId: string): boolean {
    return this.s.release!.run(orderId).changes > 0;
  }

  forOrder(orderId: string): { coupon: CouponRecord; discount: number } | null {
    const r = this.s.forOrder!.get(orderId) as { coupon_id: string; discount: number } | undefined;
    if (!r) return null;
    const coupon = this.get(r.coupon_id);
    return coupon ? { coupon, discount: r.discount } : null;
  }

  claimsOf(buyerId: string, showId: string | null): Array<{ claim: CouponClaimRecord; coupon: CouponRecord }> {
    const rows = this.s.claimsOf!.all(buyerId, showId, showId) as Array<ClaimRow & CouponRow>;
    return rows.map((r) => ({ claim: toClaim(r), coupon: toCoupon(r) }));
  }

  showStatus(showId: string): string | null {
    const r = this.s.showStatus!.get(showId) as { status: string } | undefined;
    return r?.status ?? null;
  }
}
