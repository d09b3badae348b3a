/**
 * Interaction and moderation end to end in real headless Chromium, against the real server (realtime hub, accounts,
 * SQLite): viewer pages in their own browser contexts (one guest identity each) and the moderator pane at /moderator.
 *
 *  (a) the owner sets up the first account (a wrong setup code is refused; the one from <data dir>/setup-code works)
 *      and invites a moderator; a viewer asks a question;
 *      the owner claims it (the invited moderator then sees it claimed and cannot answer) and answers privately: the
 *      asker sees the answer, a second viewer never receives it;
 *  (c) chat messages carrying <img onerror> / <script> payloads show as inert text on viewers and in the pane;
 *  (b) banning a viewer from the pane removes that viewer's earlier messages from another viewer's page.
 *
 * The show is opened on the server directly and stays "starting soon" (no studio publishing; viewers waiting keep its
 * room open, where a live show without its publisher would end after the grace period): chat and moderation do not
 * depend on media, and the live loop has its own tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll, type Stack, startStack, watchConsole } from './harness';

type RtState = {
  rtStatus: string;
  messages: { id: string; text: string; name: string }[];
  privateAnswers: { questionId: string; answer: string }[];
  you: { banned: boolean; canPost: boolean } | null;
};
type ModState = { rtStatus: string; questions: Record<string, { id: string; text: string; status: string; visibility: string | null }> };

const viewerState = (page: Page) => page.evaluate(() => window.__storecast?.store.getState() as unknown as RtState);
const modState = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __storecastModerator: { store: { getState(): unknown } } }).__storecastModerator.store.getState() as ModState,
  );

describe('interaction: questions, private answers, inert chat payloads, bans', () => {
  let stack: Stack;
  const logs: string[] = [];
  const contexts: BrowserContext[] = [];
  let showId: string;
  let owner: Page;
  let asker: Page;
  let other: Page;

  async function newViewer(name: string): Promise<Page> {
    const ctx = await stack.browser.newContext({ locale: 'en', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    watchConsole(page, name, logs);
    await page.goto(`${stack.server.url}/live/${showId}?lang=en`);
    await poll(`${name} chat connected`, async () => (await viewerState(page))?.rtStatus === 'open', 30_000);
    return page;
  }

  async function newStaffPage(name: string, path = '/moderator?lang=en'): Promise<Page> {
    const ctx = await stack.browser.newContext({ locale: 'en', viewport: { width: 1440, height: 900 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    watchConsole(page, name, logs);
    await page.goto(`${stack.server.url}${path}`);
    return page;
  }

  async function openShowInPane(page: Page): Promise<void> {
    await page.getByTestId(`show-${showId}`).click();
    await poll('pane connected', async () => (await modState(page)).rtStatus === 'open', 20_000);
  }

  /** Chat as a viewer through the page (the nickname sheet comes first for a new viewer). */
  async function say(page: Page, text: string, nickname?: string): Promise<void> {
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-send').click();
    if (nickname) {
      await page.getByTestId('nickname-input').fill(nickname);
      await page.getByTestId('nickname-save').click();
      await poll('chat reconnected with the nickname', async () => {
        const s = await viewerState(page);
        return s.rtStatus === 'open' && (s as unknown as { you: { name: string } | null }).you?.name === nickname;
      });
      await page.getByTestId('chat-send').click();
    }
    await poll(`"${text}" accepted`, async () => (await viewerState(page)).messages.some((m) => m.text === text));
  }

  beforeAll(async () => {
    stack = await startStack({ locale: 'en' });
    showId = stack.server.shows.create('Interaction E2E').id;
  });
  afterAll(async () => {
    if (logs.length) console.log(logs.join('\n'));
    for (const c of contexts) await c.close().catch(() => {});
    await stack?.close();
  });

  it('(a) a private answer reaches only the asker; a claimed question is locked for other moderators', async () => {
    // First run: the pane offers the owner setup, which needs the setup code the server printed (and keeps in its
    // data dir): reaching the page first is not enough.
    owner = await newStaffPage('owner');
    await owner.getByTestId('auth-setup').waitFor();
    await owner.getByTestId('setup-name').fill('Owner Lin');
    await owner.getByTestId('setup-password').fill('e2e-owner-password');
    await owner.getByTestId('setup-confirm').fill('e2e-owner-password');
    await owner.getByTestId('setup-submit').click();
    await expect(owner.getByTestId('auth-error').textContent()).resolves.toContain('setup code');
    const codeFile = join(stack.dataDir, 'setup-code');
    const code = readFileSync(codeFile, 'utf8').trim();
    await owner.getByTestId('setup-code').fill('ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ');
    await owner.getByTestId('setup-submit').click();
    await poll('wrong code refused', async () => ((await owner.getByTestId('auth-error').textContent()) ?? '').includes('not right'));
    await owner.getByTestId('setup-code').fill(code.toLowerCase());
    await owner.getByTestId('setup-submit').click();
    await owner.getByTestId('signed-in-as').waitFor();
    expect(existsSync(codeFile)).toBe(false);
    await openShowInPane(owner);

    // The owner invites a moderator; the link's accept page creates the account.
    await owner.getByTestId('tab-team').click();
    await owner.getByTestId('invite-create').click();
    const link = await owner.getByTestId('invite-link').inputValue();
    expect(link).toMatch(/\/moderator#invite=[A-Za-z0-9_-]{16,64}$/);
    await owner.getByTestId('tab-live').click();
    const mod = await newStaffPage('moderator', new URL(link).pathname + new URL(link).hash);
    await mod.getByTestId('auth-accept').waitFor();
    await mod.getByTestId('accept-name').fill('Mod Kai');
    await mod.getByTestId('accept-password').fill('e2e-moderator-password');
    await mod.getByTestId('accept-confirm').fill('e2e-moderator-password');
    await mod.getByTestId('accept-submit').click();
    await expect(mod.getByTestId('signed-in-as').textContent()).resolves.toContain('Mod Kai');
    await openShowInPane(mod);

    asker = await newViewer('asker');
    other = await newViewer('other');

    const question = 'Does the scarf shed? Can I machine wash it?';
    await asker.getByTestId('ask-button').click();
    await asker.getByTestId('ask-input').fill(question);
    await asker.getByTestId('ask-submit').click();
    await asker.getByTestId('ask-sent').waitFor();
    await asker.keyboard.press('Escape');

    // The owner claims it from the live queue…
    const item = owner.locator('[data-testid="queue-item"]', { hasText: question });
    await item.waitFor({ timeout: 10_000 });
    await item.click();
    await owner.getByTestId('claim').click();
    await owner.getByTestId('release').waitFor();

    // …so the other moderator sees it claimed and cannot answer it.
    await mod.locator('[data-testid="queue-item"]', { hasText: question }).click();
    await mod.getByTestId('claimed-other').waitFor();
    await expect(mod.getByTestId('claimed-other').textContent()).resolves.toContain('Owner Lin');
    await expect(mod.getByTestId('answer-input').isDisabled()).resolves.toBe(true);

    const answer = 'It sheds a little the first two times; hand wash and dry flat.';
    await owner.getByTestId('visibility-private').click();
    await owner.getByTestId('answer-input').fill(answer);
    await owner.getByTestId('answer-send').click();
    await owner.getByTestId('flash-ok').waitFor();
    await poll('question answered in the pane', async () =>
      Object.values((await modState(owner)).questions).some(
        (q) => q.text === question && q.status === 'answered' && q.visibility === 'private',
      ),
    );

    // The asker sees the private answer under the video.
    const card = asker.getByTestId('private-answer');
    await card.waitFor({ timeout: 10_000 });
    await expect(card.getByTestId('answer-text').textContent()).resolves.toContain(answer);

    // The other viewer never gets it: several batch periods later, nothing arrived.
    await other.waitForTimeout(1500);
    const otherState = await viewerState(other);
    expect(otherState.privateAnswers).toEqual([]);
    expect(await other.getByTestId('private-answer').count()).toBe(0);
    expect(await other.getByTestId('public-answer').count()).toBe(0);
    expect(await other.content()).not.toContain(answer);
  });

  it('(c) HTML and script payloads in chat are shown as inert text', async () => {
    const img = '<img src=x onerror="window.__xss=1">';
    const script = '<script>window.__xss2=1</script>';
    await say(other, img, 'Tester');
    await say(other, script);

    for (const page of [asker, other]) {
      const texts = page.getByTestId('chat-text');
      await poll('payloads listed', async () => {
        const all = await texts.allTextContents();
        return all.includes(img) && all.includes(script);
      });
      const dom = await page.evaluate(() => ({
        imgs: document.querySelectorAll('.chat img, .danmaku img, img[src="x"]').length,
        scripts: document.querySelectorAll('.chat script, .danmaku script').length,
        xss: (window as unknown as { __xss?: number; __xss2?: number }).__xss ?? (window as unknown as { __xss2?: number }).__xss2 ?? null,
      }));
      expect(dom).toEqual({ imgs: 0, scripts: 0, xss: null });
    }
    // The moderator pane renders them as text too.
    const msgs = owner.getByTestId('mod-message');
    await poll('payloads in the pane', async () => (await msgs.allTextContents()).some((t) => t.includes(img)));
    const paneDom = await owner.evaluate(() => ({
      imgs: document.querySelectorAll('[data-testid="mod-chat"] img').length,
      scripts: document.querySelectorAll('[data-testid="mod-chat"] script').length,
      xss: (window as unknown as { __xss?: number }).__xss ?? null,
    }));
    expect(paneDom).toEqual({ imgs: 0, scripts: 0, xss: null });
  });

  it('(b) a ban from the pane removes the user’s earlier messages on another viewer’s page', async () => {
    const troll = await newViewer('troll');
    const lines = ['buy followers cheap', 'buy followers cheap now!!', 'seriously, cheap followers'];
    await say(troll, lines[0]!, 'Troll');
    for (const l of lines.slice(1)) await say(troll, l);
    const keep = 'nice colour on the scarf';
    await say(asker, keep, 'Asker');

    // The asker's page shows the troll's lines.
    await poll('troll lines visible to the asker', async () => {
      const all = await asker.getByTestId('chat-text').allTextContents();
      return lines.every((l) => all.includes(l));
    });

    // Ban from the pane (hover the message → Ban → confirm with a reason).
    const row = owner.locator('[data-testid="mod-message"]', { hasText: lines[0]! }).first();
    await row.hover();
    await row.getByTestId('ban').click();
    await row.getByTestId('ban-reason').fill('spam');
    await row.getByTestId('ban-confirm-button').click();
    await owner.getByTestId('flash-ok').waitFor();

    await poll('troll lines removed from the asker page', async () => {
      const all = await asker.getByTestId('chat-text').allTextContents();
      return lines.every((l) => !all.includes(l)) && all.includes(keep);
    });
    const state = await viewerState(asker);
    expect(state.messages.some((m) => lines.includes(m.text))).toBe(false);
    // The pane lost them too, and the troll's page says it can no longer post.
    await poll('removed in the pane', async () =>
      (await owner.getByTestId('mod-message').allTextContents()).every((t) => !t.includes(lines[0]!)),
    );
    await poll('troll sees the ban', async () => (await viewerState(troll)).you?.banned === true);
    await expect(troll.getByTestId('chat-input').isDisabled()).resolves.toBe(true);

    // The audit log lists the ban.
    await owner.getByTestId('tab-audit').click();
    await owner.locator('[data-testid="audit-row"][data-action="user.ban"]').waitFor();
  });
});
