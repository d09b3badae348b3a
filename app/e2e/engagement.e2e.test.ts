/**
 * Engagement end to end in headless Chromium: the studio (live) starts a danmaku lottery, sends a red packet and
 * issues a coupon from its Engagement panel; a viewer grabs the red packet, enters the lottery with the keyword and
 * claims the coupon; the studio draws; the viewer sees the result and verifies the draw in the page. The server's
 * database agrees. Set SHOTS_DIR to keep screenshots (zh-CN and en).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudioAndGoLive, openViewer, poll, type Stack, startStack, watchConsole } from './harness';

const shotsDir = process.env.SHOTS_DIR ?? null;
async function shot(page: Page, name: string): Promise<void> {
  if (!shotsDir) return;
  mkdirSync(shotsDir, { recursive: true });
  await page.bringToFront();
  await page.screenshot({ path: join(shotsDir, `${name}.png`) });
}

describe('engagement: studio starts, viewer grabs / enters / claims, draw verified', () => {
  let stack: Stack;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    if (logs.length) console.log(logs.join('\n'));
    await stack?.close();
  });

  it('red packet grab, keyword lottery and coupon claim through the real pages', async () => {
    const { page: studio, showId } = await openStudioAndGoLive(stack, 'E2E 福袋红包');
    watchConsole(studio, 'studio', logs);
    const panel = studio.getByTestId('engagement-panel');
    await panel.scrollIntoViewIfNeeded();

    // Lottery: keyword 福袋, one winner.
    await studio.getByTestId('engage-mode-lottery').click();
    await studio.getByTestId('engage-prize').fill('口红礼盒');
    await studio.getByTestId('engage-keyword').fill('福袋');
    await studio.getByTestId('engage-submit').click();
    await studio.getByTestId('engage-giveaway').first().waitFor({ timeout: 15_000 });

    // Red packet: 8.88 CNY in 2 shares.
    await studio.getByTestId('engage-mode-redpacket').click();
    await studio.getByTestId('engage-amount').fill('8.88');
    await studio.getByTestId('engage-count').fill('2');
    await studio.getByTestId('engage-submit').click();
    await studio.getByTestId('engage-redpacket').first().waitFor({ timeout: 15_000 });

    // Coupon: 5.00 off.
    await studio.getByTestId('engage-mode-coupon').click();
    await studio.getByTestId('engage-title').fill('直播间专享');
    await studio.getByTestId('engage-value').fill('5');
    await studio.getByTestId('engage-submit').click();
    await studio.getByTestId('engage-coupon').first().waitFor({ timeout: 15_000 });

    const viewer = await openViewer(stack, showId);
    watchConsole(viewer, 'viewer', logs);
    const grab = viewer.getByTestId('engage-grab');
    await grab.waitFor({ timeout: 30_000 });
    await shot(viewer, 'viewer-cards-zh');
    await grab.click();
    await viewer.getByTestId('engage-packet-won').waitFor({ timeout: 10_000 });
    const won = await viewer.getByTestId('engage-packet-won').textContent();
    expect(won).toMatch(/¥/);

    await viewer.getByTestId('engage-send-keyword').click();
    await viewer.getByTestId('engage-claim-coupon').click();
    await viewer.getByTestId('engage-coupon-claimed').waitFor({ timeout: 10_000 });

    const db = stack.server.db;
    const claimed = db.prepare('SELECT COUNT(*) AS n, SUM(amount) AS total FROM red_packet_shares WHERE claimer_key IS NOT NULL').get() as {
      n: number;
      total: number;
    };
    expect(claimed.n).toBe(1);
    expect(`¥${(claimed.total / 100).toFixed(2)}`).toBe(won?.match(/¥[\d.]+/)?.[0]);
    await poll(
      'lottery entry recorded',
      async () => (db.prepare('SELECT COUNT(*) AS n FROM giveaway_entries').get() as { n: number }).n === 1,
    );
    expect((db.prepare('SELECT COUNT(*) AS n FROM coupon_claims').get() as { n: number }).n).toBe(1);
    await shot(viewer, 'viewer-claimed-zh');
    await shot(studio, 'studio-running-zh');

    // The studio draws now; the only entrant wins; the viewer verifies the draw in its page.
    await studio.getByTestId('engage-draw').click();
    await viewer.getByTestId('engage-result-card').waitFor({ timeout: 10_000 });
    await viewer.getByTestId('engage-verify').click();
    await poll(
      'draw verified in the viewer',
      async () => (await viewer.getByTestId('engage-verified').textContent())?.includes('✓'),
      10_000,
    );
    await studio.getByTestId('engage-verify').click();
    await poll(
      'draw verified in the studio',
      async () => (await studio.getByTestId('engage-verified').textContent())?.includes('✓'),
      10_000,
    );
    await shot(viewer, 'viewer-result-zh');
    await shot(studio, 'studio-result-zh');

    if (shotsDir) {
      const en = await openViewer(stack, showId, '?lang=en');
      await en.getByTestId('engage-result-card').waitFor({ timeout: 30_000 });
      await shot(en, 'viewer-result-en');
      await studio
        .locator('.lang-switch select')
        .selectOption('en')
        .catch(() => {});
      await studio.waitForTimeout(300);
      await shot(studio, 'studio-result-en');
    }
  });
});
