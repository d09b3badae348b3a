import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { LineupView, ProductView } from '../../../shared/commerce/catalog';
import { ShowRepository } from '../db/shows';
import { createCommerceCore } from './index';
import { Buyer, contact, type Harness, startHarness } from './testing';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

interface ErrorBody {
  error: { code: string; reason?: string; issues?: Array<{ path: string; message: string }> };
}

const json = async <T>(res: Response | Promise<Response>): Promise<{ status: number; body: T }> => {
  const r = await res;
  return { status: r.status, body: (await r.json()) as T };
};

async function create(harness: Harness, body: object) {
  return json<ProductView & ErrorBody>(harness.studio('/api/studio/products', { method: 'POST', body: JSON.stringify(body) }));
}

const apparel = {
  title: '纯棉圆领 T 恤',
  description: '重磅 260g 纯棉',
  currency: 'CNY',
  faq: [{ q: '会缩水吗？', a: '预缩处理，几乎不缩。' }],
  attributes: [
    { name: '颜色', values: ['黑', '白'] },
    { name: '尺码', values: ['S', 'M', 'L'] },
  ],
  defaults: { listPriceMinor: 12900, livePriceMinor: 9900, stock: 10 },
  skus: [{ options: { 尺码: 'L', 颜色: '黑' }, code: 'TEE-BLK-L', listPriceMinor: 13900, stock: 3 }],
  perBuyerLimit: 5,
};

async function pngUpload(w = 800, h2 = 600, color = '#c33'): Promise<FormData> {
  const png = await sharp({ create: { width: w, height: h2, channels: 3, background: color } })
    .png()
    .toBuffer();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'photo.png');
  return form;
}

describe('catalog', () => {
  it('creates SKUs for every attribute combination with per-SKU overrides', async () => {
    h = await startHarness();
    const unauth = await fetch(`${h.url}/api/studio/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unauth.status).toBe(401);
    const { status, body } = await create(h, apparel);
    expect(status).toBe(201);
    expect(body.skus).toHaveLength(6);
    expect(body.skus.map((s) => `${s.options.颜色}/${s.options.尺码}`)).toEqual(['黑/S', '黑/M', '黑/L', '白/S', '白/M', '白/L']);
    const blackL = body.skus.find((s) => s.code === 'TEE-BLK-L')!;
    expect(blackL).toMatchObject({ listPriceMinor: 13900, livePriceMinor: null, priceMinor: 13900, stock: 3 });
    expect(body.skus[0]).toMatchObject({ listPriceMinor: 12900, livePriceMinor: 9900, priceMinor: 9900, stock: 10, available: 10 });
    const pub = await json<ProductView>(fetch(`${h.url}/api/products/${body.id}`));
    expect(pub.body.faq).toEqual(apparel.faq);

    const bad: object[] = [
      { ...apparel, skus: [{ options: { 颜色: '红', 尺码: 'S' }, listPriceMinor: 1, stock: 1 }] },
      { ...apparel, defaults: undefined },
      { ...apparel, attributes: [{ name: '颜色', values: ['黑', '黑'] }] },
      { ...apparel, title: '' },
      { ...apparel, currency: 'yuan' },
      { ...apparel, defaults: { listPriceMinor: -1, stock: 1 } },
      { ...apparel, defaults: { listPriceMinor: 1.5, stock: 1 } },
    ];
    for (const b of bad) {
      const r = await create(h, b);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('BAD_REQUEST');
    }
    expect(await h.core.store.catalog.countProducts()).toBe(1);
  });

  it('editing attributes keeps existing SKUs, adds new ones and retires removed ones', async () => {
    h = await startHarness();
    const p = (await create(h, apparel)).body;
    const ids = new Map(p.skus.map((s) => [`${s.options.颜色}/${s.options.尺码}`, s.id]));
    const patched = await json<ProductView>(
      h.studio(`/api/studio/products/${p.id}`, {
        method: 'PATCH',
        body: JSON.stringify({
          title: '纯棉圆领 T 恤（新款）',
          attributes: [
            { name: '颜色', values: ['黑', '灰'] },
            { name: '尺码', values: ['S', 'M', 'L'] },
          ],
          defaults: { listPriceMinor: 14900, stock: 7 },
        }),
      }),
    );
    expect(patched.status).toBe(200);
    const active = patched.body.skus.filter((s) => s.active);
    expect(active.map((s) => `${s.options.颜色}/${s.options.尺码}`)).toEqual(['黑/S', '黑/M', '黑/L', '灰/S', '灰/M', '灰/L']);
    expect(active[0]!.id).toBe(ids.get('黑/S'));
    expect(active[0]!.stock).toBe(10);
    expect(active[3]).toMatchObject({ listPriceMinor: 14900, stock: 7 });
    expect(patched.body.skus.filter((s) => !s.active).map((s) => s.id)).toContain(ids.get('白/S'));
    const pub = await json<ProductView>(fetch(`${h.url}/api/products/${p.id}`));
    expect(pub.body.skus).toHaveLength(6);
    expect(pub.body.title).toBe('纯棉圆领 T 恤（新款）');
    // A retired SKU cannot be ordered.
    const r = await new Buyer(h.url).json<ErrorBody>('POST', '/api/orders', {
      idempotencyKey: 'retired-sku-1',
      items: [{ skuId: ids.get('白/S'), qty: 1 }],
      contact: contact(1),
    });
    expect([r.status, r.body.error.reason]).toEqual([409, 'SKU_UNAVAILABLE']);

    const skuId = ids.get('黑/M')!;
    const sku = (body: object) =>
      json<{ stock: number } & ErrorBody>(h.studio(`/api/studio/skus/${skuId}`, { method: 'PATCH', body: JSON.stringify(body) }));
    expect((await sku({ stock: 25 })).body.stock).toBe(25);
    expect((await sku({ stockDelta: -5 })).body.stock).toBe(20);
    const neg = await sku({ stockDelta: -21 });
    expect([neg.status, neg.body.error.reason]).toEqual([409, 'INSUFFICIENT_STOCK']);
    expect((await sku({ stock: 1, stockDelta: 1 })).status).toBe(400);
    expect((await sku({ stock: -1 })).status).toBe(400);
    expect((await h.core.store.inventory.getSku(skuId))!.stock).toBe(20);
    expect((await h.studio('/api/studio/skus/s_unknownsku1', { method: 'PATCH', body: '{"stock":1}' })).status).toBe(404);
  });

  it('uploads images with sharp thumbnails served under /media, reorders and deletes them', async () => {
    h = await startHarness();
    const p = (await create(h, apparel)).body;
    const up = await json<ProductView>(
      h.studio(`/api/studio/products/${p.id}/images`, { method: 'POST', body: await pngUpload(2400, 1600) }),
    );
    expect(up.status).toBe(201);
    const img = up.body.images[0]!;
    expect([img.width, img.height]).toEqual([1200, 800]);
    const large = await fetch(h.url + img.url);
    expect(large.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await large.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 1200, 800]);
    const thumb = await sharp(Buffer.from(await (await fetch(h.url + img.thumbUrl)).arrayBuffer())).metadata();
    expect([thumb.width, thumb.height]).toEqual([320, 320]);

    const second = await json<ProductView>(
      h.studio(`/api/studio/products/${p.id}/images`, { method: 'POST', body: await pngUpload(300, 300, '#3c3') }),
    );
    const [a, b] = second.body.images;
    const reordered = await json<ProductView>(
      h.studio(`/api/studio/products/${p.id}`, { method: 'PATCH', body: JSON.stringify({ imageOrder: [b!.id, a!.id] }) }),
    );
    expect(reordered.body.images.map((i) => i.id)).toEqual([b!.id, a!.id]);
    expect(
      (await h.studio(`/api/studio/products/${p.id}`, { method: 'PATCH', body: JSON.stringify({ imageOrder: [b!.id] }) })).status,
    ).toBe(400);

    const notImage = new FormData();
    notImage.append('file', new Blob([new Uint8Array(randomBytes(2000))], { type: 'image/png' }), 'x.png');
    const bad = await json<ErrorBody>(h.studio(`/api/studio/products/${p.id}/images`, { method: 'POST', body: notImage }));
    expect([bad.status, bad.body.error.reason]).toEqual([400, 'IMAGE_INVALID']);
    const huge = new FormData();
    huge.append('file', new Blob([new Uint8Array(11 * 1024 * 1024)], { type: 'image/png' }), 'big.png');
    expect((await h.studio(`/api/studio/products/${p.id}/images`, { method: 'POST', body: huge })).status).toBe(413);
    expect((await h.studio(`/api/studio/products/p_nosuchproduct/images`, { method: 'POST', body: await pngUpload() })).status).toBe(404);

    const del = await json<ProductView>(h.studio(`/api/studio/products/${p.id}/images/${a!.id}`, { method: 'DELETE' }));
    expect(del.body.images.map((i) => i.id)).toEqual([b!.id]);
    expect((await fetch(h.url + a!.url)).status).toBe(404);
    expect(existsSync(h.core.media.file(a!.id, 'thumb'))).toBe(false);
    expect((await fetch(`${h.url}/media/products/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
  });

  it('deletes a product without orders, archives one with orders', async () => {
    h = await startHarness();
    const keep = (await create(h, { ...apparel, title: 'A' })).body;
    const gone = (await create(h, { ...apparel, title: 'B' })).body;
    await new Buyer(h.url).json('POST', '/api/orders', {
      idempotencyKey: 'archive-key-1',
      items: [{ skuId: keep.skus[0]!.id, qty: 1 }],
      contact: contact(1),
    });
    expect((await json<{ deleted: boolean }>(h.studio(`/api/studio/products/${gone.id}`, { method: 'DELETE' }))).body).toEqual({
      deleted: true,
      archived: false,
    });
    expect((await h.studio(`/api/studio/products/${gone.id}`)).status).toBe(404);
    expect((await json<{ archived: boolean }>(h.studio(`/api/studio/products/${keep.id}`, { method: 'DELETE' }))).body).toEqual({
      deleted: false,
      archived: true,
    });
    expect((await fetch(`${h.url}/api/products/${keep.id}`)).status).toBe(404);
    expect((await json<ProductView>(h.studio(`/api/studio/products/${keep.id}`))).body.status).toBe('archived');
    expect((await fetch(`${h.url}/api/products/not-an-id`)).status).toBe(400);
  });

  it('exports and re-imports the catalog CSV; a bad row rejects the whole file', async () => {
    h = await startHarness();
    const p = (await create(h, apparel)).body;
    const csv = await (await h.studio('/api/studio/catalog.csv')).text();
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r\n/);
    expect(lines[0]).toBe(
      'product_id,title,description,currency,per_buyer_limit,sku_id,sku_code,options,list_price,live_price,stock,active',
    );
    expect(lines).toHaveLength(7);
    expect(lines[1]).toContain('颜色=黑;尺码=S,129.00,99.00,10,1');
    const edited = [
      lines[0],
      lines[1]!.replace('129.00,99.00,10,1', '139.50,,42,1'),
      ',保温杯,316 不锈钢,CNY,2,,,容量=350ml,89.00,69.00,30,1',
      ',保温杯,316 不锈钢,CNY,2,,,容量=500ml,99.00,79.00,20,1',
    ].join('\r\n');
    const imported = await json<{ productsCreated: number; skusUpdated: number; skusCreated: number }>(
      h.studio('/api/studio/catalog.csv', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: edited }),
    );
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ productsCreated: 1, productsUpdated: 1, skusCreated: 2, skusUpdated: 1 });
    const first = (await h.core.store.inventory.getSku(p.skus[0]!.id))!;
    expect([first.listPrice, first.livePrice, first.stock]).toEqual([13950, null, 42]);
    const cup = (await h.core.store.catalog.listProducts(true)).find((x) => x.title === '保温杯')!;
    expect(cup.attributes).toEqual([{ name: '容量', values: ['350ml', '500ml'] }]);
    expect(cup.perBuyerLimit).toBe(2);

    const before = await h.core.store.catalog.countProducts();
    const broken = [
      lines[0],
      lines[2]!.replace(/,10,1$/, ',-3,1'),
      ',杯子,,CNY,,,,容量=1L,abc,,1,1',
      `p_nosuchproduct1,x,,CNY,,,,,1.00,,1,1`,
    ].join('\n');
    const rejected = await json<ErrorBody>(
      h.studio('/api/studio/catalog.csv', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: broken }),
    );
    expect([rejected.status, rejected.body.error.reason]).toEqual([400, 'CSV_INVALID']);
    expect(rejected.body.error.issues!.map((i) => i.path)).toEqual(['row 2', 'row 3', 'row 4']);
    expect(await h.core.store.catalog.countProducts()).toBe(before);
    expect((await h.core.store.inventory.getSku(p.skus[1]!.id))!.stock).toBe(10);
  });

  it('orders a show lineup; a show without one offers every active product', async () => {
    h = await startHarness();
    const shows = new ShowRepository(h.db);
    const show = shows.create('晚八点');
    const a = (await create(h, { ...apparel, title: 'A' })).body;
    const b = (await create(h, { ...apparel, title: 'B' })).body;
    const c = (await create(h, { ...apparel, title: 'C' })).body;
    const put = (showId: string, productIds: string[]) =>
      json<LineupView & ErrorBody>(h.studio(`/api/studio/shows/${showId}/lineup`, { method: 'PUT', body: JSON.stringify({ productIds }) }));
    expect((await json<LineupView>(fetch(`${h.url}/api/shows/${show.id}/lineup`))).body.products.map((p) => p.title)).toEqual([
      'A',
      'B',
      'C',
    ]);
    expect((await put(show.id, [c.id, a.id])).body.products.map((p) => p.title)).toEqual(['C', 'A']);
    expect((await json<LineupView>(fetch(`${h.url}/api/shows/${show.id}/lineup`))).body.products.map((p) => p.id)).toEqual([c.id, a.id]);
    expect((await put('unknownshow', [a.id])).status).toBe(404);
    expect((await put(show.id, [a.id, a.id])).status).toBe(400);
    expect((await put(show.id, ['p_doesnotexist'])).status).toBe(404);
    expect((await fetch(`${h.url}/api/shows/unknownshow/lineup`)).status).toBe(404);
    void b;
  });

  it('seeds a demo catalog with generated images once', async () => {
    h = await startHarness({ seedDemo: true });
    const list = await json<{ products: ProductView[] }>(fetch(`${h.url}/api/products`));
    expect(list.body.products.length).toBe(5);
    for (const p of list.body.products) {
      expect(p.images.length).toBeGreaterThan(0);
      expect(p.skus.every((s) => s.priceMinor > 0 && s.stock > 0)).toBe(true);
      const img = await fetch(h.url + p.images[0]!.thumbUrl);
      expect(img.status).toBe(200);
    }
    // A second core on the same database does not seed again, even after the products were deleted.
    for (const p of list.body.products) await h.studio(`/api/studio/products/${p.id}`, { method: 'DELETE' });
    const again = await createCommerceCore({
      db: h.db,
      dataDir: h.dataDir,
      publicUrl: h.url,
      studioToken: 'x',
      sessionSecret: randomBytes(32),
      payments: {},
      log: { debug() {}, info() {}, warn() {}, error() {} },
      sweepIntervalMs: 0,
      reconcileIntervalMs: 0,
    });
    expect(await again.store.catalog.countProducts()).toBe(0);
    again.close();
  }, 60_000);
});
