/**
 * Load generator process of `bench:chat` (forked by scripts/bench/chat.ts, controlled over IPC): opens N realtime
 * WebSockets to one show, `hello`s each, and lets the first M of them (guests with signed buyer cookies) send chat
 * at a fixed total rate. Every socket counts the chat messages it receives from the batch header (`"chat":n`, no full
 * parse); every `sampleEvery`-th socket parses its batches fully and measures delivery latency from the send
 * timestamp embedded in each message's text.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { realtimeUrl } from '../../shared/protocol/realtime';
import { BuyerSessions } from '../../server/src/commerce/session';

export interface StartMsg {
  type: 'start';
  url: string;
  showId: string;
  secret: string;
  count: number;
  senders: number;
  /** Messages per second, all senders of this process together. */
  sendRate: number;
  sampleEvery: number;
  /** Distinct prefix for this process (device ids, words). */
  tag: string;
  concurrency: number;
}
export type ParentMsg = StartMsg | { type: 'send'; on: boolean } | { type: 'snapshot' } | { type: 'stop' };

export interface Snapshot {
  type: 'snapshot';
  connected: number;
  helloDone: number;
  closed: number;
  frames: number;
  chatDelivered: number;
  sent: number;
  accepted: number;
  rejected: Record<string, number>;
  errors: number;
  /** Latency histogram (1 ms buckets, last = overflow) of the messages received on sampled sockets since the previous snapshot. */
  hist: number[];
}

const send = (msg: unknown) => process.send?.(msg);

const SYL = ['ka', 'lo', 'mi', 'ne', 'ru', 'so', 'ta', 'vi', 'xe', 'zu', 'ba', 'do', 'fe', 'gi', 'ho', 'ju'];
function word(): string {
  let w = '';
  const n = 2 + Math.floor(Math.random() * 2);
  for (let i = 0; i < n; i++) w += SYL[Math.floor(Math.random() * SYL.length)];
  return w;
}

const HEADER = /"chat":(\d+)/;
const TS = /t=(\d{13})/;

let start: StartMsg | null = null;
const sockets: WebSocket[] = [];
const senders: { ws: WebSocket; id: number }[] = [];
let sending = false;
let reqId = 1;
const c = {
  connected: 0,
  helloDone: 0,
  closed: 0,
  frames: 0,
  chatDelivered: 0,
  sent: 0,
  accepted: 0,
  errors: 0,
  rejected: {} as Record<string, number>,
};
export const HIST_MAX_MS = 10_000;
let hist = new Array<number>(HIST_MAX_MS + 1).fill(0);

function onFrame(data: Buffer, sampled: boolean, isSender: boolean): void {
  // Replies to our own requests.
  if (data[6] === 0x72) {
    // {"t":"res"...
    if (!isSender) {
      c.helloDone++;
      return;
    }
    const reply = JSON.parse(data.toString('utf8')) as { ok: boolean; data?: { accepted?: boolean; reason?: string; room?: unknown } };
    if (!reply.ok) c.errors++;
    else if (reply.data?.room) c.helloDone++;
    else if (reply.data?.accepted === true) c.accepted++;
    else if (reply.data?.accepted === false) c.rejected[reply.data.reason ?? '?'] = (c.rejected[reply.data.reason ?? '?'] ?? 0) + 1;
    return;
  }
  c.frames++;
  if (!sampled) {
    const m = HEADER.exec(data.toString('latin1', 0, 96));
    if (m) c.chatDelivered += Number(m[1]);
    return;
  }
  const now = Date.now();
  const env = JSON.parse(data.toString('utf8')) as { data?: { chat?: number; items?: { k: string; m?: { text: string } }[] } };
  c.chatDelivered += env.data?.chat ?? 0;
  for (const it of env.data?.items ?? []) {
    if (it.k !== 'chat' || !it.m) continue;
    const t = TS.exec(it.m.text);
    if (!t) continue;
    const b = Math.min(HIST_MAX_MS, Math.max(0, now - Number(t[1])));
    hist[b] = (hist[b] ?? 0) + 1;
  }
}

async function connectAll(s: StartMsg): Promise<void> {
  const buyers = new BuyerSessions(Buffer.from(s.secret, 'base64url'), false);
  const url = realtimeUrl(s.url, s.showId);
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const isSender = i < s.senders;
      const sampled = i % s.sampleEvery === 0;
      const headers: Record<string, string> = {};
      if (isSender) headers.cookie = `sc_buyer=${encodeURIComponent(buyers.sign(`b_${randomBytes(12).toString('base64url')}`))}`;
      const ws = new WebSocket(url, { headers, perMessageDeflate: false, skipUTF8Validation: true });
      sockets.push(ws);
      ws.on('open', () => {
        c.connected++;
        ws.send(
          JSON.stringify({
            t: 'req',
            id: reqId++,
            method: 'hello',
            data: { deviceId: `${s.tag}dev${i}x${randomBytes(4).toString('hex')}` },
          }),
        );
        if (isSender) senders.push({ ws, id: i });
        resolve();
      });
      ws.on('message', (data: Buffer) => onFrame(data, sampled, isSender));
      ws.on('error', () => {
        c.errors++;
        resolve();
      });
      ws.on('close', () => {
        c.closed++;
        resolve();
      });
    });
  const workers = Array.from({ length: s.concurrency }, async () => {
    while (next < s.count) await one(next++);
  });
  await Promise.all(workers);
}

let carry = 0;
let rr = 0;
let lastTick = performance.now();
setInterval(() => {
  const now = performance.now();
  const dt = (now - lastTick) / 1000;
  lastTick = now;
  if (!sending || !start || !senders.length) return;
  carry += start.sendRate * dt;
  let n = Math.floor(carry);
  carry -= n;
  while (n-- > 0) {
    const s = senders[rr++ % senders.length]!;
    if (s.ws.readyState !== WebSocket.OPEN) continue;
    const text = `${word()} ${word()} ${word()} t=${Date.now()}`;
    s.ws.send(JSON.stringify({ t: 'req', id: reqId++, method: 'chat.send', data: { text } }));
    c.sent++;
  }
}, 10);

process.on('message', (msg: ParentMsg) => {
  if (msg.type === 'start') {
    start = msg;
    void connectAll(msg).then(() => send({ type: 'connected', connected: c.connected }));
  } else if (msg.type === 'send') {
    sending = msg.on;
  } else if (msg.type === 'snapshot') {
    const snap: Snapshot = { type: 'snapshot', ...c, rejected: { ...c.rejected }, hist };
    hist = new Array<number>(HIST_MAX_MS + 1).fill(0);
    send(snap);
  } else if (msg.type === 'stop') {
    sending = false;
    for (const ws of sockets) ws.terminate();
    setTimeout(() => process.exit(0), 100);
  }
});
process.on('disconnect', () => process.exit(0));
