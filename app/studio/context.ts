/** React access to the studio's controllers and store (controllers are created once, outside React). */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ChatStore } from './chat-store';
import type { StudioChatController } from './controllers/chat';
import type { Compositor } from './controllers/compositor';
import type { DevicesController } from './controllers/devices';
import type { StudioEngagement } from './controllers/engagement';
import type { ImageCache } from './controllers/images';
import type { Mixer } from './controllers/mixer';
import type { OverlayController } from './controllers/overlays';
import type { Publisher } from './controllers/publisher';
import type { OutputController } from './controllers/recorder';
import type { SceneController } from './controllers/scenes';
import type { SellingScreenController } from './controllers/selling-screen';
import type { SettingsController } from './controllers/settings';
import type { ShopController } from './controllers/shop';
import type { StaffSetupController } from './controllers/staff-setup';
import type { HostBridge } from './host-bridge';
import type { StudioState, StudioStore } from './store';

export interface StudioControllers {
  store: StudioStore;
  host: HostBridge;
  settings: SettingsController;
  devices: DevicesController;
  compositor: Compositor;
  publisher: Publisher;
  overlays: OverlayController;
  shop: ShopController;
  images: ImageCache;
  /** Chat dock: realtime feed of the open show (its own store) and the controller that moderates it. */
  chat: StudioChatController;
  chatStore: ChatStore;
  engagement: StudioEngagement;
  /** Recording + restream (controllers/recorder.ts). */
  output: OutputController;
  scenes: SceneController;
  mixer: Mixer;
  /** "Set up moderator access": the server's first-run owner account, created through the host. */
  staffSetup: StaffSetupController;
  /** The Data tab's live big screen (polls the show's selling data while shown). */
  selling: SellingScreenController;
}

export const StudioContext = createContext<StudioControllers | null>(null);

export function useStudio(): StudioControllers {
  const c = useContext(StudioContext);
  if (!c) throw new Error('StudioContext missing');
  return c;
}

/** Read the store through a selector (return primitives or slices kept by reference). */
export function useStudioState<T>(selector: (s: StudioState) => T): T {
  return useStore(useStudio().store, selector);
}
