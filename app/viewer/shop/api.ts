/**
 * Typed client of the buyer-facing commerce REST API. Every response is validated with the shared zod schemas;
 * every failure becomes a `ShopApiError` (status 0 = the request never got an answer: network down, aborted).
 */
import { z } from 'zod';
import { LineupView, ProductView } from '../../../shared/commerce/catalog';
import { CommerceErrorBody, type CommerceReason } from '../../../shared/commerce/common';
import { BuyerCouponList, Quote, type QuoteRequest } from '../../../shared/commerce/coupons';
import { type CreateOrderRequest, OrderList, OrderView } from '../../../shared/commerce/orders';
import { PayResponse, ProvidersResponse } from '../../../shared/commerce/payments';

export class ShopApiError extends Error {
  constructor(
    /** HTTP status; 0 when no response arrived (network error). */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reason?: CommerceReason,
    readonly issues?: readonly { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ShopApiError';
  }

  /** The outcome is unknown (no answer): a retry must reuse the same idempotency key. */
  get network(): boolean {
    return this.status === 0;
  }
}

const OkReply = z.object({ ok: z.literal(true) });

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ShopApiOptions {
  fetch?: FetchLike;
  /** Called with the server's `Date` header and the local midpoint of the request (clock skew estimate). */
  onServerTime?: (serverMs: number, localMs: number) => void;
}

export type ShopApi = ReturnType<typeof createShopApi>;

export function createShopApi(opts: ShopApiOptions = {}) {
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => fetch(input, init));

  async function call<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', path: string, body?: unknown): Promise<z.output<S>> {
    const t0 = Date.now();
    let res: Response;
    try {
      res = await doFetch(path, {
        method,
        credentials: 'same-origin',
        cache: 'no-store',
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new ShopApiError(0, 'DISCONNECTED', err instanceof Error ? err.message : String(err));
    }
    const date = res.headers.get('date');
    if (date && opts.onServerTime) {
      const server = Date.parse(date);
      if (Number.isFinite(server)) opts.onServerTime(server, (t0 + Date.now()) / 2);
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new ShopApiError(res.ok ? 502 : res.status, 'INTERNAL', `unreadable reply (${res.status})`);
    }
    if (!res.ok) {
      const e = CommerceErrorBody.safeParse(json);
      if (!e.success) throw new ShopApiError(res.status, 'INTERNAL', `request failed (${res.status})`);
      const { code, message, reason, issues } = e.data.error;
      throw new ShopApiError(res.status, code, message, reason, issues);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ShopApiError(502, 'INTERNAL', `unexpected reply from ${path}`);
    return parsed.data;
  }

  const enc = encodeURIComponent;
  return {
    /** Create the guest buyer session (HttpOnly cookie) if there is none. */
    session: () => call(OkReply, 'POST', '/api/session'),
    providers: () => call(ProvidersResponse, 'GET', '/api/payments/providers'),
    lineup: (showId: string) => call(LineupView, 'GET', `/api/shows/${enc(showId)}/lineup`),
    product: (productId: string) => call(ProductView, 'GET', `/api/products/${enc(productId)}`),
    orders: () => call(OrderList, 'GET', '/api/orders'),
    order: (orderId: string) => call(OrderView, 'GET', `/api/orders/${enc(orderId)}`),
    placeOrder: (req: CreateOrderRequest) => call(OrderView, 'POST', '/api/orders', req),
    /** Coupons this buyer claimed (in a show, or all). */
    coupons: (showId?: string) => call(BuyerCouponList, 'GET', showId ? `/api/coupons?showId=${enc(showId)}` : '/api/coupons'),
    /** The server's price for a cart with an optional coupon (nothing reserved). */
    quote: (req: QuoteRequest) => call(Quote, 'POST', '/api/checkout/quote', req),
    pay: (orderId: string) => call(PayResponse, 'POST', `/api/orders/${enc(orderId)}/pay`, {}),
    cancel: (orderId: string) => call(OrderView, 'POST', `/api/orders/${enc(orderId)}/cancel`, {}),
    requestRefund: (orderId: string, reason: string) => call(OrderView, 'POST', `/api/orders/${enc(orderId)}/refund-request`, { reason }),
  };
}
