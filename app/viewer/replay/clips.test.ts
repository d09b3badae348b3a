/**
 * Which explanation a product card's "Rewatch" plays: on the replay the one the playhead is in (a product explained
 * twice rewatches the explanation on screen, not its latest), on the live page the latest that has ended.
 */
import { describe, expect, it } from 'vitest';
import type { ReplayChapter } from '../../../shared/replay/manifest';
import { createClipsStore, productClip } from './clips';

const chapter = (clipId: number, productId: string, start: number, end: number, open = false): ReplayChapter => ({
  clipId,
  productId,
  name: `Name ${productId}`,
  priceMinor: 1999,
  currency: 'CNY',
  start,
  end,
  startedAt: 1_000_000 + start * 1000,
  endedAt: 1_000_000 + end * 1000,
  open,
  clicks: 0,
  clipUrl: open ? null : `/api/replay/show-1/clips/${clipId}.mp4`,
});

// Product a explained twice, b once in between.
const chapters = [chapter(3, 'a', 10, 20), chapter(7, 'b', 22, 30), chapter(12, 'a', 40, 50)];

describe('productClip', () => {
  it('on the replay: the explanation of the product the playhead is in', () => {
    expect(productClip(chapters, 'a', 10)?.clipId).toBe(3);
    expect(productClip(chapters, 'a', 19.9)?.clipId).toBe(3);
    expect(productClip(chapters, 'a', 45)?.clipId).toBe(12);
    expect(productClip(chapters, 'b', 25)?.clipId).toBe(7);
  });

  it('on the replay: none outside the product’s explanations, or while it has no clip', () => {
    expect(productClip(chapters, 'a', 25)).toBeNull();
    expect(productClip(chapters, 'a', 20)).toBeNull();
    expect(productClip(chapters, 'b', 10)).toBeNull();
    expect(productClip([chapter(3, 'a', 10, 20, true)], 'a', 12)).toBeNull();
  });

  it('on the live page: the latest ended explanation, never the one still open', () => {
    expect(productClip(chapters, 'a')?.clipId).toBe(12);
    expect(productClip([...chapters, chapter(15, 'a', 60, 70, true)], 'a')?.clipId).toBe(12);
    expect(productClip(chapters, 'c')).toBeNull();
  });

  it('follows the store’s playhead (null until the replay sets one)', () => {
    const clips = createClipsStore();
    clips.getState().setChapters(chapters);
    const pick = () => productClip(clips.getState().chapters, 'a', clips.getState().playhead)?.clipId ?? null;
    expect(pick()).toBe(12);
    clips.getState().setPlayhead(15);
    expect(pick()).toBe(3);
    clips.getState().setPlayhead(41);
    expect(pick()).toBe(12);
  });
});
