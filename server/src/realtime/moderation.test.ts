import { afterEach, describe, expect, it } from 'vitest';
import type { LoginResult } from '../../../shared/realtime/accounts';
import { RtClient, sleep, startRealtimeServer, type TestServer, until } from './testing';

let server: TestServer | null = null;
const clients: RtClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

async function post<T>(s: TestServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(s.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Owner via first-run setup (the studio's way: its token), then two moderators invited by the owner. */
async function staffTokens(s: TestServer) {
  const owner = await post<LoginResult>(
    s,
    '/api/setup',
    { name: 'Owner', password: 'owner-password-1' },
    { authorization: `Bearer ${s.studioToken}` },
  );
  const mods: LoginResult[] = [];
  for (const name of ['Mod One', 'Mod Two']) {
    const invite = await post<{ code: string }>(s, '/api/accounts/invites', {}, { authorization: `Bearer ${owner.token}` });
    mods.push(await post<LoginResult>(s, '/api/accounts/accept', { code: invite.code, name, password: `${name}-password` }));
  }
  return { owner: owner.token, mod1: mods[0]!.token, mod2: mods[1]!.token };
}

async function connect(s: TestServer, opts: { cookie?: string; token?: string; deviceId?: string; nickname?: string } = {}) {
  const c = await RtClient.connect(s.wsUrl(), opts.cookie ? { cookie: opts.cookie } : {});
  clients.push(c);
  const hello = await c.request('hello', {
    deviceId: opts.deviceId ?? `dev_${Math.random().toString(36).slice(2, 12)}`,
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.nickname ? { nickname: opts.nickname } : {}),
  });
  return { c, hello };
}

describe('questions', () => {
  it('ask → claim (second claim CONFLICT) → private answer reaches only the asker; public answer reaches all', async () => {
    server = await startRealtimeServer({ withCommerce: true });
    const s = server;
    const product = await s.commerce!.catalog.create({
      title: '羊毛围巾 Wool scarf',
      description: '100% 美利奴羊毛，长 180 cm，宽 30 cm。手洗，平铺晾干。Soft merino wool, does not itch.',
      faq: [
        { q: '会起球吗？', a: '美利奴长纤维，正常使用基本不起球；起球可用剃毛器处理。' },
        { q: 'Can I machine wash it?', a: 'Hand wash only in cold water, dry flat.' },
        { q: '有几种颜色？', a: '燕麦色、炭灰色、酒红色三种。' },
      ],
      defaults: { listPriceMinor: 29900, stock: 10 },
    });
    const tokens = await staffTokens(s);
    const asker = s.guestCookie();
    const { c: askerA } = await connect(s, { cookie: asker, nickname: '小明' });
    const { c: askerB } = await connect(s, { cookie: asker, nickname: '小明' }); // same guest, second tab
    const { c: other } = await connect(s, { cookie: s.guestCookie() });
    const { c: m1 } = await connect(s, { token: tokens.mod1 });
    const { c: m2 } = await connect(s, { token: tokens.mod2 });

    const ask = await askerA.request('question.ask', { text: '这条围巾会起球吗？', productId: product.id });
    expect(ask.accepted).toBe(true);
    const questionId = (ask as { id: string }).id;
    // Staff see it in their batches, viewers do not.
    await m2.waitFor(() => m2.items().some((i) => i.k === 'question' && i.question.id === questionId), 2000, 'question item');
    await sleep(250);
    expect(other.items().some((i) => i.k === 'question')).toBe(false);

    const sugg = await m1.request('question.suggest', { questionId });
    expect(sugg.suggestions.length).toBeGreaterThan(0);
    expect(sugg.suggestions[0]).toMatchObject({ source: 'faq', title: '会起球吗？', productId: product.id });
    for (let i = 1; i < sugg.suggestions.length; i++)
      expect(sugg.suggestions[i - 1]!.score).toBeGreaterThanOrEqual(sugg.suggestions[i]!.score);

    const claimed = await m1.request('question.claim', { questionId });
    expect(claimed.question).toMatchObject({ status: 'claimed', claimedBy: 'Mod One' });
    await expect(m2.request('question.claim', { questionId })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(m2.request('question.answer', { questionId, text: 'me first', visibility: 'public' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    // Viewers cannot moderate.
    await expect(other.request('question.claim', { questionId })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const answered = await m1.request('question.answer', { questionId, text: sugg.suggestions[0]!.text, visibility: 'private' });
    expect(answered.question).toMatchObject({ status: 'answered', visibility: 'private', answeredBy: 'Mod One' });
    await askerA.waitFor(() => askerA.privateAnswers.length === 1, 2000, 'private answer on tab A');
    await askerB.waitFor(() => askerB.privateAnswers.length === 1, 2000, 'private answer on tab B');
    expect(askerA.privateAnswers[0]).toMatchObject({ questionId, question: '这条围巾会起球吗？', askerName: '小明' });
    await sleep(300);
    expect(other.privateAnswers).toHaveLength(0);
    expect(other.items().some((i) => i.k === 'answer')).toBe(false);
    expect(m2.privateAnswers).toHaveLength(0);
    await expect(m1.request('question.answer', { questionId, text: 'again', visibility: 'public' })).rejects.toMatchObject({
      code: 'BAD_STATE',
    });

    // A public answer goes to everyone and is pinned for newcomers.
    const q2 = (await other.request('question.ask', { text: 'Can I machine wash the scarf?' })) as { id: string };
    const pub = await m2.request('question.answer', { questionId: q2.id, text: 'Hand wash only.', visibility: 'public' });
    expect(pub.question.status).toBe('answered');
    for (const c of [askerA, other, m1]) {
      await c.waitFor(() => c.items().some((i) => i.k === 'answer' && i.answer.questionId === q2.id), 2000, 'public answer');
    }
    const { hello: late } = await connect(s, { cookie: s.guestCookie() });
    expect(late.room.pinnedAnswer).toMatchObject({ questionId: q2.id, answer: 'Hand wash only.', answeredBy: 'Mod Two' });

    // Queue order: unanswered first (longest waiting first), answered last.
    const q3 = (await askerA.request('question.ask', { text: '有几种颜色？' })) as { id: string };
    const list = await m1.request('question.list', { status: 'all' });
    expect(list.questions.map((q) => q.status)).toEqual(['unanswered', 'answered', 'answered']);
    expect(list.questions[0]!.id).toBe(q3.id);
    expect(list.questions[0]!.waitingMs).toBeGreaterThanOrEqual(0);
    const open = await m1.request('question.list', {});
    expect(open.questions.map((q) => q.id)).toEqual([q3.id]);

    // Claim + release lets the other moderator take it.
    await m1.request('question.claim', { questionId: q3.id });
    await expect(m2.request('question.release', { questionId: q3.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    await m1.request('question.release', { questionId: q3.id });
    expect((await m2.request('question.claim', { questionId: q3.id })).question.claimedBy).toBe('Mod Two');

    const audit = await m1.request('audit.list', { thisShow: true });
    const actions = audit.entries.map((e) => `${e.actorName}:${e.action}`);
    expect(actions).toEqual(
      expect.arrayContaining(['Mod One:question.claim', 'Mod One:question.answer', 'Mod Two:question.answer', 'Mod One:question.release']),
    );
  });

  it('canned replies CRUD and suggestions from canned text', async () => {
    server = await startRealtimeServer();
    const s = server;
    const { c: mod } = await connect(s, { token: s.studioToken });
    const { c: viewer } = await connect(s, { cookie: s.guestCookie() });
    await expect(viewer.request('canned.create', { title: 'x', text: 'y' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const a = await mod.request('canned.create', { title: '发货时间', text: '付款后 48 小时内发货，顺丰包邮。' });
    const b = await mod.request('canned.create', { title: 'Returns', text: '7-day no-questions returns for unused items.' });
    expect((await mod.request('canned.list', {})).replies).toHaveLength(2);
    await mod.request('canned.update', { id: b.reply.id, title: 'Returns policy', text: '7-day returns for unused items, free pickup.' });
    await mod.request('canned.delete', { id: a.reply.id });
    await expect(mod.request('canned.delete', { id: a.reply.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await mod.request('canned.list', {})).replies.map((r) => r.title)).toEqual(['Returns policy']);
    const q = (await viewer.request('question.ask', { text: 'Can I return it if unused?' })) as { id: string };
    const sugg = await mod.request('question.suggest', { questionId: q.id });
    expect(sugg.suggestions[0]).toMatchObject({ source: 'canned', title: 'Returns policy' });
  });
});

describe('moderation', () => {
  it('ban removes the user’s messages for everyone and blocks by identity and device', async () => {
    server = await startRealtimeServer({ config: { chatRatePerSec: 100, chatBurst: 100 } });
    const s = server;
    const { c: mod } = await connect(s, { token: s.studioToken, nickname: '主播' });
    const { c: watcher } = await connect(s, { cookie: s.guestCookie() });
    const spammerCookie = s.guestCookie();
    const device = 'dev_spammer_device_1';
    const { c: spammer, hello } = await connect(s, { cookie: spammerCookie, deviceId: device, nickname: 'Spammy' });
    const { c: bystander } = await connect(s, { cookie: s.guestCookie() });
    const sent = [
      (await spammer.request('chat.send', { text: 'first spam line' })) as { id: string },
      (await spammer.request('chat.send', { text: 'second spam line' })) as { id: string },
    ];
    const kept = (await bystander.request('chat.send', { text: 'a normal question' })) as { id: string };
    await watcher.waitFor(() => watcher.chatTexts().length === 3, 2000, '3 messages');

    // Viewers cannot moderate.
    await expect(bystander.request('mod.ban', { userId: hello.you.userId! })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(bystander.request('mod.delete', { messageId: kept.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const ban = await mod.request('mod.ban', { userId: hello.you.userId!, reason: 'spam' });
    expect(ban.removed).toBe(2);
    await watcher.waitFor(
      () => watcher.items().some((i) => i.k === 'delete' && sent.every((m) => i.ids.includes(m.id))),
      2000,
      'deletions of both spam messages',
    );
    const deleted = watcher.items().flatMap((i) => (i.k === 'delete' ? i.ids : []));
    expect(deleted).not.toContain(kept.id);
    await spammer.waitFor(() => spammer.youUpdates.some((y) => y.banned), 2000, 'you: banned');
    expect(await spammer.request('chat.send', { text: 'still here' })).toMatchObject({ accepted: false, reason: 'BANNED' });
    // Newcomers do not get the removed messages in the snapshot.
    const { hello: fresh } = await connect(s, { cookie: s.guestCookie() });
    expect(fresh.room.recent.map((m) => m.id)).toEqual([kept.id]);

    // New cookie (new guest identity), same device: still banned — and that identity joins the ban.
    const newCookie = s.guestCookie();
    const { c: evader, hello: evaderHello } = await connect(s, { cookie: newCookie, deviceId: device });
    expect(evaderHello.you.banned).toBe(true);
    expect(await evader.request('chat.send', { text: 'I am someone else' })).toMatchObject({ accepted: false, reason: 'BANNED' });
    expect(await evader.request('question.ask', { text: 'question?' })).toMatchObject({ accepted: false, reason: 'BANNED' });
    const { hello: evader2 } = await connect(s, { cookie: newCookie, deviceId: 'dev_brand_new_device' });
    expect(evader2.you.banned).toBe(true);

    const bans = await mod.request('mod.bans', {});
    expect(bans.bans).toHaveLength(1);
    expect(bans.bans[0]).toMatchObject({ userId: hello.you.userId, name: 'Spammy', reason: 'spam' });
    expect(bans.bans[0]!.devices).toBeGreaterThanOrEqual(2);

    await mod.request('mod.unban', { userId: hello.you.userId! });
    expect(await spammer.request('chat.send', { text: 'sorry about that' })).toMatchObject({ accepted: true });
    expect(await evader.request('chat.send', { text: 'me too, sorry' })).toMatchObject({ accepted: true });

    const audit = await mod.request('audit.list', {});
    const ban0 = audit.entries.find((e) => e.action === 'user.ban')!;
    expect(ban0).toMatchObject({ actorName: '主播', actorRole: 'owner', target: hello.you.userId, reason: 'spam', showId: s.showId });
    expect(ban0.detail).toMatchObject({ removed: 2 });
    expect(audit.entries.some((e) => e.action === 'user.unban')).toBe(true);
  });

  it('delete, timed mute, slow mode, announcement and filter editing are enforced and audited', async () => {
    let now = Date.now();
    server = await startRealtimeServer({ config: { chatRatePerSec: 100, chatBurst: 100 }, clock: () => now });
    const s = server;
    const tokens = await staffTokens(s);
    const { c: mod } = await connect(s, { token: tokens.mod1 });
    const { c: viewer, hello } = await connect(s, { cookie: s.guestCookie(), nickname: 'Loud' });
    const { c: watcher } = await connect(s, { cookie: s.guestCookie() });

    const m = (await viewer.request('chat.send', { text: 'something rude' })) as { id: string };
    await mod.request('mod.delete', { messageId: m.id, reason: 'rude' });
    await watcher.waitFor(() => watcher.items().some((i) => i.k === 'delete' && i.ids.includes(m.id)), 2000, 'delete item');

    const mute = await mod.request('mod.mute', { userId: hello.you.userId!, seconds: 60, reason: 'cool down' });
    expect(mute.mutedUntil).toBe(now + 60_000);
    await viewer.waitFor(() => viewer.youUpdates.some((y) => y.mutedUntil === now + 60_000), 2000, 'you: muted');
    const muted = await viewer.request('chat.send', { text: 'let me talk' });
    expect(muted).toMatchObject({ accepted: false, reason: 'MUTED' });
    expect((muted as { retryAfterMs: number }).retryAfterMs).toBe(60_000);
    now += 61_000;
    expect(await viewer.request('chat.send', { text: 'let me talk now' })).toMatchObject({ accepted: true });
    await mod.request('mod.mute', { userId: hello.you.userId!, seconds: 600 });
    await mod.request('mod.mute', { userId: hello.you.userId!, seconds: 0 });
    expect(await viewer.request('chat.send', { text: 'unmuted early' })).toMatchObject({ accepted: true });
    // Staff cannot be muted or banned.
    const { hello: modHello } = await connect(s, { token: tokens.mod2 });
    await expect(mod.request('mod.mute', { userId: modHello.you.userId!, seconds: 60 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(mod.request('mod.ban', { userId: modHello.you.userId! })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(mod.request('mod.ban', { userId: 'u_doesnotexist00' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    await mod.request('mod.slowMode', { seconds: 5 });
    await mod.request('mod.slowMode', { seconds: 0 });
    const ann = await mod.request('mod.announce', { text: '今晚 9 点抽奖 <b>!</b>' });
    expect(ann.announcement).toMatchObject({ text: '今晚 9 点抽奖 <b>!</b>', by: 'Mod One' });
    await watcher.waitFor(
      () => watcher.items().some((i) => i.k === 'announcement' && i.announcement?.text === '今晚 9 点抽奖 <b>!</b>'),
      2000,
      'announcement',
    );
    const { hello: late } = await connect(s, { cookie: s.guestCookie() });
    expect(late.room.announcement?.text).toBe('今晚 9 点抽奖 <b>!</b>');
    await mod.request('mod.announce', { text: null });
    await watcher.waitFor(() => watcher.items().some((i) => i.k === 'announcement' && i.announcement === null), 2000, 'cleared');

    const filter = await mod.request('filter.get', {});
    expect(filter.words).toContain('傻逼');
    await expect(viewer.request('filter.set', filter)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await mod.request('filter.set', {
      ...filter,
      words: [...filter.words, '榴莲', 'durian'],
      links: { ...filter.links, blockContacts: false },
    });
    expect(await viewer.request('chat.send', { text: '我爱 榴 莲' })).toMatchObject({ accepted: false, reason: 'BLOCKED_WORD' });
    expect(await viewer.request('chat.send', { text: 'D-U-R-I-A-N!!' })).toMatchObject({ accepted: false, reason: 'BLOCKED_WORD' });
    expect(await viewer.request('chat.send', { text: 'wx: my_id_here' })).toMatchObject({ accepted: true });
    expect((await mod.request('filter.get', {})).words).toContain('durian');

    const audit = await mod.request('audit.list', { limit: 50 });
    const actions = audit.entries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'message.delete',
        'user.mute',
        'user.unmute',
        'slowmode.on',
        'slowmode.off',
        'announcement.set',
        'announcement.clear',
        'filter.set',
      ]),
    );
    expect(audit.entries.every((e) => e.actorName === 'Mod One' && e.actorRole === 'moderator')).toBe(true);
    expect(audit.entries.find((e) => e.action === 'filter.set')!.detail).toMatchObject({ added: ['榴莲', 'durian'] });
    // Pagination: newest first, beforeId walks back.
    const page = await mod.request('audit.list', { limit: 2 });
    const next = await mod.request('audit.list', { limit: 2, beforeId: page.entries[1]!.id });
    expect(next.entries[0]!.id).toBeLessThan(page.entries[1]!.id);
    // The audit log is in SQLite.
    const n = s.db.prepare('SELECT COUNT(*) AS n FROM realtime_audit').get() as { n: number };
    expect(n.n).toBe(audit.entries.length);
  });

  it('publishNotice reaches the room; staff items and presence do not leak to viewers', async () => {
    server = await startRealtimeServer();
    const s = server;
    const { c: viewer } = await connect(s, { cookie: s.guestCookie() });
    expect(s.realtime.publishNotice(s.showId, { type: 'purchase', buyer: '张*', title: '羊毛围巾', qty: 2 })).toBe(true);
    expect(s.realtime.publishNotice('otherShowId1', { type: 'text', text: 'nobody here' })).toBe(false);
    expect(() => s.realtime.publishNotice(s.showId, { type: 'text', text: '' } as never)).toThrow();
    await viewer.waitFor(() => viewer.items().some((i) => i.k === 'notice' && i.notice.type === 'purchase'), 2000, 'notice');
    const follow = await viewer.request('follow', {});
    expect(follow.total).toBe(1);
    expect((await viewer.request('follow', {})).total).toBe(1);
    await viewer.waitFor(() => viewer.items().filter((i) => i.k === 'follow').length === 1, 2000, 'follow');
    await until(() => viewer.items().some((i) => i.k === 'presence'), 3000, 'presence');
  });
});
