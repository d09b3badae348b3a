import { createDecipheriv, createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { WechatPayConfig } from '../config';
import {
  type CreatedPayment,
  type CreatePaymentInput,
  header,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderPaymentState,
  type RefundInput,
  type RefundResult,
  type WebhookReply,
  WebhookVerificationError,
} from './provider';

/** The callback envelope (API v3). */
const Notification = z.object({
  id: z.string().min(1).max(64),
  create_time: z.string(),
  event_type: z.string(),
  resource_type: z.literal('encrypt-resource'),
  summary: z.string().optional(),
  resource: z.object({
    algorithm: z.literal('AEAD_AES_256_GCM'),
    ciphertext: z.string().min(1),
    nonce: z.string().min(1).max(64),
    associated_data: z.string().optional(),
    original_type: z.string(),
  }),
});

const Transaction = z.object({
  mchid: z.string(),
  appid: z.string().optional(),
  out_trade_no: z.string(),
  transaction_id: z.string().optional(),
  trade_state: z.string(),
  amount: z.object({ total: z.number().int(), currency: z.string().optional() }),
});

const Refund = z.object({
  mchid: z.string(),
  out_trade_no: z.string(),
  out_refund_no: z.string(),
  refund_id: z.string().optional(),
  refund_status: z.string(),
  amount: z.object({ total: z.number().int(), refund: z.number().int() }),
});

/** AEAD_AES_256_GCM with the APIv3 key; the last 16 bytes of the ciphertext are the tag. */
export function decryptResource(apiV3Key: string, r: { ciphertext: string; nonce: string; associated_data?: string | undefined }): string {
  const data = Buffer.from(r.ciphertext, 'base64');
  if (data.length < 17) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(r.nonce, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  decipher.setAAD(Buffer.from(r.associated_data ?? '', 'utf8'));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

/** The message WeChat Pay signs for responses and callbacks: `timestamp\nnonce\nbody\n`. */
export const wechatMessage = (ts: string, nonce: string, body: string) => `${ts}\n${nonce}\n${body}\n`;

/**
 * WeChat Pay API v3 (Native pay → QR code). Requests carry a WECHATPAY2-SHA256-RSA2048 Authorization signed with the
 * merchant key; responses and callbacks are verified with the platform public key named by Wechatpay-Serial
 * (SHA256withRSA over `ts\nnonce\nbody\n`, timestamp within tolerance) and callback resources are decrypted with AES-256-GCM.
 */
export class WechatPayProvider implements PaymentProvider {
  readonly name = 'wechatpay' as const;
  private readonly merchantKey: KeyObject;
  private readonly platformKeys: Map<string, KeyObject>;

  constructor(private readonly cfg: z.output<typeof WechatPayConfig>) {
    this.merchantKey = createPrivateKey(cfg.merchantPrivateKeyPem);
    this.platformKeys = new Map(Object.entries(cfg.platformPublicKeys).map(([serial, pem]) => [serial, createPublicKey(pem)]));
  }

  /** Verify Wechatpay-* headers over the raw body; returns the body text. */
  private verifySigned(rawBody: Buffer | string, headers: IncomingHttpHeaders | Headers, now: number): string {
    const get = (n: string) => (headers instanceof Headers ? (headers.get(n) ?? undefined) : header(headers, n));
    const ts = get('wechatpay-timestamp');
    const nonce = get('wechatpay-nonce');
    const signature = get('wechatpay-signature');
    const serial = get('wechatpay-serial');
    if (!ts || !nonce || !signature || !serial) throw new WebhookVerificationError('missing Wechatpay-* signature headers');
    if (!/^\d{1,12}$/.test(ts)) throw new WebhookVerificationError('malformed Wechatpay-Timestamp');
    // Probe requests carry a deliberately invalid signature.
    if (signature.startsWith('WECHATPAY/SIGNTEST/')) throw new WebhookVerificationError('signature test probe');
    const key = this.platformKeys.get(serial);
    if (!key) throw new WebhookVerificationError(`unknown platform key serial ${serial}`);
    const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
    let ok = false;
    try {
      ok = verify('RSA-SHA256', Buffer.from(wechatMessage(ts, nonce, body), 'utf8'), key, Buffer.from(signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) throw new WebhookVerificationError('signature mismatch');
    if (Math.abs(now / 1000 - Number(ts)) > this.cfg.toleranceSec) throw new WebhookVerificationError('timestamp outside tolerance', true);
    return body;
  }

  verifyWebhook(rawBody: Buffer, headers: IncomingHttpHeaders, now: number): ProviderEvent {
    const body = this.verifySigned(rawBody, headers, now);
    let env: z.infer<typeof Notification>;
    let plain: unknown;
    try {
      env = Notification.parse(JSON.parse(body));
      plain = JSON.parse(decryptResource(this.cfg.apiV3Key, env.resource));
    } catch (err) {
      throw new WebhookVerificationError(`undecodable notification: ${(err as Error).message}`);
    }
    const base = { eventId: env.id, type: env.event_type };
    if (env.event_type.startsWith('TRANSACTION.')) {
      const t = Transaction.safeParse(plain);
      if (!t.success || t.data.mchid !== this.cfg.mchId) throw new WebhookVerificationError('transaction resource does not match merchant');
      const common = {
        ...base,
        paymentId: t.data.out_trade_no,
        providerRef: t.data.out_trade_no,
        amountMinor: t.data.amount.total,
        currency: t.data.amount.currency ?? 'CNY',
      };
      if (env.event_type === 'TRANSACTION.SUCCESS' && t.data.trade_state === 'SUCCESS') return { ...common, kind: 'payment.succeeded' };
      if (['CLOSED', 'PAYERROR', 'REVOKED'].includes(t.data.trade_state)) return { ...common, kind: 'payment.failed' };
      return { ...common, kind: 'ignored' };
    }
    if (env.event_type.startsWith('REFUND.')) {
      const r = Refund.safeParse(plain);
      if (!r.success || r.data.mchid !== this.cfg.mchId) throw new WebhookVerificationError('refund resource does not match merchant');
      return {
        ...base,
        paymentId: r.data.out_trade_no,
        providerRef: r.data.out_trade_no,
        amountMinor: r.data.amount.total,
        currency: 'CNY',
        // Only a full refund returns the payment (we never refund in part; a partial one from the merchant console
        // leaves it captured).
        kind:
          env.event_type === 'REFUND.SUCCESS' && r.data.refund_status === 'SUCCESS' && r.data.amount.refund === r.data.amount.total
            ? 'refund.succeeded'
            : 'ignored',
      };
    }
    return { ...base, kind: 'ignored' };
  }

  /** Signed API v3 request; the response signature is verified too. */
  private async request<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
    const text = body ? JSON.stringify(body) : '';
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = sign('RSA-SHA256', Buffer.from(`${method}\n${path}\n${ts}\n${nonce}\n${text}\n`, 'utf8'), this.merchantKey).toString(
      'base64',
    );
    const auth = `WECHATPAY2-SHA256-RSA2048 mchid="${this.cfg.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${ts}",serial_no="${this.cfg.merchantSerialNo}"`;
    const res = await fetch(`${this.cfg.apiBase}${path}`, {
      method,
      headers: { authorization: auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: text } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const resText = await res.text();
    this.verifySigned(resText, res.headers, Date.now());
    if (!res.ok) throw new Error(`wechatpay ${method} ${path}: HTTP ${res.status} ${resText.slice(0, 200)}`);
    return (resText ? JSON.parse(resText) : {}) as T;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    if (input.currency !== 'CNY') throw new Error('WeChat Pay (domestic) accepts CNY only');
    const r = await this.request<{ code_url: string }>('POST', '/v3/pay/transactions/native', {
      appid: this.cfg.appId,
      mchid: this.cfg.mchId,
      description: input.description.slice(0, 127),
      out_trade_no: input.paymentId,
      time_expire: new Date(input.expiresAt).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
      notify_url: input.notifyUrl,
      amount: { total: input.amountMinor, currency: 'CNY' },
    });
    return { providerRef: input.paymentId, action: { kind: 'qr', content: r.code_url } };
  }

  async queryPayment(ref: string): Promise<ProviderPaymentState> {
    const t = await this.request<{ trade_state: string; amount?: { total: number } }>(
      'GET',
      `/v3/pay/transactions/out-trade-no/${encodeURIComponent(ref)}?mchid=${encodeURIComponent(this.cfg.mchId)}`,
    );
    const extra = t.amount ? { amountMinor: t.amount.total, currency: 'CNY' } : {};
    if (t.trade_state === 'SUCCESS') return { status: 'succeeded', ...extra };
    if (t.trade_state === 'REFUND') return { status: 'refunded', ...extra };
    if (['CLOSED', 'PAYERROR', 'REVOKED'].includes(t.trade_state)) return { status: 'failed', ...extra };
    return { status: 'pending', ...extra };
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const r = await this.request<{ refund_id: string; status: string }>('POST', '/v3/refund/domestic/refunds', {
      out_trade_no: input.providerRef,
      out_refund_no: `refund-${input.paymentId}`,
      reason: input.reason.slice(0, 80),
      notify_url: input.notifyUrl,
      amount: { refund: input.amountMinor, total: input.amountMinor, currency: 'CNY' },
    });
    if (r.status === 'CLOSED' || r.status === 'ABNORMAL') throw new Error(`wechatpay refund ${r.refund_id} ${r.status}`);
    return { status: r.status === 'SUCCESS' ? 'succeeded' : 'pending', refundRef: r.refund_id };
  }

  ack(): WebhookReply {
    return { status: 204, contentType: 'application/json', body: '' };
  }

  reject(status: number, message: string): WebhookReply {
    return { status, contentType: 'application/json', body: JSON.stringify({ code: 'FAIL', message }) };
  }
}
