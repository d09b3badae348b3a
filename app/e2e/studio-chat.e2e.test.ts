/**
 * Studio chat dock end to end: the studio (web mode, headless Chromium) goes live and its dock connects to the show's
 * realtime room with the studio token. A viewer (a real `ws` client with a guest session cookie) chats and asks; the
 * streamer sees the message rendered as inert text and the question highlighted, answers it privately (only the asker
 * receives it), deletes a message, and bans the viewer — each visible to the viewer through the server's batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtClient } from '../../server/src/realtime/testing';
import { realtimeUrl } from '../../shared/protocol/realtime';
import { openStudioAndGoLive, poll, type Stack, startStack, watchConsole } from './harness';

async function guestCookie(serverUrl: string): Promise<string> {
  const res = await fetch(`${serverUrl}/api/session`, { method: 'POST', headers: { origin: serverUrl } });
  const set = res.headers.get('set-cookie');
  if (!res.ok || !set) throw new Error(`POST /api/session → ${res.status}`);
  return set.split(';')[0]!;
}

async function viewer(stack: Stack, showId: string, nickname: string): Promise<RtClient> {
  const url = stack.server.url;
  const c = await RtClient.connect(realtimeUrl(url, showId), { cookie: await guestCookie(url), origin: url });
  await c.hello({ nickname });
  return c;
}

describe('studio chat dock', () => {
  let stack: Stack;
  const logs: string[] = [];
  beforeAll(async () => {
    stack = await startStack({ locale: 'en' });
  });
  afterAll(async () => {
    if (logs.length) console.log(logs.join('\n'));
    await stack?.close();
  });

  it('shows chat as inert text, answers a question privately, deletes and bans from the studio', async () => {
    const { page: studio, showId } = await openStudioAndGoLive(stack, 'Chat dock e2e');
    watchConsole(studio, 'studio', logs);
    await poll('dock connected', async () => (await studio.getByTestId('chat-status').getAttribute('data-status')) === 'open', 20_000);

    const alice = await viewer(stack, showId, 'Alice');
    const bob = await viewer(stack, showId, 'Bob');
    const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const sent = await alice.request('chat.send', { text: `hi ${payload}` });
    expect(sent.accepted).toBe(true);
    const line = studio.getByTestId('chat-line').filter({ hasText: 'hi <img' });
    await line.waitFor({ timeout: 10_000 });
    // Rendered as text: no element was created from the payload and nothing ran.
    expect(await studio.locator('[data-testid="chat-list"] img, [data-testid="chat-list"] script').count()).toBe(0);
    expect(await studio.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await line.textContent()).toContain(payload);

    // A question shows up highlighted with a waiting badge; the host claims it and answers privately.
    const asked = await alice.request('question.ask', { text: 'Does the mug fit in a dishwasher?' });
    expect(asked.accepted).toBe(true);
    await studio.getByTestId('questions-waiting').waitFor({ timeout: 10_000 });
    await studio.getByTestId('chat-tab-questions').click();
    const card = studio.getByTestId('question').filter({ hasText: 'dishwasher' });
    await card.getByTestId('question-answer').click();
    await card.getByTestId('answer-text').fill('Yes, it is dishwasher safe.');
    await card.getByTestId('answer-private').check();
    await card.getByTestId('answer-send').click();
    await alice.waitFor(() => alice.privateAnswers.length === 1, 10_000, 'private answer to the asker');
    expect(alice.privateAnswers[0]!.answer).toBe('Yes, it is dishwasher safe.');
    await card.waitFor({ state: 'detached', timeout: 10_000 });
    expect(bob.privateAnswers).toHaveLength(0);
    expect(bob.items().some((i) => i.k === 'answer')).toBe(false);

    // Delete one message: every viewer's feed drops it.
    await studio.getByTestId('chat-tab-chat').click();
    const bobSent = await bob.request('chat.send', { text: 'first from bob' });
    expect(bobSent.accepted).toBe(true);
    const bobLine = studio.getByTestId('chat-line').filter({ hasText: 'first from bob' });
    await bobLine.hover();
    await bobLine.getByTestId('chat-delete').click();
    const bobId = bobSent.accepted ? bobSent.id : '';
    await alice.waitFor(() => alice.items().some((i) => i.k === 'delete' && i.ids.includes(bobId)), 10_000, 'delete batch');
    await bobLine.waitFor({ state: 'detached', timeout: 10_000 });

    // Ban Alice: her earlier messages go away and she can no longer post.
    await line.hover();
    await line.getByTestId('chat-ban').click();
    await line.getByTestId('chat-ban-confirm').click();
    await line.waitFor({ state: 'detached', timeout: 10_000 });
    await alice.waitFor(() => alice.youUpdates.some((y) => y.banned), 10_000, 'banned state');
    const after = await alice.request('chat.send', { text: 'still here?' });
    expect(after.accepted).toBe(false);

    alice.close();
    bob.close();
    expect(logs.filter((l) => /pageerror/.test(l))).toEqual([]);
  });
});
