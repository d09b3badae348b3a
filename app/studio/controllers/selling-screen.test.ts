import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SellingScreen } from '../../../shared/analytics/screen';
import type { ProductView } from '../../../shared/commerce/catalog';
import type { ShowInfo } from '../../../shared/domain/show';
import { createStudioStore, type StudioStore } from '../store';
import { type PageVisibility, SellingScreenController } from './selling-screen';
import { productRows, screenTotals, trendColumns } from './selling-screen-view';
import { ShopApi } from './shop-api';

const T0 = Date.UTC(2026, 0, 1);

function screen(gross: number, itemsSold: number, online: number): SellingScreen {
  const audience = { views: 0, uniqueViewers: 0, avgWatchMs: 0 };
  return {
    now: T0,
    metrics: {
      showLengthMs: 0,
      online: { current: online, peak: online + 1 },
      live: audience,
      replay: audience,
      funnel: { enteredUv: 0, impressionUv: 0, clickUv: 0, cartUv: 0, checkoutUv: 0, ordersCreated: 2, ordersPaid: 2 },
      ctr: 0,
      clickToOrder: 0,
      gmv: [
        { currency: 'USD', grossMinor: 300, netMinor: 300, gpmMinor: 0 },
        { currency: 'CNY', grossMinor: gross, netMinor: gross, gpmMinor: 0 },
      ],
      itemsSold,
      payingBuyers: 1,
      newFollowers: 0,
      likes: 0,
      chats: 0,
      perMinute: [],
    },
    currency: 'CNY',
    minutes: [
      { minute: T0, viewers: 3, gmvMinor: 1000, orders: 1 },
      { minute: T0 + 60_000, viewers: 5, gmvMinor: gross - 1000, orders: 1 },
    ],
    markers: [{ at: T0 + 5000, kind: 'pin', productId: 'p_a' }],
    products: [
      { productId: 'p_a', impressions: 10, clicks: 2, orders: 1, units: 1, gmvMinor: 1000, currency: 'CNY' },
      { productId: 'p_b', impressions: 4, clicks: 2, orders: 1, units: 3, gmvMinor: 600, currency: 'CNY' },
      { productId: 'p_c', impressions: 0, clicks: 0, orders: 0, units: 0, gmvMinor: 0, currency: null },
    ],
  };
}

const show = (status: ShowInfo['status']): ShowInfo => ({ id: 'show-1', title: 'S', status, createdAt: T0, startedAt: T0, endedAt: null });
const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

class FakeVisibility implements PageVisibility {
  shown = true;
  private cbs = new Set<() => void>();
  visible = () => this.shown;
  onChange(cb: () => void) {
    this.cbs.add(cb);
    return () => this.cbs.delete(cb);
  }
  set(v: boolean) {
    this.shown = v;
    for (const cb of this.cbs) cb();
  }
}

describe('SellingScreenController', () => {
  let store: StudioStore;
  let visibility: FakeVisibility;
  let urls: string[];
  let replies: SellingScreen[];
  let controller: SellingScreenController;

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    store = createStudioStore();
    visibility = new FakeVisibility();
    urls = [];
    replies = [];
    const api = new ShopApi(
      async () => ({ serverUrl: 'http://server.test', token: 'tok' }),
      async (url) => {
        urls.push(url);
        return json(replies.shift() ?? screen(5000, 4, 7));
      },
    );
    controller = new SellingScreenController(store, api, { visibility });
  });
  afterEach(() => {
    controller.stop();
    vi.useRealTimers();
  });

  it('polls once a second while the Data tab is open, visible and the show live; stops when hidden or ended', async () => {
    store.setState({ publish: { ...store.getState().publish, show: show('live') } });
    controller.start();
    await vi.advanceTimersByTimeAsync(5000);
    // Not on the Data tab: nothing read.
    expect(urls).toEqual([]);
    replies.push(screen(2000, 1, 3), screen(2600, 2, 4));
    store.setState({ tab: 'data' });
    await vi.advanceTimersByTimeAsync(0);
    expect(urls).toEqual(['http://server.test/api/analytics/shows/show-1/screen']);
    expect(store.getState().selling.status).toBe('ready');
    expect(screenTotals(store.getState().selling.data)).toEqual({
      gmv: { currency: 'CNY', minor: 2000 },
      itemsSold: 1,
      online: 3,
      peak: 4,
      ordersPaid: 2,
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(urls).toHaveLength(2);
    expect(screenTotals(store.getState().selling.data).gmv).toEqual({ currency: 'CNY', minor: 2600 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(urls).toHaveLength(5);
    // Hidden window: no reads.
    visibility.set(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(urls).toHaveLength(5);
    visibility.set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(urls).toHaveLength(6);
    // The show ends: one last read for the final numbers, then none.
    store.setState({ publish: { ...store.getState().publish, show: { ...show('ended'), endedAt: T0 + 1 } } });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(urls).toHaveLength(7);
    // Another tab: none either.
    store.setState({ tab: 'live' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(urls).toHaveLength(7);
  });

  it('keeps the last numbers and reports the error when a read fails', async () => {
    const failing = new ShopApi(
      async () => ({ serverUrl: 'http://server.test', token: 'tok' }),
      async (url) => {
        urls.push(url);
        if (urls.length === 2) return new Response('{"error":{"code":"INTERNAL","message":"db busy"}}', { status: 500 });
        return json(screen(5000, 4, 7));
      },
    );
    controller = new SellingScreenController(store, failing, { visibility });
    store.setState({ tab: 'data', publish: { ...store.getState().publish, show: show('live') } });
    controller.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(urls).toHaveLength(2);
    expect(store.getState().selling).toMatchObject({ status: 'error', error: 'db busy' });
    expect(screenTotals(store.getState().selling.data).itemsSold).toBe(4);
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.getState().selling).toMatchObject({ status: 'ready', error: null });
  });
});

describe('big screen selectors', () => {
  const catalog = [
    { id: 'p_a', title: 'Bowl' },
    { id: 'p_b', title: 'apron' },
    { id: 'p_c', title: 'Cup' },
  ] as ProductView[];
  const data = screen(1600, 4, 2);
  const ids = (key: Parameters<typeof productRows>[2]['key'], dir: 'asc' | 'desc') =>
    productRows(data, catalog, { key, dir }, 'en').map((r) => r.productId);

  it('sorts the product table by any column, ties in lineup order', () => {
    expect(ids('gmv', 'desc')).toEqual(['p_a', 'p_b', 'p_c']);
    expect(ids('gmv', 'asc')).toEqual(['p_c', 'p_b', 'p_a']);
    expect(ids('units', 'desc')).toEqual(['p_b', 'p_a', 'p_c']);
    expect(ids('ctr', 'desc')).toEqual(['p_b', 'p_a', 'p_c']);
    expect(ids('clicks', 'desc')).toEqual(['p_a', 'p_b', 'p_c']);
    expect(ids('clicks', 'asc')).toEqual(['p_c', 'p_a', 'p_b']);
    expect(ids('impressions', 'asc')).toEqual(['p_c', 'p_b', 'p_a']);
    expect(ids('orders', 'desc')).toEqual(['p_a', 'p_b', 'p_c']);
    expect(ids('title', 'asc')).toEqual(['p_b', 'p_a', 'p_c']);
    const rows = productRows(data, catalog, { key: 'ctr', dir: 'desc' }, 'en');
    expect(rows.map((r) => [r.title, r.ctr])).toEqual([
      ['apron', 0.5],
      ['Bowl', 0.2],
      ['Cup', 0],
    ]);
  });

  it('flips the direction on the same column; a new column starts descending (text ascending)', () => {
    const store = createStudioStore();
    expect(store.getState().selling.sort).toEqual({ key: 'gmv', dir: 'desc' });
    store.getState().sortSelling('gmv');
    expect(store.getState().selling.sort).toEqual({ key: 'gmv', dir: 'asc' });
    store.getState().sortSelling('units');
    expect(store.getState().selling.sort).toEqual({ key: 'units', dir: 'desc' });
    store.getState().sortSelling('title');
    expect(store.getState().selling.sort).toEqual({ key: 'title', dir: 'asc' });
  });

  it('gives the trend columns and empty totals without data', () => {
    expect(trendColumns(data)).toEqual([
      [T0 / 1000 + 30, T0 / 1000 + 90],
      [3, 5],
      [1000, 600],
      [1, 1],
    ]);
    expect(screenTotals(null)).toEqual({ gmv: null, itemsSold: 0, online: 0, peak: 0, ordersPaid: 0 });
    expect(productRows(null, catalog, { key: 'gmv', dir: 'desc' }, 'en')).toEqual([]);
  });
});
