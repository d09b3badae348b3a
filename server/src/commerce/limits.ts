/**
 * Anti-hoarding limits for guest buyers: how fast one client may create guest sessions and orders, and how many unpaid
 * orders one guest session may hold. Without them a script reserves a flash sale's whole stock with throwaway
 * sessions and lets the reservations lapse.
 *
 * "Client" is the request's address (fastify's `req.ip`: behind a reverse proxy the server must be told to trust it,
 * TRUST_PROXY, or every buyer shares the proxy's address) and, once it has one, its guest session. Counters are fixed
 * one-minute windows in memory (@fastify/rate-limit's LRU store), so they reset on restart — good enough for a
 * single server, which is what Storecast is.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CommerceError } from './errors';

export interface BuyerLimits {
  /** New guest sessions one address may create per minute; 0 = unlimited. */
  sessionsPerIpPerMinute: number;
  /** Order attempts (POST /api/orders) one address may make per minute; 0 = unlimited. */
  ordersPerIpPerMinute: number;
  /** Order attempts one guest session may make per minute; 0 = unlimited. */
  ordersPerSessionPerMinute: number;
  /** Unpaid (pending_payment, not yet lapsed) orders one guest session may hold at once, over all shows; 0 = unlimited. */
  maxUnpaidOrders: number;
}

/** The defaults of the server configuration (see README, "Configuration"). */
export const DEFAULT_BUYER_LIMITS: Readonly<BuyerLimits> = Object.freeze({
  sessionsPerIpPerMinute: 60,
  ordersPerIpPerMinute: 60,
  ordersPerSessionPerMinute: 10,
  maxUnpaidOrders: 3,
});

/** Every limit lifted (load generators that drive thousands of buyers from one loopback address). */
export const NO_BUYER_LIMITS: Readonly<BuyerLimits> = Object.freeze({
  sessionsPerIpPerMinute: 0,
  ordersPerIpPerMinute: 0,
  ordersPerSessionPerMinute: 0,
  maxUnpaidOrders: 0,
});

/** A refusal for going too fast (or holding too much): 429 RATE_LIMITED with a Retry-After. */
export class RateLimitedError extends CommerceError {
  constructor(
    message: string,
    /** Whole seconds after which the same request may succeed. */
    readonly retryAfterSec: number,
    reason?: 'UNPAID_LIMIT',
  ) {
    super('RATE_LIMITED', message, reason);
  }
}

/** Put the refusal's Retry-After on the reply (the commerce error handler writes the body). */
export function withRetryAfter(reply: FastifyReply, err: unknown): never {
  if (err instanceof RateLimitedError) reply.header('retry-after', String(err.retryAfterSec));
  throw err;
}

type Limiter = (req: FastifyRequest) => Promise<void>;

export interface BuyerLimiters {
  /** Before a request that will create a guest session (no valid session cookie). */
  newSession: Limiter;
  /** Before an order attempt; `buyerId` is the session it comes with (null: it will get a new one). */
  order(req: FastifyRequest, buyerId: string | null): Promise<void>;
}

/**
 * Register @fastify/rate-limit in `app` (no global hook) and build the per-address and per-session counters.
 * Each counter is checked explicitly by the routes, because one request is checked against several of them (an
 * order without a session counts as a new session and as an order of its address).
 */
export async function buyerLimiters(
  app: FastifyInstance,
  limits: BuyerLimits,
  /** The request's guest session (a valid signed cookie), else null. */
  buyerOf: (req: FastifyRequest) => string | null,
): Promise<BuyerLimiters> {
  await app.register(fastifyRateLimit, { global: false });
  const limiter = (max: number, key: (req: FastifyRequest) => string, what: string): Limiter => {
    if (max <= 0) return async () => {};
    const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: key });
    return async (req) => {
      const r = await check(req);
      if (r.isAllowed || !r.isExceeded) return;
      const after = Math.max(1, r.ttlInSeconds);
      throw new RateLimitedError(`${what} (at most ${max} a minute); try again in ${after} s`, after);
    };
  };
  const byIp = (req: FastifyRequest) => req.ip;
  const newSession = limiter(limits.sessionsPerIpPerMinute, byIp, 'too many new buyer sessions from your network');
  const ordersByIp = limiter(limits.ordersPerIpPerMinute, byIp, 'too many orders from your network');
  const ordersBySession = limiter(limits.ordersPerSessionPerMinute, (req) => buyerOf(req) ?? req.ip, 'too many orders from this session');
  return {
    newSession,
    async order(req, buyerId) {
      if (buyerId === null) await newSession(req);
      await ordersByIp(req);
      if (buyerId !== null) await ordersBySession(req);
    },
  };
}
