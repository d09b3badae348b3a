/**
 * Scheduled work that must run on exactly one node of a cluster (reservation expiry, payment reconciliation, sale
 * ends): a lease in Redis. One node holds `lease:<name>` (SET NX PX) and renews it while it runs the job; every
 * acquisition takes a new fencing token (INCR `lease:<name>:fence`) that the job receives, so a store that records it
 * can refuse a holder that was replaced while paused. A holder that dies stops renewing and another node takes the
 * lease within its TTL. Redis away: nobody holds it (the holder stops running the job once its lease cannot be
 * renewed before expiry), and the jobs resume when Redis answers again.
 *
 * Without Redis (one node) the same job runs on a plain timer: `startJob` picks.
 */
import type { Logger } from '../log';
import { KEY_PREFIX, type RedisConnection } from './redis';

export const LEASE_TTL_MS = 5000;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Take the lease when it is free; the fencing token is the new value of the counter. */
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local fence = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. fence, 'PX', ARGV[2])
  return fence
end
return 0`;

export interface LeasedJobOptions {
  redis: RedisConnection;
  /** The job's name (one lease per name across the cluster). */
  name: string;
  /** This node (the lease value names its holder). */
  holder: string;
  everyMs: number;
  ttlMs?: number;
  /** The job; `fence` grows with every change of holder. A throw is logged, the lease is kept. */
  run(fence: number): void | Promise<void>;
  log: Logger;
}

export interface Job {
  /** Whether this node holds the job's lease right now (always true without Redis). */
  readonly held: boolean;
  /** The fencing token of this node's current lease (0 when not held). */
  readonly fence: number;
  /** Stop the timer, wait for a running pass, and give the lease back. */
  stop(): Promise<void>;
}

/** A job on a timer: on one node of the cluster when `redis` is given, in-process otherwise. */
export function startJob(opts: Omit<LeasedJobOptions, 'redis'> & { redis: RedisConnection | null }): Job {
  const { redis } = opts;
  return redis ? new LeasedJob({ ...opts, redis }) : localJob(opts);
}

function localJob(opts: Pick<LeasedJobOptions, 'name' | 'everyMs' | 'run' | 'log'>): Job {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = runSafely(opts, 0).finally(() => {
      running = null;
    });
  }, opts.everyMs);
  timer.unref();
  return {
    held: true,
    fence: 0,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

async function runSafely(opts: Pick<LeasedJobOptions, 'name' | 'run' | 'log'>, fence: number): Promise<void> {
  try {
    await opts.run(fence);
  } catch (err) {
    opts.log.error({ err, job: opts.name }, 'scheduled job failed');
  }
}

export class LeasedJob implements Job {
  private readonly key: string;
  private readonly fenceKey: string;
  private readonly ttlMs: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private value: string | null = null;
  private _fence = 0;
  /** When the lease we hold expires at the latest (local clock). */
  private expiresAt = 0;
  private lastRunAt = 0;
  private running: Promise<void> | null = null;
  /** A tick under way (renewing or taking the lease): stop() waits for it, so no pass starts after it returned. */
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly o: LeasedJobOptions) {
    this.key = `${KEY_PREFIX}lease:${o.name}`;
    this.fenceKey = `${KEY_PREFIX}lease:${o.name}:fence`;
    this.ttlMs = o.ttlMs ?? LEASE_TTL_MS;
    // Renew well inside the TTL, and look often enough to run the job on time.
    this.timer = setInterval(() => void this.tick(), Math.max(20, Math.min(o.everyMs, Math.floor(this.ttlMs / 3))));
    this.timer.unref();
    void this.tick();
  }

  get held(): boolean {
    return this.value !== null && Date.now() < this.expiresAt;
  }

  get fence(): number {
    return this.held ? this._fence : 0;
  }

  private tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = this.renewAndRun().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async renewAndRun(): Promise<void> {
    await this.keep();
    if (!this.stopped && this.held && !this.running && Date.now() - this.lastRunAt >= this.o.everyMs) {
      this.lastRunAt = Date.now();
      const fence = this._fence;
      this.running = runSafely(this.o, fence).finally(() => {
        this.running = null;
      });
    }
  }

  /** Renew the lease we hold, or try to take a free one. */
  private async keep(): Promise<void> {
    const c = this.o.redis.commands;
    const started = Date.now();
    try {
      if (this.value !== null) {
        const ok = await c.eval(RENEW, 1, this.key, this.value, String(this.ttlMs));
        if (ok === 1) {
          this.expiresAt = started + this.ttlMs;
          return;
        }
        this.o.log.info({ job: this.o.name, fence: this._fence }, 'lost the lease of a scheduled job');
        this.value = null;
      }
      const fence = Number(await c.eval(ACQUIRE, 2, this.key, this.fenceKey, this.o.holder, String(this.ttlMs)));
      if (fence > 0) {
        this._fence = fence;
        this.value = `${this.o.holder}:${fence}`;
        this.expiresAt = started + this.ttlMs;
        this.o.log.info({ job: this.o.name, fence }, 'took the lease of a scheduled job');
      }
    } catch {
      // Redis away: the lease lapses on its own (held turns false at expiresAt); try again next tick.
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await this.running;
    const value = this.value;
    this.value = null;
    if (value !== null && this.o.redis.ready) await this.o.redis.commands.eval(RELEASE, 1, this.key, value).catch(() => undefined);
  }
}
