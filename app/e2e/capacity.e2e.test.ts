/**
 * A full show in real headless Chromium: with the server's transport cap reached, a new viewer page shows the
 * "show is full" waiting screen (not a spinner or a generic error), the viewer already in keeps playing, and the
 * waiting page gets in by itself once a place frees up.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStudioAndGoLive, openViewer, poll, type Stack, startStack, watchConsole } from './harness';

interface Snapshot {
  screen: string;
  presentedFrames: number;
}

const snapshot = (page: Page): Promise<Snapshot> =>
  page.evaluate(() => {
    const h = window.__storecast as unknown as { screen(): string; store: { getState(): { presentedFrames: number } } };
    return { screen: h.screen(), presentedFrames: h.store.getState().presentedFrames };
  });

describe('a full show', () => {
  let stack: Stack;
  const logs: string[] = [];
  const pages: Page[] = [];
  beforeAll(async () => {
    // The studio's send transport and one viewer's recv transport. HLS off: a full show is a waiting screen (with HLS
    // on the page plays the show's HLS instead, hls-fallback.e2e.test.ts).
    stack = await startStack({ server: { sfuMaxTransports: 2, hls: false } });
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('shows the waiting screen to the viewer over capacity, keeps the others playing, and lets it in when a place frees', async () => {
    try {
      const { page: studio, showId } = await openStudioAndGoLive(stack, 'E2E 满员');
      pages.push(studio);
      watchConsole(studio, 'studio', logs);
      const first = await openViewer(stack, showId);
      pages.push(first);
      watchConsole(first, 'first', logs);
      await poll('first viewer live', async () => (await snapshot(first)).screen === 'live', 30_000);

      const waiting = await openViewer(stack, showId);
      pages.push(waiting);
      watchConsole(waiting, 'waiting', logs);
      await waiting.getByTestId('state-full').waitFor({ timeout: 20_000 });
      expect(await waiting.getByTestId('state-full').textContent()).toContain('直播间已满');
      expect(await waiting.getByTestId('state-error').count()).toBe(0);

      // The viewer already in still plays.
      const before = (await snapshot(first)).presentedFrames;
      await poll('first viewer still presenting frames', async () => (await snapshot(first)).presentedFrames > before + 10, 10_000);
      expect((await snapshot(first)).screen).toBe('live');

      await first.close();
      await poll('waiting viewer live', async () => (await snapshot(waiting)).screen === 'live', 40_000, 250);
      expect(logs.filter((l) => l.includes('pageerror'))).toEqual([]);
    } catch (err) {
      console.log(logs.join('\n'));
      throw err;
    }
  });
});
