/**
 * The realtime socket of a page (viewer, moderator pane, studio chat dock): a ReconnectingRpcSocket to REALTIME_PATH
 * speaking the shared contract (shared/protocol/realtime.ts), `hello` on every (re)connect, backoff between attempts.
 * It lives outside React and reports through callbacks; the page's store owns the state.
 */
import type { CommerceEvent } from '../../../shared/commerce/events';
import {
  type Batch,
  type OrderStatusUpdate,
  type PublicAnswer,
  REALTIME_CLOSE,
  type RealtimeMethods,
  type RealtimeNotifications,
  realtimeMethods,
  realtimeNotifications,
  realtimeUrl,
  type StreamPosition,
  type YouState,
} from '../../../shared/protocol/realtime';
import { type ReqOf, type ResOf, type RpcClient, RpcError } from '../../../shared/protocol/rpc';
import { type BackoffPolicy, ReconnectingRpcSocket, type SocketFactory, type SocketStatus } from '../reconnecting-socket';

type ResOfRealtime<K extends keyof RealtimeMethods> = ResOf<RealtimeMethods, K>;

export type RealtimeStatus = SocketStatus;

export interface RealtimeEvents {
  status(status: RealtimeStatus, detail?: { code?: number; attempt?: number }): void;
  hello(res: ResOfRealtime<'hello'>): void;
  batch(batch: Batch): void;
  privateAnswer(answer: PublicAnswer): void;
  you(you: YouState): void;
  /** Each commerce event of a batch, in order (stock, flash sales, orders: shared/protocol/realtime.ts). */
  commerce(event: CommerceEvent): void;
  /** One of this guest's own orders changed status. */
  orderStatus(update: OrderStatusUpdate): void;
}

export interface RealtimeConnectionOptions {
  /** Page origin ("https://shop.example"), or a function read after `beforeConnect`; the socket URL is derived from it. */
  origin: string | (() => string);
  showId: string;
  deviceId: string;
  nickname?: () => string | undefined;
  /** Staff bearer token (studio token or login token); pages with the `sc_staff` cookie leave it out. */
  token?: () => string | undefined;
  /** Runs before every connect (e.g. make sure the guest cookie exists). Errors are retried with backoff. */
  beforeConnect?: () => Promise<void>;
  events: Partial<RealtimeEvents>;
  /** Injected for tests and Node callers; defaults to the global WebSocket. */
  WebSocketImpl?: typeof WebSocket;
  backoff?: { initialMs: number; maxMs: number };
}

/** Chat reconnects quickly at first; its half-range jitter spreads a crowd that lost the server at once. */
const REALTIME_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000, jitter: 0.5 };

export class RealtimeConnection {
  private readonly socket: ReconnectingRpcSocket<RealtimeMethods, RealtimeNotifications>;
  /** The hello reply of the socket being opened, delivered once it counts as open. */
  private helloRes: ResOfRealtime<'hello'> | null = null;
  private position: StreamPosition | null = null;

  constructor(opts: RealtimeConnectionOptions) {
    const events = opts.events;
    this.socket = new ReconnectingRpcSocket({
      url: async () => {
        await opts.beforeConnect?.();
        return realtimeUrl(typeof opts.origin === 'string' ? opts.origin : opts.origin(), opts.showId);
      },
      methods: realtimeMethods,
      notifications: realtimeNotifications,
      backoff: opts.backoff ? { ...opts.backoff, jitter: REALTIME_BACKOFF.jitter } : REALTIME_BACKOFF,
      ...(opts.WebSocketImpl && { WebSocketImpl: opts.WebSocketImpl as unknown as SocketFactory }),
      onOpen: async ({ rpc }) => {
        const nickname = opts.nickname?.();
        const token = opts.token?.();
        const hello = { deviceId: opts.deviceId, ...(nickname ? { nickname } : {}), ...(token ? { token } : {}) };
        // Cluster mode: resume after the last batch this page got (the missed ones arrive before the reply).
        const since = this.position;
        try {
          this.helloRes = await rpc.request('hello', since ? { ...hello, since } : hello);
        } catch (err) {
          if (!since || !(err instanceof RpcError && err.code === 'BAD_STATE')) throw err;
          // Not this show's stream any more (another epoch, trimmed): start again from the snapshot.
          this.position = null;
          this.helloRes = await rpc.request('hello', hello);
        }
        this.advance(this.helloRes.room.position);
      },
      // Unknown or ended show: retrying cannot help.
      retry: (cause) => !(cause.kind === 'closed' && cause.code === REALTIME_CLOSE.BAD_SHOW),
      events: {
        status: (status, { attempt, cause }) => {
          const code = cause && (cause.kind === 'closed' || cause.kind === 'dropped') ? cause.code : undefined;
          events.status?.(status, { attempt, ...(code === undefined ? {} : { code }) });
          const hello = this.helloRes;
          if (status === 'open' && hello) {
            this.helloRes = null;
            events.hello?.(hello);
          }
        },
      },
    });
    this.rpc.on('batch', (b) => {
      if (b.epoch !== undefined && b.offset !== undefined) this.advance({ epoch: b.epoch, offset: b.offset });
      events.batch?.(b);
      if (events.commerce) for (const it of b.items) if (it.k === 'commerce') events.commerce(it.event);
    });
    this.rpc.on('order.status', (u) => events.orderStatus?.(u));
    this.rpc.on('answer.private', (a) => events.privateAnswer?.(a));
    this.rpc.on('you', (y) => events.you?.(y));
  }

  /** Cluster mode: the stream position of the last batch received (sent as `hello.since` on reconnect). */
  get streamPosition(): StreamPosition | null {
    return this.position;
  }

  /** Batches after the hello reply may already be ahead of the snapshot's position: never move back. */
  private advance(pos: StreamPosition | undefined): void {
    if (!pos) return;
    const cur = this.position;
    if (!cur || cur.epoch !== pos.epoch || cur.offset < pos.offset) this.position = pos;
  }

  get rpc(): RpcClient<RealtimeMethods, RealtimeNotifications> {
    return this.socket.rpc;
  }

  get status(): RealtimeStatus {
    return this.socket.status;
  }

  start(): void {
    this.socket.start();
  }

  stop(): void {
    this.socket.close();
  }

  /** Drop the socket and connect again now (e.g. after login changed the identity). */
  reconnectNow(): void {
    this.socket.reconnectNow();
  }

  request<K extends keyof RealtimeMethods & string>(method: K, data: ReqOf<RealtimeMethods, K>): Promise<ResOfRealtime<K>> {
    return this.socket.request(method, data);
  }
}

/** 24 random characters of [0-9a-z]: device ids, viewer ids, event batch ids. */
export function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0'))
    .join('')
    .slice(0, 24);
}

/** A stable per-browser device id (localStorage), used by the server to slow ban evasion. */
export function deviceIdFrom(
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null,
  random: () => string = randomId,
): string {
  const KEY = 'storecast.deviceId';
  try {
    const existing = storage?.getItem(KEY);
    if (existing && /^[A-Za-z0-9_-]{8,64}$/.test(existing)) return existing;
  } catch {
    // storage unavailable: a per-page id below
  }
  const id = random();
  try {
    storage?.setItem(KEY, id);
  } catch {
    // private mode: the id lasts for this page
  }
  return id;
}

/** Error text for a failed request, for UI toasts (RpcError code + message). */
export function requestErrorCode(err: unknown): string {
  return err instanceof RpcError ? err.code : 'INTERNAL';
}
