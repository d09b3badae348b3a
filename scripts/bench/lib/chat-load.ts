/**
 * Chat load over several realtime nodes (cluster mode): `clients` guest sockets spread round-robin over the nodes'
 * realtime URLs, every one of them sending in turn so the total is `ratePerSec` (each client well under the per-user
 * chat limit), for `durationMs`. Every socket records which messages it received (the message index is in its text)
 * and the delay from send to receipt (the send time is in the text; one process, one clock), so the result says
 * whether every accepted message reached every socket exactly once, and how fast.
 *
 *   const r = await runChatLoad({ urls: nodes.map((n) => n.wsUrl()), cookie: () => node.guestCookie(), clients: 300, ratePerSec: 200, durationMs: 10_000 });
 *
 * Used by server/src/realtime/cluster-stream.test.ts at a CI size; the same driver serves a cluster bench.
 */
import WebSocket from 'ws';

export interface ChatLoadOptions {
  /** Realtime WebSocket URLs (one per node, `…/ws/realtime?showId=…`). */
  urls: string[];
  /** A new guest's Cookie header (signed buyer cookie). */
  cookie(): string;
  clients: number;
  ratePerSec: number;
  durationMs: number;
  /** How long to wait for the last messages after sending stopped. */
  drainMs?: number;
  /** Messages sent in this first stretch count for delivery but not for latency (connections and JIT settling). */
  warmupMs?: number;
  /**
   * Start every text with a random word, so that messages differ in shape: a server with its default spam settings
   * takes texts that differ only in digits, from several users at once, for a flood (tests lift `floodUsers`).
   */
  randomWord?: boolean;
}

export interface ChatLoadResult {
  nodes: number;
  clients: number;
  sent: number;
  accepted: number;
  rejected: number;
  /** accepted × clients: every socket should get every accepted message once. */
  expected: number;
  delivered: number;
  duplicates: number;
  missing: number;
  deliveredPct: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  sendRatePerSec: number;
}

const CHAT = /"text":"(?:[a-z]+ )?m(\d+) t=(\d+)"/g;
/** Consonants only: a random word never spells a filtered one. */
const LETTERS = 'bcdfgjkmpqvwz';
const word = () => Array.from({ length: 8 }, () => LETTERS[Math.floor(Math.random() * LETTERS.length)]).join('');
const HIST_MAX_MS = 10_000;

interface Client {
  ws: WebSocket;
  /** Per message index: how many times it arrived. */
  seen: Uint8Array;
  nextId: number;
  pending: Map<number, (ok: boolean) => void>;
}

export async function runChatLoad(o: ChatLoadOptions): Promise<ChatLoadResult> {
  const maxMessages = Math.ceil((o.ratePerSec * o.durationMs) / 1000) + 16;
  const hist = new Uint32Array(HIST_MAX_MS + 1);
  let duplicates = 0;
  const clients: Client[] = [];
  let measureFrom = Number.MAX_SAFE_INTEGER;

  const open = (i: number) =>
    new Promise<Client>((resolve, reject) => {
      const ws = new WebSocket(o.urls[i % o.urls.length]!, { headers: { cookie: o.cookie() } });
      const c: Client = { ws, seen: new Uint8Array(maxMessages), nextId: 1, pending: new Map() };
      ws.on('message', (data) => {
        const text = data.toString();
        if (text.startsWith('{"t":"res"')) {
          const m = /^\{"t":"res","id":(\d+),"ok":(true|false)/.exec(text);
          if (m) {
            const ok = m[2] === 'true' && !text.includes('"accepted":false');
            c.pending.get(Number(m[1]))?.(ok);
            c.pending.delete(Number(m[1]));
          }
          return;
        }
        if (!text.includes('"method":"batch"')) return;
        const now = Date.now();
        for (const m of text.matchAll(CHAT)) {
          const idx = Number(m[1]);
          if (idx >= maxMessages) continue;
          if (c.seen[idx]! > 0) duplicates++;
          c.seen[idx] = Math.min(255, c.seen[idx]! + 1);
          const sentAt = Number(m[2]);
          if (sentAt >= measureFrom) hist[Math.min(HIST_MAX_MS, Math.max(0, now - sentAt))]!++;
        }
      });
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  const request = (c: Client, method: string, data: unknown) =>
    new Promise<boolean>((resolve) => {
      const id = c.nextId++;
      c.pending.set(id, resolve);
      c.ws.send(JSON.stringify({ t: 'req', id, method, data }));
    });

  try {
    // Connect and greet in small waves (a 2-core machine also runs the nodes).
    for (let i = 0; i < o.clients; i += 25) {
      const wave = await Promise.all(Array.from({ length: Math.min(25, o.clients - i) }, (_, k) => open(i + k)));
      await Promise.all(wave.map((c, k) => request(c, 'hello', { deviceId: `dev_load${i + k}x${Date.now().toString(36)}` })));
      clients.push(...wave);
    }
    let sent = 0;
    let accepted = 0;
    let rejected = 0;
    const replies: Promise<void>[] = [];
    const started = Date.now();
    measureFrom = started + (o.warmupMs ?? 0);
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = Date.now() - started;
        const due = Math.min(maxMessages - 16, Math.floor((elapsed * o.ratePerSec) / 1000));
        while (sent < due) {
          const idx = sent++;
          const c = clients[idx % clients.length]!;
          replies.push(
            request(c, 'chat.send', { text: `${o.randomWord ? `${word()} ` : ''}m${idx} t=${Date.now()}` }).then((ok) => {
              if (ok) accepted++;
              else rejected++;
            }),
          );
        }
        if (elapsed >= o.durationMs) {
          clearInterval(tick);
          resolve();
        }
      }, 20);
    });
    const sendSeconds = (Date.now() - started) / 1000;
    await Promise.race([Promise.all(replies), new Promise((r) => setTimeout(r, 10_000))]);
    // Wait until every socket has every accepted message, or the drain time is up.
    const drainEnd = Date.now() + (o.drainMs ?? 5000);
    const deliveredNow = () => clients.reduce((n, c) => n + c.seen.reduce((a, v) => a + (v > 0 ? 1 : 0), 0), 0);
    while (deliveredNow() < accepted * clients.length && Date.now() < drainEnd) await new Promise((r) => setTimeout(r, 100));
    const delivered = deliveredNow();
    const expected = accepted * clients.length;
    const total = hist.reduce((a, v) => a + v, 0);
    const pct = (p: number) => {
      let acc = 0;
      for (let ms = 0; ms <= HIST_MAX_MS; ms++) {
        acc += hist[ms]!;
        if (acc >= total * p) return ms;
      }
      return HIST_MAX_MS;
    };
    let maxMs = 0;
    for (let ms = HIST_MAX_MS; ms >= 0; ms--) {
      if (hist[ms]) {
        maxMs = ms;
        break;
      }
    }
    return {
      nodes: o.urls.length,
      clients: clients.length,
      sent,
      accepted,
      rejected,
      expected,
      delivered,
      duplicates,
      missing: Math.max(0, expected - delivered),
      deliveredPct: expected ? Math.round((delivered / expected) * 100_000) / 1000 : 0,
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
      maxMs,
      sendRatePerSec: Math.round(sent / sendSeconds),
    };
  } finally {
    for (const c of clients) c.ws.terminate();
  }
}
