/**
 * The server's WebRTC transport budget: how many transports one client address may hold (across all of its
 * signaling sockets) and how many the server holds in total. Every transport reserves one unit before it is
 * created and gives it back when mediasoup reports it closed (socket close, leave, router or worker gone), so a
 * client cannot keep media capacity it no longer uses, and one address cannot take all of it.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { RpcError } from '../../../shared/protocol/rpc';
import type { Logger } from '../log';

export interface TransportLimits {
  /** Per client address; 0: no per-address cap (e.g. every viewer arrives through one proxy). */
  perIp: number;
  total: number;
}

/** At most one capacity warning per this interval (refusals meanwhile are counted into the next one). */
export const CAPACITY_WARN_INTERVAL_MS = 10_000;

/**
 * The address a cap applies to: IPv4 as is (an IPv4-mapped IPv6 address as its IPv4), IPv6 by its /64 prefix —
 * one subscriber gets a whole /64 and can pick any address in it.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export class TransportBudget {
  private used = 0;
  private readonly byClient = new Map<string, number>();
  private refusedSinceWarn = 0;
  private lastWarnAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly limits: TransportLimits,
    private readonly log: Logger,
  ) {}

  /** Transports held in total. */
  get size(): number {
    return this.used;
  }

  /** Transports held by a client address. */
  heldBy(ip: string): number {
    return this.byClient.get(clientKey(ip)) ?? 0;
  }

  /**
   * Reserve one transport for `ip`, or throw UNAVAILABLE. The studio (`exempt`) is counted in the total but never
   * refused: a full house must not stop the show it came for. Returns the release function (idempotent).
   */
  reserve(ip: string, exempt: boolean): () => void {
    const key = clientKey(ip);
    if (!exempt) {
      if (this.used >= this.limits.total) {
        this.refuse('total', key);
        throw new RpcError('UNAVAILABLE', 'the media server is at capacity; try again in a moment');
      }
      if (this.limits.perIp > 0 && this.heldBy(ip) >= this.limits.perIp) {
        this.refuse('perIp', key);
        throw new RpcError(
          'UNAVAILABLE',
          `too many streams from your network (${this.limits.perIp}); close another player or try again in a moment`,
        );
      }
    }
    this.used++;
    // The studio's transports do not count against its address (viewers on the same network still get theirs).
    if (!exempt) this.byClient.set(key, this.heldBy(ip) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      if (exempt) return;
      const left = (this.byClient.get(key) ?? 1) - 1;
      if (left > 0) this.byClient.set(key, left);
      else this.byClient.delete(key);
    };
  }

  /** A full server is an operating condition, not a fault: one warning per interval with the count. */
  private refuse(cap: 'total' | 'perIp', client: string): void {
    this.refusedSinceWarn++;
    const now = Date.now();
    if (now - this.lastWarnAt < CAPACITY_WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    this.log.warn(
      { cap, client, refused: this.refusedSinceWarn, transports: this.used, limits: this.limits },
      'media transport capacity reached; refusing new transports',
    );
    this.refusedSinceWarn = 0;
  }
}
