import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IceWatchdog } from './ice-watchdog';

function setup(restart: () => Promise<void> = async () => {}) {
  const restarts: number[] = [];
  const gaveUp: string[] = [];
  const health: string[] = [];
  const dog = new IceWatchdog({
    restartAfterMs: 2_000,
    retryEveryMs: 5_000,
    giveUpAfterMs: 20_000,
    restartIce: async () => {
      restarts.push(Date.now());
      await restart();
    },
    giveUp: (reason) => gaveUp.push(reason),
    onHealth: (h) => health.push(h),
  });
  return { dog, restarts, gaveUp, health };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('IceWatchdog', () => {
  it('leaves a short disconnect alone', async () => {
    const { dog, restarts, health } = setup();
    dog.update('connected');
    dog.update('disconnected');
    await vi.advanceTimersByTimeAsync(1_500);
    dog.update('connected');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(restarts).toEqual([]);
    expect(health).toEqual(['recovering', 'connected']);
  });

  it('restarts ICE after the grace period, then on a fixed retry, and gives up at the deadline', async () => {
    const { dog, restarts, gaveUp } = setup();
    dog.update('connected');
    dog.update('disconnected');
    await vi.advanceTimersByTimeAsync(19_999);
    expect(restarts).toEqual([2_000, 7_000, 12_000, 17_000]);
    expect(gaveUp).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(gaveUp).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(restarts).toHaveLength(4);
    expect(gaveUp).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('restarts at once when the transport fails, and keeps retrying when a restart throws', async () => {
    const { dog, restarts, gaveUp } = setup(async () => {
      throw new Error('socket gone');
    });
    dog.update('connected');
    dog.update('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(restarts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(restarts).toEqual([0, 5_000]);
    dog.update('connected');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(restarts).toHaveLength(2);
    expect(gaveUp).toEqual([]);
  });

  it('counts the deadline from the first loss, not from each flap', async () => {
    const { dog, gaveUp } = setup();
    dog.update('connected');
    dog.update('disconnected');
    await vi.advanceTimersByTimeAsync(3_000);
    dog.update('failed');
    await vi.advanceTimersByTimeAsync(3_000);
    dog.update('disconnected');
    await vi.advanceTimersByTimeAsync(14_000);
    expect(gaveUp).toHaveLength(1);
  });

  it('does nothing before the first connection, and nothing after dispose()', async () => {
    const { dog, restarts, gaveUp } = setup();
    dog.update('new');
    dog.update('connecting');
    await vi.advanceTimersByTimeAsync(60_000);
    dog.update('disconnected');
    dog.dispose();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(restarts).toEqual([]);
    expect(gaveUp).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
