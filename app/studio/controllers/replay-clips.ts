/**
 * The Data tab's explanation clips: the show's replay manifest (`GET /api/replay/:showId`, public, read
 * cross-origin like the big screen) every CLIPS_POLL_MS while the tab shows a live show, once for one that is not
 * live. Highlights are the ended explanations with a clip, most product clicks first (`rankHighlights`).
 */
import { createStore } from 'zustand/vanilla';
import { type ReplayChapter, ReplayManifest, rankHighlights, replayApiPath } from '../../../shared/replay/manifest';

export const CLIPS_POLL_MS = 10_000;

export interface ReplayClipsState {
  highlights: ReplayChapter[];
  /** The server has no recording of this show (HLS_RECORD off and nobody asked for its HLS). */
  unrecorded: boolean;
}

export type ReplayClipsStore = ReturnType<typeof createReplayClipsStore>;

export function createReplayClipsStore() {
  return createStore<ReplayClipsState>()(() => ({ highlights: [], unrecorded: false }));
}

export class ReplayClipsController {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly store: ReplayClipsStore,
    private readonly target: { serverUrl: string; showId: string; live: boolean },
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
  ) {}

  start(): void {
    void this.read();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async read(): Promise<void> {
    const { serverUrl, showId, live } = this.target;
    try {
      const res = await this.fetchImpl(`${serverUrl.replace(/\/+$/, '')}${replayApiPath(showId)}`);
      if (res.status === 404) this.store.setState({ highlights: [], unrecorded: true });
      else if (res.ok) {
        const m = ReplayManifest.safeParse(await res.json());
        if (m.success) {
          const ended = m.data.chapters.filter((c) => c.clipUrl !== null && !c.open);
          this.store.setState({ highlights: rankHighlights(ended), unrecorded: false });
        }
      }
    } catch {
      // the server is restarting: the next poll reads again
    }
    if (!this.stopped && live) this.timer = setTimeout(() => void this.read(), CLIPS_POLL_MS);
  }
}
