/**
 * The node registry and the show → origin map, in Redis. The only registry of the cluster: placement reads it, the
 * pipe RPC finds origins through it, and cluster-wide app work (events, scheduled jobs) finds its peers here too.
 *
 * Keys (all under KEY_PREFIX, all but `home` with a TTL of a few heartbeats, so a node that dies simply disappears):
 *   node:<id>:owner   the instance (random per process) that holds the id
 *   node:<id>         its NodeRecord as JSON
 *   nodes             set of ids ever registered (stale ids are dropped when read)
 *   show:<id>:origin  the node id the studio publishes the show to
 *   show:<id>:home    the node that last was the show's origin, kept after the show (no TTL): its database row, event
 *                     log and recording stay there, so any node can send the show's replay requests to it
 *
 * An id is claimed and refreshed by one script that refuses when another instance holds it, so two processes
 * started with the same NODE_ID cannot both serve: the second fails its start-up with DuplicateNodeError.
 */
import { randomBytes } from 'node:crypto';
import { type NodeId, type NodeLoad, NodeRecord } from '../../../shared/protocol/cluster';
import type { Logger } from '../log';
import { KEY_PREFIX, type RedisConnection } from './redis';

export const HEARTBEAT_MS = 1000;
/** A node missing this long is gone (placement stops sending viewers to it). */
export const NODE_TTL_MS = 3000;
/** The origin mapping outlives a short studio reconnect but not a dead origin. */
export const ORIGIN_TTL_MS = 5000;

export class DuplicateNodeError extends Error {
  constructor(readonly nodeId: string) {
    super(`NODE_ID ${nodeId} is held by another running node; give each node its own NODE_ID`);
    this.name = 'DuplicateNodeError';
  }
}

const CLAIM = `
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return 1`;

/** Release only what this instance holds (a successor may already own the id). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[2])
end
return 1`;

/** Set the origin only where it is this node's or nobody's; refresh its TTL. */
const SET_ORIGIN = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] and ARGV[3] ~= 'force' then return cur end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
return ARGV[1]`;

const DEL_ORIGIN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

const key = {
  owner: (id: string) => `${KEY_PREFIX}node:${id}:owner`,
  node: (id: string) => `${KEY_PREFIX}node:${id}`,
  nodes: `${KEY_PREFIX}nodes`,
  origin: (showId: string) => `${KEY_PREFIX}show:${showId}:origin`,
  home: (showId: string) => `${KEY_PREFIX}show:${showId}:home`,
};

export interface NodeSelf {
  nodeId: NodeId;
  publicUrl: string;
  wsUrl: string;
}

export interface RegistryOptions {
  redis: RedisConnection;
  self: NodeSelf;
  /** Read at every heartbeat. */
  load(): NodeLoad;
  /** Shows this node carries, read at every heartbeat. */
  shows(): string[];
  /** Viewers this node seats per show (shows without viewers may be left out), read at every heartbeat. */
  showViewers?(): Record<string, number>;
  /** Realtime sockets this node holds per show (shows without sockets may be left out), read at every heartbeat. */
  showSockets?(): Record<string, number>;
  /** Shows this node is origin of (their mapping is refreshed with the heartbeat). */
  originShows(): string[];
  log: Logger;
  heartbeatMs?: number;
  ttlMs?: number;
}

export class NodeRegistry {
  readonly instance = randomBytes(12).toString('base64url');
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly ttlMs: number;
  private conflictLogged = false;
  private stopped = false;

  constructor(private readonly opts: RegistryOptions) {
    this.ttlMs = opts.ttlMs ?? NODE_TTL_MS;
  }

  get nodeId(): string {
    return this.opts.self.nodeId;
  }

  /** Claim the node id (DuplicateNodeError when another live instance holds it) and start the heartbeat. */
  async start(): Promise<void> {
    if (!(await this.claim())) throw new DuplicateNodeError(this.nodeId);
    this.timer = setInterval(() => void this.beat(), this.opts.heartbeatMs ?? HEARTBEAT_MS);
    this.timer.unref?.();
  }

  /** One heartbeat now (also after Redis came back: the keys may be gone with a restarted Redis). */
  async beat(): Promise<void> {
    if (this.stopped || !this.opts.redis.ready) return;
    try {
      const ok = await this.claim();
      if (!ok && !this.conflictLogged) {
        this.conflictLogged = true;
        this.opts.log.error({ nodeId: this.nodeId }, 'another node took over this NODE_ID; this node is no longer placed');
      } else if (ok) {
        this.conflictLogged = false;
      }
      for (const showId of this.opts.originShows()) await this.setOrigin(showId);
    } catch (err) {
      this.opts.log.debug({ err: (err as Error).message }, 'heartbeat failed (redis away)');
    }
  }

  private async claim(): Promise<boolean> {
    const record: NodeRecord = {
      ...this.opts.self,
      instance: this.instance,
      load: this.opts.load(),
      shows: this.opts.shows(),
      showViewers: this.opts.showViewers?.() ?? {},
      showSockets: this.opts.showSockets?.() ?? {},
      updatedAt: Date.now(),
    };
    const r = await this.opts.redis.commands.eval(
      CLAIM,
      3,
      key.owner(this.nodeId),
      key.node(this.nodeId),
      key.nodes,
      this.instance,
      JSON.stringify(record),
      String(this.ttlMs),
      this.nodeId,
    );
    return r === 1;
  }

  /** Every live node (records that fail the schema are skipped; ids whose record expired are dropped). */
  async nodes(): Promise<NodeRecord[]> {
    const c = this.opts.redis.commands;
    const ids = await c.smembers(key.nodes);
    if (ids.length === 0) return [];
    const raw = await c.mget(ids.map(key.node));
    const out: NodeRecord[] = [];
    const stale: string[] = [];
    raw.forEach((text, i) => {
      if (text === null) {
        stale.push(ids[i]!);
        return;
      }
      try {
        const parsed = NodeRecord.safeParse(JSON.parse(text));
        if (parsed.success) out.push(parsed.data);
      } catch {
        // not JSON: not ours
      }
    });
    if (stale.length) await c.srem(key.nodes, ...stale).catch(() => undefined);
    return out;
  }

  async node(nodeId: string): Promise<NodeRecord | null> {
    const text = await this.opts.redis.commands.get(key.node(nodeId));
    if (!text) return null;
    try {
      const parsed = NodeRecord.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /**
   * Record this node as the show's origin (the studio published here). Returns the node that holds the mapping:
   * another one when the show is already published elsewhere and `force` is not set.
   */
  async setOrigin(showId: string, force = false): Promise<string> {
    const r = await this.opts.redis.commands.eval(
      SET_ORIGIN,
      2,
      key.origin(showId),
      key.home(showId),
      this.nodeId,
      String(ORIGIN_TTL_MS),
      force ? 'force' : '',
    );
    return String(r);
  }

  async origin(showId: string): Promise<string | null> {
    return this.opts.redis.commands.get(key.origin(showId));
  }

  /** The node that was the show's origin last (also after the show ended), null if none ever was. */
  async home(showId: string): Promise<string | null> {
    return this.opts.redis.commands.get(key.home(showId));
  }

  /** Record this node as the show's home unless one is recorded (Redis restarted without persistence forgets them). */
  async claimHome(showId: string): Promise<void> {
    await this.opts.redis.commands.set(key.home(showId), this.nodeId, 'NX');
  }

  async clearOrigin(showId: string): Promise<void> {
    await this.opts.redis.commands.eval(DEL_ORIGIN, 1, key.origin(showId), this.nodeId);
  }

  /** Stop the heartbeat and give the id back (a clean shutdown frees it at once; a crash frees it after the TTL). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.opts.redis.ready) return;
    await this.opts.redis.commands
      .eval(RELEASE, 3, key.owner(this.nodeId), key.node(this.nodeId), key.nodes, this.instance, this.nodeId)
      .catch(() => undefined);
  }
}
