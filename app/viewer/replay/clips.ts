/**
 * Explanation clips on the viewer pages: a small store of the show's chapters (from the replay manifest) and the clip
 * being played. The replay page fills it from its manifest; the live page (`LiveClips`) reads the manifest when an
 * explanation ends, so a viewer who came late can rewatch it. Product cards ask `productClip` for their product's clip:
 * on the replay the explanation the playhead is in (the one being watched), on the live page the latest ended one.
 */
import { createStore } from 'zustand/vanilla';
import type { ShowId } from '../../../shared/domain/show';
import { chapterAt, ReplayManifest, type ReplayChapter, replayApiPath } from '../../../shared/replay/manifest';
import type { ViewerStore } from '../store';

export interface ClipsState {
  chapters: ReplayChapter[];
  /** The replay's playhead (seconds into the recording); null on the live page, which has none. */
  playhead: number | null;
  playing: ReplayChapter | null;
  setChapters(chapters: ReplayChapter[]): void;
  setPlayhead(time: number): void;
  play(chapter: ReplayChapter): void;
  close(): void;
}

export type ClipsStore = ReturnType<typeof createClipsStore>;

export function createClipsStore() {
  return createStore<ClipsState>()((set) => ({
    chapters: [],
    playhead: null,
    playing: null,
    setChapters: (chapters) => set({ chapters }),
    setPlayhead: (playhead) => set({ playhead }),
    play: (playing) => set({ playing }),
    close: () => set({ playing: null }),
  }));
}

/**
 * The clip a product's card offers. With a playhead (the replay): the product's explanation being watched, so a
 * product explained twice rewatches the one on screen (none when the playhead is outside its explanations). Without
 * (the live page): its latest ended explanation.
 */
export function productClip(chapters: readonly ReplayChapter[], productId: string, playhead: number | null = null): ReplayChapter | null {
  const own = chapters.filter((c) => c.productId === productId);
  if (playhead !== null) {
    const watched = chapterAt(own, playhead);
    return watched && watched.clipUrl !== null && !watched.open ? watched : null;
  }
  let found: ReplayChapter | null = null;
  for (const c of own) if (c.clipUrl !== null && !c.open) found = c;
  return found;
}

/** After an explanation ends, its last segment is written within ~2 s: ask then, and once more later. */
const AFTER_UNPIN_MS = [3000, 8000];

/**
 * The live page's clips: the manifest once at start and after each unpin. A show with no recording answers 404 and
 * simply offers no clips.
 */
export class LiveClips {
  private timers: ReturnType<typeof setTimeout>[] = [];
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly opts: { showId: ShowId; store: ViewerStore; clips: ClipsStore; fetch?: typeof fetch }) {}

  start(): void {
    void this.load();
    this.unsubscribe = this.opts.store.subscribe((s, prev) => {
      if (s.pinned === prev.pinned) return;
      const now = new Set(s.pinned.map((p) => p.product.productId));
      if (!prev.pinned.some((p) => !now.has(p.product.productId))) return;
      for (const ms of AFTER_UNPIN_MS) this.timers.push(setTimeout(() => void this.load(), ms));
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers.splice(0)) clearTimeout(t);
  }

  private async load(): Promise<void> {
    if (this.stopped) return;
    try {
      const res = await (this.opts.fetch ?? fetch)(replayApiPath(this.opts.showId), { credentials: 'same-origin' });
      if (!res.ok) return;
      const m = ReplayManifest.safeParse(await res.json());
      if (m.success && !this.stopped) this.opts.clips.getState().setChapters(m.data.chapters);
    } catch {
      // offline for a moment: the next unpin asks again
    }
  }
}
