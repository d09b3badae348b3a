/** Helpers shared by the payment tests: an order to pay, a provider-side payment row, raw webhook posts. */
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { OrderView } from '../../../shared/commerce/orders';
import { Buyer, contact, type Harness } from './testing';

const pem = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ type, format: 'pem' }).toString();

export function rsa() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, privatePem: pem(privateKey, 'pkcs8'), publicPem: pem(publicKey, 'spki') };
}

/** A product with 5 units and one buyer's unpaid order for one of them. */
export async function setupOrder(harness: Harness, price = 79900): Promise<{ buyer: Buyer; order: OrderView; skuId: string }> {
  const res = await harness.studio('/api/studio/products', {
    method: 'POST',
    body: JSON.stringify({ title: '测试商品', currency: 'CNY', defaults: { listPriceMinor: price, stock: 5 } }),
  });
  const p = (await res.json()) as { skus: Array<{ id: string }> };
  const buyer = new Buyer(harness.url);
  const r = await buyer.json<OrderView>('POST', '/api/orders', {
    idempotencyKey: `pay-${randomBytes(6).toString('hex')}`,
    items: [{ skuId: p.skus[0]!.id, qty: 1 }],
    contact: contact(1),
  });
  expect(r.status).toBe(201);
  return { buyer, order: r.body, skuId: p.skus[0]!.id };
}

/** A payment row as the adapter would have recorded it after createPayment (the provider itself is unreachable here). */
export async function pendingPayment(
  harness: Harness,
  orderId: string,
  provider: 'stripe' | 'alipay' | 'wechatpay',
  ref: string,
  amount = 79900,
): Promise<string> {
  const id = `pay_${randomBytes(9).toString('base64url')}`;
  const now = harness.now();
  await harness.core.store.payments.insert({
    id,
    orderId,
    provider,
    providerRef: ref === '=id' ? id : ref,
    status: 'pending',
    amount,
    currency: 'CNY',
    action: JSON.stringify({ kind: 'redirect', url: 'https://example.invalid' }),
    refundRef: null,
    failure: null,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; outcome: string | null }> {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text(), outcome: res.headers.get('x-storecast-outcome') };
}

export const statusOf = async (harness: Harness, orderId: string) => (await harness.core.store.orders.getOrder(orderId))!.status;

export async function until(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}
