/** No paid order lost across a crash: durable sandbox webhooks, and no expiry while a payment is in flight. */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderView } from '../../../shared/commerce/orders';
import { type Database, openDatabase } from '../db/database';
import { type CommerceCore, commercePlugin, createCommerceCore } from './index';
import { pendingPayment, setupOrder, until } from './payments-testing';
import { Buyer, contact, freePort, type Harness, startHarness } from './testing';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One server "process": a commerce core on a database file and an HTTP listener on a fixed port, both closable on their own. */
interface Proc {
  core: CommerceCore;
  db: Database;
  app: FastifyInstance;
}

function machine() {
  const dir = mkdtempSync(join(tmpdir(), 'sc-durable-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const sessionSecret = randomBytes(32);
  const studioToken = randomBytes(24).toString('base64url');
  let offset = 0;
  const clock = () => Date.now() + offset;
  let port = 0;
  return {
    clock,
    advance(ms: number) {
      offset += ms;
    },
    url: () => `http://127.0.0.1:${port}`,
    async listen(core: CommerceCore): Promise<FastifyInstance> {
      const app = Fastify({ logger: false });
      await app.register(commercePlugin, { core });
      await app.listen({ port, host: '127.0.0.1' });
      return app;
    },
    async boot(): Promise<Proc> {
      port ||= await freePort();
      const db = openDatabase(join(dir, 'storecast.sqlite'));
      const core = await createCommerceCore({
        db,
        dataDir: dir,
        publicUrl: `http://127.0.0.1:${port}`,
        studioToken,
        sessionSecret,
        payments: {},
        log: quiet,
        clock,
        seedDemo: false,
        sweepIntervalMs: 0,
        reconcileIntervalMs: 0,
        reservationMs: 60_000,
      });
      const app = await this.listen(core);
      const proc = { core, db, app };
      cleanups.push(() => kill(proc));
      return proc;
    },
    studio: (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${studioToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
  };
}

/** The process dies: the listener goes, the core stops, the database closes (nothing in memory survives). */
async function kill(p: Proc): Promise<void> {
  await p.app.close();
  p.core.close();
  if (p.db.open) p.db.close();
}

async function orderAndPay(m: ReturnType<typeof machine>): Promise<{ buyer: Buyer; order: OrderView; paymentId: string; payUrl: string }> {
  const res = await m.studio('/api/studio/products', { title: '测试商品', currency: 'CNY', defaults: { listPriceMinor: 79900, stock: 5 } });
  const p = (await res.json()) as { skus: Array<{ id: string }> };
  const buyer = new Buyer(m.url());
  const o = await buyer.json<OrderView>('POST', '/api/orders', {
    idempotencyKey: `dur-${randomBytes(6).toString('hex')}`,
    items: [{ skuId: p.skus[0]!.id, qty: 1 }],
    contact: contact(1),
  });
  expect(o.status).toBe(201);
  const pay = await buyer.json<{ paymentId: string; action: { url: string } }>('POST', `/api/orders/${o.body.id}/pay`, {});
  expect(pay.status).toBe(200);
  return { buyer, order: o.body, paymentId: pay.body.paymentId, payUrl: pay.body.action.url };
}

/** Boot, order, pay; the buyer approves on the sandbox page just as the listener goes down, so the webhook cannot arrive. */
async function approvedWhileDown(m: ReturnType<typeof machine>) {
  const a = await m.boot();
  const paid = await orderAndPay(m);
  const ref = (await a.core.store.payments.get(paid.paymentId))!.providerRef!;
  await a.app.close();
  await a.core.sandbox!.decide(ref, true);
  expect((await a.core.store.orders.getOrder(paid.order.id))!.status).toBe('pending_payment');
  return { a, ref, ...paid };
}

describe('sandbox webhook outbox', () => {
  it('an approval whose webhook was not delivered before a crash is delivered after restart; the order ends paid', async () => {
    const m = machine();
    const { a, order } = await approvedWhileDown(m);
    await kill(a);

    const b = await m.boot();
    await until(async () => (await b.core.store.orders.getOrder(order.id))!.status === 'paid');
    const delivered = b.db
      .prepare<[], { event_id: string; outcome: string }>(`SELECT event_id, outcome FROM webhook_events WHERE provider = 'sandbox'`)
      .all();
    expect(delivered).toEqual([{ event_id: expect.stringMatching(/^evt_/), outcome: 'paid' }]);
    // Long after the reservation would have lapsed, the order is still paid.
    m.advance(3_600_000);
    await b.core.runMaintenance();
    expect((await b.core.store.orders.getOrder(order.id))!.status).toBe('paid');
  });

  it('a second approval of an approved payment re-sends the undelivered webhook; once delivered it is a no-op showing paid', async () => {
    const m = machine();
    const { a, order, payUrl } = await approvedWhileDown(m);
    // The listener is back (same core); the buyer presses approve again on the hosted page.
    a.app = await m.listen(a.core);
    const again = await fetch(`${payUrl}/approve`, { method: 'POST', redirect: 'manual' });
    expect(again.status).toBe(303);
    expect((await a.core.store.orders.getOrder(order.id))!.status).toBe('paid');
    const third = await fetch(`${payUrl}/approve?lang=en`, { method: 'POST', redirect: 'follow' });
    expect(await third.text()).toContain('Payment approved');
    expect(await a.core.store.webhooks.count('sandbox')).toBe(1);
  });

  it('retries with backoff and gives up after a bounded number of attempts (reconciliation still settles it)', async () => {
    const m = machine();
    const { a, order, ref } = await approvedWhileDown(m);
    const row = async () => (await a.core.store.outbox.forRef(ref))[0]!;
    expect(await row()).toMatchObject({ attempts: 1, deliveredAt: null, gaveUpAt: null });
    const first = (await row()).nextAttemptAt - m.clock();
    expect(first).toBeGreaterThan(0);
    // Not due yet: nothing is attempted.
    await a.core.sandbox!.deliverDue();
    expect((await row()).attempts).toBe(1);
    const gaps: number[] = [];
    while ((await row()).gaveUpAt === null) {
      const before = await row();
      m.advance(before.nextAttemptAt - m.clock());
      await a.core.sandbox!.deliverDue();
      if ((await row()).gaveUpAt === null) gaps.push((await row()).nextAttemptAt - before.nextAttemptAt);
      expect((await row()).attempts).toBe(before.attempts + 1);
    }
    expect((await row()).attempts).toBeLessThanOrEqual(12);
    expect(gaps.every((g, i) => i === 0 || g >= gaps[i - 1]!)).toBe(true);
    a.app = await m.listen(a.core);
    await a.core.runMaintenance();
    expect((await a.core.store.orders.getOrder(order.id))!.status).toBe('paid');
  });
});

describe('orders with a payment in flight', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });
  const statusOf = async (orderId: string) => (await h.core.store.orders.getOrder(orderId))!.status;
  async function paySandbox(buyer: Buyer, orderId: string) {
    const pay = await buyer.json<{ paymentId: string; action: { url: string } }>('POST', `/api/orders/${orderId}/pay`, {});
    return {
      paymentId: pay.body.paymentId,
      url: pay.body.action.url,
      ref: (await h.core.store.payments.get(pay.body.paymentId))!.providerRef!,
    };
  }

  it('a lapsed reservation with a pending payment is not expired until the provider is asked', async () => {
    h = await startHarness({ reservationMs: 60_000, reconcileAfterMs: 30_000, payments: { abandonAfterSec: 300 } });
    // 1: the provider approved, its webhook is lost → paid.
    const one = await setupOrder(h);
    const p1 = await paySandbox(one.buyer, one.order.id);
    await h.core.store.sandbox.setStatus(p1.ref, 'open', 'succeeded', h.now());
    // 2: the provider declined, its webhook is lost → expired.
    const two = await setupOrder(h);
    const p2 = await paySandbox(two.buyer, two.order.id);
    await h.core.store.sandbox.setStatus(p2.ref, 'open', 'failed', h.now());
    // 3: the buyer never decided → still pending at the provider.
    const three = await setupOrder(h);
    const p3 = await paySandbox(three.buyer, three.order.id);
    h.advance(61_000);
    expect(await h.core.orders.expireDue()).toBe(0);
    // Check on access does not expire them either, and the lapsed order takes no new payment.
    expect((await one.buyer.json<OrderView>('GET', `/api/orders/${one.order.id}`)).body.status).toBe('pending_payment');
    const repay = await one.buyer.json<{ error: { reason: string } }>('POST', `/api/orders/${one.order.id}/pay`, {});
    expect([repay.status, repay.body.error.reason]).toEqual([409, 'ORDER_EXPIRED']);
    await h.core.runMaintenance();
    expect(await statusOf(one.order.id)).toBe('paid');
    expect((await h.core.store.inventory.getSku(one.skuId))!.stock).toBe(4);
    expect(await statusOf(two.order.id)).toBe('cancelled');
    expect((await h.core.store.inventory.getSku(two.skuId))!.stock).toBe(5);
    expect((await h.core.store.payments.get(p2.paymentId))!.status).toBe('failed');
    // Asked, still pending, not old yet: held.
    expect(await statusOf(three.order.id)).toBe('pending_payment');
    h.advance(300_000);
    await h.core.runMaintenance();
    expect(await statusOf(three.order.id)).toBe('cancelled');
    expect((await h.core.store.payments.get(p3.paymentId))!.status).toBe('failed');
    expect((await h.core.store.inventory.getSku(three.skuId))!.stock).toBe(5);
    // The buyer approves on the page left open after all: the money is recorded and given back.
    const late = await fetch(`${p3.url}/approve`, { method: 'POST', redirect: 'manual' });
    expect(late.status).toBe(303);
    await until(async () => (await statusOf(three.order.id)) === 'refunded');
    expect((await h.core.store.payments.get(p3.paymentId))!.status).toBe('refunded');
  });

  it('a real provider webhook arriving after the reservation lapsed pays the order (it was held, not resold)', async () => {
    const secret = 'whsec_test_storecast_0123456789';
    h = await startHarness({ reservationMs: 60_000, payments: { stripe: { secretKey: 'sk_test_dummy', webhookSecret: secret } } });
    const { order, skuId } = await setupOrder(h);
    const paymentId = await pendingPayment(h, order.id, 'stripe', 'cs_test_late');
    h.advance(61_000);
    expect(await h.core.orders.expireDue()).toBe(0);
    expect(await statusOf(order.id)).toBe('pending_payment');
    const body = JSON.stringify({
      id: 'evt_late_1',
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(h.now() / 1000),
      data: {
        object: {
          id: 'cs_test_late',
          object: 'checkout.session',
          amount_total: 79900,
          currency: 'cny',
          client_reference_id: paymentId,
          payment_status: 'paid',
          status: 'complete',
        },
      },
    });
    const header = new Stripe('sk_test_dummy').webhooks.generateTestHeaderString({
      payload: body,
      secret,
      timestamp: Math.floor(h.now() / 1000),
    });
    const res = await fetch(`${h.url}/api/payments/webhook/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body,
    });
    expect(res.headers.get('x-storecast-outcome')).toBe('paid');
    expect(await statusOf(order.id)).toBe('paid');
    expect((await h.core.store.inventory.getSku(skuId))!.stock).toBe(4);
  });
});
