/**
 * One reconnecting JSON-RPC socket for every page (studio publisher, viewer player, realtime chat): a WebSocket
 * speaking a shared contract through RpcClient, with
 *  - an open timeout (a socket that does not open in time is closed and retried),
 *  - an optional ping (no reply within its timeout: the socket is treated as dead and replaced),
 *  - capped exponential backoff with jitter between attempts (reset once an attempt is fully open),
 *  - an on-open hook that re-runs on every connect (hello, `show.open` with the resume key, `viewer.join`); the
 *    socket counts as open only once the hook resolved, and a hook that throws drops the socket like a close.
 * Requests in flight when a socket goes away fail with DISCONNECTED (RpcClient.detach). `retry(cause)` decides
 * whether a failure is worth another attempt; when it says no, the socket stops for good and reports `stopped`.
 * It lives outside React and reports through callbacks; the caller's store owns the state.
 */
import {
  CLOSE_SERVICE_RESTART,
  type MethodMap,
  type NotificationMap,
  type ReqOf,
  type ResOf,
  RpcClient,
  RpcError,
} from '../../shared/protocol/rpc';

export interface BackoffPolicy {
  initialMs: number;
  /** No delay is longer than this, jitter included. */
  maxMs: number;
  /** Spread of each delay as a fraction of it: 0.5 → anywhere in [0.75, 1.25] × the exponential step. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000, jitter: 0.5 };

/**
 * After a server's "service restart" close of an open socket the first retry waits only a random part of this, so the
 * viewers of a dead worker come back at once but not all in the same millisecond.
 */
export const RESTART_SPREAD_MS = 200;

/** The wait before attempt `attempt` (1 = the first retry): initial × 2^(attempt−1), jittered, capped. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 20));
  const spread = step * policy.jitter * (random() - 0.5);
  return Math.max(0, Math.min(policy.maxMs, Math.round(step + spread)));
}

export type SocketStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why a socket went away (or never came up). */
export type DropCause =
  | { kind: 'closed'; code: number; reason: string; opened: boolean }
  | { kind: 'timeout'; opened: false }
  | { kind: 'ping'; opened: true }
  | { kind: 'error'; error: unknown; opened: boolean }
  | { kind: 'dropped'; reason: string; code: number; opened: boolean };

export function describeCause(cause: DropCause): string {
  switch (cause.kind) {
    case 'closed':
      return `socket closed (${cause.code}${cause.reason ? ` ${cause.reason}` : ''})`;
    case 'timeout':
      return 'no answer from the server in time';
    case 'ping':
      return 'ping timeout';
    case 'error':
      return cause.error instanceof Error ? cause.error.message : String(cause.error);
    case 'dropped':
      return cause.reason;
  }
}

/** What an on-open hook gets: the client, which attempt this is, and whether its socket is still the current one. */
export interface OpenContext<M extends MethodMap, N extends NotificationMap> {
  rpc: RpcClient<M, N>;
  /** 0 on the first connect, n on the n-th retry since the last successful open. */
  attempt: number;
  /** True once this socket was replaced or the connection stopped: late async work must be dropped. */
  stale(): boolean;
}

/** The part of the WebSocket API used here (the DOM WebSocket and `ws` both have it). */
export interface SocketLike {
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: never) => void) | null;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = new (url: string) => SocketLike;

export interface ReconnectingRpcSocketOptions<M extends MethodMap, N extends NotificationMap> {
  /** The socket URL, asked before every attempt (it may come from the host, e.g. the studio's server URL). */
  url: () => string | Promise<string>;
  methods: M;
  notifications: N;
  requestTimeoutMs?: number;
  /** A socket that has not opened after this long is closed and retried. */
  openTimeoutMs?: number;
  /** Ping the server with `method` every `intervalMs`; no reply within `timeoutMs` (default: the interval) drops it. */
  ping?: { method: keyof M & string; intervalMs: number; timeoutMs?: number };
  backoff?: BackoffPolicy;
  /** Runs on every new socket before it counts as open; throwing drops it (then `retry` decides). */
  onOpen?: (ctx: OpenContext<M, N>) => Promise<void>;
  /** Another attempt after this failure? Default: always. */
  retry?: (cause: DropCause) => boolean;
  events?: {
    status?(status: SocketStatus, detail: { attempt: number; cause?: DropCause }): void;
    /** A socket went away (it may have been open); runs before the retry is scheduled. */
    down?(cause: DropCause): void;
    /** No more attempts: `retry` said no. */
    stopped?(cause: DropCause): void;
  };
  /** Injected for tests and Node callers; defaults to the global WebSocket. */
  WebSocketImpl?: SocketFactory;
  random?: () => number;
}

const DEFAULT_OPEN_TIMEOUT_MS = 8_000;

export class ReconnectingRpcSocket<M extends MethodMap, N extends NotificationMap> {
  readonly rpc: RpcClient<M, N>;
  private ws: SocketLike | null = null;
  /** Bumped for every socket and on stop: async work tagged with an older value is stale. */
  private generation = 0;
  private stopped = true;
  private _attempt = 0;
  private _status: SocketStatus = 'idle';
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private openTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pingDeadline: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: ReconnectingRpcSocketOptions<M, N>) {
    this.rpc = new RpcClient(opts.methods, opts.notifications, opts.requestTimeoutMs);
  }

  get status(): SocketStatus {
    return this._status;
  }

  /** Failed attempts since the last successful open. */
  get attempt(): number {
    return this._attempt;
  }

  /** Waiting for the next attempt (no socket). */
  get waiting(): boolean {
    return this.retryTimer !== null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this._attempt = 0;
    this.connect();
  }

  /** Stop for good: close the socket, fail requests in flight, cancel every timer. */
  close(): void {
    this.stopped = true;
    this.generation++;
    this.clearTimers();
    this.closeSocket(1000, 'closed');
    this.rpc.detach('closed');
    this.setStatus('closed', {});
  }

  /** Skip the backoff wait (retry button, `online` event); nothing while a socket is up or opening. */
  retryNow(): void {
    if (this.stopped || !this.retryTimer) return;
    this.clearRetry();
    this.connect();
  }

  /** Replace the socket now, without waiting (e.g. after login changed the identity). */
  reconnectNow(): void {
    if (this.stopped) return;
    this._attempt = 0;
    this.generation++;
    this.clearTimers();
    this.closeSocket(1000, 'reconnecting');
    this.rpc.detach('reconnecting');
    this.connect();
  }

  /** Give the current socket up (a failed join, a media path that cannot recover) and retry with backoff. */
  drop(reason: string, code = 4001): void {
    if (this.stopped || !this.ws) return;
    this.lost({ kind: 'dropped', reason, code, opened: this.rpc.connected });
  }

  request<K extends keyof M & string>(method: K, data: ReqOf<M, K>): Promise<ResOf<M, K>> {
    return this.rpc.request(method, data);
  }

  /** Whether async work started for `gen` (see `currentGeneration`) still belongs to the live socket. */
  isCurrent(gen: number): boolean {
    return !this.stopped && gen === this.generation;
  }

  get currentGeneration(): number {
    return this.generation;
  }

  private setStatus(status: SocketStatus, detail: { cause?: DropCause }): void {
    this._status = status;
    this.opts.events?.status?.(status, { attempt: this._attempt, ...detail });
  }

  private connect(): void {
    const gen = ++this.generation;
    this.setStatus(this._attempt === 0 ? 'connecting' : 'reconnecting', {});
    let url: Promise<string>;
    try {
      url = Promise.resolve(this.opts.url());
    } catch (err) {
      url = Promise.reject(err);
    }
    url.then(
      (u) => {
        if (gen === this.generation && !this.stopped) this.open(gen, u);
      },
      (error: unknown) => {
        if (gen === this.generation && !this.stopped) this.failed({ kind: 'error', error, opened: false });
      },
    );
  }

  private open(gen: number, url: string): void {
    const Impl = this.opts.WebSocketImpl ?? (WebSocket as unknown as SocketFactory);
    let ws: SocketLike;
    try {
      ws = new Impl(url);
    } catch (error) {
      this.failed({ kind: 'error', error, opened: false });
      return;
    }
    this.ws = ws;
    let opened = false;
    this.openTimer = setTimeout(() => {
      this.openTimer = null;
      if (gen === this.generation) this.lost({ kind: 'timeout', opened: false });
    }, this.opts.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS);
    ws.onopen = () => {
      if (gen !== this.generation) return;
      opened = true;
      this.clearOpenTimer();
      this.rpc.attach(ws);
      this.startPing(gen);
      const stale = () => gen !== this.generation || this.stopped;
      const hook = this.opts.onOpen?.({ rpc: this.rpc, attempt: this._attempt, stale }) ?? Promise.resolve();
      hook.then(
        () => {
          if (stale()) return;
          this._attempt = 0;
          this.setStatus('open', {});
        },
        (error: unknown) => {
          if (!stale()) this.lost({ kind: 'error', error, opened: true });
        },
      );
    };
    ws.onmessage = (ev) => {
      if (gen === this.generation && typeof ev.data === 'string') this.rpc.handleMessage(ev.data);
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (gen !== this.generation) return;
      this.lost({ kind: 'closed', code: ev.code, reason: ev.reason, opened });
    };
  }

  /** The current socket is gone (or given up): release it, tell the caller, retry or stop. */
  private lost(cause: DropCause): void {
    this.generation++;
    this.clearTimers();
    const code = cause.kind === 'closed' ? undefined : cause.kind === 'dropped' ? cause.code : 4000;
    if (code !== undefined) this.closeSocket(code, describeCause(cause).slice(0, 100));
    this.ws = null;
    this.rpc.detach(describeCause(cause));
    this.failed(cause);
  }

  private failed(cause: DropCause): void {
    this.opts.events?.down?.(cause);
    if (this.stopped) return;
    if (this.opts.retry && !this.opts.retry(cause)) {
      this.stopped = true;
      this.generation++;
      this.setStatus('closed', { cause });
      this.opts.events?.stopped?.(cause);
      return;
    }
    this._attempt++;
    this.setStatus('reconnecting', { cause });
    const restart = cause.kind === 'closed' && cause.code === CLOSE_SERVICE_RESTART && cause.opened && this._attempt === 1;
    const delay = restart
      ? Math.round((this.opts.random ?? Math.random)() * RESTART_SPREAD_MS)
      : backoffDelay(this._attempt, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private startPing(gen: number): void {
    const ping = this.opts.ping;
    if (!ping) return;
    const timeoutMs = ping.timeoutMs ?? ping.intervalMs;
    this.pingTimer = setInterval(() => {
      if (gen !== this.generation || this.pingDeadline) return;
      this.pingDeadline = setTimeout(() => {
        this.pingDeadline = null;
        if (gen === this.generation) this.lost({ kind: 'ping', opened: true });
      }, timeoutMs);
      const answered = () => {
        if (gen !== this.generation) return;
        if (this.pingDeadline) clearTimeout(this.pingDeadline);
        this.pingDeadline = null;
      };
      this.rpc.request(ping.method, {} as ReqOf<M, typeof ping.method>).then(answered, (err: unknown) => {
        // A refused ping still proves the socket is alive; only silence counts.
        if (!(err instanceof RpcError && (err.code === 'DISCONNECTED' || err.code === 'TIMEOUT'))) answered();
      });
    }, ping.intervalMs);
  }

  private closeSocket(code: number, reason: string): void {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    try {
      ws.close(code, reason);
    } catch {
      // already closing
    }
  }

  private clearOpenTimer(): void {
    if (this.openTimer) clearTimeout(this.openTimer);
    this.openTimer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearTimers(): void {
    this.clearOpenTimer();
    this.clearRetry();
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    if (this.pingDeadline) clearTimeout(this.pingDeadline);
    this.pingDeadline = null;
  }
}
