import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ShowInfo } from '../../../shared/domain/show';
import { selectMediaSettled } from '../selectors';
import { createViewerStore } from '../store';
import { whenState } from './when-state';

const live: ShowInfo = { id: 'show_123', title: 'Spring sale', status: 'live', createdAt: 1, startedAt: 2, endedAt: null };
const frame = { now: 1, presentationTime: 1, expectedDisplayTime: 17, mediaTime: 0, presentedFrames: 1, width: 1280, height: 720 };

afterEach(() => vi.useRealTimers());

describe('whenState', () => {
  it('resolves true at once when the state already holds', async () => {
    const store = createViewerStore();
    store.getState().frame(frame);
    await expect(whenState(store, (s) => s.videoFrameSeen, 1000)).resolves.toBe(true);
  });

  it('resolves true when the store reaches the state, and stops listening', async () => {
    vi.useFakeTimers();
    const store = createViewerStore();
    const seen = vi.fn((s: ReturnType<typeof store.getState>) => s.videoFrameSeen);
    const wait = whenState(store, seen, 1000);
    store.getState().setMuted(false);
    store.getState().frame(frame);
    await expect(wait).resolves.toBe(true);
    const calls = seen.mock.calls.length;
    store.getState().setMuted(true);
    expect(seen.mock.calls.length).toBe(calls);
  });

  it('resolves false at the deadline', async () => {
    vi.useFakeTimers();
    const store = createViewerStore();
    const late = whenState(store, (s) => s.videoFrameSeen, 1000);
    vi.advanceTimersByTime(999);
    store.getState().setMuted(false);
    vi.advanceTimersByTime(1);
    await expect(late).resolves.toBe(false);
  });
});

describe('selectMediaSettled', () => {
  it('waits for the first frame of a live show with video', () => {
    const store = createViewerStore();
    expect(selectMediaSettled(store.getState())).toBe(false);
    store.getState().joined(live, 1, []);
    store.getState().trackAdded('video', { consumerId: 'c1', producerId: 'p1', paused: false });
    expect(selectMediaSettled(store.getState())).toBe(false);
    store.getState().frame(frame);
    expect(selectMediaSettled(store.getState())).toBe(true);
  });

  it('does not wait when no picture is coming: camera off, show not live, errors', () => {
    const paused = createViewerStore();
    paused.getState().joined(live, 1, []);
    paused.getState().trackAdded('video', { consumerId: 'c1', producerId: 'p1', paused: true });
    expect(selectMediaSettled(paused.getState())).toBe(true);

    const ready = createViewerStore();
    ready.getState().joined({ ...live, status: 'ready', startedAt: null }, 0, []);
    expect(selectMediaSettled(ready.getState())).toBe(true);

    const missing = createViewerStore();
    missing.getState().setFatal({ kind: 'notFound' });
    expect(selectMediaSettled(missing.getState())).toBe(true);

    const offline = createViewerStore();
    offline.getState().connectFailed();
    expect(selectMediaSettled(offline.getState())).toBe(true);
  });
});
