/**
 * Per-user rate and repeated-spam state (no clock of its own: callers pass `now`): TokenBucket (per-user rate), the
 * slow mode check, and SpamGuard (same text from one user within a window; near-duplicate text from many users = flood).
 */
import { collapseRuns, matchKey } from './text-keys';

/** Classic token bucket: `ratePerSec` tokens refill continuously up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
      this.last = now;
    }
  }

  /** Take one token; returns 0 on success, else the ms until one is available. */
  take(now: number, cost = 1): number {
    this.refill(now);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - this.tokens) / this.ratePerSec) * 1000);
  }

  /** True when the bucket is full again (state can be dropped). */
  idle(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

/** Slow mode: ms the user still has to wait (0 = may send). */
export function slowModeWait(lastSentAt: number | undefined, slowModeSeconds: number, now: number): number {
  if (!slowModeSeconds || lastSentAt === undefined) return 0;
  const wait = lastSentAt + slowModeSeconds * 1000 - now;
  return Math.max(0, wait);
}

export interface SpamSettings {
  /** Same text from the same user within this window is a DUPLICATE. */
  duplicateWindowMs: number;
  /** Near-identical text from at least `floodUsers` different users within `floodWindowMs` is a FLOOD. */
  floodWindowMs: number;
  floodUsers: number;
}

export const DEFAULT_SPAM_SETTINGS: SpamSettings = { duplicateWindowMs: 30_000, floodWindowMs: 10_000, floodUsers: 5 };

/** Near-duplicate shape: the match key without digits, letter runs collapsed ("buy now 1", "Buy now 22!!!", "buyyy now"). */
export function shapeKey(text: string): string {
  return collapseRuns(matchKey(text).replace(/\p{N}+/gu, ''));
}

/**
 * Repeated-spam detector for one room. Memory is bounded: entries older than the windows are pruned on use,
 * and at most `maxEntries` shapes / per-user texts are kept (oldest evicted).
 */
export class SpamGuard {
  private readonly byUser = new Map<string, { key: string; at: number }[]>();
  private readonly shapes = new Map<string, { first: number; users: Map<string, number> }>();
  private lastPrune = 0;

  constructor(
    private readonly settings: SpamSettings = DEFAULT_SPAM_SETTINGS,
    private readonly maxEntries = 20_000,
  ) {}

  /** Check without recording. */
  check(userId: string, text: string, now: number): 'DUPLICATE' | 'FLOOD' | null {
    this.prune(now);
    const key = matchKey(text);
    const recent = this.byUser.get(userId);
    if (recent?.some((r) => r.key === key && now - r.at < this.settings.duplicateWindowMs)) return 'DUPLICATE';
    const shape = shapeKey(text);
    if (shape.length >= 2) {
      const entry = this.shapes.get(shape);
      if (entry) {
        let others = 0;
        for (const [u, at] of entry.users) if (u !== userId && now - at < this.settings.floodWindowMs) others++;
        if (others + 1 >= this.settings.floodUsers) return 'FLOOD';
      }
    }
    return null;
  }

  /** Record an accepted message. */
  record(userId: string, text: string, now: number): void {
    const key = matchKey(text);
    let recent = this.byUser.get(userId);
    if (!recent) {
      if (this.byUser.size >= this.maxEntries) this.byUser.delete(this.byUser.keys().next().value!);
      recent = [];
      this.byUser.set(userId, recent);
    }
    recent.push({ key, at: now });
    if (recent.length > 8) recent.shift();
    const shape = shapeKey(text);
    if (shape.length < 2) return;
    let entry = this.shapes.get(shape);
    if (!entry) {
      if (this.shapes.size >= this.maxEntries) this.shapes.delete(this.shapes.keys().next().value!);
      entry = { first: now, users: new Map() };
      this.shapes.set(shape, entry);
    }
    entry.users.set(userId, now);
  }

  private prune(now: number): void {
    if (now - this.lastPrune < 1000) return;
    this.lastPrune = now;
    const dupMs = this.settings.duplicateWindowMs;
    for (const [u, list] of this.byUser) {
      const keep = list.filter((r) => now - r.at < dupMs);
      if (keep.length) this.byUser.set(u, keep);
      else this.byUser.delete(u);
    }
    const floodMs = this.settings.floodWindowMs;
    for (const [shape, entry] of this.shapes) {
      for (const [u, at] of entry.users) if (now - at >= floodMs) entry.users.delete(u);
      if (!entry.users.size) this.shapes.delete(shape);
    }
  }

  get size(): number {
    return this.byUser.size + this.shapes.size;
  }
}
