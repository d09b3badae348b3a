import { createContext, type ReactNode, useContext } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import type { ReplayChapter } from '../../../shared/replay/manifest';
import { Sheet } from '../components/Sheet';
import { type ClipsStore, createClipsStore, productClip } from './clips';

const ClipsContext = createContext<ClipsStore | null>(null);

/** The page's clips (replay and live) and the sheet that plays one. */
export function ClipsProvider({ clips, children }: { clips: ClipsStore; children: ReactNode }) {
  return (
    <ClipsContext.Provider value={clips}>
      {children}
      <ClipSheet clips={clips} />
    </ClipsContext.Provider>
  );
}

const NONE = (): null => null;
// useStore needs a store on every render (hooks keep their order); pages without clips read this empty one.
const DUMMY = createClipsStore();

/** This product's clip (`productClip`: the one watched on the replay), and a way to play it (null: none, or no clips here). */
export function useProductClip(productId: string): { chapter: ReplayChapter; play(): void } | null {
  const clips = useContext(ClipsContext);
  const chapter = useStore(clips ?? DUMMY, clips ? (s) => productClip(s.chapters, productId, s.playhead) : NONE);
  if (!clips || !chapter) return null;
  return { chapter, play: () => clips.getState().play(chapter) };
}

function ClipSheet({ clips }: { clips: ClipsStore }) {
  const { t } = useTranslation();
  const playing = useStore(clips, (s) => s.playing);
  if (!playing?.clipUrl) return null;
  return (
    <Sheet title={t('replay.clipTitle', { name: playing.name })} onClose={() => clips.getState().close()} testId="clip-sheet">
      <video className="clip-video" src={playing.clipUrl} controls autoPlay playsInline data-testid="clip-video">
        <track kind="captions" />
      </video>
    </Sheet>
  );
}

/** "Rewatch the explanation" on a product card, when its product has a clip. */
export function RewatchButton({ productId }: { productId: string }) {
  const { t } = useTranslation();
  const clip = useProductClip(productId);
  if (!clip) return null;
  return (
    <button
      type="button"
      className="rewatch"
      onClick={clip.play}
      aria-label={t('replay.clipLabel', { name: clip.chapter.name })}
      data-testid={`rewatch-${productId}`}
    >
      {t('replay.clip')}
    </button>
  );
}
