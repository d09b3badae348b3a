/**
 * Storecast server factory: config → studio token → database → mediasoup workers → rooms → fastify
 * (HTTP routes + signaling WebSocket). Tests start it in-process with `port: 0`.
 */
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import { MAX_MESSAGE_BYTES } from '../../shared/protocol/rpc';
import { AnalyticsService } from './analytics/service';
import { registerAnalyticsRoutes } from './analytics/routes';
import { PgAnalyticsStore } from './analytics/store-postgres';
import { startJob } from './cluster/lease';
import { openPostgresPool } from './db/postgres';
import { postgresEngagementStore } from './engagement/store-postgres';
import { ClusterNode, type ClusterNodeOptions, cpuSampler } from './cluster/node';
import { registerClusterRoutes } from './cluster/routes';
import { loadOrCreateSessionSecret, loadOrCreateStudioToken, studioTokenPath } from './auth/studio-token';
import { commercePlugin, createCommerceCore, orderedCommercePublisher } from './commerce/index';
import { openPostgresCommerceStore } from './commerce/store/open';
import { openPostgresAccountsStore } from './accounts/store-postgres';
import { catalogForSuggestions, type RealtimeServer, registerRealtime } from './realtime/index';
import { PgRealtimeStore } from './realtime/store-postgres';
import { SqliteRealtimeStore } from './realtime/store-sqlite';
import { parseConfig, type ServerConfig, type ServerConfigInput } from './config';
import { type Database, openDatabase } from './db/database';
import { type ShowLookup, ShowRepository } from './db/shows';
import { ClusterShowDirectory } from './cluster/show-directory';
import { HlsAudience } from './hls/audience';
import { HlsService } from './hls/service';
import { registerHlsRoutes } from './hls/routes';
import { registerHttpRoutes } from './http/routes';
import { registerReplayRoutes } from './replay/routes';
import { ReplayService } from './replay/service';
import { registerSecurityHeaders } from './http/security';
import { registerStaffRoutes } from './http/staff';
import { webSocketErrorHandler } from './http/ws-errors';
import { createLogger, type Logger } from './log';
import { TransportBudget } from './sfu/capacity';
import type { Room } from './sfu/room';
import { RoomManager } from './sfu/rooms';
import { WorkerPool } from './sfu/worker-pool';
import { CLOSE_GOING_AWAY, registerSignaling, type SignalingServer } from './signaling/ws';

export const DATABASE_FILE = 'storecast.sqlite';
/** Cluster mode: how often the lease holder sweeps reservations and sales and reconciles payments (one node does). */
const COMMERCE_MAINTENANCE_MS = 5000;

export interface StorecastServer {
  /** HTTP base URL, e.g. http://127.0.0.1:8080 (loopback when listening on a wildcard address). */
  url: string;
  port: number;
  studioToken: string;
  studioTokenFile: string;
  config: ServerConfig;
  /** Open rooms by show id (read-only view for tests and diagnostics). */
  rooms: ReadonlyMap<string, Room>;
  /** mediasoup worker pool (tests use it to inspect or kill workers). */
  workers: WorkerPool;
  /** This node's cluster part (null on a single node). */
  cluster: ClusterNode | null;
  /** Signaling connections (read-only view for tests). */
  signaling: Pick<SignalingServer, 'sessions'>;
  shows: ShowRepository;
  /** This node's shows and, in a cluster, every node's (cluster/show-directory.ts). */
  showLookup: ShowLookup;
  /** Selling data (tests script a show's event log through its recorder, as the room's overlay hook does). */
  analytics: AnalyticsService;
  db: Database;
  log: Logger;
  /** HLS of live shows and their recordings (null when HLS=off). */
  hls: HlsService | null;
  close(): Promise<void>;
}

export interface ServerInternals {
  /** Use this logger instead of creating one from config.logLevel. */
  logger?: Logger;
  /** WebSocket heartbeat interval (default 10 s). */
  heartbeatMs?: number;
  /** Cluster timing (tests shorten the heartbeat and TTL). */
  cluster?: Pick<ClusterNodeOptions, 'heartbeatMs' | 'ttlMs' | 'connectTimeoutMs'>;
  /** Told of every HTTP route as it is registered (tests walk all routes). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

export async function createStorecastServer(
  input: Partial<ServerConfigInput> & { dataDir: string },
  internals: ServerInternals = {},
): Promise<StorecastServer> {
  const config = parseConfig(input);
  const log = internals.logger ?? createLogger({ level: config.logLevel });
  const studioToken = loadOrCreateStudioToken(config.dataDir);
  const db = openDatabase(join(config.dataDir, DATABASE_FILE));
  const cleanups: (() => void | Promise<void>)[] = [
    () => {
      db.close();
    },
  ];
  const runCleanups = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error({ err }, 'cleanup failed');
      }
    }
  };
  try {
    const shows = new ShowRepository(db);
    let showLookup: ShowLookup = shows;
    // Selling data: the show event log, viewer events, per-minute roll-ups (one buffered writer, flushed on close).
    // Its catalog and order reads go to the commerce store, built further down (either engine).
    let pricesOf: (productId: string) => readonly number[] | null = () => null;
    let lineupOf: (showId: string) => readonly string[] = () => [];
    // With DATABASE_URL the selling data is shared by every node (pg-migration 005, applied with commerce's below), on
    // its own small pool, and a show's questions are read from the shared realtime store.
    const analyticsPool = config.databaseUrl ? openPostgresPool(config.databaseUrl, 4) : null;
    if (analyticsPool) cleanups.push(() => analyticsPool.end());
    // Questions, bans, mutes, room settings and the audit log: shared by every node with DATABASE_URL, too.
    const realtimePool = config.databaseUrl ? openPostgresPool(config.databaseUrl, 4) : null;
    if (realtimePool) cleanups.push(() => realtimePool.end());
    const realtimeStore = realtimePool ? new PgRealtimeStore(realtimePool) : new SqliteRealtimeStore(db);
    const analytics = new AnalyticsService({
      db,
      shows,
      log: log.child({ component: 'analytics' }),
      pricesOf: (id) => pricesOf(id),
      lineupOf: (id) => lineupOf(id),
      showOrders: (id) => commerce.store.orders.showOrders(id),
      ...(analyticsPool ? { store: new PgAnalyticsStore(analyticsPool) } : {}),
      questions: realtimeStore,
    });
    cleanups.push(() => analytics.close());
    const sfuLog = log.child({ component: 'sfu' });
    const pool = await WorkerPool.create({
      size: config.mediasoupWorkers,
      rtc: { listenIp: config.rtcListenIp, announcedAddress: config.rtcAnnouncedIp, port: config.rtcPort },
      log: sfuLog,
    });
    cleanups.push(() => pool.close());
    // Declared before the rooms (their hooks call them); created right after them.
    let hls: HlsService | null = null;
    let hlsAudience: HlsAudience | null = null;
    let cluster: ClusterNode | null = null;
    const transportBudget = new TransportBudget({ perIp: config.sfuMaxTransportsPerIp, total: config.sfuMaxTransports }, sfuLog);
    const rooms = new RoomManager({
      pool,
      shows,
      graceMs: config.publisherGraceMs,
      viewersPerRouter: config.sfuViewersPerRouter,
      log: log.child({ component: 'room' }),
      transportBudget,
      onOverlay: (showId, trigger) => analytics.showLog.onOverlay(showId, trigger),
      onMedia: (room) => hls?.onMedia(room),
      onRoomClosed: (showId, reason) => void hls?.onRoomClosed(showId, reason),
      onMediaChanged: (room) => cluster?.roomMediaChanged(room),
      onShowState: (room) => cluster?.roomStateChanged(room),
      onLayerCaps: (showId, caps) => cluster?.roomLayerCaps(showId, caps),
    });
    cleanups.push(() => rooms.closeAll());
    if (config.hls) {
      const service = new HlsService({
        dataDir: config.dataDir,
        ffmpegBin: config.ffmpegBin,
        record: config.hlsRecord,
        room: (showId) => rooms.get(showId),
        log: log.child({ component: 'hls' }),
      });
      hls = service;
      const audience = new HlsAudience({
        perAddress: config.sfuMaxTransportsPerIp,
        onChange: (showId, count) => rooms.get(showId)?.setHlsViewers(count),
      });
      hlsAudience = audience;
      cleanups.push(() => audience.close());
      // Before the rooms close (cleanups run in reverse): ffmpeg finishes its last segment while the media still flows.
      cleanups.push(() => service.close());
    }
    // Cluster mode (REDIS_URL): register this node (an id another live node holds stops the start here).
    if (config.cluster) {
      const cpu = cpuSampler();
      cluster = await ClusterNode.start({
        settings: config.cluster,
        log: log.child({ component: 'cluster' }),
        rooms,
        listen: { ip: config.rtcListenIp, announcedAddress: config.rtcAnnouncedIp },
        load: () => ({
          viewers: [...rooms.view.values()].reduce((n, r) => n + r.viewerCount, 0),
          transports: transportBudget.size,
          maxTransports: config.sfuMaxTransports,
          cpu: cpu(),
        }),
        shows: () => [...rooms.view.keys()],
        originShows: () => [...rooms.view.values()].filter((r) => !r.closed && !r.remote).map((r) => r.showId),
        knowsShow: (showId) => shows.get(showId) !== null,
        ...internals.cluster,
      });
      const node = cluster;
      cleanups.push(() => node.close());
      // Behind a balancer a page's chat socket may reach any node: every node can look up the shows of the others.
      const directory = new ClusterShowDirectory(node.redis, shows, node.nodeId, log.child({ component: 'cluster' }));
      shows.onChange((show) => {
        if (shows.originOf(show.id) === null) directory.publish(show);
      });
      for (const show of shows.own(50)) directory.publish(show);
      showLookup = directory;
    }

    const app = Fastify({
      loggerInstance: log as FastifyBaseLogger,
      // Request lines for API/page requests; not for static assets and health probes.
      logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/assets/') || req.url === '/healthz' }),
      bodyLimit: 1024 * 1024,
      // req.ip is the client behind the configured proxies (per-address buyer limits, login throttling).
      trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    });
    cleanups.push(() => app.close());
    const { onRoute } = internals;
    if (onRoute) app.addHook('onRoute', (r) => onRoute({ method: r.method, url: r.url }));
    const clusterNode = cluster;
    registerSecurityHeaders(app, () => clusterNode?.publicOrigins() ?? []);
    await app.register(fastifyWebsocket, {
      options: { maxPayload: MAX_MESSAGE_BYTES },
      errorHandler: webSocketErrorHandler(log as FastifyBaseLogger),
    });
    if (hls && hlsAudience) registerHlsRoutes(app, { hls, shows, rooms, audience: hlsAudience, homes: cluster });
    await registerHttpRoutes(app, { shows, rooms, pool, webDir: config.webDir, cluster });
    if (cluster) await registerClusterRoutes(app, cluster);

    // Commerce needs the public URL (payment redirects, webhooks) before listening: with port 0, pick the port now.
    const listenPort = config.port === 0 ? await freePort(config.host) : config.port;
    const urlHost =
      config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${urlHost}:${listenPort}`;
    const publicUrl = config.publicUrl ?? url;
    // One key signs the guest buyer cookie for both commerce and realtime chat (one guest identity).
    const sessionSecret = loadOrCreateSessionSecret(config.dataDir, config.sessionSecret);
    let realtimeRef: RealtimeServer | null = null;
    // Pages get commerce events on their realtime socket (stock, sales, "just bought", an order's status to its buyer
    // and to staff); the signaling socket carries media only.
    const publish = orderedCommercePublisher(
      (orderId) => commerce.orders.routeOf(orderId),
      (event, route) => realtimeRef?.publishCommerce(event, route),
      log,
    );
    // DATABASE_URL selects PostgreSQL for the commerce store; shows stay in the node's SQLite file.
    const store = config.databaseUrl
      ? await openPostgresCommerceStore(config.databaseUrl, { status: (id) => shows.get(id)?.status ?? null })
      : undefined;
    if (store) cleanups.push(() => store.close());
    // Giveaways and red packets follow commerce into PostgreSQL (migrated with it above), on their own small pool.
    const engagementPool = config.databaseUrl ? openPostgresPool(config.databaseUrl, 4) : null;
    if (engagementPool) cleanups.push(() => engagementPool.end());
    const commerce = await createCommerceCore({
      db,
      ...(store ? { store } : {}),
      dataDir: config.dataDir,
      publicUrl,
      studioToken,
      sessionSecret,
      payments: config.payments,
      log: log.child({ component: 'commerce' }),
      reservationMs: config.reservationMinutes * 60_000,
      flashSaleReservationMs: config.flashSaleReservationSeconds * 1000,
      buyerLimits: {
        sessionsPerIpPerMinute: config.sessionsPerIpPerMinute,
        ordersPerIpPerMinute: config.ordersPerIpPerMinute,
        ordersPerSessionPerMinute: config.ordersPerSessionPerMinute,
        maxUnpaidOrders: config.maxUnpaidOrders,
      },
      seedDemo: config.seedDemo,
      // In a cluster the sweeps (reservation expiry, sale ends, reconciliation) run on one node: the leased job below.
      ...(cluster ? { sweepIntervalMs: 0, reconcileIntervalMs: 0 } : {}),
      onEvent: (event) => {
        analytics.showLog.onCommerce(event);
        publish(event);
      },
    });
    cleanups.push(() => commerce.close());
    if (cluster) {
      const job = startJob({
        redis: cluster.redis,
        name: 'commerce-maintenance',
        holder: cluster.nodeId,
        everyMs: COMMERCE_MAINTENANCE_MS,
        run: () => commerce.runMaintenance(),
        log: log.child({ component: 'commerce' }),
      });
      cleanups.push(() => job.stop());
    }
    // The buyer an order's status goes to, read after the change committed (a just-moved order is never a lapsed
    // pending one, so the read expires nothing); a vanished order tells staff only.
    const reads = commerce.localReads;
    pricesOf = (id) => {
      try {
        return reads.view(id, true).skus.map((s) => s.priceMinor);
      } catch {
        return null;
      }
    };
    lineupOf = (id) => reads.lineupIds(id);
    await app.register(commercePlugin, { core: commerce });
    // With DATABASE_URL staff accounts and their sessions are shared by every node, like the shop.
    const accountsStore = config.databaseUrl ? await openPostgresAccountsStore(config.databaseUrl) : null;
    if (accountsStore) cleanups.push(() => accountsStore.close());
    // So are questions, bans, mutes, room settings and the audit log (realtimeStore, above): every node serves the same
    // queue and bans.
    const realtime = await registerRealtime(app, {
      db,
      accountsStore,
      realtimeStore,
      log: log.child({ component: 'realtime' }),
      studioToken,
      dataDir: config.dataDir,
      sessionSecret,
      shows: showLookup,
      catalog: catalogForSuggestions(reads),
      coupons: commerce.coupons,
      ...(engagementPool ? { engagementStore: { store: postgresEngagementStore(engagementPool), shared: true } } : {}),
      ...(cluster ? { nodeId: cluster.nodeId } : {}),
      config: config.realtime,
      secureCookies: publicUrl.startsWith('https:'),
      redis: cluster?.redis ?? null,
      analytics: {
        observe: (showId, kind, count) => analytics.countEngagement(showId, kind, count),
        engagement: (showId, event) => analytics.showLog.onEngagement(showId, event),
      },
    });
    realtimeRef = realtime;
    cluster?.attachRealtime(realtime);
    cleanups.push(() => realtime.close());
    await registerStaffRoutes(app, { shows, accounts: realtime.accounts });
    await registerAnalyticsRoutes(app, {
      analytics,
      accounts: realtime.accounts,
      buyers: commerce.sessions,
      sessionSecret,
      secureCookies: publicUrl.startsWith('https:'),
      shows: showLookup,
    });
    // The shoppable replay: the show's HLS recording with its explanations as chapters and clips.
    registerReplayRoutes(
      app,
      new ReplayService({ hls, shows, analytics, ffmpegBin: config.ffmpegBin, log: log.child({ component: 'replay' }) }),
      cluster,
    );
    const signaling = registerSignaling(app, {
      rooms,
      shows,
      studioToken,
      cluster,
      hlsAudience,
      log: log.child({ component: 'signaling' }),
      heartbeatMs: internals.heartbeatMs ?? 10_000,
    });
    cleanups.push(() => signaling.stop());
    cleanups.push(() => signaling.closeAll(CLOSE_GOING_AWAY, 'server shutting down'));

    await app.listen({ port: listenPort, host: config.host });
    await rooms.restoreUnfinished();
    const port = (app.server.address() as AddressInfo).port;
    log.info(
      { url, dataDir: config.dataDir, workers: config.mediasoupWorkers, announcedIp: config.rtcAnnouncedIp },
      'storecast server listening',
    );

    let closing: Promise<void> | null = null;
    return {
      url,
      port,
      studioToken,
      studioTokenFile: studioTokenPath(config.dataDir),
      config,
      rooms: rooms.view,
      workers: pool,
      cluster,
      signaling,
      shows,
      showLookup,
      analytics,
      db,
      log,
      hls,
      close() {
        closing ??= runCleanups().then(() => log.info('storecast server closed'));
        return closing;
      },
    };
  } catch (err) {
    await runCleanups();
    throw err;
  }
}

/** Trust the nearest `hops` proxies (fastify takes a hop count at runtime, its types only as a function). */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

/** Ask the OS for a free TCP port on this host (used when the configured port is 0). */
function freePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolvePort(port));
    });
  });
}
