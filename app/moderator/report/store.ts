/**
 * The post-show report's state (`/report/<showId>`): one zustand vanilla store with one slice, written by
 * controller.ts, read by the report components through selectors; rows, rates and flags are derived in view.ts.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SellingScreen } from '../../../shared/analytics/screen';
import type { SegmentRow } from '../../../shared/analytics/segments';
import type { ShowInfo } from '../../../shared/domain/show';

export const SEGMENT_SORT_KEYS = [
  'product',
  'start',
  'duration',
  'viewers',
  'impressionUv',
  'clickUv',
  'ctr',
  'orders',
  'paid',
  'units',
  'gmv',
  'gpm',
  'questions',
  'ordersAfter',
] as const;
export type SegmentSortKey = (typeof SEGMENT_SORT_KEYS)[number];
export interface SegmentSort {
  key: SegmentSortKey;
  dir: 'asc' | 'desc';
}

export interface ReportState {
  showId: string;
  status: 'loading' | 'ready' | 'error';
  /** Error code of the last load (i18n `errors.<code>`). */
  error: string | null;
  show: ShowInfo | null;
  screen: SellingScreen | null;
  segments: SegmentRow[];
  /** Product titles by id (the public catalog). */
  titles: Record<string, string>;
  sort: SegmentSort;
  setReport(patch: Partial<Pick<ReportState, 'status' | 'error' | 'show' | 'screen' | 'segments' | 'titles'>>): void;
  /** Sort the explanation table by `key`; the same key again flips the direction. */
  sortSegments(key: SegmentSortKey): void;
}

export type ReportStore = StoreApi<ReportState>;

export function createReportStore(showId: string): ReportStore {
  return createStore<ReportState>()((set, get) => ({
    showId,
    status: 'loading',
    error: null,
    show: null,
    screen: null,
    segments: [],
    titles: {},
    // Show order first: the table reads as the show's timeline until a column is picked.
    sort: { key: 'start', dir: 'asc' },
    setReport: (patch) => set(patch),
    sortSegments: (key) => {
      const cur = get().sort;
      const dir = cur.key === key ? (cur.dir === 'asc' ? 'desc' : 'asc') : key === 'product' || key === 'start' ? 'asc' : 'desc';
      set({ sort: { key, dir } });
    },
  }));
}
