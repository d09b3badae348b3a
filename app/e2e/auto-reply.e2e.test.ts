/**
 * Automatic replies end to end in real headless Chromium, against the real server: the owner turns them on in the
 * moderator pane; a viewer asks a question the shop's data answers with confidence;
 *  (a) public mode: another viewer's page shows the answer pinned in the room, marked as an automatic reply; the
 *      owner retracts it from the pane and it leaves that page;
 *  (b) private mode: only the asker's page shows it (marked automatic), another viewer never gets it; retracted, it
 *      leaves the asker's page.
 * The show stays "starting soon" (no studio publishing): answers do not depend on media.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll, type Stack, startStack, watchConsole } from './harness';

type ModState = { rtStatus: string; autoReply: string | null };
const modState = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __storecastModerator: { store: { getState(): unknown } } }).__storecastModerator.store.getState() as ModState,
  );

describe('automatic replies in the room', () => {
  let stack: Stack;
  const logs: string[] = [];
  const contexts: BrowserContext[] = [];
  let showId: string;
  let owner: Page;

  async function newPage(name: string, path: string, mobile: boolean): Promise<Page> {
    const ctx = await stack.browser.newContext(
      mobile
        ? { locale: 'en', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
        : { locale: 'en', viewport: { width: 1440, height: 900 } },
    );
    contexts.push(ctx);
    const page = await ctx.newPage();
    watchConsole(page, name, logs);
    await page.goto(`${stack.server.url}${path}`);
    return page;
  }

  async function newViewer(name: string): Promise<Page> {
    const page = await newPage(name, `/live/${showId}?lang=en`, true);
    await poll(`${name} chat connected`, async () => {
      const s = await page.evaluate(() => window.__storecast?.store.getState() as unknown as { rtStatus: string } | undefined);
      return s?.rtStatus === 'open';
    });
    return page;
  }

  async function ask(page: Page, text: string): Promise<void> {
    await page.getByTestId('ask-button').click();
    await page.getByTestId('ask-input').fill(text);
    await page.getByTestId('ask-submit').click();
    await page.getByTestId('ask-sent').waitFor();
    await page.keyboard.press('Escape');
  }

  /** Retract from the pane: the Answered tab → the question → Retract. */
  async function retract(text: string): Promise<void> {
    await owner.getByTestId('queue-answered').click();
    const item = owner.locator('[data-testid="queue-item"]', { hasText: text });
    await item.waitFor({ timeout: 10_000 });
    await item.click();
    await owner.getByTestId('auto-reply-mark').waitFor();
    await owner.getByTestId('auto-retract').click();
    await owner.getByTestId('flash-ok').waitFor();
  }

  async function setMode(mode: 'public' | 'private'): Promise<void> {
    await owner.getByTestId(`auto-reply-${mode}`).click();
    await poll(`auto replies ${mode}`, async () => (await modState(owner)).autoReply === mode);
  }

  beforeAll(async () => {
    stack = await startStack({ locale: 'en' });
    showId = stack.server.shows.create('Auto-reply E2E').id;
    const studio = { 'content-type': 'application/json', authorization: `Bearer ${stack.server.studioToken}` };
    const created = await fetch(`${stack.server.url}/api/studio/products`, {
      method: 'POST',
      headers: studio,
      body: JSON.stringify({
        title: '真无线主动降噪耳机',
        description: '-42dB 主动降噪，单次续航 8 小时，配合充电盒 32 小时。蓝牙 5.3，低延迟游戏模式。',
        currency: 'CNY',
        faq: [{ q: '保修多久？', a: '整机一年保修，30 天无理由退换。' }],
        defaults: { listPriceMinor: 49900, livePriceMinor: 39900, stock: 25 },
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const lineup = await fetch(`${stack.server.url}/api/studio/shows/${showId}/lineup`, {
      method: 'PUT',
      headers: studio,
      body: JSON.stringify({ productIds: [id] }),
    });
    expect(lineup.status).toBe(200);

    // The owner account from the first-run setup code, then the show in the pane.
    owner = await newPage('owner', '/moderator?lang=en', false);
    await owner.getByTestId('auth-setup').waitFor();
    await owner.getByTestId('setup-name').fill('Owner Lin');
    await owner.getByTestId('setup-password').fill('e2e-owner-password');
    await owner.getByTestId('setup-confirm').fill('e2e-owner-password');
    await owner.getByTestId('setup-code').fill(readFileSync(join(stack.dataDir, 'setup-code'), 'utf8').trim());
    await owner.getByTestId('setup-submit').click();
    await owner.getByTestId('signed-in-as').waitFor();
    await owner.getByTestId(`show-${showId}`).click();
    await poll('pane connected', async () => (await modState(owner)).rtStatus === 'open', 20_000);
  });
  afterAll(async () => {
    if (logs.length) console.log(logs.join('\n'));
    for (const c of contexts) await c.close().catch(() => {});
    await stack?.close();
  });

  it('(a) public: the room shows the answer marked automatic; a retract from the pane removes it', async () => {
    await setMode('public');
    const watcher = await newViewer('watcher');
    const asker = await newViewer('asker');
    const question = 'How much are the earbuds?';
    await ask(asker, question);

    const card = watcher.getByTestId('public-answer');
    await card.waitFor({ timeout: 5_000 });
    await expect(card.getAttribute('data-auto')).resolves.toBe('true');
    await expect(card.getByTestId('answer-auto').textContent()).resolves.toBe('Automatic reply');
    await expect(card.getByTestId('answer-text').textContent()).resolves.toContain('¥399');
    await expect(card.textContent()).resolves.toContain(question);

    await retract(question);
    await card.waitFor({ state: 'detached', timeout: 5_000 });
    await asker.getByTestId('public-answer').waitFor({ state: 'detached', timeout: 5_000 });
  });

  it('(b) private: only the asker sees it, marked automatic; a retract removes it from the asker’s page', async () => {
    await setMode('private');
    const watcher = await newViewer('watcher2');
    const asker = await newViewer('asker2');
    const question = 'earbuds price?';
    await ask(asker, question);

    const card = asker.getByTestId('private-answer');
    await card.waitFor({ timeout: 5_000 });
    await expect(card.getAttribute('data-auto')).resolves.toBe('true');
    await expect(card.getByTestId('answer-auto').textContent()).resolves.toBe('Automatic reply');
    await expect(card.getByTestId('answer-text').textContent()).resolves.toContain('¥399');

    // Several batch periods later the other viewer still has nothing.
    await watcher.waitForTimeout(1500);
    expect(await watcher.getByTestId('private-answer').count()).toBe(0);
    expect(await watcher.getByTestId('public-answer').count()).toBe(0);
    expect(await watcher.content()).not.toContain(question);

    await retract(question);
    await card.waitFor({ state: 'detached', timeout: 5_000 });
  });
});
