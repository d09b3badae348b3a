/**
 * The Data tab's explanation clips: the show's replay manifest (`GET /api/replay/:showId`, public, read
 * cross-origin like the big screen) every CLIPS_POLL_MS while the tab shows a live show. Once the show is over it
 * reads until the server's answer says so too (an answer made just before the end still has the last explanation
 * open, and the server reuses answers for a moment), every SETTLE_POLL_MS, then stops. Highlights are the ended explanations with a clip, most product clicks first (`rankHighlights`).
 */
import { createStore } from 'zustand/vanilla';
import { type ReplayChapter, ReplayManifest, rankHighlights, replayApiPath } from '../../../shared/replay/manifest';

export const CLIPS_POLL_MS = 10_000;
export const SETTLE_POLL_MS = 2_500;

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
    let final = false;
    try {
      const res = await this.fetchImpl(`${serverUrl.replace(/\/+$/, '')}${replayApiPath(showId)}`);
      if (res.status === 404) {
        this.store.setState({ highlights: [], unrecorded: true });
        final = !live;
      } else if (res.ok) {
        const m = ReplayManifest.safeParse(await res.json());
        if (m.success) {
          const ended = m.data.chapters.filter((c) => c.clipUrl !== null && !c.open);
          this.store.setState({ highlights: rankHighlights(ended), unrecorded: false });
          final = m.data.show.status === 'ended';
        }
      }
    } catch {
      // the server is restarting: the next poll reads again
    }
    if (this.stopped || final) return;
    this.timer = setTimeout(() => void this.read(), live ? CLIPS_POLL_MS : SETTLE_POLL_MS);
  }
}
