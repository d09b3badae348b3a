import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REALTIME_CLOSE, REALTIME_MAX_FRAME_BYTES } from '../../../shared/protocol/realtime';
import { RtClient, sleep, startRealtimeServer, type TestServer, until } from './testing';

let server: TestServer | null = null;
const clients: RtClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

async function guest(s: TestServer, nickname?: string) {
  const c = await RtClient.connect(s.wsUrl(), { cookie: s.guestCookie() });
  clients.push(c);
  await c.hello(nickname ? { nickname } : {});
  return c;
}

async function studio(s: TestServer) {
  const c = await RtClient.connect(s.wsUrl());
  clients.push(c);
  await c.hello({ token: s.studioToken });
  return c;
}

describe('realtime batching', () => {
  it('coalesces many sends into few ordered frames at the batch cadence', async () => {
    server = await startRealtimeServer({ config: { batchMs: 100, chatRatePerSec: 1000, chatBurst: 1000, chatPerBatch: 500 } });
    const viewer = await guest(server);
    const sender = await studio(server); // staff: no rate limit / spam rules
    const framesBefore = viewer.batches.length;
    const texts = Array.from({ length: 200 }, (_, i) => `message number ${i} ${'x'.repeat(1 + (i % 7))}`);
    const t0 = performance.now();
    const results = await Promise.all(texts.map((text) => sender.request('chat.send', { text })));
    expect(results.every((r) => r.accepted)).toBe(true);
    await viewer.waitFor(() => viewer.chatTexts().length >= 200, 5000, '200 chat messages');
    const elapsed = performance.now() - t0;
    // Order kept exactly.
    expect(viewer.chatTexts()).toEqual(texts);
    const frames = viewer.batches.slice(framesBefore).filter((b) => b.batch.chat > 0);
    // 200 messages over ~elapsed ms at 100 ms batches: a handful of frames, far fewer than messages.
    expect(frames.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    expect(frames.length).toBeLessThan(20);
    // Sequence numbers strictly increase.
    const seqs = viewer.batches.map((b) => b.batch.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
  });

  it('flushes on a ~100 ms cadence', async () => {
    server = await startRealtimeServer({ config: { batchMs: 100, chatRatePerSec: 1000, chatBurst: 1000 } });
    const viewer = await guest(server);
    const sender = await studio(server);
    const start = viewer.batches.length;
    // Keep something pending all the time: one like every 20 ms for ~1.2 s.
    for (let i = 0; i < 60; i++) {
      void sender.request('like', { count: 1 });
      await sleep(20);
    }
    await sleep(150);
    const times = viewer.batches.slice(start).map((b) => b.at);
    expect(times.length).toBeGreaterThanOrEqual(9);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(80);
    expect(mean).toBeLessThan(130);
    for (const g of gaps) expect(g).toBeLessThan(250);
  });

  it('aggregates likes into one item per batch with the running total', async () => {
    server = await startRealtimeServer({ config: { batchMs: 150 } });
    const viewer = await guest(server);
    const likers = [await guest(server), await guest(server)];
    await Promise.all([
      ...Array.from({ length: 10 }, () => likers[0]!.request('like', { count: 5 })),
      ...Array.from({ length: 10 }, () => likers[1]!.request('like', { count: 2 })),
    ]);
    await viewer.waitFor(() => viewer.items().some((i) => i.k === 'likes' && i.total === 70), 3000, 'likes total 70');
    const likeItems = viewer.items().filter((i) => i.k === 'likes');
    expect(likeItems.reduce((a, i) => a + (i.k === 'likes' ? i.delta : 0), 0)).toBe(70);
    // 20 requests collapsed into at most a few items, never more than one per batch.
    expect(likeItems.length).toBeLessThanOrEqual(3);
    for (const b of viewer.batches) expect(b.batch.items.filter((i) => i.k === 'likes').length).toBeLessThanOrEqual(1);
    // A newcomer sees the total in its snapshot; the total is persisted.
    const late = await RtClient.connect(server.wsUrl());
    clients.push(late);
    const hello = await late.hello();
    expect(hello.room.likes).toBe(70);
    expect(server.db.prepare('SELECT likes FROM realtime_rooms WHERE show_id = ?').get(server.showId)).toEqual({ likes: 70 });
  });

  it('caps chat per batch (newest kept) and reports what was dropped', async () => {
    server = await startRealtimeServer({ config: { batchMs: 200, chatPerBatch: 10, chatRatePerSec: 1000, chatBurst: 1000 } });
    const viewer = await guest(server);
    const sender = await studio(server);
    await Promise.all(Array.from({ length: 40 }, (_, i) => sender.request('chat.send', { text: `burst ${i}` })));
    await viewer.waitFor(() => viewer.batches.some((b) => b.batch.dropped > 0), 3000, 'a batch with dropped chat');
    await sleep(450);
    const total = viewer.batches.reduce((a, b) => a + b.batch.chat + b.batch.dropped, 0);
    expect(total).toBe(40);
    for (const b of viewer.batches) expect(b.batch.chat).toBeLessThanOrEqual(10);
    // The last message always survives the cut.
    expect(viewer.chatTexts()).toContain('burst 39');
  });

  it('delivers HTML/script payloads byte-identical as plain strings', async () => {
    server = await startRealtimeServer({ config: { chatRatePerSec: 1000, chatBurst: 1000 } });
    const viewer = await guest(server);
    const sender = await guest(server);
    const payloads = [
      '<script>alert(1)</script>',
      '<img src=x onerror="alert(\'x\')">',
      '"><svg/onload=alert(1)>',
      '&lt;b&gt; &amp; </textarea>',
      '{{constructor.constructor("alert(1)")()}}',
    ];
    for (const [i, text] of payloads.entries()) {
      const r = await sender.request('chat.send', { text });
      expect(r, `payload ${i}`).toMatchObject({ accepted: true });
    }
    await viewer.waitFor(() => viewer.chatTexts().length === payloads.length, 3000, 'payloads');
    expect(viewer.chatTexts()).toEqual(payloads);
    const hello = await (await guest(server)).request('hello', { deviceId: 'dev_snapshot01' });
    expect(hello.room.recent.map((m) => m.text)).toEqual(payloads);
  }, 20_000);
});

describe('frames', () => {
  it('answers oversized, malformed and binary frames with typed errors and keeps serving', async () => {
    server = await startRealtimeServer();
    const c = await guest(server);
    c.ws.send('x'.repeat(REALTIME_MAX_FRAME_BYTES + 10));
    c.ws.send('{not json');
    c.ws.send(JSON.stringify({ t: 'req', id: 'x', method: 'like' }));
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.waitFor(() => c.frameErrors.length >= 4, 3000, '4 frame errors');
    expect(c.frameErrors.map((e) => e.code)).toEqual(['TOO_LARGE', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST']);
    await expect(c.request('like', { count: 99 } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.request('nope' as never, {} as never)).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    expect(await c.request('like', { count: 3 })).toEqual({ total: 3 });
  });

  it('closes a socket that sends invalid UTF-8 (1007) without disturbing others; > 64 KiB frames close with 1009', async () => {
    server = await startRealtimeServer();
    const bystander = await guest(server);
    const bad = await guest(server);
    // A text frame whose payload is not UTF-8: write the raw frame on the TCP socket.
    const payload = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 1, 2, 3, 4]), mask(payload, [1, 2, 3, 4])]);
    (bad.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(frame);
    expect(await bad.waitClosed()).toBe(1007);
    const huge = await guest(server);
    huge.ws.send('y'.repeat(70 * 1024));
    expect(await huge.waitClosed()).toBe(1009);
    expect(await bystander.request('like', { count: 1 })).toEqual({ total: 1 });
    expect(server.realtime.stats().connections).toBe(1);
  });

  it('closes sockets for unknown shows with 4004', async () => {
    server = await startRealtimeServer();
    const c = await RtClient.connect(server.wsUrl('nosuchshow1'));
    expect(await c.waitClosed()).toBe(REALTIME_CLOSE.BAD_SHOW);
    const d = await RtClient.connect(server.wsUrl().replace(/showId=[^&]+/, 'showId=%3Cbad%3E'));
    expect(await d.waitClosed()).toBe(REALTIME_CLOSE.BAD_SHOW);
  });
});

function mask(data: Buffer, key: number[]): Buffer {
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[i % 4]!;
  return out;
}

describe('limits and filters over the socket', () => {
  it('limits requests per socket', async () => {
    server = await startRealtimeServer({ config: { requestRatePerSec: 5, requestBurst: 10 } });
    const v = await guest(server);
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => v.request('like', { count: 1 })));
    const limited = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'RATE_LIMITED');
    expect(results.length - limited.length).toBeGreaterThanOrEqual(9);
    expect(results.length - limited.length).toBeLessThanOrEqual(11);
  });

  it('rate-limits viewers (1/s burst 3) but not staff', async () => {
    server = await startRealtimeServer();
    const v = await guest(server);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await v.request('chat.send', { text: `hello there ${'abcde'[i]}` }));
    expect(results.slice(0, 3).every((r) => r.accepted)).toBe(true);
    expect(results[3]).toMatchObject({ accepted: false, reason: 'RATE_LIMITED' });
    expect((results[3] as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect((results[3] as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(1000);
    const s = await studio(server);
    for (let i = 0; i < 10; i++) expect(await s.request('chat.send', { text: `staff note ${i}` })).toMatchObject({ accepted: true });
  });

  it('slow mode applies to viewers only and is announced to the room', async () => {
    server = await startRealtimeServer({ config: { chatRatePerSec: 100, chatBurst: 100 } });
    const v = await guest(server);
    const s = await studio(server);
    const mod = await s.request('mod.slowMode', { seconds: 2 });
    expect(mod.seconds).toBe(2);
    await v.waitFor(() => v.items().some((i) => i.k === 'slowmode' && i.seconds === 2), 2000, 'slowmode item');
    expect(await v.request('chat.send', { text: 'first one' })).toMatchObject({ accepted: true });
    const second = await v.request('chat.send', { text: 'second one' });
    expect(second).toMatchObject({ accepted: false, reason: 'SLOW_MODE' });
    expect((second as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(1000);
    expect(await s.request('chat.send', { text: 'staff a' })).toMatchObject({ accepted: true });
    expect(await s.request('chat.send', { text: 'staff b' })).toMatchObject({ accepted: true });
    await s.request('mod.slowMode', { seconds: 0 });
    expect(await v.request('chat.send', { text: 'third one' })).toMatchObject({ accepted: true });
  });

  it('rejects blocked words, links, overlong text and repeated spam with reason codes', async () => {
    server = await startRealtimeServer({ config: { chatRatePerSec: 1000, chatBurst: 1000, floodUsers: 3 } });
    const v = await guest(server);
    const cases: [string, string][] = [
      ['ｆｕｃｋ this', 'BLOCKED_WORD'],
      ['你真是个傻\u200B逼', 'BLOCKED_WORD'],
      ['f.u.c.k', 'BLOCKED_WORD'],
      ['草 泥 马', 'BLOCKED_WORD'],
      ['buy at cheap-deals.com', 'LINK'],
      ['加我vx：abc888', 'LINK'],
      ['https://evil.example/x', 'LINK'],
      ['a'.repeat(121), 'TOO_LONG'],
      ['   \u200B  ', 'EMPTY'],
    ];
    for (const [text, reason] of cases) expect(await v.request('chat.send', { text }), text).toMatchObject({ accepted: false, reason });
    expect(await v.request('chat.send', { text: 'a'.repeat(120) })).toMatchObject({ accepted: true });
    expect(await v.request('chat.send', { text: 'Is the blue one in stock?' })).toMatchObject({ accepted: true });
    expect(await v.request('chat.send', { text: 'is the BLUE one in stock' })).toMatchObject({ accepted: false, reason: 'DUPLICATE' });
    // Near-duplicates from many users: the third distinct user sending the same shape is a flood.
    const others = [await guest(server), await guest(server), await guest(server)];
    expect(await others[0]!.request('chat.send', { text: 'JOIN MY GROUP 111' })).toMatchObject({ accepted: true });
    expect(await others[1]!.request('chat.send', { text: 'join my group 222!!' })).toMatchObject({ accepted: true });
    expect(await others[2]!.request('chat.send', { text: 'join  my  group 333' })).toMatchObject({ accepted: false, reason: 'FLOOD' });
    // Staff may post links.
    const s = await studio(server);
    expect(await s.request('chat.send', { text: 'details at storecast.example.com' })).toMatchObject({ accepted: true });
  });

  it('refuses to post without a guest session or before hello', async () => {
    server = await startRealtimeServer();
    const anon = await RtClient.connect(server.wsUrl());
    clients.push(anon);
    await expect(anon.request('chat.send', { text: 'hi' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('hello'),
    });
    const hello = await anon.hello({ nickname: 'Watcher' });
    expect(hello.you).toMatchObject({ canPost: false, userId: null, role: 'viewer' });
    await expect(anon.request('chat.send', { text: 'hi' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // A forged cookie counts as none.
    const forged = await RtClient.connect(server.wsUrl(), { cookie: 'sc_buyer=b_AAAAAAAAAAAAAAAA.forgedsignature' });
    clients.push(forged);
    expect((await forged.hello()).you.canPost).toBe(false);
    // A cross-origin handshake does not get to use the cookie either.
    const foreign = await RtClient.connect(server.wsUrl(), { cookie: server.guestCookie(), origin: 'https://evil.example' });
    clients.push(foreign);
    expect((await foreign.hello()).you.canPost).toBe(false);
  });
});

describe('slow clients', () => {
  it.each([
    { rule: 'hard limit', soft: 64 * 1024, hard: 100 * 1024, hardBufferMs: 1000, lagTimeoutMs: 600_000 },
    { rule: 'lag timeout', soft: 64 * 1024, hard: 64 * 1024 * 1024, hardBufferMs: 1000, lagTimeoutMs: 1500 },
  ])(
    'samples chat for a lagging socket, keeps its buffer bounded and closes it ($rule)',
    async (cfg) => {
      server = await startRealtimeServer({
        config: {
          batchMs: 50,
          chatPerBatch: 1000,
          softBufferBytes: cfg.soft,
          hardBufferBytes: cfg.hard,
          hardBufferMs: cfg.hardBufferMs,
          lagTimeoutMs: cfg.lagTimeoutMs,
          maxBufferBytes: 256 * 1024 * 1024,
        },
      });
      const s = server;
      const slow = await guest(s);
      const fast = await guest(s);
      const sender = await studio(s);
      // Stop reading on the slow client: TCP buffers fill up, then the server's user-space buffer grows.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const text = '测'.repeat(110);
      let maxBuffered = 0;
      let sawLagging = false;
      const deadline = Date.now() + 30_000;
      let sent = 0;
      while (Date.now() < deadline && s.realtime.stats().closedSlow === 0) {
        await Promise.all(Array.from({ length: 100 }, () => sender.request('chat.send', { text: `${text}${sent++}` })));
        void sender.request('like', { count: 1 });
        const st = s.realtime.stats();
        maxBuffered = Math.max(maxBuffered, st.maxBufferedBytes);
        if (st.lagging > 0) sawLagging = true;
        await sleep(10);
      }
      const st = s.realtime.stats();
      expect(st.closedSlow).toBe(1);
      expect(sawLagging).toBe(true);
      expect(st.sampledFrames).toBeGreaterThan(0);
      // Bounded: chat stops at the soft limit; above it only small sampled frames (plus at most a full batch in flight).
      expect(maxBuffered).toBeLessThan(Math.min(cfg.hard, cfg.soft) + 256 * 1024);
      // The fast client kept receiving everything.
      await fast.waitFor(() => fast.chatTexts().length === sent, 10_000, 'all chat on the fast client');
      // Resume the slow client: it reads what was buffered and sees the connection end.
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const code = await slow.waitClosed(15_000);
      expect([REALTIME_CLOSE.TOO_SLOW, 1006]).toContain(code);
      // What it did receive includes sampled batches: no chat, likes kept.
      const sampled = slow.batches.filter((b) => b.batch.sampled);
      expect(sampled.length).toBeGreaterThan(0);
      expect(sampled.every((b) => b.batch.chat === 0 && b.batch.items.every((i) => i.k !== 'chat'))).toBe(true);
      expect(sampled.some((b) => b.batch.items.some((i) => i.k === 'likes'))).toBe(true);
      await until(() => s.realtime.stats().connections === 2, 5000, 'server dropped the slow socket');
    },
    60_000,
  );
});

describe('socket basics', () => {
  it('reports presence and removes a closed socket', async () => {
    server = await startRealtimeServer({ config: { presenceEveryMs: 0 } });
    const a = await guest(server);
    await a.waitFor(() => a.items().some((i) => i.k === 'presence' && i.online === 1), 2000, 'presence 1');
    const b = await guest(server);
    await a.waitFor(() => a.items().some((i) => i.k === 'presence' && i.online === 2), 2000, 'presence 2');
    b.ws.terminate();
    await a.waitFor(
      () =>
        a
          .items()
          .filter((i) => i.k === 'presence')
          .at(-1)?.k === 'presence' && lastOnline(a) === 1,
      3000,
      'presence back to 1',
    );
    expect(server.realtime.stats().connections).toBe(1);
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
  });
});

function lastOnline(c: RtClient): number | null {
  const p = c.items().filter((i) => i.k === 'presence');
  const last = p[p.length - 1];
  return last && last.k === 'presence' ? last.online : null;
}
