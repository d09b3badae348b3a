/**
 * A pool of mediasoup Workers (one process each). New Routers go to the worker hosting the fewest routers.
 * A worker that dies is logged and replaced; its routers emit `workerclose`, which the rooms handle.
 * The worker binary comes from MEDIASOUP_WORKER_BIN when set (mediasoup reads that variable itself).
 */
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from '../log';
import { ROUTER_MEDIA_CODECS } from './media-codecs';

export interface WorkerPoolOptions {
  size: number;
  log: Logger;
  /** mediasoup worker log level (worker stderr lines end up in our log). */
  workerLogLevel?: types.WorkerLogLevel;
}

interface Slot {
  index: number;
  worker: types.Worker;
  routers: number;
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
    mediasoup.setLogEventListeners({
      onwarn: (ns, msg) => opts.log.warn({ ns }, msg),
      onerror: (ns, msg, err) => opts.log.error({ ns, err }, msg),
    });
    const pool = new WorkerPool(opts);
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
    return this.slots.filter((s): s is Slot => s !== null).map((s) => s.worker);
  }

  private async spawn(index: number): Promise<void> {
    const worker = await mediasoup.createWorker({
      logLevel: this.opts.workerLogLevel ?? 'warn',
      appData: { index },
    });
    if (this.closed) {
      worker.close();
      return;
    }
    const slot: Slot = { index, worker, routers: 0 };
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
    this.opts.log.info({ pid: worker.pid, worker: index }, 'mediasoup worker started');
    for (const w of this.waiters.splice(0)) w();
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

  /** Create a Router on the least-loaded live worker (waits briefly if every worker is being respawned). */
  async createRouter(appData: types.AppData = {}): Promise<types.Router> {
    if (this.closed) throw new Error('worker pool closed');
    let slot = this.leastLoaded();
    if (!slot) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no mediasoup worker available')), 10_000);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      slot = this.leastLoaded();
      if (!slot) throw new Error('no mediasoup worker available');
    }
    return slot.worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS, appData });
  }

  private capabilities: Promise<types.RtpCapabilities> | null = null;

  /**
   * The RTP capabilities every show's Router has (they depend only on ROUTER_MEDIA_CODECS, which all routers share).
   * Computed once with a throwaway router; the viewer page gets them embedded so it can load its device early.
   */
  routerRtpCapabilities(): Promise<types.RtpCapabilities> {
    this.capabilities ??= this.createRouter({ probe: true }).then((router) => {
      const caps = router.rtpCapabilities;
      router.close();
      return caps;
    });
    this.capabilities.catch(() => {
      this.capabilities = null;
    });
    return this.capabilities;
  }

  private leastLoaded(): Slot | null {
    let best: Slot | null = null;
    for (const s of this.slots) {
      if (s && !s.worker.closed && (!best || s.routers < best.routers)) best = s;
    }
    return best;
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
