/**
 * This node's part in the cluster (created by app.ts only when REDIS_URL is set): the Redis connection, its entry in
 * the node registry with a heartbeat carrying its load and shows, the show → origin mapping of shows published here,
 * placements answered for any show, and the check of the placement token a viewer's join presents.
 *
 * Redis away: viewers already watching are untouched (media never goes through Redis), placements answer
 * UNAVAILABLE, `/healthz` reports not ready; when Redis answers again the heartbeat re-registers at once.
 */
import { type NodeLoad, type NodeRecord, PLACEMENT_TTL_MS, type Placement } from '../../../shared/protocol/cluster';
import { RpcError } from '../../../shared/protocol/rpc';
import { SIGNALING_PATH } from '../../../shared/protocol/signaling';
import { ConfigError } from '../config';
import type { Logger } from '../log';
import type { Room } from '../sfu/room';
import type { RoomManager } from '../sfu/rooms';
import { NodeBus } from './bus';
import { EdgeShows } from './edge';
import { OriginPipes, type PipeListen } from './origin';
import { choosePlacement, signPlacement, verifyPlacement } from './placement';
import { RedisConnection, redactUrl } from './redis';
import { DuplicateNodeError, HEARTBEAT_MS, NodeRegistry } from './registry';

export interface ClusterSettings {
  redisUrl: string;
  nodeId: string;
  publicUrl: string;
  secret: string;
}

export interface ClusterNodeOptions {
  settings: ClusterSettings;
  log: Logger;
  rooms: RoomManager;
  /** Where cross-node pipes listen (RTC_LISTEN_IP, announced as RTC_ANNOUNCED_IP). */
  listen: PipeListen;
  /** Load and shows of this node, read at every heartbeat. */
  load(): NodeLoad;
  shows(): string[];
  /** Shows whose studio publishes to this node. */
  originShows(): string[];
  /** Whether this node's own database knows the show (a show with no origin yet is placed where it is known). */
  knowsShow(showId: string): boolean;
  /** How long start-up waits for Redis. */
  connectTimeoutMs?: number;
  heartbeatMs?: number;
  ttlMs?: number;
}

/** The realtime plane's part of a show's online count (the pages' realtime sockets), attached once realtime runs. */
export interface RealtimeCounts {
  /** Sockets this node holds per show. */
  socketCounts(): Record<string, number>;
  /** The sockets the other live nodes hold per show, after every registry read. */
  setRemoteOnline(counts: ReadonlyMap<string, number>): void;
}

/** The signaling WebSocket URL of a node with this public http(s) base URL. */
export function wsUrlOf(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}${SIGNALING_PATH}`;
}

export class ClusterNode {
  readonly redis: RedisConnection;
  readonly registry: NodeRegistry;
  readonly nodeId: string;
  readonly bus: NodeBus;
  readonly origin: OriginPipes;
  readonly edge: EdgeShows;
  private watchTimer: ReturnType<typeof setInterval> | null = null;
  private watching = false;
  /** The live nodes as the last registry read saw them (at most a heartbeat old): the pages' CSP, placement CORS. */
  private known: readonly NodeRecord[] = [];
  private realtime: RealtimeCounts | null = null;
  /** Shows whose home this node has asserted since Redis was last (re)connected. */
  private readonly homesClaimed = new Set<string>();

  private constructor(
    private readonly opts: ClusterNodeOptions,
    redis: RedisConnection,
  ) {
    this.redis = redis;
    this.nodeId = opts.settings.nodeId;
    const log = opts.log;
    this.bus = new NodeBus(redis, this.nodeId, opts.settings.secret, log);
    this.origin = new OriginPipes(opts.rooms, opts.listen, log);
    this.registry = new NodeRegistry({
      redis,
      self: { nodeId: opts.settings.nodeId, publicUrl: opts.settings.publicUrl, wsUrl: wsUrlOf(opts.settings.publicUrl) },
      load: opts.load,
      shows: opts.shows,
      showViewers: () => this.localViewers(),
      showSockets: () => this.realtime?.socketCounts() ?? {},
      originShows: opts.originShows,
      log: opts.log,
      heartbeatMs: opts.heartbeatMs,
      ttlMs: opts.ttlMs,
    });
    this.edge = new EdgeShows({ nodeId: this.nodeId, rooms: opts.rooms, bus: this.bus, registry: this.registry, listen: opts.listen, log });
  }

  /**
   * Connect to Redis and claim the node id. An unreachable Redis or an id another live node holds stops the start
   * with a ConfigError (one clear line, no stack).
   */
  static async start(opts: ClusterNodeOptions): Promise<ClusterNode> {
    const redis = new RedisConnection(opts.settings.redisUrl, opts.log);
    const node = new ClusterNode(opts, redis);
    try {
      await redis.waitReady(opts.connectTimeoutMs ?? 5000);
      await node.registry.start();
      await node.bus.serve(node.origin.handlers());
    } catch (err) {
      await node.registry.stop().catch(() => undefined);
      await redis.close();
      if (err instanceof DuplicateNodeError) throw new ConfigError([`NODE_ID: ${err.message}`]);
      throw new ConfigError([`REDIS_URL: cannot use ${redactUrl(opts.settings.redisUrl)}: ${(err as Error).message}`]);
    }
    redis.on('ready', () => {
      node.homesClaimed.clear();
      void node.registry.beat();
    });
    node.watchTimer = setInterval(() => {
      // One at a time: a slow round (a busy event loop, a pipe being made) is not overlapped by the next.
      if (node.watching) return;
      node.watching = true;
      void node.watchNodes().finally(() => {
        node.watching = false;
      });
    }, opts.heartbeatMs ?? HEARTBEAT_MS);
    node.watchTimer.unref?.();
    opts.log.info({ nodeId: node.nodeId, publicUrl: opts.settings.publicUrl }, 'cluster node registered');
    return node;
  }

  /** The realtime plane: its sockets go into this node's record, and it is told the other nodes' every heartbeat. */
  attachRealtime(realtime: RealtimeCounts): void {
    this.realtime = realtime;
  }

  /** Ready for new viewers: Redis answers (placement, the origin map and pipes need it). */
  get ready(): boolean {
    return this.redis.ready;
  }

  private requireRedis(): void {
    if (!this.redis.ready) throw new RpcError('UNAVAILABLE', 'the cluster registry is unreachable right now; try again shortly');
  }

  /** Where a new viewer of the show should watch (UNAVAILABLE while Redis is away or every node is full). */
  async place(showId: string, avoid: readonly string[] = [], now = Date.now()): Promise<Placement> {
    this.requireRedis();
    let nodes: NodeRecord[];
    let origin: string | null;
    try {
      [nodes, origin] = await Promise.all([this.registry.nodes(), this.registry.origin(showId)]);
    } catch {
      throw new RpcError('UNAVAILABLE', 'the cluster registry is unreachable right now; try again shortly');
    }
    if (!origin && !this.opts.knowsShow(showId)) throw new RpcError('NOT_FOUND', `show ${showId} is not published on any node`);
    // A show nobody publishes yet (or any more) is watched where it is known: on this node.
    const candidates = origin ? nodes : nodes.filter((n) => n.nodeId === this.nodeId);
    // `avoid`: nodes the viewer just lost (its record outlives a crash by the TTL); kept only when nothing else is left.
    const elsewhere = candidates.filter((n) => !avoid.includes(n.nodeId));
    const node = choosePlacement(elsewhere, showId) ?? choosePlacement(candidates, showId);
    if (!node) throw new RpcError('UNAVAILABLE', 'every media server is full right now; try again shortly');
    this.known = nodes;
    const expiresAt = now + PLACEMENT_TTL_MS;
    return {
      alternatives: nodes.filter((n) => n.nodeId !== this.nodeId).map((n) => n.publicUrl),
      showId,
      node: node.nodeId,
      publicUrl: node.publicUrl,
      wsUrl: node.wsUrl,
      token: signPlacement(this.opts.settings.secret, showId, node.nodeId, expiresAt),
      expiresAt,
    };
  }

  /** A viewer's join here must carry a placement for this show on this node (throws the typed refusal). */
  verifyJoin(showId: string, token: string | undefined): void {
    verifyPlacement(this.opts.settings.secret, token, showId, this.nodeId);
  }

  /** A viewer joins here a show this node does not have: its edge room, media piped in from the origin. */
  async edgeRoom(showId: string): Promise<Room> {
    const fresh = !this.edge.pulled.has(showId);
    const room = await this.edge.room(showId);
    // A new edge room starts with the other nodes' viewers, so its first viewer is told the show's whole audience.
    const nodes = fresh ? await this.registry.nodes().catch(() => null) : null;
    if (nodes) this.countAudience(nodes, [room]);
    return room;
  }

  /** An origin room's studio (re)published or its show changed state: tell the show's edges. */
  roomMediaChanged(room: Room): void {
    if (room.remote) return;
    const producers = [...room.mediaProducers()].filter((p) => !p.closed).map((p) => p.id);
    const dp = room.overlayProducer();
    this.bus.publishShow('show.media', { showId: room.showId, producers: dp ? [...producers, dp.id] : producers });
  }
  /** An origin room's studio capped or uncapped its layers: the show's edges move their viewers too. */
  roomLayerCaps(showId: string, caps: Record<string, number>): void {
    this.bus.publishShow('show.layers', { showId, caps });
  }
  roomStateChanged(room: Room): void {
    if (!room.remote) this.bus.publishShow('show.state', { show: room.show });
  }

  /** Viewers watching here per show (WebRTC and HLS), for this node's registry record (shows without viewers left out). */
  private localViewers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const room of this.opts.rooms.view.values()) if (!room.closed && room.localAudience > 0) out[room.showId] = room.localAudience;
    return out;
  }

  /**
   * Every heartbeat, while this node carries a show: read the registry once, close pipes to edges that left the
   * cluster, drop pipes from origins that left it (and pipe again once the show has a live origin), and give each room the viewers the other nodes seat for its show (a node that died drops out with its
   * record, within the registry's TTL).
   */
  private async watchNodes(): Promise<void> {
    if (!this.redis.ready) return;
    let nodes: NodeRecord[];
    try {
      nodes = await this.registry.nodes();
    } catch {
      // Redis away: keep the pipes (their edges' viewers keep watching) and the last counts.
      return;
    }
    this.known = nodes;
    this.countOnline(nodes);
    if (this.origin.size === 0 && this.opts.rooms.view.size === 0) return;
    const live = new Set(nodes.map((n) => n.nodeId));
    if (this.origin.size > 0) this.origin.sweep(live);
    if (this.edge.pulled.size > 0) await this.edge.watch(live);
    this.countAudience(nodes, this.opts.rooms.view.values());
  }

  /** Give each room the viewers the other nodes' records seat for its show. */
  private countAudience(nodes: readonly NodeRecord[], rooms: Iterable<Room>): void {
    const others = nodes.filter((n) => n.nodeId !== this.nodeId);
    for (const room of rooms) room.setRemoteViewers(others.reduce((sum, n) => sum + (n.showViewers?.[room.showId] ?? 0), 0));
  }

  /** Tell the realtime plane the sockets the other nodes' records hold per show (a dead node's drop out with it). */
  private countOnline(nodes: readonly NodeRecord[]): void {
    if (!this.realtime) return;
    const remote = new Map<string, number>();
    for (const n of nodes) {
      if (n.nodeId === this.nodeId) continue;
      for (const [showId, count] of Object.entries(n.showSockets ?? {})) remote.set(showId, (remote.get(showId) ?? 0) + count);
    }
    this.realtime.setRemoteOnline(remote);
  }

  /**
   * The http(s) origins of the cluster's live nodes (this one included), as of the last registry read: the viewer
   * page may ask any of them for a placement (CSP connect-src) and the placement route answers them (CORS).
   */
  publicOrigins(): string[] {
    const out = new Set<string>();
    for (const n of this.known) {
      try {
        const origin = new URL(n.publicUrl).origin;
        // Only a plain scheme://host[:port] goes into a header.
        if (/^https?:\/\/[A-Za-z0-9.:[\]-]+$/.test(origin)) out.add(origin);
      } catch {
        // not a URL: skipped
      }
    }
    return [...out];
  }

  /**
   * The public URL of the node that holds a show this node does not know (its database row, event log and HLS
   * recording: the node that was its origin last), for the replay and HLS routes to forward to. NOT_FOUND: no node
   * ever published it, or this node did; UNAVAILABLE: Redis away, or that node is not live right now.
   */
  async showHome(showId: string): Promise<string> {
    this.requireRedis();
    let home: string | null;
    let record: NodeRecord | null = null;
    try {
      home = await this.registry.home(showId);
      if (home && home !== this.nodeId) record = await this.registry.node(home);
    } catch {
      throw new RpcError('UNAVAILABLE', 'the cluster registry is unreachable right now; try again shortly');
    }
    if (!home || home === this.nodeId) throw new RpcError('NOT_FOUND', `unknown show ${showId}`);
    if (!record) throw new RpcError('UNAVAILABLE', 'the server that holds this show is offline; try again later');
    return record.publicUrl;
  }

  /**
   * This node holds the show (it answered a replay request for it): record it as the show's home where Redis has none
   * (a Redis restarted without persistence), once per show and connection, so the other nodes find it again.
   */
  claimHome(showId: string): void {
    if (!this.redis.ready || this.homesClaimed.has(showId)) return;
    if (this.homesClaimed.size >= 10_000) this.homesClaimed.clear();
    this.homesClaimed.add(showId);
    this.registry.claimHome(showId).catch(() => this.homesClaimed.delete(showId));
  }

  /** The studio published the show here: this node is its origin (best effort; the heartbeat keeps it). */
  noteOrigin(showId: string): void {
    if (!this.redis.ready) return;
    this.registry.setOrigin(showId, true).catch((err) => this.opts.log.debug({ err: (err as Error).message }, 'cannot record show origin'));
  }

  /** The show ended or left this node. */
  dropOrigin(showId: string): void {
    if (!this.redis.ready) return;
    this.registry.clearOrigin(showId).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.edge.closeAll();
    this.origin.closeAll();
    this.bus.close();
    await this.registry.stop();
    await this.redis.close();
  }
}

/** Seconds over which the node's CPU share is averaged for placement. */
export const CPU_SMOOTHING_S = 5;

/**
 * Share of one core this process used (the node's own thread; workers are separate), as an exponential moving average
 * over about CPU_SMOOTHING_S: a start-up or one busy second must not take a node out of placement, a sustained load
 * does within seconds.
 */
export function cpuSampler(now: () => number = () => performance.now(), usage = process.cpuUsage): () => number {
  let last = usage();
  let lastAt = now();
  let avg = 0;
  return () => {
    const at = now();
    const used = usage(last);
    const elapsedUs = (at - lastAt) * 1000;
    last = usage();
    lastAt = at;
    if (elapsedUs <= 0) return avg;
    const share = (used.user + used.system) / elapsedUs;
    const alpha = 1 - Math.exp(-elapsedUs / 1e6 / CPU_SMOOTHING_S);
    avg += alpha * (share - avg);
    return Math.round(avg * 1000) / 1000;
  };
}
