/** React access to the report's store and controller (created once, outside React, in main.tsx). */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ReportController } from './controller';
import type { ReportState, ReportStore } from './store';

export interface ReportControllers {
  store: ReportStore;
  report: ReportController;
}

export const ReportContext = createContext<ReportControllers | null>(null);

export function useReport(): ReportControllers {
  const c = useContext(ReportContext);
  if (!c) throw new Error('ReportContext missing');
  return c;
}

export function useReportState<T>(selector: (s: ReportState) => T): T {
  return useStore(useReport().store, selector);
}
