import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { OrderId, ProductId } from '../../../../shared/commerce/common';
import { ShowId } from '../../../../shared/domain/show';
import type { CommerceCore } from '../core';
import { parse } from '../errors';
import { newBuyerId } from '../ids';
import { buyerLimiters, withRetryAfter } from '../limits';

const ProductParams = z.object({ productId: ProductId });
const ShowParams = z.object({ showId: ShowId });
const OrderParams = z.object({ orderId: OrderId });

/** Viewer-facing API: catalog reads (no session) and the buyer's cart/checkout/orders (guest session cookie). */
export async function publicRoutes(app: FastifyInstance, opts: { core: CommerceCore }): Promise<void> {
  const { core } = opts;
  const buyer = (req: Parameters<typeof core.sessions.read>[0]) => core.sessions.read(req);
  const limits = await buyerLimiters(app, core.limits, buyer);

  app.post('/api/session', async (req, reply) => {
    // Only a request that is about to get a new session counts; an existing session is confirmed for free.
    if (!buyer(req)) await limits.newSession(req).catch((err) => withRetryAfter(reply, err));
    core.sessions.ensure(req, reply, newBuyerId);
    return { ok: true };
  });

  app.get('/api/products', async () => ({ products: await core.catalog.list(false) }));

  app.get('/api/products/:productId', async (req) => {
    const { productId } = parse(ProductParams, req.params, 'product id');
    return core.catalog.view(productId, false);
  });

  app.get('/api/shows/:showId/lineup', async (req) => {
    const { showId } = parse(ShowParams, req.params, 'show id');
    return core.catalog.lineup(showId, false);
  });

  app.get('/api/flash-sales', async () => ({ sales: await core.sales.list(true) }));

  app.get('/api/payments/providers', async () => core.payments.enabled());

  app.post('/api/orders', async (req, reply) => {
    await limits.order(req, buyer(req)).catch((err) => withRetryAfter(reply, err));
    const buyerId = core.sessions.ensure(req, reply, newBuyerId);
    const placed = await core.orders.place(buyerId, req.body).catch((err) => withRetryAfter(reply, err));
    if (!placed.created) reply.header('idempotent-replayed', 'true');
    reply.code(placed.created ? 201 : 200);
    return placed.order;
  });

  /** The buyer's claimed coupons (optionally of one show); claims happen on the realtime socket during the show. */
  app.get('/api/coupons', async (req) => {
    const buyerId = buyer(req);
    return { coupons: buyerId ? await core.coupons.buyerCoupons(buyerId, req.query ?? {}) : [] };
  });

  /** Server pricing of a cart with an optional coupon (nothing reserved): what POST /api/orders would charge now. */
  app.post('/api/checkout/quote', async (req) => core.coupons.quote(buyer(req) ?? '', req.body));

  app.get('/api/orders', async (req) => {
    const buyerId = buyer(req);
    return { orders: buyerId ? await core.orders.listForBuyer(buyerId) : [], nextCursor: null };
  });

  app.get('/api/orders/:orderId', async (req) => {
    const { orderId } = parse(OrderParams, req.params, 'order id');
    return core.orders.getForBuyer(buyer(req) ?? '', orderId);
  });

  app.post('/api/orders/:orderId/cancel', async (req) => {
    const { orderId } = parse(OrderParams, req.params, 'order id');
    return core.orders.cancelByBuyer(buyer(req) ?? '', orderId);
  });

  app.post('/api/orders/:orderId/refund-request', async (req) => {
    const { orderId } = parse(OrderParams, req.params, 'order id');
    return core.orders.requestRefund(buyer(req) ?? '', orderId, req.body);
  });

  app.post('/api/orders/:orderId/pay', async (req) => {
    const { orderId } = parse(OrderParams, req.params, 'order id');
    return core.payments.pay(buyer(req) ?? '', orderId, req.body ?? {});
  });
}
