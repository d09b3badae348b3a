/**
 * HLS viewers in the show's audience. An HLS page has no signaling join, so it is counted by its show-state polls:
 * each poll names the page's random viewer key (`state.json?viewer=…`), a key counts once per show while it polls
 * (gone HLS_VIEWER_TTL_MS after its last poll), and a client address counts at most `perAddress` keys, the same cap
 * its WebRTC transports have, so a script cannot inflate the count.
 *
 * A page that returns to WebRTC presents the same key in its `viewer.join` (`movedToWebRtc`): the key stops counting
 * at the moment its WebRTC seat starts, and a poll still in flight cannot bring it back for a TTL, so the switch
 * never counts one viewer twice.
 */
import { clientKey } from '../sfu/capacity';

/** Three missed polls: the page is gone (closed, or now playing over WebRTC). */
export const HLS_VIEWER_TTL_MS = 6000;
const SWEEP_MS = 1000;

export interface HlsAudienceOptions {
  /** Keys one client address may have counted per show (SFU_MAX_TRANSPORTS_PER_IP; 0: no cap). */
  perAddress: number;
  /** The show's HLS viewer count changed. */
  onChange(showId: string, count: number): void;
  ttlMs?: number;
  now?: () => number;
}

interface Seen {
  at: number;
  client: string;
}

export class HlsAudience {
  private readonly shows = new Map<string, Map<string, Seen>>();
  /** Keys that joined over WebRTC, ignored by polls until then. */
  private readonly moved = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly opts: HlsAudienceOptions) {
    this.ttlMs = opts.ttlMs ?? HLS_VIEWER_TTL_MS;
    this.now = opts.now ?? Date.now;
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  count(showId: string): number {
    return this.shows.get(showId)?.size ?? 0;
  }

  /** A show-state poll from an HLS page. */
  seen(showId: string, key: string, ip: string): void {
    const now = this.now();
    const movedUntil = this.moved.get(movedKey(showId, key));
    if (movedUntil !== undefined && movedUntil > now) return;
    let viewers = this.shows.get(showId);
    const known = viewers?.get(key);
    if (known) {
      known.at = now;
      return;
    }
    const client = clientKey(ip);
    if (this.opts.perAddress > 0 && viewers) {
      let held = 0;
      for (const v of viewers.values()) if (v.client === client) held++;
      if (held >= this.opts.perAddress) return;
    }
    if (!viewers) {
      viewers = new Map();
      this.shows.set(showId, viewers);
    }
    viewers.set(key, { at: now, client });
    this.opts.onChange(showId, viewers.size);
  }

  /** The page with this key joined the show over WebRTC: it is counted there from now on. */
  movedToWebRtc(showId: string, key: string): void {
    this.moved.set(movedKey(showId, key), this.now() + this.ttlMs);
    const viewers = this.shows.get(showId);
    if (viewers?.delete(key)) this.changed(showId, viewers);
  }

  /** Forget keys that stopped polling. */
  sweep(): void {
    const now = this.now();
    for (const [showId, viewers] of this.shows) {
      let dropped = false;
      for (const [key, v] of viewers) {
        if (now - v.at < this.ttlMs) continue;
        viewers.delete(key);
        dropped = true;
      }
      if (dropped) this.changed(showId, viewers);
    }
    for (const [key, until] of this.moved) if (until <= now) this.moved.delete(key);
  }

  private changed(showId: string, viewers: Map<string, Seen>): void {
    if (viewers.size === 0) this.shows.delete(showId);
    this.opts.onChange(showId, viewers.size);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

const movedKey = (showId: string, key: string) => `${showId}\n${key}`;
