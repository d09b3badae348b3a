/**
 * Recording and restream from the web studio in headless Chromium: the real renderer encodes the program with
 * MediaRecorder, the chunks travel over the authenticated host WebSocket as binary frames, and the host's ffmpeg
 * writes a fragmented MP4 (checked with ffprobe) and pushes to an RTMP server on loopback (`ffmpeg -listen 1`).
 */
import { mkdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAll, ffprobe, freePort, rtmpListener, sleep } from '../main/output/test-media';
import { poll, type Stack, startStack, watchConsole } from './harness';

const SHOTS = process.env.SHOTS_DIR ?? null;
let stack: Stack;
const consoleLines: string[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.getByTestId('output-panel').screenshot({ path: join(SHOTS, `${name}-panel.png`) });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/**
 * Click through a DOM event: under heavy CPU load the studio's render loop can keep the page from answering
 * Playwright's post-click navigation check for a long time, while the event itself is handled fine.
 */
async function press(page: Page, testId: string): Promise<void> {
  await page.getByTestId(testId).dispatchEvent('click', undefined, { timeout: 60_000 });
}

async function openStudio(): Promise<Page> {
  const page = await stack.context.newPage();
  watchConsole(page, 'studio', consoleLines);
  await page.goto(stack.host.url);
  await poll('studio program frames', () =>
    page.evaluate(() => {
      const s = window.__storecast?.store.getState() as { program?: { frames: number } } | undefined;
      return (s?.program?.frames ?? 0) > 5;
    }),
  );
  await page.getByTestId('output-panel').waitFor();
  return page;
}

describe('output (web mode)', () => {
  it('records the program through the host socket to an MP4 with H.264 + AAC', async () => {
    const page = await openStudio();
    await press(page, 'record-start');
    await page.getByTestId('record-stop').waitFor({ timeout: 15_000 });
    // elapsed time and file size advance while recording
    await poll(
      'recording bytes',
      async () => {
        const text = (await page.getByTestId('recording-size').textContent()) ?? '';
        return /KB|MB/.test(text) ? text : null;
      },
      30_000,
    );
    await sleep(3000);
    await shot(page, 'recording-zh');
    await press(page, 'record-stop');
    await page.getByTestId('record-start').waitFor({ timeout: 20_000 });
    const files = (await readdir(join(stack.dataDir, 'recordings'))).filter((f) => f.endsWith('.mp4'));
    expect(files).toHaveLength(1);
    const file = join(stack.dataDir, 'recordings', files[0]!);
    const probe = await ffprobe(file);
    expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    expect(Number(probe.format.duration)).toBeGreaterThan(2);
    await decodeAll(file);
    expect(await page.getByTestId('recording-file').textContent()).toBe(files[0]);
    await page.close();
  });

  it('restreams to a loopback RTMP server; a refused target shows retrying/failed while the other stays live', async () => {
    const port = await freePort();
    const dead = await freePort();
    const out = join(stack.dataDir, 'received.flv');
    const server = rtmpListener(port, 'live', 'e2eKEY', out);
    try {
      const page = await openStudio();
      const addTarget = async (name: string, url: string, key: string) => {
        await press(page, 'target-add');
        await page.getByTestId('target-name').fill(name);
        await page.getByTestId('target-url').fill(url);
        await page.getByTestId('target-key').fill(key);
        await press(page, 'target-save');
        await page.getByTestId('target-form').waitFor({ state: 'detached' });
      };
      // validation happens before anything is saved
      await press(page, 'target-add');
      await page.getByTestId('target-name').fill('Bad');
      await page.getByTestId('target-url').fill('http://example.com/live');
      await press(page, 'target-save');
      await page.getByTestId('target-form-error').waitFor();
      await page.getByTestId('target-form').getByRole('button').filter({ hasText: '取消' }).dispatchEvent('click');

      await addTarget('本地测试', `rtmp://127.0.0.1:${port}/live`, 'e2eKEY');
      await addTarget('不可达', `rtmp://127.0.0.1:${dead}/live`, 'deadKEY');
      await press(page, 'restream-start');
      const rows = page.getByTestId('target');
      await poll(
        'first target live',
        async () => (await rows.nth(0).getByTestId('target-state').getAttribute('data-state')) === 'live',
        30_000,
      );
      await poll(
        'second target retrying',
        async () => {
          const s = await rows.nth(1).getByTestId('target-state').getAttribute('data-state');
          return s === 'retrying' || s === 'failed';
        },
        30_000,
      );
      expect(await rows.nth(1).getByTestId('target-error').getAttribute('data-code')).toBe('refused');
      await poll(
        'bitrate shown',
        async () => /[1-9]\d* kbps/.test((await rows.nth(0).getByTestId('target-kbps').textContent()) ?? ''),
        15_000,
      );
      await sleep(3000);
      await shot(page, 'restream-zh');
      expect(await page.content()).not.toContain('e2eKEY'); // the stream key never comes back to the page
      await page.locator('.lang-switch select').selectOption('en');
      await page.getByText('Stop restream').waitFor();
      await shot(page, 'restream-en');
      await press(page, 'restream-stop');
      await page.getByTestId('restream-start').waitFor({ timeout: 20_000 });
      expect(await Promise.race([server.done, sleep(15_000).then(() => 'timeout')])).toBe(0);
      const probe = await ffprobe(out);
      expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
      expect(Number(probe.format.duration)).toBeGreaterThan(2);
      await page.close();
    } finally {
      server.kill();
    }
  });
});
