/**
 * The replay page's start (main.tsx calls it for `/replay/<showId>`): its store and controller, and — once the
 * manifest says the show has ended — the viewer events in `replay` mode, so replay views, clicks and the orders they
 * lead to are counted apart from the live show's.
 */
import type { ShowId } from '../../../shared/domain/show';
import { startViewerAnalytics } from '../controllers/analytics';
import type { ViewerStore } from '../store';
import { type ClipsStore, createClipsStore } from './clips';
import { ReplayController } from './controller';
import { createReplayStore, type ReplayStore } from './store';

export interface ReplayPage {
  replay: ReplayStore;
  clips: ClipsStore;
  controller: ReplayController | null;
  /** After the UI rendered: load and play. */
  start(): void;
  stop(): void;
}

export function createReplayPage(opts: {
  showId: ShowId | null;
  store: ViewerStore;
  video: HTMLVideoElement;
  storage: Storage | null;
}): ReplayPage {
  const replay = createReplayStore();
  const clips = createClipsStore();
  const { showId } = opts;
  if (!showId) replay.getState().failed('invalidId');
  const controller = showId ? new ReplayController({ showId, store: opts.store, replay, video: opts.video }) : null;
  let analytics: { stop(): void } | null = null;
  let unsubscribe: (() => void) | null = null;
  return {
    replay,
    clips,
    controller,
    start() {
      if (!controller || !showId) return;
      unsubscribe = replay.subscribe((s) => {
        if (s.status !== 'ready') return;
        // The cards' "Rewatch" plays the explanation at the playhead.
        if (clips.getState().playhead !== s.time) clips.getState().setPlayhead(s.time);
        if (analytics) return;
        clips.getState().setChapters(s.manifest?.chapters ?? []);
        analytics = startViewerAnalytics({ store: opts.store, showId, storage: opts.storage, root: document.body, mode: 'replay' });
      });
      void controller.start();
    },
    stop() {
      unsubscribe?.();
      analytics?.stop();
      controller?.stop();
    },
  };
}
