/**
 * The post-show report end to end in headless Chromium: a scripted show — six viewers' events over POST /api/events,
 * two explanations (pins through the room's overlay hook), four orders of which three are paid and one refunded — then
 * an owner signs in at /report/<showId> and the page shows exactly the expected GMV (with and without the refund),
 * funnel, per-explanation rows (one flagged "low CTR") and product ranking; sorting flips the table; both CSV
 * downloads carry a BOM and the same numbers. `REPORT_SHOTS=<dir>` also saves zh-CN and en screenshots.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Papa from 'papaparse';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewerEvent } from '../../shared/analytics/events';
import type { OverlayTrigger } from '../../shared/protocol/overlay';
import { Client, payOrder, placeOrder } from '../../server/src/analytics/testing';
import { poll, type Stack, startStack, watchConsole } from './harness';

const MIN = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('post-show report: a scripted show → exact numbers on /report/<showId>', () => {
  let stack: Stack;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    if (logs.length) console.log(logs.join('\n'));
    await stack?.close();
  });

  const studio = (path: string, body?: unknown) =>
    fetch(stack.server.url + path, {
      method: body === undefined ? 'GET' : path.endsWith('/lineup') ? 'PUT' : 'POST',
      headers: { authorization: `Bearer ${stack.server.studioToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const product = async (title: string, price: number) => {
    const res = await studio('/api/studio/products', {
      title,
      currency: 'CNY',
      defaults: { listPriceMinor: price * 2, livePriceMinor: price, stock: 50 },
    });
    expect(res.status).toBe(201);
    const p = (await res.json()) as { id: string; skus: { id: string }[] };
    return { id: p.id, skuId: p.skus[0]!.id, title, price };
  };

  it('shows the scripted numbers, sorts, and exports matching CSV', async () => {
    const A = await product('保温杯 E2E', 12_800);
    const B = await product('蓝牙耳机 E2E', 29_900);
    const C = await product('帆布袋 E2E', 4_900);
    const shows = stack.server.shows;
    const show = shows.create('E2E 直播复盘', Date.now() - 4 * MIN);
    shows.markLive(show.id, Date.now() - 3 * MIN);
    expect((await studio(`/api/studio/shows/${show.id}/lineup`, { productIds: [A.id, B.id, C.id] })).status).toBe(200);

    // Six viewer devices, each with a guest buyer session (their events join their orders).
    const viewers = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(async (i) => {
        const c = new Client(stack.server.url);
        expect((await c.request('POST', '/api/session')).status).toBeLessThan(300);
        return { c, id: `e2e-viewer-${i}`, batches: 0 };
      }),
    );
    const send = async (v: (typeof viewers)[number], events: [ViewerEvent['kind'], string?, number?][]) => {
      const now = Date.now();
      const r = await v.c.json('POST', '/api/events', {
        showId: show.id,
        viewerId: v.id,
        batchId: `${v.id}-b${++v.batches}`,
        mode: 'live',
        sentAt: now,
        events: events.map(([kind, productId, ago = 0], seq) => ({ seq, kind, at: now - ago, ...(productId ? { productId } : {}) })),
      });
      expect(r.status).toBe(200);
    };
    let trigger = 0;
    const overlay = (t: Omit<OverlayTrigger, 'id' | 'at'> & Partial<OverlayTrigger>) =>
      stack.server.analytics.showLog.onOverlay(show.id, { id: `e2e-trigger-${++trigger}`, at: Date.now(), ...t } as OverlayTrigger);
    const pin = (p: typeof A) =>
      overlay({ type: 'product.pin', product: { productId: p.id, name: p.title, priceMinor: p.price, currency: 'CNY' } });
    const unpin = (p: typeof A) => overlay({ type: 'product.unpin', productId: p.id });
    type V = (typeof viewers)[number];
    const [v1, v2, v3, v4, v5] = viewers as [V, V, V, V, V, V];

    // Everyone entered two and a half minutes ago.
    for (const v of viewers) await send(v, [['enter', undefined, 150_000], ['alive']]);
    await sleep(20);

    // Explanation 1: A. Four viewers see its card, two click; v1 orders 2 × A and pays, v2 orders 1 × A and does not.
    pin(A);
    await sleep(20);
    for (const v of [v1, v2, v3, v4]) await send(v, [['impression', A.id]]);
    for (const v of [v1, v2]) await send(v, [['click', A.id]]);
    const o1 = await placeOrder(v1.c, show.id, A.skuId, 2, 'e2e-order-1');
    await placeOrder(v2.c, show.id, A.skuId, 1, 'e2e-order-2');
    await payOrder(v1.c, o1.id);
    await sleep(20);
    unpin(A);
    await sleep(20);

    // Explanation 2: B. Five viewers see its card, nobody clicks (low CTR); v3 buys B; v4 buys A (after A's explanation).
    pin(B);
    await sleep(20);
    for (const v of [v1, v2, v3, v4, v5]) await send(v, [['impression', B.id]]);
    const o3 = await placeOrder(v3.c, show.id, B.skuId, 1, 'e2e-order-3');
    const o4 = await placeOrder(v4.c, show.id, A.skuId, 1, 'e2e-order-4');
    await payOrder(v3.c, o3.id);
    await payOrder(v4.c, o4.id);
    await sleep(20);
    unpin(B);
    // v6 only watched.
    for (const v of viewers) await send(v, [['leave']]);

    const status = async (id: string) => ((await (await studio(`/api/studio/orders/${id}`)).json()) as { status: string }).status;
    await poll(
      'three orders paid',
      async () => (await Promise.all([o1, o3, o4].map((o) => status(o.id)))).every((s) => s === 'paid'),
      20_000,
      200,
    );
    // v3's order is refunded: gross GMV keeps it, GMV after refunds does not.
    expect((await studio(`/api/studio/orders/${o3.id}/refund`, { reason: 'e2e' })).status).toBe(200);
    await poll('refund settled', async () => (await status(o3.id)) === 'refunded', 20_000, 200);
    shows.markEnded(show.id);

    // The owner exists (created with the studio token) and signs in on the report page.
    const setup = await fetch(`${stack.server.url}/api/setup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.server.studioToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Owner Report', password: 'report-pass-123' }),
    });
    expect(setup.status).toBe(201);
    const page: Page = await stack.context.newPage();
    watchConsole(page, 'report', logs);
    await page.goto(`${stack.server.url}/report/${show.id}?lang=zh-CN`);
    await page.getByTestId('login-name').fill('Owner Report');
    await page.getByTestId('login-password').fill('report-pass-123');
    await page.getByTestId('login-submit').click();
    await page.locator('[data-testid="report"][data-status="ready"]').waitFor({ timeout: 20_000 });
    await page.getByTestId('report-chart').locator('canvas').waitFor();

    const text = (id: string) => page.getByTestId(id).textContent();
    // 2 × 128.00 + 299.00 + 128.00 paid; the refunded 299.00 is out of the net.
    expect(await text('report-title')).toContain('E2E 直播复盘');
    expect(await text('report-gmv-value')).toMatch(/683\.00/);
    expect(await text('report-gmv-net-value')).toMatch(/384\.00/);
    expect(await text('report-items-value')).toBe('4');
    expect(await text('report-buyers-value')).toBe('3');
    expect(await text('report-viewers-value')).toBe('6');
    expect(await text('report-peak-value')).toBe('6');
    expect(await text('report-ctr-value')).toBe('40%');
    const funnel = {
      entered: ['6', ''],
      impressions: ['5', '83.3%'],
      clicks: ['2', '40%'],
      ordersCreated: ['4', '200%'],
      ordersPaid: ['3', '75%'],
    };
    for (const [step, [count, rate]] of Object.entries(funnel)) {
      expect(await text(`funnel-${step}-count`)).toBe(count);
      expect(await text(`funnel-${step}-rate`)).toContain(rate);
    }

    const segRow = (i: number) => page.locator('[data-testid="report-segments"] tbody tr').nth(i);
    const cells = async (i: number, cols: string[]) =>
      Promise.all(cols.map(async (c) => (await segRow(i).locator(`[data-col="${c}"]`).textContent())?.trim()));
    const COLS = ['viewers', 'impressionUv', 'clickUv', 'ctr', 'orders', 'paid', 'units', 'ordersAfter'];
    // Show order: A then B.
    expect(await segRow(0).getAttribute('data-product-id')).toBe(A.id);
    expect(await cells(0, COLS)).toEqual(['6', '4', '2', '50%', '2', '1', '2', '1']);
    expect(await segRow(0).locator('[data-col="gmv"]').textContent()).toMatch(/256\.00/);
    expect(await segRow(0).getAttribute('data-low-ctr')).toBeNull();
    expect(await cells(1, COLS)).toEqual(['6', '5', '0', '0%', '1', '1', '1', '0']);
    expect(await segRow(1).locator('[data-col="gmv"]').textContent()).toMatch(/299\.00/);
    expect(await segRow(1).getAttribute('data-low-ctr')).toBe('true');

    // Sorting: CTR descending puts A first, a second click B first.
    const ctrHead = page.locator('th:has([data-testid="report-sort-ctr"])');
    await page.getByTestId('report-sort-ctr').click();
    await expect(ctrHead.getAttribute('aria-sort')).resolves.toBe('descending');
    expect(await segRow(0).getAttribute('data-product-id')).toBe(A.id);
    await page.getByTestId('report-sort-ctr').click();
    await expect(ctrHead.getAttribute('aria-sort')).resolves.toBe('ascending');
    expect(await segRow(0).getAttribute('data-product-id')).toBe(B.id);
    await page.getByTestId('report-sort-start').click();

    // Top products: A (384.00), B (299.00), C.
    const productIds = await page
      .locator('[data-testid="report-products"] tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-product-id')));
    expect(productIds).toEqual([A.id, B.id, C.id]);

    // CSV downloads: UTF-8 with BOM, the page's language, the same numbers.
    const download = async (testId: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
      const raw = await readFile((await d.path())!, 'utf8');
      expect(raw.charCodeAt(0)).toBe(0xfeff);
      return Papa.parse<string[]>(raw.slice(1).trimEnd(), { newline: '\r\n' }).data;
    };
    const segCsv = await download('report-segments-csv');
    const head = segCsv[0]!;
    expect(head[0]).toBe('商品');
    const col = (row: string[], name: string) => row[head.indexOf(name)];
    expect(segCsv).toHaveLength(3);
    expect([col(segCsv[1]!, '商品'), col(segCsv[1]!, '看到商品卡人数'), col(segCsv[1]!, '点击人数'), col(segCsv[1]!, '点击率')]).toEqual([
      A.title,
      '4',
      '2',
      '0.5000',
    ]);
    expect([
      col(segCsv[1]!, '成交额'),
      col(segCsv[1]!, '件数'),
      col(segCsv[1]!, '讲解后 5 分钟内订单'),
      col(segCsv[1]!, '点击率低'),
    ]).toEqual(['256.00', '2', '1', '0']);
    expect([col(segCsv[2]!, '商品'), col(segCsv[2]!, '成交额'), col(segCsv[2]!, '点击率低')]).toEqual([B.title, '299.00', '1']);
    const prodCsv = await download('report-products-csv');
    expect(prodCsv.slice(1).map((r) => [r[0], r[1], r[7], r[8], r[9]])).toEqual([
      ['1', A.title, '3', '384.00', 'CNY'],
      ['2', B.title, '1', '299.00', 'CNY'],
      ['3', C.title, '0', '', ''],
    ]);

    const shots = process.env.REPORT_SHOTS;
    if (shots) {
      // From the top (the downloads scrolled the page; the header is sticky).
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(shots, 'report-zh-CN.png'), fullPage: true });
      await page.getByTestId('lang-en').click();
      await page.getByText('Post-show report').first().waitFor();
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(shots, 'report-en.png'), fullPage: true });
    }
    expect(logs.filter((l) => /pageerror/.test(l))).toEqual([]);
  });
});
