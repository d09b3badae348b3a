import { describe, expect, it } from 'vitest';
import { errorFromReply, orderQueryString, ShopApi, ShopApiError } from './shop-api';
import { shopFailure } from './shop';

const product = {
  id: 'p_product01',
  title: 'Mug',
  description: '',
  currency: 'USD',
  faq: [],
  attributes: [],
  perBuyerLimit: null,
  status: 'active',
  images: [],
  skus: [],
  createdAt: 1,
  updatedAt: 1,
};

/** Records requests and answers from a script of replies (the network boundary of the client). */
function network(replies: Array<Response | Error>) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const auth = (i: number) => new Headers(requests[i]?.init?.headers ?? {}).get('authorization');
  const fetchImpl = async (url: string, init?: RequestInit) => {
    requests.push({ url, init });
    const r = replies.shift();
    if (!r) throw new Error('unexpected request');
    if (r instanceof Error) throw r;
    return r;
  };
  return { requests, fetchImpl, auth };
}
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('errorFromReply', () => {
  it('keeps the server code, reason, message and issues', () => {
    const e = errorFromReply(
      409,
      JSON.stringify({
        error: {
          code: 'CONFLICT',
          message: 'cap 9 exceeds stock 3',
          reason: 'INSUFFICIENT_STOCK',
          issues: [{ path: 'cap', message: 'too big' }],
        },
      }),
    );
    expect(e).toBeInstanceOf(ShopApiError);
    expect([e.code, e.status, e.reason, e.message, e.issues]).toEqual([
      'CONFLICT',
      409,
      'INSUFFICIENT_STOCK',
      'cap 9 exceeds stock 3',
      [{ path: 'cap', message: 'too big' }],
    ]);
    expect(shopFailure(e)).toEqual({
      key: 'reason.INSUFFICIENT_STOCK',
      detail: 'cap 9 exceeds stock 3',
      issues: [{ path: 'cap', message: 'too big' }],
    });
  });

  it('maps a non-JSON reply by status', () => {
    const e = errorFromReply(404, '<html>nope</html>');
    expect([e.code, e.reason]).toEqual(['NOT_FOUND', undefined]);
    expect(shopFailure(e).key).toBe('code.NOT_FOUND');
    expect(errorFromReply(502, '').code).toBe('INTERNAL');
  });
});

describe('orderQueryString', () => {
  it('leaves out empty filters', () => {
    expect(orderQueryString({ status: 'paid', q: '张', limit: 50 })).toBe('?status=paid&q=%E5%BC%A0&limit=50');
    expect(orderQueryString({ q: '' })).toBe('');
  });
});

describe('ShopApi', () => {
  it('sends the bearer token and validates the reply', async () => {
    const net = network([json(200, { products: [product] })]);
    const api = new ShopApi(async () => ({ serverUrl: 'http://127.0.0.1:9000', token: 'tok-1' }), net.fetchImpl);
    expect((await api.listProducts())[0]?.title).toBe('Mug');
    expect(net.requests[0]?.url).toBe('http://127.0.0.1:9000/api/studio/products');
    expect(net.auth(0)).toBe('Bearer tok-1');
  });

  it('asks the host again after a 401 (token changed) and retries once', async () => {
    const tokens = ['old', 'new'];
    const net = network([json(401, { error: { code: 'UNAUTHORIZED', message: 'studio token required' } }), json(200, product)]);
    const api = new ShopApi(async () => ({ serverUrl: 'http://h:1', token: tokens.shift() ?? null }), net.fetchImpl);
    expect((await api.getProduct('p_product01')).id).toBe('p_product01');
    expect([net.auth(0), net.auth(1)]).toEqual(['Bearer old', 'Bearer new']);
  });

  it('typed failures: malformed reply, network down, no token, invalid request body (nothing sent)', async () => {
    const net = network([json(200, { products: [{ id: 'nope' }] }), new TypeError('Failed to fetch')]);
    const api = new ShopApi(async () => ({ serverUrl: 'http://h:1', token: 't' }), net.fetchImpl);
    await expect(api.listProducts()).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(api.listProducts()).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect(api.startSale({ skuId: 's_camel00001', durationSec: 5, salePriceMinor: 1, cap: 1 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(net.requests).toHaveLength(2);
    const noToken = new ShopApi(async () => ({ serverUrl: 'http://h:1', token: null }), net.fetchImpl);
    await expect(noToken.listProducts()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
