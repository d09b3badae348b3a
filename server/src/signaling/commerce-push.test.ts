/**
 * Commerce events reach connected pages over signaling: stock changes coalesced per SKU, flash sales to everyone,
 * per-order status only to the studio. Real server, real HTTP orders, real sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductList } from '../../../shared/commerce/catalog';
import { connect, connectStudio, sleep, startTestServer, type TestClient, type TestServer, until } from '../testing/harness';

describe('commerce events over signaling', () => {
  let server: TestServer;
  let studio: TestClient;
  let viewer: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    studio = await connectStudio(server);
    const { show } = await studio.rpc.request('show.open', { title: 'push test' });
    viewer = await connect(server);
    await viewer.rpc.request('viewer.join', { showId: show.id });
  });
  afterAll(async () => {
    await viewer?.close();
    await studio?.close();
    await server?.close();
  });

  it('coalesces stock changes, sends flash sales to all and order status to the studio only', async () => {
    const products = ProductList.parse(await (await fetch(`${server.url}/api/products`)).json()).products;
    const sku = products.flatMap((p) => p.skus).find((s) => s.available >= 10);
    expect(sku).toBeDefined();
    // One guest buyer per order (products carry a per-buyer limit).
    const orders = 6;
    const cookies = await Promise.all(
      Array.from({ length: orders }, async () => {
        const session = await fetch(`${server.url}/api/session`, { method: 'POST' });
        return session.headers.get('set-cookie')!.split(';')[0]!;
      }),
    );
    await Promise.all(
      cookies.map((cookie, i) =>
        fetch(`${server.url}/api/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: JSON.stringify({
            idempotencyKey: `push-test-${i}-xxxx`,
            items: [{ skuId: sku!.id, qty: 1 }],
            contact: { name: '王小明', phone: '13800138000', address: '上海市浦东新区世纪大道 100 号' },
          }),
        }).then(async (r) => expect(r.status, await r.text()).toBe(201)),
      ),
    );
    const expectedStock = sku!.stock - orders;
    const stockOf = (c: TestClient) =>
      c.received
        .filter((r) => r.method === 'commerce.event')
        .map((r) => r.data as { type: string; skuId?: string; stock?: number })
        .filter((e) => e.type === 'stock.changed' && e.skuId === sku!.id);
    await until(() => stockOf(viewer).at(-1)?.stock === expectedStock, 3000, 'viewer sees the final stock');
    // Coalesced: fewer notifications than changes, and the last one carries the final value.
    expect(stockOf(viewer).length).toBeLessThan(orders);
    await until(() => stockOf(studio).at(-1)?.stock === expectedStock, 3000, 'studio sees the final stock');

    // Order status changes are private to the shop: the studio gets them, viewers never do.
    await until(() => studio.received.some((r) => r.method === 'commerce.event' && (r.data as { type: string }).type === 'order.status'));
    await sleep(300);
    expect(viewer.received.filter((r) => r.method === 'commerce.event' && (r.data as { type: string }).type === 'order.status')).toEqual(
      [],
    );

    // A flash sale start reaches viewers at once.
    const res = await fetch(`${server.url}/api/studio/flash-sales`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.studioToken}` },
      body: JSON.stringify({ skuId: sku!.id, durationSec: 30, salePriceMinor: 100, cap: 2, perBuyerLimit: 1 }),
    });
    expect(res.status).toBeLessThan(300);
    const started = await viewer.waitFor('commerce.event', (e) => e.type === 'sale.started');
    expect(started).toMatchObject({ type: 'sale.started' });
    expect(viewer.invalidFrames).toEqual([]);
  });
});
