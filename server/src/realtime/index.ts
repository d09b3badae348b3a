/**
 * Realtime interaction module: chat, likes, follows, questions and moderation over one WebSocket per viewer
 * (`REALTIME_PATH?showId=…`, contract in shared/protocol/realtime.ts), plus the staff accounts HTTP API.
 *
 *   const realtime = await registerRealtime(app, { db, log, studioToken, sessionSecret, shows, catalog, config });
 *   commerce onEvent → realtime.publishCommerce(evt, route)   (stock, sales, "just bought", order status)
 *
 * Requires @fastify/websocket registered on `app` first (app.ts does). Registers @fastify/cookie in its own scope
 * when the root has none. Timers stop and sockets close (1001) on `close()` or when the fastify instance closes.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { EngagementEvent } from '../../../shared/protocol/engagement';
import { Notice, REALTIME_CLOSE } from '../../../shared/protocol/realtime';
import { Accounts } from '../accounts/accounts';
import type { AccountsStore } from '../accounts/store';
import type { ShowLookup } from '../db/shows';
import { AnswerSuggester } from '../answers/suggester';
import { accountRoutes } from '../accounts/routes';
import { BuyerSessions } from '../commerce/session';
import type { RedisConnection } from '../cluster/redis';
import type { Logger } from '../log';
import { type CouponPort, EngagementService } from '../engagement/service';
import type { EngagementStore } from '../engagement/store';
import { startJob } from '../cluster/lease';
import type { SuggestionCatalog } from './catalog';
import { parseRealtimeConfig, type RealtimeConfig, type RealtimeConfigInput } from './config';
import type { Connection } from './connection';
import type { OrderRoute } from './commerce-events';
import { createRealtimeHandlers } from './handlers';
import { RealtimeHub } from './hub';
import type { RealtimeStore } from './store';
import { SqliteRealtimeStore } from './store-sqlite';
import { ShowStreams } from './stream';
import { ClusterCtl } from './cluster-ctl';
import { pingSockets, registerRealtimeSockets } from './sockets';

export { catalogForSuggestions, type SuggestionCatalog } from './catalog';
export type { OrderRoute } from './commerce-events';
export { type RealtimeConfig, realtimeConfigFromEnv } from './config';

export interface RealtimeDeps {
  db: Database;
  log: Logger;
  /** Counts as the owner (studio). */
  studioToken: string;
  /** The server's data dir: holds the first-run setup code while no owner exists (without it only the studio token can create the owner). */
  dataDir?: string;
  /** Where staff accounts live when not in `db` (PostgreSQL in a cluster: a sign-in counts on every node). */
  accountsStore?: AccountsStore | null;
  /** The buyer-cookie HMAC key shared with commerce (guest identity); also keys public user ids. */
  sessionSecret: Buffer;
  /** This node's shows and, in a cluster, the others' (a socket may reach any node behind a load balancer). */
  shows: ShowLookup;
  /** Product texts for suggested answers; without it only canned replies are searched. */
  catalog?: SuggestionCatalog | null;
  config?: Partial<RealtimeConfigInput>;
  /**
   * Where giveaways and red packets are kept; default the node's SQLite `db`, this node's alone. `shared`: every node
   * of the cluster uses this store (PostgreSQL), so with `redis` their scheduled work (draws, lapses) runs on the one
   * node holding its lease.
   */
  engagementStore?: { store: EngagementStore; shared: boolean };
  /** Where questions, bans, mutes, room settings and the audit log are kept; default the node's SQLite `db`. */
  realtimeStore?: RealtimeStore;
  /** Cluster mode: this node's id (names the holder of a lease). */
  nodeId?: string;
  /** Commerce's live-only coupons (engagement `coupon.*` methods); without it those answer BAD_STATE. */
  coupons?: CouponPort | null;
  /** Secure cookies (the server is reached over https). */
  secureCookies?: boolean;
  clock?: () => number;
  /** Cluster mode: the node's Redis (cluster/redis.ts); every show's events go through its per-show stream. */
  redis?: RedisConnection | null;
  /** Also told of chat, follows, likes and engagement events, per show (selling data). */
  analytics?: {
    observe(showId: string, kind: 'chat' | 'follow' | 'like', count: number): void;
    engagement(showId: string, event: EngagementEvent): void;
  };
}

export interface RealtimeStats {
  rooms: number;
  connections: number;
  lagging: number;
  /** Largest / total unsent bytes over all realtime sockets right now. */
  maxBufferedBytes: number;
  totalBufferedBytes: number;
  batches: number;
  frames: number;
  sampledFrames: number;
  closedSlow: number;
  chatAccepted: number;
  chatRejected: number;
  /** Chat messages written to sockets (messages × recipients). */
  chatDelivered: number;
}

export interface RealtimeServer {
  readonly accounts: Accounts;
  readonly config: RealtimeConfig;
  /** Push a system notice into a show's room (next batch). Returns false when nobody is connected to that show. */
  publishNotice(showId: string, notice: Notice): boolean;
  /**
   * A committed commerce event to the pages (who gets which: shared/protocol/realtime.ts). `route` names the order's
   * buyer for `order.status` (without it only staff are told).
   */
  publishCommerce(event: CommerceEvent, route?: OrderRoute | null): void;
  stats(): RealtimeStats;
  /** Cluster mode (cluster/node.ts RealtimeCounts): sockets here per show, and the other nodes' per show. */
  socketCounts(): Record<string, number>;
  setRemoteOnline(counts: ReadonlyMap<string, number>): void;
  /** Stop timers and close every realtime socket (1001). Idempotent. */
  close(): Promise<void>;
}

/** Cluster mode: entries kept per show stream (about a minute of a busy show at 3 nodes), and its idle lifetime. */
const STREAM_MAX_LEN = 2000;
const STREAM_TTL_MS = 6 * 3600_000;
export async function registerRealtime(app: FastifyInstance, deps: RealtimeDeps): Promise<RealtimeServer> {
  const config = parseRealtimeConfig(deps.config);
  const clock = deps.clock ?? Date.now;
  const log = deps.log;
  const store = deps.realtimeStore ?? new SqliteRealtimeStore(deps.db);
  const accounts = await Accounts.open({
    db: deps.db,
    ...(deps.accountsStore ? { store: deps.accountsStore } : {}),
    studioToken: deps.studioToken,
    dataDir: deps.dataDir ?? null,
    clock,
  });
  const buyers = new BuyerSessions(deps.sessionSecret, deps.secureCookies ?? false);
  let engagement: EngagementService | null = null;
  const answers = new AnswerSuggester({ settingsFile: deps.dataDir ? join(deps.dataDir, 'answers.json') : null, log });
  answers.warm();
  const hub = new RealtimeHub({
    store,
    config,
    log,
    idKey: createHmac('sha256', deps.sessionSecret).update('realtime-public-user-id').digest(),
    catalog: deps.catalog ?? null,
    answers,
    clock,
    observer: {
      chat: (conn, text) => {
        engagement?.onChat(conn, text);
        deps.analytics?.observe(conn.room.showId, 'chat', 1);
      },
      follow: (conn) => {
        engagement?.onFollow(conn);
        deps.analytics?.observe(conn.room.showId, 'follow', 1);
      },
      like: (conn, count) => deps.analytics?.observe(conn.room.showId, 'like', count),
    },
  });
  await hub.load();
  const streams = deps.redis
    ? new ShowStreams({
        redis: deps.redis,
        log,
        maxLen: STREAM_MAX_LEN,
        ttlMs: STREAM_TTL_MS,
        watched: (showId) => (hub.rooms.get(showId)?.members.size ?? 0) > 0,
        deliver: (showId, d) => hub.deliver(showId, d),
        opened: (showId, at, state) => hub.opened(showId, at, state),
      })
    : null;
  if (streams) hub.attachStreams(streams);
  const ctl = deps.redis
    ? new ClusterCtl(deps.redis, log, {
        bans: (bans) => hub.identities.setClusterBans(bans),
        you: (key) => hub.identities.notifyYouHere(key),
        to: (key, frame) => hub.identities.sendHere(key, frame),
      })
    : null;
  if (ctl) hub.identities.attachCluster(ctl);
  engagement = new EngagementService({
    db: deps.db,
    ...(deps.engagementStore ? { store: deps.engagementStore.store } : {}),
    hub,
    shows: { get: (showId) => deps.shows.find(showId) },
    coupons: deps.coupons ?? null,
    log,
    clock,
    onEvent: deps.analytics?.engagement,
  });
  const engage = engagement;
  await engage.init();
  const handlers = createRealtimeHandlers({ hub, accounts, clock, engagement: engage });
  const connections = new Set<Connection>();

  await app.register(async (scope) => {
    if (!scope.hasRequestDecorator('cookies')) await scope.register(fastifyCookie);
    await scope.register(accountRoutes, { accounts, secureCookies: deps.secureCookies ?? false });
    registerRealtimeSockets(scope, { hub, handlers, accounts, buyers, shows: deps.shows, config, log, clock, connections });
  });

  const flushTimer = setInterval(() => {
    try {
      hub.flushAll();
    } catch (err) {
      log.error({ err }, 'realtime flush failed');
    }
  }, config.batchMs);
  const sweepTimer = setInterval(() => hub.sweep(), 1000);
  const engageTimer = setInterval(() => engage.tick(), 200);
  const engageDue = startJob({
    redis: deps.engagementStore?.shared ? (deps.redis ?? null) : null,
    name: 'engagement-due',
    holder: deps.nodeId ?? `pid-${process.pid}`,
    everyMs: 200,
    run: () => engage.runDue(),
    log,
  });
  const heartbeat = setInterval(() => pingSockets(connections), config.heartbeatMs);
  for (const t of [flushTimer, sweepTimer, heartbeat, engageTimer]) t.unref();

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      clearInterval(flushTimer);
      clearInterval(sweepTimer);
      clearInterval(heartbeat);
      clearInterval(engageTimer);
      await engageDue.stop();
      try {
        hub.flushAll();
      } catch {
        // shutting down
      }
      for (const conn of [...connections]) conn.close(REALTIME_CLOSE.GOING_AWAY, 'server shutting down', 200);
      ctl?.close();
      await streams?.close();
      // The last like totals and audit entries reach the store before its pool closes.
      await hub.drained();
    })();
    return closed;
  };
  app.addHook('onClose', async () => {
    await close();
  });

  return {
    accounts,
    config,
    publishNotice(showId, notice) {
      return hub.publishNotice(showId, Notice.parse(notice));
    },
    publishCommerce(event, route) {
      hub.commerce.publish(event, route ?? null);
    },
    socketCounts: () => hub.socketCounts(),
    setRemoteOnline: (counts) => hub.setRemoteOnline(counts),
    stats() {
      let lagging = 0;
      let maxBuf = 0;
      let total = 0;
      for (const c of connections) {
        const b = c.buffered;
        if (c.lagging) lagging++;
        if (b > maxBuf) maxBuf = b;
        total += b;
      }
      return {
        rooms: hub.rooms.size,
        connections: connections.size,
        lagging,
        maxBufferedBytes: maxBuf,
        totalBufferedBytes: total,
        ...hub.stats,
      };
    },
    close,
  };
}
