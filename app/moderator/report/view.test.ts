import { describe, expect, it } from 'vitest';
import type { SellingScreen } from '../../../shared/analytics/screen';
import type { SegmentRow } from '../../../shared/analytics/segments';
import { reportShowId } from './controller';
import { csvTime, productsCsv, segmentsCsv } from './csv';
import { createReportStore } from './store';
import { productViews, segmentViews } from './view';

const seg = (productId: string, start: number, over: Partial<SegmentRow> = {}): SegmentRow => ({
  productId,
  start,
  end: start + 90_000,
  mediaStart: start,
  mediaEnd: start + 90_000,
  open: false,
  viewers: 5,
  impressions: 4,
  impressionUv: 4,
  clicks: 2,
  clickUv: 2,
  ctr: 0.5,
  orders: 1,
  paid: 1,
  units: 1,
  gmv: [],
  questionsAsked: 0,
  questionsAnswered: 0,
  ordersAfter: 0,
  ...over,
});

const screen = {
  currency: 'CNY',
  metrics: { ctr: 0.5 },
  products: [
    { productId: 'p1', impressions: 10, clicks: 2, orders: 1, units: 1, gmvMinor: 1999, currency: 'CNY' },
    { productId: 'p2', impressions: 4, clicks: 1, orders: 2, units: 3, gmvMinor: 30000, currency: 'CNY' },
  ],
} as unknown as SellingScreen;
const titles = { p1: '=HYPERLINK("x") 保温杯', p2: '蓝牙耳机' };
const t = (k: string) => k.replace('report.csv.', '');

describe('report view', () => {
  const segments = [
    seg('p1', 1000, { gmv: [{ currency: 'CNY', minor: 3998, gpmMinor: 799600 }], ctr: 0.5 }),
    seg('p2', 200_000, { impressionUv: 5, clickUv: 0, ctr: 0, units: 0, paid: 0 }),
    seg('p1', 400_000, { impressionUv: 1, clickUv: 0, ctr: 0, viewers: 9 }),
  ];

  it('sorts by any column, the same column again flips it; ties keep the show order', () => {
    const store = createReportStore('show_x');
    const rows = () => segmentViews(screen, segments, titles, store.getState().sort, 'zh-CN').map((r) => r.key);
    expect(rows()).toEqual(['p1@1000', 'p2@200000', 'p1@400000']);
    store.getState().sortSegments('viewers');
    expect(store.getState().sort).toEqual({ key: 'viewers', dir: 'desc' });
    expect(rows()).toEqual(['p1@400000', 'p1@1000', 'p2@200000']);
    store.getState().sortSegments('viewers');
    expect(rows()).toEqual(['p1@1000', 'p2@200000', 'p1@400000']);
    store.getState().sortSegments('gmv');
    expect(rows()[0]).toBe('p1@1000');
  });

  it('flags explained-but-low-CTR rows against the show CTR (enough card viewers only)', () => {
    const rows = segmentViews(screen, segments, titles, { key: 'start', dir: 'asc' }, 'en');
    expect(rows.map((r) => r.lowCtr)).toEqual([false, true, false]);
  });

  it('CSV: BOM, CRLF, localized header, decimals, formula-looking titles escaped', () => {
    const rows = segmentViews(screen, segments, titles, { key: 'start', dir: 'asc' }, 'en');
    const csv = segmentsCsv(rows, t);
    expect(csv.startsWith('\uFEFFproduct,productId,start,end,durationS,')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe(
      `"'=HYPERLINK(""x"") 保温杯",p1,${csvTime(1000)},${csvTime(91_000)},90,5,4,2,0.5000,1,1,1,39.98,7996.00,CNY,0,0,0,0`,
    );
    expect(lines[2]!.endsWith(',1')).toBe(true);
    const products = productsCsv(productViews(screen, titles), t).slice(1).split('\r\n');
    expect(products[0]).toBe('rank,product,productId,impressions,clicks,ctr,orders,units,gmv,currency');
    expect(products[1]).toBe('1,蓝牙耳机,p2,4,1,0.2500,2,3,300.00,CNY');
  });

  it('routes /report/<showId> only, with a valid show id', () => {
    const valid = (id: string) => /^show_[a-z0-9]+$/.test(id);
    expect(reportShowId('/report/show_abc', valid)).toBe('show_abc');
    expect(reportShowId('/report/show_abc/', valid)).toBe('show_abc');
    expect(reportShowId('/report/bad id', valid)).toBeNull();
    expect(reportShowId('/moderator', valid)).toBeNull();
    expect(reportShowId('/report/show_abc/x', valid)).toBeNull();
  });
});
