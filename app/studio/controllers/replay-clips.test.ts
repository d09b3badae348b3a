import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReplayChapter, ReplayManifest } from '../../../shared/replay/manifest';
import { CLIPS_POLL_MS, createReplayClipsStore, ReplayClipsController, SETTLE_POLL_MS } from './replay-clips';

const chapter = (clipId: number, over: Partial<ReplayChapter>): ReplayChapter => ({
  clipId,
  productId: `p${clipId}`,
  name: `P${clipId}`,
  priceMinor: 100,
  currency: 'CNY',
  start: clipId,
  end: clipId + 5,
  startedAt: 1000,
  endedAt: 2000,
  open: false,
  clicks: 0,
  clipUrl: `/api/replay/s1/clips/${clipId}.mp4`,
  ...over,
});

const manifest = (status: 'live' | 'ended', chapters: ReplayChapter[]): ReplayManifest => ({
  show: { id: 'show-1', title: 'T', status, createdAt: 1, startedAt: 2, endedAt: status === 'ended' ? 3 : null },
  playlistUrl: '/hls/show-1/index.m3u8',
  duration: 30,
  chapters,
});

function serverAnswering(answers: (ReplayManifest | 404)[]) {
  const asked: string[] = [];
  const fetchImpl = (async (url: string) => {
    asked.push(url);
    const a = answers[Math.min(asked.length - 1, answers.length - 1)]!;
    return a === 404 ? new Response('{}', { status: 404 }) : Response.json(a);
  }) as unknown as typeof fetch;
  return { asked, fetchImpl };
}

describe('ReplayClipsController', () => {
  afterEach(() => vi.useRealTimers());

  it('after the show ends, reads until the server says it ended: a stale answer never leaves the last clip out', async () => {
    vi.useFakeTimers();
    const stale = manifest('live', [chapter(1, {}), chapter(2, { open: true, clipUrl: null })]);
    const done = manifest('ended', [chapter(1, {}), chapter(2, { clicks: 1 })]);
    const server = serverAnswering([stale, done]);
    const store = createReplayClipsStore();
    const ctl = new ReplayClipsController(store, { serverUrl: 'http://s/', showId: 'show-1', live: false }, server.fetchImpl);
    ctl.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().highlights.map((c) => c.clipId)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(SETTLE_POLL_MS);
    expect(store.getState().highlights.map((c) => c.clipId)).toEqual([2, 1]);
    await vi.advanceTimersByTimeAsync(CLIPS_POLL_MS * 3);
    expect(server.asked).toEqual(['http://s/api/replay/show-1', 'http://s/api/replay/show-1']);
    ctl.stop();
  });

  it('polls every CLIPS_POLL_MS while live and stops polling once stopped', async () => {
    vi.useFakeTimers();
    const server = serverAnswering([manifest('live', [chapter(1, {})])]);
    const store = createReplayClipsStore();
    const ctl = new ReplayClipsController(store, { serverUrl: 'http://s', showId: 'show-1', live: true }, server.fetchImpl);
    ctl.start();
    await vi.advanceTimersByTimeAsync(CLIPS_POLL_MS * 2);
    expect(server.asked.length).toBe(3);
    ctl.stop();
    await vi.advanceTimersByTimeAsync(CLIPS_POLL_MS * 3);
    expect(server.asked.length).toBe(3);
  });

  it('an ended show with no recording is read once and marked unrecorded', async () => {
    vi.useFakeTimers();
    const server = serverAnswering([404]);
    const store = createReplayClipsStore();
    const ctl = new ReplayClipsController(store, { serverUrl: 'http://s', showId: 'show-1', live: false }, server.fetchImpl);
    ctl.start();
    await vi.advanceTimersByTimeAsync(CLIPS_POLL_MS * 3);
    expect(server.asked.length).toBe(1);
    expect(store.getState().unrecorded).toBe(true);
  });
});
