/**
 * CSV export of the report's tables: papaparse, CRLF, UTF-8 with a BOM (Excel reads Chinese text correctly only with
 * it), cells that start like a formula escaped (product titles are user-written). Money as plain decimals with the
 * currency in its own column, rates as fractions, times as local `YYYY-MM-DD HH:mm:ss`.
 */
import Papa from 'papaparse';
import { formatMinor } from '../../../shared/domain/money';
import type { ProductRow } from '../../../shared/analytics/report';
import type { SegmentView } from './view';

export type Translate = (key: string) => string;

const BOM = '\uFEFF';

export function toCsv(fields: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return `${BOM}${Papa.unparse({ fields: [...fields], data: rows.map((r) => [...r]) }, { newline: '\r\n', escapeFormulae: true })}\r\n`;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** Local wall-clock time: what the owner saw on the timeline. */
export function csvTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const rate = (x: number) => x.toFixed(4);
const money = (minor: number, currency: string | null) => (currency ? formatMinor(minor, currency) : '');

export function segmentsCsv(rows: readonly SegmentView[], t: Translate): string {
  const cols = [
    'product',
    'productId',
    'start',
    'end',
    'durationS',
    'viewers',
    'impressionUv',
    'clickUv',
    'ctr',
    'orders',
    'paid',
    'units',
    'gmv',
    'gpm',
    'currency',
    'questionsAsked',
    'questionsAnswered',
    'ordersAfter',
    'lowCtr',
  ];
  return toCsv(
    cols.map((c) => t(`report.csv.${c}`)),
    rows.map((r) => [
      r.title,
      r.productId,
      csvTime(r.start),
      csvTime(r.end),
      Math.round(r.durationMs / 1000),
      r.viewers,
      r.impressionUv,
      r.clickUv,
      rate(r.ctr),
      r.orders,
      r.paid,
      r.units,
      money(r.gmvMinor, r.currency),
      money(r.gpmMinor, r.currency),
      r.currency ?? '',
      r.questionsAsked,
      r.questionsAnswered,
      r.ordersAfter,
      r.lowCtr ? 1 : 0,
    ]),
  );
}

export function productsCsv(rows: readonly ProductRow[], t: Translate): string {
  const cols = ['rank', 'product', 'productId', 'impressions', 'clicks', 'ctr', 'orders', 'units', 'gmv', 'currency'];
  return toCsv(
    cols.map((c) => t(`report.csv.${c}`)),
    rows.map((r, i) => [
      i + 1,
      r.title,
      r.productId,
      r.impressions,
      r.clicks,
      rate(r.ctr),
      r.orders,
      r.units,
      money(r.gmvMinor, r.currency),
      r.currency ?? '',
    ]),
  );
}

/** Save `text` as a file through a temporary object URL. */
export function downloadCsv(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
