import { createCipheriv, type KeyObject, randomBytes, sign } from 'node:crypto';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderView } from '../../../shared/commerce/orders';
import { SANDBOX_SIGNATURE_HEADER } from '../../../shared/commerce/payments';
import { alipaySignContent, alipayTime } from './payments/alipay';
import { signSandbox } from './payments/sandbox';
import { wechatMessage } from './payments/wechatpay';
import { pendingPayment, post, rsa, setupOrder, statusOf, until } from './payments-testing';
import { type Harness, payViaSandbox, startHarness } from './testing';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('sandbox provider', () => {
  it('pays through the hosted page → signed webhook over HTTP → order paid; decline leaves it payable', async () => {
    h = await startHarness();
    const paid: unknown[] = [];
    h.core.events.on('order.paid', (e) => paid.push(e));
    const { buyer, order } = await setupOrder(h);
    const declined = await payViaSandbox(h, buyer, order.id, false);
    expect((await h.core.store.payments.get(declined))!.status).toBe('failed');
    expect(await statusOf(h, order.id)).toBe('pending_payment');
    const payment = await payViaSandbox(h, buyer, order.id, true);
    expect((await h.core.store.payments.get(payment))!.status).toBe('succeeded');
    expect(await statusOf(h, order.id)).toBe('paid');
    expect(paid).toEqual([expect.objectContaining({ type: 'order.paid', orderId: order.id, buyer: '买**', totalMinor: 79900 })]);
    const page = await (await fetch(`${h.url}/pay/sandbox/${(await h.core.store.payments.get(payment))!.providerRef}?lang=en`)).text();
    expect(page).toContain('Payment approved');
    expect(await h.core.store.webhooks.count('sandbox')).toBe(2);
  });

  it('rejects forged, stale, unsigned and malformed notifications; replays and duplicates change nothing', async () => {
    h = await startHarness();
    const { buyer, order } = await setupOrder(h);
    const pay = await buyer.json<{ paymentId: string; action: { url: string } }>('POST', `/api/orders/${order.id}/pay`, {});
    const ref = (await h.core.store.payments.get(pay.body.paymentId))!.providerRef!;
    const url = `${h.url}/api/payments/webhook/sandbox`;
    const body = JSON.stringify({
      id: 'evt_forgery_1',
      type: 'payment.succeeded',
      created: Math.floor(h.now() / 1000),
      data: { providerRef: ref, merchantRef: pay.body.paymentId, amountMinor: 79900, currency: 'CNY' },
    });
    const ts = Math.floor(h.now() / 1000);
    const forged = await post(url, body, {
      'content-type': 'application/json',
      [SANDBOX_SIGNATURE_HEADER]: signSandbox('not-the-secret-at-all', ts, body),
    });
    expect(forged.status).toBe(401);
    expect((await post(url, body, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(url, body, { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: 't=1,v1=zz' })).status).toBe(401);
    expect((await post(url, 'garbage', { 'content-type': 'text/plain' })).status).toBe(401);
    expect(await statusOf(h, order.id)).toBe('pending_payment');
    expect(await h.core.store.webhooks.count()).toBe(0);

    // Sign with the sandbox's real secret (as the provider does) to exercise timestamp, tampering and de-duplication.
    const realSecret = (h.core.sandbox as unknown as { secret: string }).secret;
    const good = { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signSandbox(realSecret, ts, body) };
    const staleHeaders = { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signSandbox(realSecret, ts - 301, body) };
    const stale = await post(url, body, staleHeaders);
    expect(stale.status).toBe(400);
    expect(stale.outcome).toBe('stale');
    const tampered = await post(url, body.replace('79900', '1'), good);
    expect(tampered.status).toBe(401);
    expect(await statusOf(h, order.id)).toBe('pending_payment');

    const first = await post(url, body, good);
    expect([first.status, first.outcome]).toEqual([200, 'paid']);
    const replay = await post(url, body, good);
    expect([replay.status, replay.outcome]).toEqual([200, 'duplicate']);
    const resent = await post(url, body, {
      'content-type': 'application/json',
      [SANDBOX_SIGNATURE_HEADER]: signSandbox(realSecret, ts + 5, body),
    });
    expect(resent.outcome).toBe('duplicate');
    const events = await h.core.store.orders.listEvents(order.id);
    expect(events.filter((e) => e.to === 'paid').length).toBe(1);
    expect(await h.core.store.webhooks.count('sandbox')).toBe(1);
    expect((await post(`${h.url}/api/payments/webhook/paypal`, body, good)).status).toBe(404);
    expect((await post(`${h.url}/api/payments/webhook/stripe`, body, good)).status).toBe(404);
  });

  it('a payment arriving after the reservation expired is recorded and refunded, never dropped', async () => {
    h = await startHarness({ reservationMs: 60_000, reconcileAfterMs: 30_000, payments: { abandonAfterSec: 60 } });
    const { buyer, order, skuId } = await setupOrder(h);
    const pay = await buyer.json<{ paymentId: string; action: { url: string } }>('POST', `/api/orders/${order.id}/pay`, {});
    // The payment holds the lapsed reservation while the sandbox reports it pending; then it is given up.
    h.advance(61_000);
    await h.core.runMaintenance();
    expect(await statusOf(h, order.id)).toBe('pending_payment');
    h.advance(60_000);
    await h.core.runMaintenance();
    expect(await statusOf(h, order.id)).toBe('cancelled');
    expect((await h.core.store.inventory.getSku(skuId))!.stock).toBe(5);
    // The buyer still had the hosted page open and approves.
    const res = await fetch(`${pay.body.action.url}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    await until(async () => (await statusOf(h, order.id)) === 'refunded');
    const p = (await h.core.store.payments.get(pay.body.paymentId))!;
    expect(p.status).toBe('refunded');
    expect((await h.core.sandbox!.entry(p.providerRef!))!.status).toBe('refunded');
    expect((await h.core.store.orders.listEvents(order.id)).map((e) => e.to)).toEqual([
      'pending_payment',
      'cancelled',
      'refund_requested',
      'refunded',
    ]);
    expect((await h.core.store.inventory.getSku(skuId))!.stock).toBe(5);
  });

  it('studio refunds a paid order (restocking it); a buyer refund request is completed by the studio', async () => {
    h = await startHarness();
    const { buyer, order, skuId } = await setupOrder(h);
    await payViaSandbox(h, buyer, order.id);
    expect((await h.core.store.inventory.getSku(skuId))!.stock).toBe(4);
    const refund = await h.studio(`/api/studio/orders/${order.id}/refund`, {
      method: 'POST',
      body: JSON.stringify({ reason: '买家不想要了' }),
    });
    expect(refund.status).toBe(200);
    const view = (await refund.json()) as OrderView;
    expect(view.status).toBe('refunded');
    expect(view.payments![0]!.status).toBe('refunded');
    expect((await h.core.store.inventory.getSku(skuId))!.stock).toBe(5);
    expect(
      (await h.studio(`/api/studio/orders/${order.id}/refund`, { method: 'POST', body: JSON.stringify({ reason: 'again' }) })).status,
    ).toBe(409);

    const second = await setupOrder(h);
    await payViaSandbox(h, second.buyer, second.order.id);
    await h.studio(`/api/studio/orders/${second.order.id}/ship`, {
      method: 'POST',
      body: JSON.stringify({ carrier: 'SF', trackingNo: 'SF0001' }),
    });
    const asked = await second.buyer.json<OrderView>('POST', `/api/orders/${second.order.id}/refund-request`, { reason: '尺码不合适' });
    expect(asked.body.status).toBe('refund_requested');
    const stockBefore = (await h.core.store.inventory.getSku(second.skuId))!.stock;
    const done = (await (
      await h.studio(`/api/studio/orders/${second.order.id}/refund`, { method: 'POST', body: JSON.stringify({ reason: 'ok' }) })
    ).json()) as OrderView;
    expect(done.status).toBe('refunded');
    // Shipped goods are not put back on sale unless asked.
    expect((await h.core.store.inventory.getSku(second.skuId))!.stock).toBe(stockBefore);
  });

  it('reconciliation settles a payment whose webhook was lost', async () => {
    h = await startHarness({ reconcileAfterMs: 120_000 });
    const { buyer, order } = await setupOrder(h);
    const pay = await buyer.json<{ paymentId: string }>('POST', `/api/orders/${order.id}/pay`, {});
    const ref = (await h.core.store.payments.get(pay.body.paymentId))!.providerRef!;
    // Provider side settles, but its notification never arrives.
    await h.core.store.sandbox.setStatus(ref, 'open', 'succeeded', h.now());
    await h.core.runMaintenance();
    expect(await statusOf(h, order.id)).toBe('pending_payment');
    h.advance(121_000);
    await h.core.runMaintenance();
    expect(await statusOf(h, order.id)).toBe('paid');
    expect((await h.core.store.webhooks.get('sandbox', `reconcile:${pay.body.paymentId}:succeeded`))!.outcome).toBe('paid');
  });
});

describe('stripe adapter', () => {
  const secret = 'whsec_test_storecast_0123456789';
  const stripe = new Stripe('sk_test_dummy');

  it('verifies Stripe-Signature (constructEvent), rejects forged/stale/unsigned, dedups by event id', async () => {
    h = await startHarness({ payments: { stripe: { secretKey: 'sk_test_dummy', webhookSecret: secret } } });
    const { order } = await setupOrder(h);
    const paymentId = await pendingPayment(h, order.id, 'stripe', 'cs_test_a1b2c3');
    const event = (id: string, amount = 79900) =>
      JSON.stringify({
        id,
        object: 'event',
        api_version: '2025-01-27.acacia',
        created: Math.floor(h.now() / 1000),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type: 'checkout.session.completed',
        data: {
          object: {
            id: 'cs_test_a1b2c3',
            object: 'checkout.session',
            amount_total: amount,
            currency: 'cny',
            client_reference_id: paymentId,
            metadata: { paymentId, orderId: order.id },
            mode: 'payment',
            payment_status: 'paid',
            status: 'complete',
          },
        },
      });
    const url = `${h.url}/api/payments/webhook/stripe`;
    const send = (payload: string, header?: string) =>
      post(url, payload, { 'content-type': 'application/json', ...(header ? { 'stripe-signature': header } : {}) });
    const ts = Math.floor(h.now() / 1000);
    const body = event('evt_1StripeTest');
    expect((await send(body)).status).toBe(401);
    expect(
      (await send(body, stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_wrong', timestamp: ts }))).status,
    ).toBe(401);
    const stale = await send(body, stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: ts - 301 }));
    expect([stale.status, stale.outcome]).toEqual([400, 'stale']);
    const tampered = event('evt_1StripeTest', 1);
    expect((await send(tampered, stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: ts }))).status).toBe(401);
    expect(await statusOf(h, order.id)).toBe('pending_payment');

    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: ts });
    const ok = await send(body, header);
    expect([ok.status, ok.outcome]).toEqual([200, 'paid']);
    expect(await statusOf(h, order.id)).toBe('paid');
    expect((await send(body, header)).outcome).toBe('duplicate');
    expect((await send(body, stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: ts + 10 }))).outcome).toBe(
      'duplicate',
    );
    // Authentic but irrelevant types are acknowledged and recorded as ignored.
    const other = JSON.stringify({ id: 'evt_2Other', object: 'event', type: 'customer.created', data: { object: {} } });
    expect((await send(other, stripe.webhooks.generateTestHeaderString({ payload: other, secret, timestamp: ts }))).outcome).toBe(
      'ignored',
    );
    // A signed event whose amount differs from the payment is recorded, not applied.
    const order2 = await setupOrder(h);
    const p2 = await pendingPayment(h, order2.order.id, 'stripe', 'cs_test_zzz');
    const wrong = event('evt_3Wrong', 100).replaceAll('cs_test_a1b2c3', 'cs_test_zzz').replaceAll(paymentId, p2);
    expect((await send(wrong, stripe.webhooks.generateTestHeaderString({ payload: wrong, secret, timestamp: ts }))).outcome).toBe(
      'amount_mismatch',
    );
    expect(await statusOf(h, order2.order.id)).toBe('pending_payment');
  });
});

describe('alipay adapter', () => {
  it('verifies RSA2 async notifications (sorted params, sign/sign_type dropped) and answers "success"', async () => {
    const merchant = rsa();
    const alipay = rsa();
    const forger = rsa();
    h = await startHarness({
      payments: {
        alipay: { appId: '2021000000000001', privateKeyPem: merchant.privatePem, alipayPublicKeyPem: alipay.publicPem },
      },
    });
    const { order } = await setupOrder(h);
    const paymentId = await pendingPayment(h, order.id, 'alipay', '=id');
    const notify = (key: KeyObject, over: Record<string, string> = {}) => {
      const params: Record<string, string> = {
        gmt_create: alipayTime(h.now() - 60_000),
        charset: 'utf-8',
        seller_email: 'shop@example.com',
        subject: '测试商品',
        sign_type: 'RSA2',
        buyer_id: '2088102177846875',
        invoice_amount: '799.00',
        notify_id: '2024071100222101049075301400123456',
        fund_bill_list: '[{"amount":"799.00","fundChannel":"ALIPAYACCOUNT"}]',
        notify_type: 'trade_status_sync',
        trade_status: 'TRADE_SUCCESS',
        receipt_amount: '799.00',
        buyer_pay_amount: '799.00',
        app_id: '2021000000000001',
        seller_id: '2088102177649450',
        gmt_payment: alipayTime(h.now() - 30_000),
        notify_time: alipayTime(h.now()),
        version: '1.0',
        out_trade_no: paymentId,
        total_amount: '799.00',
        trade_no: '2024071122001446870501234567',
        auth_app_id: '2021000000000001',
        buyer_logon_id: 'csq***@sandbox.com',
        point_amount: '0.00',
        ...over,
      };
      params.sign = sign('RSA-SHA256', Buffer.from(alipaySignContent(params, ['sign', 'sign_type']), 'utf8'), key).toString('base64');
      return new URLSearchParams(params).toString();
    };
    const url = `${h.url}/api/payments/webhook/alipay`;
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    const forged = await post(url, notify(forger.privateKey), form);
    expect([forged.status, forged.text]).toEqual([401, 'failure']);
    const body = notify(alipay.privateKey);
    expect((await post(url, body.replace('total_amount=799.00', 'total_amount=0.01'), form)).status).toBe(401);
    expect((await post(url, body.replace(/&sign=[^&]+/, ''), form)).status).toBe(401);
    const stale = await post(url, notify(alipay.privateKey, { notify_time: alipayTime(h.now() - 27 * 3600_000), notify_id: 'old1' }), form);
    expect([stale.status, stale.outcome]).toEqual([400, 'stale']);
    expect((await post(url, notify(alipay.privateKey, { app_id: '2021999999999999' }), form)).status).toBe(401);
    expect(await statusOf(h, order.id)).toBe('pending_payment');

    const ok = await post(url, body, form);
    expect([ok.status, ok.text, ok.outcome]).toEqual([200, 'success', 'paid']);
    expect(await statusOf(h, order.id)).toBe('paid');
    // Alipay re-sends until it reads "success": the same notify_id is acknowledged again and not re-applied.
    const again = await post(url, body, form);
    expect([again.text, again.outcome]).toEqual(['success', 'duplicate']);
    // TRADE_FINISHED later for the same trade: new notify_id, already applied.
    const finished = await post(url, notify(alipay.privateKey, { notify_id: 'finished-1', trade_status: 'TRADE_FINISHED' }), form);
    expect(finished.outcome).toBe('already_applied');
    expect((await h.core.store.orders.listEvents(order.id)).filter((e) => e.to === 'paid').length).toBe(1);
  });

  it('builds a signed page-pay redirect the gateway can verify', async () => {
    const merchant = rsa();
    const alipay = rsa();
    h = await startHarness({
      payments: {
        default: 'alipay',
        alipay: { appId: '2021000000000001', privateKeyPem: merchant.privatePem, alipayPublicKeyPem: alipay.publicPem },
      },
    });
    const { buyer, order } = await setupOrder(h);
    const pay = await buyer.json<{ action: { kind: string; url: string }; provider: string }>('POST', `/api/orders/${order.id}/pay`, {});
    expect(pay.body.provider).toBe('alipay');
    const u = new URL(pay.body.action.url);
    expect(u.origin + u.pathname).toBe('https://openapi.alipay.com/gateway.do');
    const params = Object.fromEntries(u.searchParams);
    expect(params.method).toBe('alipay.trade.page.pay');
    expect(JSON.parse(params.biz_content!)).toMatchObject({ total_amount: '799.00', product_code: 'FAST_INSTANT_TRADE_PAY' });
    const { verify } = await import('node:crypto');
    const ok = verify(
      'RSA-SHA256',
      Buffer.from(alipaySignContent(params, ['sign']), 'utf8'),
      merchant.publicKey,
      Buffer.from(params.sign!, 'base64'),
    );
    expect(ok).toBe(true);
  });
});

describe('wechatpay adapter', () => {
  it('verifies Wechatpay-Signature over ts\\nnonce\\nbody\\n and decrypts the AES-256-GCM resource', async () => {
    const platform = rsa();
    const merchant = rsa();
    const forger = rsa();
    const apiV3Key = randomBytes(16).toString('hex');
    h = await startHarness({
      payments: {
        wechatpay: {
          mchId: '1900000109',
          appId: 'wxd678efh567hg6787',
          apiV3Key,
          merchantSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
          merchantPrivateKeyPem: merchant.privatePem,
          platformPublicKeys: { PUB_KEY_ID_0114232134912410000000000000: platform.publicPem },
        },
      },
    });
    const { order } = await setupOrder(h);
    const paymentId = await pendingPayment(h, order.id, 'wechatpay', '=id');
    const encrypt = (plain: object, key = apiV3Key) => {
      const nonce = randomBytes(6).toString('hex');
      const c = createCipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
      c.setAAD(Buffer.from('transaction', 'utf8'));
      const data = Buffer.concat([c.update(JSON.stringify(plain), 'utf8'), c.final(), c.getAuthTag()]);
      return {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: data.toString('base64'),
        associated_data: 'transaction',
        nonce,
      };
    };
    const transaction = (total = 79900) => ({
      mchid: '1900000109',
      appid: 'wxd678efh567hg6787',
      out_trade_no: paymentId,
      transaction_id: '1217752501201407033233368018',
      trade_type: 'NATIVE',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'OTHERS',
      attach: '',
      success_time: '2024-07-11T10:34:56+08:00',
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
    });
    const envelope = (id: string, resource: object) =>
      JSON.stringify({
        id,
        create_time: '2024-07-11T10:34:57+08:00',
        resource_type: 'encrypt-resource',
        event_type: 'TRANSACTION.SUCCESS',
        summary: '支付成功',
        resource,
      });
    const headersFor = (
      body: string,
      key: KeyObject,
      ts = Math.floor(h.now() / 1000),
      serial = 'PUB_KEY_ID_0114232134912410000000000000',
    ) => {
      const nonce = randomBytes(16).toString('hex');
      return {
        'content-type': 'application/json',
        'wechatpay-timestamp': String(ts),
        'wechatpay-nonce': nonce,
        'wechatpay-serial': serial,
        'wechatpay-signature': sign('RSA-SHA256', Buffer.from(wechatMessage(String(ts), nonce, body), 'utf8'), key).toString('base64'),
      };
    };
    const url = `${h.url}/api/payments/webhook/wechatpay`;
    const body = envelope('EV-2018022511223320873', encrypt(transaction()));
    const forged = await post(url, body, headersFor(body, forger.privateKey));
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.text)).toMatchObject({ code: 'FAIL' });
    expect((await post(url, body, headersFor(body, platform.privateKey, undefined, 'UNKNOWN_SERIAL'))).status).toBe(401);
    expect((await post(url, body, { 'content-type': 'application/json' })).status).toBe(401);
    const stale = await post(url, body, headersFor(body, platform.privateKey, Math.floor(h.now() / 1000) - 301));
    expect([stale.status, stale.outcome]).toEqual([400, 'stale']);
    const probe = { ...headersFor(body, platform.privateKey), 'wechatpay-signature': 'WECHATPAY/SIGNTEST/abc' };
    expect((await post(url, body, probe)).status).toBe(401);
    // Correctly signed envelope whose resource was encrypted with another key: cannot be decrypted → rejected.
    const wrongKey = envelope('EV-wrongkey', encrypt(transaction(), randomBytes(16).toString('hex')));
    expect((await post(url, wrongKey, headersFor(wrongKey, platform.privateKey))).status).toBe(401);
    expect(await statusOf(h, order.id)).toBe('pending_payment');

    const signed = headersFor(body, platform.privateKey);
    const ok = await post(url, body, signed);
    expect([ok.status, ok.outcome]).toEqual([204, 'paid']);
    expect(await statusOf(h, order.id)).toBe('paid');
    const replay = await post(url, body, signed);
    expect([replay.status, replay.outcome]).toEqual([204, 'duplicate']);
    const retried = await post(url, body, headersFor(body, platform.privateKey));
    expect(retried.outcome).toBe('duplicate');
    expect((await h.core.store.orders.listEvents(order.id)).filter((e) => e.to === 'paid').length).toBe(1);
  });
});
