/**
 * A media path the viewer cannot restore, in real headless Chromium: the server drops the viewer's recv transport
 * behind its back, so ICE goes away and every ICE restart is refused. The page must not sit on a frozen picture: it
 * says the connection is too poor, rejoins by itself, and plays again.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStudioAndGoLive, openViewer, poll, type Stack, startStack, watchConsole } from './harness';

const screen = (page: Page): Promise<string> => page.evaluate(() => (window.__storecast as unknown as { screen(): string }).screen());

describe('a media path that cannot be restored', () => {
  let stack: Stack;
  const logs: string[] = [];
  const pages: Page[] = [];
  beforeAll(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('shows "connection too poor" instead of a frozen picture, then rejoins and plays again', async () => {
    try {
      const { page: studio, showId } = await openStudioAndGoLive(stack, 'E2E weak network');
      pages.push(studio);
      const viewer = await openViewer(stack, showId);
      pages.push(viewer);
      watchConsole(viewer, 'viewer', logs);
      await poll('viewer live', async () => (await screen(viewer)) === 'live', 30_000);
      // Remember whether the "too poor" panel was ever rendered (it may show only briefly before the rejoin plays).
      await viewer.evaluate(() => {
        const w = window as unknown as { sawPoor: boolean };
        w.sawPoor = false;
        new MutationObserver(() => {
          if (document.querySelector('[data-testid="state-poor-connection"]')) w.sawPoor = true;
        }).observe(document.body, { childList: true, subtree: true });
      });

      const sessions = [...stack.server.signaling.sessions].filter((s) => s.role === 'viewer');
      expect(sessions).toHaveLength(1);
      const session = sessions[0]!;
      const oldTransports = [...session.peer!.transports.values()];
      for (const t of oldTransports) t.close();

      await poll(
        '"connection too poor" shown',
        () => viewer.evaluate(() => (window as unknown as { sawPoor: boolean }).sawPoor),
        90_000,
        100,
      );
      await poll('viewer live again', async () => (await screen(viewer)) === 'live', 60_000, 250);
      const rejoined = [...stack.server.signaling.sessions].filter((s) => s.role === 'viewer');
      expect(rejoined).toHaveLength(1);
      const ids = [...rejoined[0]!.peer!.transports.keys()];
      expect(ids.some((id) => oldTransports.some((t) => t.id === id))).toBe(false);
      const poorAfter = await viewer.evaluate(
        () => (window.__storecast as unknown as { store: { getState(): { poorConnection: boolean } } }).store.getState().poorConnection,
      );
      expect(poorAfter).toBe(false);
      expect(logs.filter((l) => l.includes('pageerror'))).toEqual([]);
    } catch (err) {
      console.log(logs.join('\n'));
      throw err;
    }
  });
});
