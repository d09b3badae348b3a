import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { InteractionController } from './controllers/interaction';
import type { PlayerController } from './controllers/player';
import type { ShopController } from './controllers/shop';
import type { DanmakuController } from './interaction/danmaku';
import type { ViewerState, ViewerStore } from './store';

export interface ViewerContextValue {
  store: ViewerStore;
  /** null when the URL carries no valid show id (nothing to play). */
  player: PlayerController | null;
  /** Commerce (catalog, cart, checkout, orders); null only when the page runs without it. */
  shop: ShopController | null;
  /** Chat, likes, follow, questions (the realtime socket); null without a valid show id. */
  interaction: InteractionController | null;
  danmaku: DanmakuController | null;
  video: HTMLVideoElement;
}

export const ViewerContext = createContext<ViewerContextValue | null>(null);

export function useViewerContext(): ViewerContextValue {
  const ctx = useContext(ViewerContext);
  if (!ctx) throw new Error('ViewerContext missing');
  return ctx;
}

export function useViewer<T>(selector: (s: ViewerState) => T): T {
  return useStore(useViewerContext().store, selector);
}
