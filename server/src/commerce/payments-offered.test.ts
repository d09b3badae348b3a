/** Which providers a buyer may use (the sandbox only when asked for), and provider notices decided from signed content only. */
import { createCipheriv, randomBytes, sign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { paymentsConfigFromEnv } from './config';
import { alipaySignContent, alipayTime } from './payments/alipay';
import { wechatMessage } from './payments/wechatpay';
import { pendingPayment, post, rsa, setupOrder, statusOf } from './payments-testing';
import { type Harness, startHarness } from './testing';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const stripeCfg = { secretKey: 'sk_test_dummy', webhookSecret: 'whsec_test_storecast_0123456789' };

describe('offered providers', () => {
  it('with a real provider configured the sandbox is off unless PAYMENTS_SANDBOX=1; buyers cannot pick it', async () => {
    h = await startHarness({ payments: { stripe: stripeCfg } });
    const providers = await fetch(`${h.url}/api/payments/providers`);
    expect(await providers.json()).toEqual({ providers: ['stripe'], default: 'stripe' });
    const { buyer, order } = await setupOrder(h);
    const pay = await buyer.json<{ error: { code: string; reason: string } }>('POST', `/api/orders/${order.id}/pay`, {
      provider: 'sandbox',
    });
    expect(pay.status).toBe(400);
    expect(pay.body.error.reason).toBe('PROVIDER_DISABLED');
    expect(await h.core.store.payments.listForOrder(order.id)).toEqual([]);
    // Neither the hosted page nor its webhook endpoint exists.
    expect((await fetch(`${h.url}/pay/sandbox/sbx_abcdefgh`)).status).toBe(404);
    expect((await fetch(`${h.url}/pay/sandbox/sbx_abcdefgh/approve`, { method: 'POST' })).status).toBe(404);
    expect((await post(`${h.url}/api/payments/webhook/sandbox`, '{}', { 'content-type': 'application/json' })).status).toBe(404);
    expect(await statusOf(h, order.id)).toBe('pending_payment');
  });

  it('reads the sandbox switch and reconciliation delays from the environment', () => {
    const stripeEnv = { STRIPE_SECRET_KEY: stripeCfg.secretKey, STRIPE_WEBHOOK_SECRET: stripeCfg.webhookSecret };
    expect(paymentsConfigFromEnv({})).toMatchObject({ default: 'sandbox', sandbox: { enabled: true } });
    expect(paymentsConfigFromEnv(stripeEnv)).toMatchObject({ default: 'stripe', sandbox: { enabled: false } });
    expect(paymentsConfigFromEnv({ ...stripeEnv, PAYMENTS_SANDBOX: '1' })).toMatchObject({ default: 'stripe', sandbox: { enabled: true } });
    expect(paymentsConfigFromEnv({ ...stripeEnv, PAYMENTS_SANDBOX: '1', PAYMENTS_DEFAULT: 'sandbox' })).toMatchObject({
      default: 'sandbox',
    });
    expect(() => paymentsConfigFromEnv({ ...stripeEnv, PAYMENTS_DEFAULT: 'sandbox' })).toThrow(/sandbox/);
    expect(() => paymentsConfigFromEnv({ PAYMENTS_SANDBOX: '0' })).toThrow(/no payment provider/);
    expect(() => paymentsConfigFromEnv({ PAYMENTS_SANDBOX: 'maybe' })).toThrow(/PAYMENTS_SANDBOX/);
    expect(paymentsConfigFromEnv({ PAYMENTS_RECONCILE_AFTER_SEC: '20', PAYMENTS_ABANDON_AFTER_SEC: '90' })).toMatchObject({
      reconcileAfterSec: 20,
      abandonAfterSec: 90,
    });
  });

  it('an explicitly enabled sandbox is offered next to a real provider', async () => {
    h = await startHarness({ payments: { stripe: stripeCfg, sandbox: { enabled: true } } });
    expect(h.core.payments.enabled()).toEqual({ providers: ['sandbox', 'stripe'], default: 'stripe' });
    const { buyer, order } = await setupOrder(h);
    const pay = await buyer.json<{ provider: string }>('POST', `/api/orders/${order.id}/pay`, { provider: 'sandbox' });
    expect([pay.status, pay.body.provider]).toEqual([200, 'sandbox']);
  });
});

describe('notices are decided from signed content only', () => {
  it('alipay: an unsigned empty gmt_refund / refund_fee neither turns a payment into a refund nor consumes the notify_id', async () => {
    const merchant = rsa();
    const alipay = rsa();
    h = await startHarness({
      payments: { alipay: { appId: '2021000000000001', privateKeyPem: merchant.privatePem, alipayPublicKeyPem: alipay.publicPem } },
    });
    const notify = (paymentId: string, over: Record<string, string> = {}) => {
      const params: Record<string, string> = {
        notify_id: `notify-${paymentId}`,
        notify_type: 'trade_status_sync',
        notify_time: alipayTime(h.now()),
        app_id: '2021000000000001',
        sign_type: 'RSA2',
        trade_status: 'TRADE_SUCCESS',
        out_trade_no: paymentId,
        total_amount: '799.00',
        trade_no: `2024${randomBytes(8).toString('hex')}`,
        ...over,
      };
      params.sign = sign('RSA-SHA256', Buffer.from(alipaySignContent(params, ['sign', 'sign_type']), 'utf8'), alipay.privateKey).toString(
        'base64',
      );
      return new URLSearchParams(params).toString();
    };
    const url = `${h.url}/api/payments/webhook/alipay`;
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    for (const extra of ['gmt_refund=', 'refund_fee=']) {
      const { order } = await setupOrder(h);
      const paymentId = await pendingPayment(h, order.id, 'alipay', '=id');
      const genuine = notify(paymentId);
      // The empty parameter is not part of the signed string, so the signature still verifies.
      const tampered = await post(url, `${genuine}&${extra}`, form);
      expect([tampered.status, tampered.outcome]).toEqual([200, 'paid']);
      expect(await statusOf(h, order.id)).toBe('paid');
      expect((await h.core.store.payments.get(paymentId))!.status).toBe('succeeded');
      expect((await post(url, genuine, form)).outcome).toBe('duplicate');
    }
    // A signed partial refund (refund_fee below the total, trade still TRADE_SUCCESS) does not refund the whole payment.
    const { order } = await setupOrder(h);
    const paymentId = await pendingPayment(h, order.id, 'alipay', '=id');
    expect((await post(url, notify(paymentId), form)).outcome).toBe('paid');
    const partial = notify(paymentId, { notify_id: 'partial-1', refund_fee: '100.00', gmt_refund: alipayTime(h.now()) });
    expect((await post(url, partial, form)).outcome).toBe('ignored');
    expect((await h.core.store.payments.get(paymentId))!.status).toBe('succeeded');
    const full = notify(paymentId, {
      notify_id: 'full-1',
      trade_status: 'TRADE_CLOSED',
      refund_fee: '799.00',
      gmt_refund: alipayTime(h.now()),
    });
    expect((await post(url, full, form)).outcome).toBe('refunded');
  });

  it('wechatpay: a partial REFUND.SUCCESS does not mark the whole payment refunded', async () => {
    const platform = rsa();
    const merchant = rsa();
    const apiV3Key = randomBytes(16).toString('hex');
    const serial = 'PUB_KEY_ID_0114232134912410000000000000';
    h = await startHarness({
      payments: {
        wechatpay: {
          mchId: '1900000109',
          appId: 'wxd678efh567hg6787',
          apiV3Key,
          merchantSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
          merchantPrivateKeyPem: merchant.privatePem,
          platformPublicKeys: { [serial]: platform.publicPem },
        },
      },
    });
    const { order } = await setupOrder(h);
    const paymentId = await pendingPayment(h, order.id, 'wechatpay', '=id');
    const send = (id: string, eventType: string, plain: object) => {
      const nonce = randomBytes(6).toString('hex');
      const c = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
      c.setAAD(Buffer.from('refund', 'utf8'));
      const data = Buffer.concat([c.update(JSON.stringify(plain), 'utf8'), c.final(), c.getAuthTag()]);
      const resource = {
        original_type: 'x',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: data.toString('base64'),
        associated_data: 'refund',
        nonce,
      };
      const body = JSON.stringify({
        id,
        create_time: '2024-07-11T10:34:57+08:00',
        resource_type: 'encrypt-resource',
        event_type: eventType,
        resource,
      });
      const ts = String(Math.floor(h.now() / 1000));
      const n = randomBytes(16).toString('hex');
      return post(`${h.url}/api/payments/webhook/wechatpay`, body, {
        'content-type': 'application/json',
        'wechatpay-timestamp': ts,
        'wechatpay-nonce': n,
        'wechatpay-serial': serial,
        'wechatpay-signature': sign('RSA-SHA256', Buffer.from(wechatMessage(ts, n, body), 'utf8'), platform.privateKey).toString('base64'),
      });
    };
    const paid = await send('EV-paid', 'TRANSACTION.SUCCESS', {
      mchid: '1900000109',
      out_trade_no: paymentId,
      trade_state: 'SUCCESS',
      amount: { total: 79900, currency: 'CNY' },
    });
    expect(paid.outcome).toBe('paid');
    const refund = (refunded: number) => ({
      mchid: '1900000109',
      out_trade_no: paymentId,
      out_refund_no: `r-${refunded}`,
      refund_status: 'SUCCESS',
      amount: { total: 79900, refund: refunded },
    });
    expect((await send('EV-partial', 'REFUND.SUCCESS', refund(100))).outcome).toBe('ignored');
    expect((await h.core.store.payments.get(paymentId))!.status).toBe('succeeded');
    expect((await send('EV-full', 'REFUND.SUCCESS', refund(79900))).outcome).toBe('refunded');
  });

  it('a notice that was not applied does not consume its event id', async () => {
    h = await startHarness();
    const { buyer, order } = await setupOrder(h);
    const pay = await buyer.json<{ paymentId: string }>('POST', `/api/orders/${order.id}/pay`, {});
    const paymentId = pay.body.paymentId;
    const base = { eventId: 'evt_same_id_1', type: 'test', paymentId };
    // A refund notice for a payment that is still pending is recorded but not applied …
    expect((await h.core.payments.apply('sandbox', { ...base, kind: 'refund.succeeded' }, '{}')).outcome).toBe('ignored_pending');
    expect((await h.core.store.webhooks.get('sandbox', 'evt_same_id_1'))!.outcome).toBe('ignored_pending');
    // … so a notice with the same id that does apply is not dropped as a duplicate.
    expect((await h.core.payments.apply('sandbox', { ...base, kind: 'payment.succeeded' }, '{}')).outcome).toBe('paid');
    expect(await statusOf(h, order.id)).toBe('paid');
    // Once applied, the id is consumed.
    expect((await h.core.payments.apply('sandbox', { ...base, kind: 'payment.succeeded' }, '{}')).outcome).toBe('duplicate');
    expect((await h.core.payments.apply('sandbox', { ...base, kind: 'refund.succeeded' }, '{}')).outcome).toBe('duplicate');
  });
});
