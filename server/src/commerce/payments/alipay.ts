import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import { parseMinor } from '../../../../shared/domain/money';
import type { AlipayConfig } from '../config';
import {
  type CreatedPayment,
  type CreatePaymentInput,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderPaymentState,
  type RefundInput,
  type RefundResult,
  type WebhookReply,
  WebhookVerificationError,
  yuan,
} from './provider';

/** "yyyy-MM-dd HH:mm:ss" in China Standard Time (UTC+8), the format of Alipay timestamps. */
export function alipayTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export function parseAlipayTime(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) - 8 * 3600_000;
}

/** The string Alipay signs: non-empty params except those excluded, sorted by key (ASCII), joined as k=v&k=v. */
export function alipaySignContent(params: Record<string, string>, exclude: readonly string[]): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** RSA2 = SHA256withRSA, base64 signature. */
export function alipaySign(content: string, key: KeyObject): string {
  return sign('RSA-SHA256', Buffer.from(content, 'utf8'), key).toString('base64');
}

/** The raw JSON text of `"<name>":{…}` inside a response (what Alipay signs), or null. */
function rawObject(text: string, name: string): string | null {
  const at = text.indexOf(`"${name}"`);
  if (at < 0) return null;
  const start = text.indexOf('{', at);
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return null;
}

/**
 * Alipay (open platform, RSA2). Payments are page-pay redirects signed with the merchant key; asynchronous
 * notifications are verified with Alipay's public key (drop sign + sign_type, sort, SHA256withRSA) and answered "success".
 * Only CNY.
 */
export class AlipayProvider implements PaymentProvider {
  readonly name = 'alipay' as const;
  private readonly privateKey: KeyObject;
  private readonly alipayKey: KeyObject;

  constructor(private readonly cfg: z.output<typeof AlipayConfig>) {
    this.privateKey = createPrivateKey(cfg.privateKeyPem);
    this.alipayKey = createPublicKey(cfg.alipayPublicKeyPem);
  }

  private signedParams(method: string, biz: object, extra: Record<string, string> = {}): Record<string, string> {
    const params: Record<string, string> = {
      app_id: this.cfg.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: alipayTime(Date.now()),
      version: '1.0',
      ...extra,
      biz_content: JSON.stringify(biz),
    };
    params.sign = alipaySign(alipaySignContent(params, ['sign']), this.privateKey);
    return params;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    if (input.currency !== 'CNY') throw new Error('Alipay accepts CNY only');
    const params = this.signedParams(
      'alipay.trade.page.pay',
      {
        out_trade_no: input.paymentId,
        total_amount: yuan(input.amountMinor),
        subject: input.description.slice(0, 256),
        product_code: 'FAST_INSTANT_TRADE_PAY',
        time_expire: alipayTime(input.expiresAt),
      },
      { notify_url: input.notifyUrl, return_url: input.returnUrl },
    );
    return { providerRef: input.paymentId, action: { kind: 'redirect', url: `${this.cfg.gateway}?${new URLSearchParams(params)}` } };
  }

  /** Verify an async notification (form-encoded POST body) and normalise it. */
  verifyWebhook(rawBody: Buffer, _headers: IncomingHttpHeaders, now: number): ProviderEvent {
    const form = new URLSearchParams(rawBody.toString('utf8'));
    const params: Record<string, string> = {};
    for (const [k, v] of form) {
      if (k in params) throw new WebhookVerificationError(`duplicate parameter ${k}`);
      params[k] = v;
    }
    const signature = params.sign;
    if (!signature) throw new WebhookVerificationError('unsigned notification');
    if (params.sign_type !== 'RSA2') throw new WebhookVerificationError('sign_type must be RSA2');
    const content = alipaySignContent(params, ['sign', 'sign_type']);
    let ok = false;
    try {
      ok = verify('RSA-SHA256', Buffer.from(content, 'utf8'), this.alipayKey, Buffer.from(signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) throw new WebhookVerificationError('signature mismatch');
    // Decide from signed content only: empty parameters are not part of the signed string, so they are dropped here
    // (an unsigned "gmt_refund=" appended to a genuine notice must not turn it into a refund).
    const signed: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) if (v !== '' && k !== 'sign' && k !== 'sign_type') signed[k] = v;
    if (signed.app_id !== this.cfg.appId) throw new WebhookVerificationError('app_id does not match');
    const sent = parseAlipayTime(signed.notify_time ?? '');
    if (sent === null) throw new WebhookVerificationError('missing notify_time');
    if (now - sent > this.cfg.notifyMaxAgeMs || sent - now > 5 * 60_000)
      throw new WebhookVerificationError('notify_time out of range', true);
    const eventId = signed.notify_id;
    const paymentId = signed.out_trade_no;
    if (!eventId || !paymentId) throw new WebhookVerificationError('notify_id and out_trade_no required');
    const minor = (text: string | undefined): number | null => {
      if (text === undefined) return null;
      const v = parseMinor(text, 'CNY');
      if (v === null) throw new WebhookVerificationError('malformed amount');
      return v;
    };
    const amount = minor(signed.total_amount);
    const base = {
      eventId,
      type: `${signed.notify_type ?? 'notify'}:${signed.trade_status ?? ''}`,
      paymentId,
      providerRef: paymentId,
      ...(amount !== null ? { amountMinor: amount, currency: 'CNY' } : {}),
    };
    const refundFee = minor(signed.refund_fee) ?? 0;
    const refundInfo = signed.gmt_refund !== undefined || refundFee > 0;
    switch (signed.trade_status) {
      case 'TRADE_SUCCESS':
      case 'TRADE_FINISHED':
        // Still successful after a refund = a partial one (we only refund in full): the payment stays captured.
        if (!refundInfo) return { ...base, kind: 'payment.succeeded' };
        return { ...base, kind: amount !== null && refundFee === amount ? 'refund.succeeded' : 'ignored' };
      case 'TRADE_CLOSED':
        // Closed after a refund = fully refunded; closed without one = never paid.
        return { ...base, kind: refundInfo ? 'refund.succeeded' : 'payment.failed' };
      default:
        return { ...base, kind: 'ignored' };
    }
  }

  /** Call an OpenAPI method and verify the signed response. */
  private async call(method: string, biz: object): Promise<Record<string, string>> {
    const res = await fetch(this.cfg.gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams(this.signedParams(method, biz)),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    const node = `${method.replace(/\./g, '_')}_response`;
    const raw = rawObject(text, node);
    const signature = (JSON.parse(text) as { sign?: string }).sign;
    if (!raw || !signature) throw new Error(`alipay ${method}: malformed response`);
    if (!verify('RSA-SHA256', Buffer.from(raw, 'utf8'), this.alipayKey, Buffer.from(signature, 'base64'))) {
      throw new Error(`alipay ${method}: response signature mismatch`);
    }
    const body = JSON.parse(raw) as Record<string, string>;
    if (body.code !== '10000' && !(method === 'alipay.trade.query' && body.sub_code === 'ACQ.TRADE_NOT_EXIST')) {
      throw new Error(`alipay ${method}: ${body.code} ${body.sub_code ?? ''} ${body.sub_msg ?? body.msg ?? ''}`);
    }
    return body;
  }

  async queryPayment(ref: string): Promise<ProviderPaymentState> {
    const r = await this.call('alipay.trade.query', { out_trade_no: ref });
    const amount = r.total_amount ? parseMinor(r.total_amount, 'CNY') : null;
    const extra = amount !== null ? { amountMinor: amount, currency: 'CNY' } : {};
    switch (r.trade_status) {
      case 'TRADE_SUCCESS':
      case 'TRADE_FINISHED':
        return { status: 'succeeded', ...extra };
      case 'TRADE_CLOSED':
        return { status: 'failed', ...extra };
      default:
        // WAIT_BUYER_PAY, or ACQ.TRADE_NOT_EXIST (buyer never opened the page yet)
        return { status: 'pending', ...extra };
    }
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const r = await this.call('alipay.trade.refund', {
      out_trade_no: input.providerRef,
      refund_amount: yuan(input.amountMinor),
      out_request_no: `refund-${input.paymentId}`,
      refund_reason: input.reason.slice(0, 256),
    });
    return { status: r.fund_change === 'Y' ? 'succeeded' : 'pending', refundRef: `refund-${input.paymentId}` };
  }

  ack(): WebhookReply {
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' };
  }

  reject(status: number, _message: string): WebhookReply {
    return { status, contentType: 'text/plain; charset=utf-8', body: 'failure' };
  }
}
