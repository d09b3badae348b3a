/**
 * Cluster mode's event plane for the realtime rooms (only with REDIS_URL; the Redis connection is the cluster's,
 * cluster/redis.ts). What one node's room collected in a batch window (chat, likes, questions to staff, moderation,
 * commerce items, …) is one **entry** of the show's stream, written by one script that
 *   - numbers it (`offset`, +1 per entry, in the show's meta hash, whose `epoch` is chosen by the first writer — a
 *     Redis that lost the stream starts a new epoch),
 *   - adds the like delta to the show's like total,
 *   - appends it to the capped stream `rt:show:<id>:stream` (XADD MAXLEN ~, id `<offset>-1`) and
 *   - publishes it on the show's channel.
 * Every node with a room for the show (its own included) delivers entries to its sockets in offset order: a gap in
 * what the channel brought (a missed message, a resubscribe after Redis came back) is read from the stream first, and
 * a periodic look at the meta hash catches what no message announced. So a node's sockets see each entry once, in
 * the same order on every node, and a client that reconnects anywhere resumes with XRANGE from its last offset
 * (the design Centrifugo uses: epoch + offset).
 *
 * Redis away: entries wait in this node's outbox (bounded) and are written, in order, when Redis answers again.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { BatchItem } from '../../../shared/protocol/realtime';
import { KEY_PREFIX, type RedisConnection } from '../cluster/redis';
import type { Logger } from '../log';

/** One batch window of one node's room, as written to the stream. `keys`/`mutes` are internal (never sent out). */
export const StreamEntry = z.object({
  items: z.array(BatchItem),
  staff: z.array(BatchItem),
  chat: z.number().int(),
  dropped: z.number().int(),
  likes: z.number().int(),
  /** The identity key of each chat item (moderation removes an identity's messages from every node's history). */
  keys: z.array(z.string()),
  /** Mutes set (`until`) or lifted (null) in this window: `u:<key>` / `d:<deviceId>`. */
  mutes: z.array(z.tuple([z.string(), z.number().int().nullable()])),
});
export type StreamEntry = z.infer<typeof StreamEntry>;

export interface Delivery {
  epoch: string;
  offset: number;
  /** The show's like total after this entry. */
  likesTotal: number;
  entry: StreamEntry;
}

/** Room state kept beside the offset, so a node that opens the show later starts from it. */
export interface ShowState {
  likes: number;
  slowModeSeconds: number | null;
  mutes: [string, number][];
}

const key = {
  meta: (s: string) => `${KEY_PREFIX}rt:show:${s}:meta`,
  stream: (s: string) => `${KEY_PREFIX}rt:show:${s}:stream`,
  likes: (s: string) => `${KEY_PREFIX}rt:show:${s}:likes`,
  channel: (s: string) => `${KEY_PREFIX}rt:show:${s}`,
};
const CHANNEL_PREFIX = `${KEY_PREFIX}rt:show:`;
/** Shows with sockets on some node: score = when a node last said so. */
const OPEN = `${KEY_PREFIX}rt:open`;
const OPEN_TTL_MS = 5000;

/** KEYS meta stream likes channel; ARGV epoch-candidate payload like-delta maxlen ttl-ms [field value]… */
const APPEND = `
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'e', epoch)
end
local off = redis.call('HINCRBY', KEYS[1], 'o', 1)
local likes = redis.call('INCRBY', KEYS[3], ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], off .. '-1', 'l', likes, 'd', ARGV[2])
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
redis.call('PUBLISH', KEYS[4], epoch .. '\\n' .. off .. '\\n' .. likes .. '\\n' .. ARGV[2])
return off`;

/** Meta fields an entry sets beside its offset (slow mode, mutes), so a room opened later starts from them. */
export function stateFields(entry: StreamEntry): string[] {
  const out: string[] = [];
  for (const it of entry.items) if (it.k === 'slowmode') out.push('slow', String(it.seconds));
  for (const [k, until] of entry.mutes) out.push(`m:${k}`, String(until ?? 0));
  return out;
}

export interface ShowStreamsOptions {
  redis: RedisConnection;
  log: Logger;
  /** Entries kept per show (approximate, MAXLEN ~). */
  maxLen: number;
  /** Streams idle this long expire. */
  ttlMs: number;
  /** Whether this node has sockets on the show (it then tells the cluster the show is open). */
  watched(showId: string): boolean;
  /** Hand one entry, in offset order, to this node's room of the show. */
  deliver(showId: string, d: Delivery): void;
  /** The show's stream was read for the first time on this node (state for a room that just opened). */
  opened(showId: string, at: { epoch: string | null; offset: number }, state: ShowState): void;
  outboxMax?: number;
}

interface Followed {
  epoch: string | null;
  offset: number;
  ready: boolean;
  /** Messages that arrived before the first position read. */
  early: Delivery[];
  chain: Promise<void>;
}

export class StreamPositionError extends Error {}

export class ShowStreams {
  private readonly followed = new Map<string, Followed>();
  private readonly sub: Redis;
  private readonly outbox: { showId: string; entry: StreamEntry; state: string[] }[] = [];
  private draining = false;
  /** Shows with sockets on any node, as last read (cluster-wide commerce events go to their streams too). */
  private openShows: string[] = [];
  private closed = false;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly onReady = () => {
    void this.drain();
    this.checkAll();
  };

  constructor(private readonly o: ShowStreamsOptions) {
    this.sub = o.redis.subscriber();
    this.sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    o.redis.on('ready', this.onReady);
    this.timer = setInterval(() => this.checkAll(), 1000);
    this.timer.unref();
  }

  get pending(): number {
    return this.outbox.length;
  }

  /** Where this node stands in the show's stream (null until it was read). */
  position(showId: string): { epoch: string; offset: number } | null {
    const f = this.followed.get(showId);
    return f?.ready && f.epoch !== null ? { epoch: f.epoch, offset: f.offset } : null;
  }

  /** Shows with sockets somewhere in the cluster (read every second). */
  get open(): readonly string[] {
    return this.openShows;
  }

  /** Resolves once the show's stream was read here (or the read failed; then `position` stays null). */
  async settled(showId: string): Promise<void> {
    await this.followed.get(showId)?.chain;
  }

  /** Start following a show (its room opened on this node). */
  follow(showId: string): void {
    if (this.followed.has(showId)) return;
    const f: Followed = { epoch: null, offset: 0, ready: false, early: [], chain: Promise.resolve() };
    this.followed.set(showId, f);
    this.sub.subscribe(key.channel(showId)).catch(() => undefined);
    this.enqueue(showId, f, () => this.start(showId, f));
  }

  unfollow(showId: string): void {
    if (!this.followed.delete(showId)) return;
    this.sub.unsubscribe(key.channel(showId)).catch(() => undefined);
  }

  /** Write one window's entry (now, or from the outbox once Redis answers). `state` are meta fields to set with it. */
  append(showId: string, entry: StreamEntry, state: string[] = []): void {
    if (this.outbox.length || !this.o.redis.ready) {
      this.queue(showId, entry, state);
      return;
    }
    this.write(showId, entry, state).catch(() => {
      this.queue(showId, entry, state);
    });
  }

  /**
   * The entries after `from` up to `to` (a client's resume). Throws StreamPositionError when the stream no longer
   * holds all of them (trimmed or lost).
   */
  async range(showId: string, from: number, to: number): Promise<Delivery[]> {
    if (to <= from) return [];
    const out = await this.read(showId, from + 1, to);
    if (out.length !== to - from || out[0]?.offset !== from + 1) {
      throw new StreamPositionError('the stream no longer holds every event after that position');
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.o.redis.off('ready', this.onReady);
    await Promise.allSettled([...this.followed.values()].map((f) => f.chain));
    this.followed.clear();
  }

  private queue(showId: string, entry: StreamEntry, state: string[]): void {
    const max = this.o.outboxMax ?? 50_000;
    if (this.outbox.length >= max) {
      this.outbox.shift();
      this.o.log.warn({ max }, 'realtime outbox full while Redis is away; dropping the oldest entry');
    }
    this.outbox.push({ showId, entry, state });
  }

  private async drain(): Promise<void> {
    if (this.draining || this.closed) return;
    this.draining = true;
    try {
      while (this.outbox.length && this.o.redis.ready) {
        const next = this.outbox[0]!;
        await this.write(next.showId, next.entry, next.state);
        this.outbox.shift();
      }
    } catch {
      // Redis went away again: the rest waits for the next `ready`.
    } finally {
      this.draining = false;
    }
  }

  private async write(showId: string, entry: StreamEntry, state: string[]): Promise<void> {
    await this.o.redis.commands.eval(
      APPEND,
      4,
      key.meta(showId),
      key.stream(showId),
      key.likes(showId),
      key.channel(showId),
      // Taken only by the write that creates the stream: a stream lost with Redis comes back under a new epoch.
      randomBytes(6).toString('base64url'),
      JSON.stringify(entry),
      String(entry.likes),
      String(this.o.maxLen),
      String(this.o.ttlMs),
      ...state,
    );
  }

  private enqueue(showId: string, f: Followed, step: () => Promise<void>): void {
    f.chain = f.chain.then(step).catch((err) => {
      this.o.log.debug({ err: (err as Error).message, showId }, 'realtime stream step failed; retried by the next check');
    });
  }

  /** First read of a show: its position and state; messages that came early are delivered after it. */
  private async start(showId: string, f: Followed): Promise<void> {
    const c = this.o.redis.commands;
    const [meta, likes] = await Promise.all([c.hgetall(key.meta(showId)), c.get(key.likes(showId))]);
    if (this.followed.get(showId) !== f) return;
    f.epoch = meta.e ?? null;
    f.offset = meta.e ? Number(meta.o ?? 0) : 0;
    const now = Date.now();
    const mutes: [string, number][] = [];
    for (const [k, v] of Object.entries(meta)) if (k.startsWith('m:') && Number(v) > now) mutes.push([k.slice(2), Number(v)]);
    const slow = meta.slow !== undefined ? Number(meta.slow) : null;
    f.ready = true;
    this.o.opened(showId, { epoch: f.epoch, offset: f.offset }, { likes: Number(likes ?? 0), slowModeSeconds: slow, mutes });
    const early = f.early.splice(0);
    for (const d of early) await this.take(showId, f, d);
  }

  private onMessage(channel: string, message: string): void {
    if (!channel.startsWith(CHANNEL_PREFIX)) return;
    const showId = channel.slice(CHANNEL_PREFIX.length);
    const f = this.followed.get(showId);
    if (!f) return;
    const d = parseDelivery(message);
    if (!d) {
      this.o.log.warn({ showId }, 'unreadable realtime stream message ignored');
      return;
    }
    if (!f.ready) {
      f.early.push(d);
      return;
    }
    this.enqueue(showId, f, () => this.take(showId, f, d));
  }

  /** Deliver `d` after whatever comes before it (read from the stream when the channel skipped some). */
  private async take(showId: string, f: Followed, d: Delivery): Promise<void> {
    if (this.followed.get(showId) !== f) return;
    if (d.epoch !== f.epoch) {
      this.o.log.info({ showId, from: f.epoch, to: d.epoch }, 'realtime stream has a new epoch');
      f.epoch = d.epoch;
      f.offset = 0;
    }
    if (d.offset <= f.offset) return;
    if (d.offset > f.offset + 1) await this.catchUp(showId, f, d.epoch, d.offset - 1);
    if (d.offset !== f.offset + 1) return;
    this.deliver(showId, f, d);
  }

  private deliver(showId: string, f: Followed, d: Delivery): void {
    f.offset = d.offset;
    try {
      this.o.deliver(showId, d);
    } catch (err) {
      this.o.log.error({ err, showId }, 'realtime delivery failed');
    }
  }

  /** Read and deliver the entries after this node's offset up to `to`. */
  private async catchUp(showId: string, f: Followed, epoch: string, to: number): Promise<void> {
    const entries = await this.read(showId, f.offset + 1, to);
    for (const d of entries) {
      if (this.followed.get(showId) !== f || d.epoch !== epoch) return;
      if (d.offset === f.offset + 1) this.deliver(showId, f, d);
    }
  }

  /** Every second and when Redis is back: is any followed show ahead of what this node delivered? */
  private checkAll(): void {
    if (this.closed || !this.o.redis.ready) return;
    void this.drain();
    void this.refreshOpen();
    for (const [showId, f] of this.followed) {
      if (!f.ready) {
        this.enqueue(showId, f, () => (f.ready ? Promise.resolve() : this.start(showId, f)));
        continue;
      }
      this.enqueue(showId, f, async () => {
        const [e, o] = await this.o.redis.commands.hmget(key.meta(showId), 'e', 'o');
        if (!e || this.followed.get(showId) !== f) return;
        if (e !== f.epoch) {
          this.o.log.info({ showId, from: f.epoch, to: e }, 'realtime stream has a new epoch');
          f.epoch = e;
          f.offset = 0;
        }
        const head = Number(o ?? 0);
        if (head > f.offset) await this.catchUp(showId, f, e, head);
      });
    }
  }

  private async refreshOpen(): Promise<void> {
    const c = this.o.redis.commands;
    const now = Date.now();
    const mine = [...this.followed.keys()].filter((id) => this.o.watched(id));
    try {
      if (mine.length) await c.zadd(OPEN, ...mine.flatMap((id) => [now, id]));
      await c.zremrangebyscore(OPEN, 0, now - OPEN_TTL_MS);
      this.openShows = await c.zrangebyscore(OPEN, now - OPEN_TTL_MS, '+inf');
    } catch {
      // Redis away: keep the last list.
    }
  }

  private async read(showId: string, from: number, to: number): Promise<Delivery[]> {
    const rows = (await this.o.redis.commands.xrange(key.stream(showId), `${from}-1`, `${to}-1`)) as [string, string[]][];
    const meta = await this.o.redis.commands.hget(key.meta(showId), 'e');
    if (!meta) return [];
    const out: Delivery[] = [];
    for (const [id, fields] of rows) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      const entry = parseEntry(f.d);
      if (!entry) continue;
      out.push({ epoch: meta, offset: Number(id.split('-')[0]), likesTotal: Number(f.l ?? 0), entry });
    }
    return out;
  }
}

function parseEntry(text: string | undefined): StreamEntry | null {
  if (!text) return null;
  try {
    const r = StreamEntry.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function parseDelivery(message: string): Delivery | null {
  const a = message.indexOf('\n');
  const b = message.indexOf('\n', a + 1);
  const c = message.indexOf('\n', b + 1);
  if (a < 0 || b < 0 || c < 0) return null;
  const entry = parseEntry(message.slice(c + 1));
  const offset = Number(message.slice(a + 1, b));
  if (!entry || !Number.isInteger(offset)) return null;
  return { epoch: message.slice(0, a), offset, likesTotal: Number(message.slice(b + 1, c)), entry };
}
