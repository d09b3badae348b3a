/** React access to the moderator pane's store and controllers (created once, outside React, in main.tsx). */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ModerationController } from './controllers/moderation';
import type { SessionController } from './controllers/session';
import type { ModeratorState, ModeratorStore } from './store';

export interface ModeratorControllers {
  store: ModeratorStore;
  session: SessionController;
  moderation: ModerationController;
}

export const ModeratorContext = createContext<ModeratorControllers | null>(null);

export function useModerator(): ModeratorControllers {
  const c = useContext(ModeratorContext);
  if (!c) throw new Error('ModeratorContext missing');
  return c;
}

/** Read the store through a selector (return primitives or slices kept by reference). */
export function useMod<T>(selector: (s: ModeratorState) => T): T {
  return useStore(useModerator().store, selector);
}
