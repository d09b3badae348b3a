/** Countdowns against server time: `serverNow = Date.now() + skew`, formatted as mm:ss (h:mm:ss from an hour). */

/** "04:59", "1:02:03"; never negative. Rounds up so a countdown shows 00:00 only once it is over. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/**
 * Clock skew estimator from HTTP `Date` headers (whole seconds): each reply bounds the server clock to
 * [date, date + 1 s) at the request midpoint. Keeps the tightest bound seen; the estimate is its middle.
 */
export class SkewEstimator {
  private low = Number.NEGATIVE_INFINITY;
  private high = Number.POSITIVE_INFINITY;

  /** Feed one reply; returns the current skew estimate (server − local, ms). */
  add(serverDateMs: number, localMs: number): number {
    const lo = serverDateMs - localMs;
    const hi = lo + 1000;
    if (lo > this.high || hi < this.low) {
      // The clocks moved (local clock adjusted): start over from this reply.
      this.low = lo;
      this.high = hi;
    } else {
      this.low = Math.max(this.low, lo);
      this.high = Math.min(this.high, hi);
    }
    return this.estimate();
  }

  estimate(): number {
    return Number.isFinite(this.low) ? Math.round((this.low + this.high) / 2) : 0;
  }
}

/** What an order's reservation clock shows: the time left to pay, that it ran out, or nothing (not awaiting payment). */
export type ReservationClock = { state: 'counting'; left: string } | { state: 'expired' } | { state: 'none' };

/**
 * The reservation countdown of an unpaid order against server time. It reads "expired" from the moment `expiresAt`
 * passes, before the server's sweeper has cancelled the order (the page then refreshes to the server's status).
 */
export function reservationClock(order: { status: string; expiresAt: number }, serverNow: number): ReservationClock {
  if (order.status !== 'pending_payment') return { state: 'none' };
  const ms = order.expiresAt - serverNow;
  if (ms <= 0) return { state: 'expired' };
  return { state: 'counting', left: formatCountdown(ms) };
}
