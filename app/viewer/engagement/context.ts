/** React access to the viewer's engagement controller and store (created in main.tsx, outside React). */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { EngagementController } from '../../ui/engagement/controller';
import { createEngagementStore, type EngagementData, type EngagementStore } from '../../ui/engagement/state';
import type { ShopApi } from '../shop/api';

export interface ViewerEngagement {
  store: EngagementStore;
  ctl: EngagementController;
  /** Server quotes for the checkout's coupon line. */
  api: Pick<ShopApi, 'quote'>;
}

export const EngagementContext = createContext<ViewerEngagement | null>(null);

export function useEngagementContext(): ViewerEngagement | null {
  return useContext(EngagementContext);
}

/** Pages without engagement (order pages) read this empty store. */
const EMPTY = createEngagementStore();

export function useEngagement<T>(selector: (s: EngagementData) => T): T {
  return useStore(useContext(EngagementContext)?.store ?? EMPTY, selector);
}
