/**
 * Cluster mode: what the realtime hub shares across nodes besides the show streams (stream.ts), over the cluster's
 * Redis (cluster/redis.ts):
 *   rt:id:<publicId>   who a public user id is (identity key, name, devices), so staff on any node can mute or ban a
 *                      viewer connected to another one (kept a day after it was last seen);
 *   rt:bans            hash `u:<key>` / `d:<deviceId>` → the banned public id: the cluster's bans (every node reads
 *                      it at start, when Redis is back, and when told it changed);
 *   rt:ctl             channel: "bans changed", "tell this identity its `you` state", "send this frame to this
 *                      identity's sockets" (private answers, an order's status), whichever node holds its sockets.
 * A node that cannot reach Redis acts for its own sockets only, and reads the bans again when Redis is back.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { KEY_PREFIX, type RedisConnection } from '../cluster/redis';
import type { Logger } from '../log';

const CHANNEL = `${KEY_PREFIX}rt:ctl`;
const BANS = `${KEY_PREFIX}rt:bans`;
const idKey = (publicId: string) => `${KEY_PREFIX}rt:id:${publicId}`;
const ID_TTL_MS = 24 * 3600_000;

const CtlMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('bans') }),
  z.object({ t: z.literal('you'), key: z.string() }),
  z.object({ t: z.literal('to'), key: z.string(), frame: z.string() }),
]);
type CtlMessage = z.infer<typeof CtlMessage>;

export const SharedIdentity = z.object({
  key: z.string(),
  name: z.string(),
  role: z.enum(['viewer', 'moderator', 'owner']),
  devices: z.array(z.string()),
});
export type SharedIdentity = z.infer<typeof SharedIdentity>;

/** KEYS slow-key rate-key; ARGV slow-ms window-ms limit → {0} sent, {1, wait} slow mode, {2, wait} rate. */
const CHAT_GATE = `
if tonumber(ARGV[1]) > 0 and redis.call('EXISTS', KEYS[1]) == 1 then return {1, redis.call('PTTL', KEYS[1])} end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
if n > tonumber(ARGV[3]) then return {2, redis.call('PTTL', KEYS[2])} end
if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return {0, 0}`;

export type ChatGate = { ok: true } | { ok: false; reason: 'SLOW_MODE' | 'RATE_LIMITED'; waitMs: number };

export interface ClusterCtlHandlers {
  /** The cluster's bans, read after they changed (field → banned public id). */
  bans(bans: Map<string, string>): void;
  you(key: string): void;
  to(key: string, frame: string): void;
}

export class ClusterCtl {
  private readonly sub: Redis;
  private readonly onReady = () => void this.loadBans();

  constructor(
    private readonly redis: RedisConnection,
    private readonly log: Logger,
    private readonly h: ClusterCtlHandlers,
  ) {
    this.sub = redis.subscriber();
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === CHANNEL) this.onMessage(text);
    });
    this.sub.subscribe(CHANNEL).catch(() => undefined);
    redis.on('ready', this.onReady);
    if (redis.ready) void this.loadBans();
  }

  close(): void {
    this.redis.off('ready', this.onReady);
  }

  /**
   * The cluster-wide half of a viewer's chat limits (the node's own bucket and slow mode ran first): slow mode and
   * at most `limit` messages per `windowMs` for this identity in this show over every node. Redis away: allowed
   * (the node's own limits still hold).
   */
  async chatGate(showId: string, key: string, slowMs: number, windowMs: number, limit: number): Promise<ChatGate> {
    if (!this.redis.ready) return { ok: true };
    try {
      const base = `${KEY_PREFIX}rt:lim:${showId}:${key}`;
      const [code, wait] = (await this.redis.commands.eval(
        CHAT_GATE,
        2,
        `${base}:slow`,
        `${base}:rate`,
        String(slowMs),
        String(windowMs),
        String(limit),
      )) as [number, number];
      if (code === 0) return { ok: true };
      return { ok: false, reason: code === 1 ? 'SLOW_MODE' : 'RATE_LIMITED', waitMs: Math.max(0, wait) };
    } catch {
      return { ok: true };
    }
  }

  /** Remember who a public id is (best effort). */
  remember(publicId: string, id: SharedIdentity): void {
    if (!this.redis.ready) return;
    this.redis.commands.set(idKey(publicId), JSON.stringify(id), 'PX', ID_TTL_MS).catch(() => undefined);
  }

  async lookup(publicId: string): Promise<SharedIdentity | null> {
    if (!this.redis.ready) return null;
    try {
      const text = await this.redis.commands.get(idKey(publicId));
      const r = text ? SharedIdentity.safeParse(JSON.parse(text)) : null;
      return r?.success ? r.data : null;
    } catch {
      return null;
    }
  }

  /** Ban these fields (`u:<key>`, `d:<device>`) as `publicId` on every node. */
  async ban(publicId: string, fields: string[]): Promise<void> {
    if (!fields.length) return;
    await this.redis.commands.hset(BANS, ...fields.flatMap((f) => [f, publicId]));
    await this.publish({ t: 'bans' });
  }

  /** Lift every ban of `publicId` on every node. */
  async unban(publicId: string): Promise<void> {
    const all = await this.redis.commands.hgetall(BANS);
    const fields = Object.entries(all)
      .filter(([, v]) => v === publicId)
      .map(([f]) => f);
    if (fields.length) await this.redis.commands.hdel(BANS, ...fields);
    await this.publish({ t: 'bans' });
  }

  /** Tell an identity's sockets on every node; false when Redis is away (the caller acts locally). */
  you(key: string): boolean {
    return this.send({ t: 'you', key });
  }

  to(key: string, frame: string): boolean {
    return this.send({ t: 'to', key, frame });
  }

  private send(msg: CtlMessage): boolean {
    if (!this.redis.ready) return false;
    this.publish(msg).catch(() => undefined);
    return true;
  }

  private async publish(msg: CtlMessage): Promise<void> {
    await this.redis.commands.publish(CHANNEL, JSON.stringify(msg));
  }

  private async loadBans(): Promise<void> {
    try {
      this.h.bans(new Map(Object.entries(await this.redis.commands.hgetall(BANS))));
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'cannot read the cluster bans now; read again when Redis is back');
    }
  }

  private onMessage(text: string): void {
    let msg: CtlMessage;
    try {
      const r = CtlMessage.safeParse(JSON.parse(text));
      if (!r.success) return;
      msg = r.data;
    } catch {
      return;
    }
    if (msg.t === 'bans') void this.loadBans();
    else if (msg.t === 'you') this.h.you(msg.key);
    else this.h.to(msg.key, msg.frame);
  }
}
