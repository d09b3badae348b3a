/**
 * A pool of mediasoup Workers (one process each). New Routers go to the worker hosting the fewest routers.
 * A worker that dies is logged and replaced; its routers emit `workerclose`, which the rooms handle.
 * The worker binary comes from MEDIASOUP_WORKER_BIN when set (mediasoup reads that variable itself).
 *
 * Each worker gets one WebRtcServer: worker i listens on rtc.port + i, UDP and TCP, and every WebRTC transport on
 * that worker is reached through those two sockets (ICE tells the transports apart). The server's media ports are
 * therefore fixed and few (easy to open in a firewall), and no number of transports can run out of them.
 */
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from '../log';
import { ROUTER_MEDIA_CODECS } from './media-codecs';

/** Where the workers' WebRtcServers listen. */
export interface RtcListenOptions {
  listenIp: string;
  /** The address put into ICE candidates (undefined: the listen IP). */
  announcedAddress: string | undefined;
  /** Worker i listens on port + i (UDP and TCP); 0: any free port per worker (tests). */
  port: number;
}

export interface WorkerPoolOptions {
  size: number;
  rtc: RtcListenOptions;
  log: Logger;
  /** mediasoup worker log level (worker stderr lines end up in our log). */
  workerLogLevel?: types.WorkerLogLevel;
}

interface Slot {
  index: number;
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  routers: number;
}

/** A new Router and the WebRtcServer its WebRTC transports must use (the one of the router's worker). */
export interface RouterOnWorker {
  router: types.Router;
  webRtcServer: types.WebRtcServer;
  worker: types.Worker;
}

const RESPAWN_DELAYS_MS = [100, 500, 1000, 2000, 5000];

export class WorkerPool {
  private readonly slots: (Slot | null)[];
  private closed = false;
  private readonly respawnAttempts: number[];
  private readonly respawnTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly waiters: (() => void)[] = [];

  private constructor(private readonly opts: WorkerPoolOptions) {
    this.slots = new Array(opts.size).fill(null);
    this.respawnAttempts = new Array(opts.size).fill(0);
  }

  static async create(opts: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    mediasoup.setLogEventListeners({
      onwarn: (ns, msg) => opts.log.warn({ ns }, msg),
      // On SIGINT / SIGTERM mediasoup closes every worker itself, and a worker still writing to its closed channel
      // then reports a broken pipe on stderr: noise of the shutdown, not a fault. A death is logged by spawn().
      onerror: (ns, msg, err) => (pool.shuttingDown() ? opts.log.warn : opts.log.error).call(opts.log, { ns, err }, msg),
    });
    try {
      await Promise.all(pool.slots.map((_, i) => pool.spawn(i)));
    } catch (err) {
      pool.close();
      throw err;
    }
    return pool;
  }

  /** Live workers (for tests and diagnostics). */
  get workers(): types.Worker[] {
    return this.live().map((s) => s.worker);
  }

  /** The live workers' WebRtcServers, in worker order (for tests and diagnostics). */
  get webRtcServers(): types.WebRtcServer[] {
    return this.live().map((s) => s.webRtcServer);
  }

  private live(): Slot[] {
    return this.slots.filter((s): s is Slot => s !== null);
  }

  private async spawn(index: number): Promise<void> {
    const worker = await mediasoup.createWorker({
      logLevel: this.opts.workerLogLevel ?? 'warn',
      appData: { index },
    });
    let webRtcServer: types.WebRtcServer;
    let ports: { udp?: number; tcp?: number };
    try {
      webRtcServer = await worker.createWebRtcServer({ listenInfos: this.listenInfos(index), appData: { index } });
      const { udpSockets, tcpServers } = await webRtcServer.dump();
      ports = { udp: udpSockets[0]?.port, tcp: tcpServers[0]?.port };
    } catch (err) {
      worker.close();
      const { listenIp, port } = this.opts.rtc;
      const where = port === 0 ? 'a free port' : `port ${port + index} (RTC_PORT + ${index})`;
      throw new Error(`mediasoup worker ${index} cannot listen for WebRTC on ${listenIp}, ${where}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (this.closed) {
      worker.close();
      return;
    }
    const slot: Slot = { index, worker, webRtcServer, routers: 0 };
    this.slots[index] = slot;
    this.respawnAttempts[index] = 0;
    worker.observer.on('newrouter', (router: types.Router) => {
      slot.routers++;
      router.observer.once('close', () => slot.routers--);
    });
    worker.on('died', (err) => {
      this.opts.log.error({ err, pid: worker.pid, worker: index }, 'mediasoup worker died; its rooms were closed, respawning it');
      if (this.slots[index] === slot) this.slots[index] = null;
      this.scheduleRespawn(index);
    });
    this.opts.log.info({ pid: worker.pid, worker: index, ...ports }, 'mediasoup worker started');
    for (const w of this.waiters.splice(0)) w();
  }

  /** One UDP and one TCP socket; a replaced worker takes its index's port again (the dead process freed it). */
  private listenInfos(index: number): types.TransportListenInfo[] {
    const { listenIp, announcedAddress, port } = this.opts.rtc;
    return (['udp', 'tcp'] as const).map((protocol) => ({
      protocol,
      ip: listenIp,
      ...(announcedAddress ? { announcedAddress } : {}),
      port: port === 0 ? 0 : port + index,
    }));
  }

  private scheduleRespawn(index: number): void {
    if (this.closed) return;
    const attempt = this.respawnAttempts[index] ?? 0;
    this.respawnAttempts[index] = attempt + 1;
    const delay = RESPAWN_DELAYS_MS[Math.min(attempt, RESPAWN_DELAYS_MS.length - 1)]!;
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      this.spawn(index).catch((err) => {
        this.opts.log.error({ err, worker: index }, 'could not respawn mediasoup worker');
        this.scheduleRespawn(index);
      });
    }, delay);
    this.respawnTimers.add(timer);
  }

  /**
   * Create a Router on the least-loaded live worker (waits briefly if every worker is being respawned). Workers in
   * `avoid` are taken only when no other is alive (a show's fan-out routers spread over the workers it is not on yet).
   */
  async createRouter(appData: types.AppData = {}, avoid: ReadonlySet<types.Worker> = new Set()): Promise<RouterOnWorker> {
    if (this.closed) throw new Error('worker pool closed');
    let slot = this.leastLoaded(avoid);
    if (!slot) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no mediasoup worker available')), 10_000);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      slot = this.leastLoaded(avoid);
      if (!slot) throw new Error('no mediasoup worker available');
    }
    const router = await slot.worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS, appData });
    return { router, webRtcServer: slot.webRtcServer, worker: slot.worker };
  }

  private capabilities: Promise<types.RtpCapabilities> | null = null;

  /**
   * The RTP capabilities every show's Router has (they depend only on ROUTER_MEDIA_CODECS, which all routers share).
   * Computed once with a throwaway router; the viewer page gets them embedded so it can load its device early.
   */
  routerRtpCapabilities(): Promise<types.RtpCapabilities> {
    this.capabilities ??= this.createRouter({ probe: true }).then(({ router }) => {
      const caps = router.rtpCapabilities;
      router.close();
      return caps;
    });
    this.capabilities.catch(() => {
      this.capabilities = null;
    });
    return this.capabilities;
  }

  private leastLoaded(avoid: ReadonlySet<types.Worker> = new Set()): Slot | null {
    let best: Slot | null = null;
    const score = (s: Slot) => s.routers + (avoid.has(s.worker) ? 1_000_000 : 0);
    for (const s of this.slots) {
      if (s && !s.worker.closed && (!best || score(s) < score(best))) best = s;
    }
    return best;
  }

  /** Every worker closed (the pool, or mediasoup on a process signal): what the workers say now is shutdown noise. */
  private shuttingDown(): boolean {
    return this.closed || this.slots.every((s) => s === null || s.worker.closed);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.respawnTimers) clearTimeout(t);
    this.respawnTimers.clear();
    for (const s of this.slots) s?.worker.close();
    this.slots.fill(null);
  }
}
