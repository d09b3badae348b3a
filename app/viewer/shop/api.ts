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
import { describeFailure, type FetchLike, type JsonFailure, requestJson } from '../../ui/json-fetch';

export class ShopApiError extends Error {
  constructor(
    /** HTTP status; 0 when no response arrived (network error). */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reason?: CommerceReason,
    readonly issues?: readonly { path: string; message: string }[],
    /** Seconds the server asked to wait (Retry-After of a 429), when it said. */
    readonly retryAfterSec?: number,
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

export type { FetchLike };

export interface ShopApiOptions {
  fetch?: FetchLike;
  /** Called with the server's `Date` header and the local midpoint of the request (clock skew estimate). */
  onServerTime?: (serverMs: number, localMs: number) => void;
}

function shopError(path: string, f: JsonFailure, retryAfterSec?: number): ShopApiError {
  const d = describeFailure(path, f, (body) => {
    const e = CommerceErrorBody.safeParse(body);
    return e.success ? e.data.error : null;
  });
  return new ShopApiError(d.status, d.code, d.message, d.error?.reason, d.error?.issues, retryAfterSec);
}

/** Retry-After in whole seconds (the HTTP-date form is not used by this server). */
function retryAfterOf(res: Response): number | undefined {
  const v = Number(res.headers.get('retry-after'));
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

export type ShopApi = ReturnType<typeof createShopApi>;

export function createShopApi(opts: ShopApiOptions = {}) {
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => fetch(input, init));

  function call<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', path: string, body?: unknown): Promise<z.output<S>> {
    const t0 = Date.now();
    const onServerTime = opts.onServerTime;
    let retryAfterSec: number | undefined;
    return requestJson(
      doFetch,
      { schema, method, path, body },
      (f) => shopError(path, f, retryAfterSec),
      (res) => {
        if (res.status === 429) retryAfterSec = retryAfterOf(res);
        if (!onServerTime) return;
        const server = Date.parse(res.headers.get('date') ?? '');
        if (Number.isFinite(server)) onServerTime(server, (t0 + Date.now()) / 2);
      },
    );
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
