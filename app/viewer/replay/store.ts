/**
 * The replay page's own state (zustand vanilla): the manifest, where the playhead is, and what went wrong. The
 * product cards, cart and sheets stay in the viewer store (the replay controller writes its pinned list), so the
 * live page's components serve the replay unchanged. Derived values (current chapter, pinned cards) are computed.
 */
import { createStore } from 'zustand/vanilla';
import type { PinnedTrigger } from '../../../shared/protocol/overlay';
import { chapterAt, type ReplayChapter, type ReplayManifest } from '../../../shared/replay/manifest';

export type ReplayStatus = 'loading' | 'ready' | 'notFound' | 'notEnded' | 'invalidId' | 'error';

export interface ReplayState {
  status: ReplayStatus;
  manifest: ReplayManifest | null;
  /** Playhead, seconds into the recording. */
  time: number;
  loaded(manifest: ReplayManifest): void;
  failed(status: Exclude<ReplayStatus, 'loading' | 'ready'>): void;
  setTime(time: number): void;
}

export type ReplayStore = ReturnType<typeof createReplayStore>;

export function createReplayStore() {
  return createStore<ReplayState>()((set) => ({
    status: 'loading',
    manifest: null,
    time: 0,
    loaded: (manifest) => set({ manifest, status: 'ready' }),
    failed: (status) => set({ status }),
    setTime: (time) => set({ time }),
  }));
}

const NO_CHAPTERS: ReplayChapter[] = [];

export const selectChapters = (s: ReplayState): ReplayChapter[] => s.manifest?.chapters ?? NO_CHAPTERS;

/** The chapter the playhead is in (the latest started), for the list's highlight. */
export const selectCurrentChapter = (s: ReplayState): ReplayChapter | null => chapterAt(selectChapters(s), s.time);

/** Every explanation the playhead is inside, as the pins the live page had then (oldest first, like a log). */
export function pinsAt(chapters: readonly ReplayChapter[], time: number): PinnedTrigger[] {
  return chapters
    .filter((c) => c.start <= time + 0.05 && time < c.end)
    .map((c) => ({
      type: 'product.pin',
      id: `replay-${c.clipId}`,
      at: c.startedAt,
      product: { productId: c.productId, name: c.name, priceMinor: c.priceMinor, currency: c.currency },
    }));
}
