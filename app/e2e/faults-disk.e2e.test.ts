/**
 * The recording disk fills up mid-show: the studio shows a clear error in the Output panel while the live show goes
 * on (the viewer keeps presenting frames, the studio stays live). The host's recordings folder is a 1 MB tmpfs
 * mounted for the test (root needed), unmounted afterwards, also on failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_LOG_SCRIPT, framesSince, openStudioAndGoLive, openViewer, poll, type Stack, startStack, watchConsole } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults: the recording disk is full', () => {
  let stack: Stack;
  let mounted: string | null = null;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    const dir = join(stack.dataDir, 'recordings');
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`this test mounts a 1 MB tmpfs as the recordings folder and needs root: ${String(err)}`);
    }
    mounted = dir;
  });
  afterAll(async () => {
    // Unmount first: the stack's cleanup removes the data dir, which a mount point inside it would stop.
    if (mounted) execFileSync('umount', ['-l', mounted], { stdio: 'pipe' });
    await stack?.close();
  });

  it('shows a disk error in the Output panel while the viewer keeps playing and the studio stays live', async () => {
    const { page: studio, showId } = await openStudioAndGoLive(stack, 'E2E 磁盘满');
    watchConsole(studio, 'studio', logs);
    await stack.context.addInitScript({ content: FRAME_LOG_SCRIPT });
    const viewer = await openViewer(stack, showId);
    watchConsole(viewer, 'viewer', logs);
    await poll('viewer playing', async () => (await framesSince(viewer, 0)).length >= 30, 30_000, 50);

    try {
      await studio.getByTestId('output-panel').waitFor();
      await studio.getByTestId('record-start').dispatchEvent('click', undefined, { timeout: 60_000 });
      const startedAt = Date.now();
      const error = studio.getByTestId('recording-error');
      await error.waitFor({ timeout: 60_000 });
      const failedAt = Date.now();
      console.log(`[faults] recording failed ${failedAt - startedAt} ms after it started: ${await error.textContent()}`);
      expect(await error.getAttribute('data-code')).toBe('disk');
      expect(await error.textContent()).toContain('无法写入录制文件（磁盘已满或没有权限）');
      expect(await error.textContent()).toMatch(/No space left on device/i);
      // The streamer can start a new recording (after freeing space): the button is back.
      await studio.getByTestId('record-start').waitFor({ timeout: 15_000 });

      // The show goes on.
      await sleep(4_000);
      const frames = await framesSince(viewer, failedAt);
      const gaps = frames.slice(1).map((t, i) => t - frames[i]!);
      expect(frames.length, 'frames presented in the 4 s after the recording failed').toBeGreaterThan(40);
      expect(Math.max(...gaps)).toBeLessThan(1_000);
      const publish = await studio.evaluate(
        () => (window.__storecast?.store.getState() as { publish?: { state: string } } | undefined)?.publish?.state,
      );
      expect(publish).toBe('live');
      expect(stack.server.rooms.get(showId)?.viewers.size).toBe(1);
    } catch (err) {
      console.log(logs.join('\n'));
      throw err;
    }
  });
});
