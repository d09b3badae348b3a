/**
 * The realtime socket of a page (viewer, moderator pane, studio chat dock): one WebSocket to REALTIME_PATH speaking
 * the shared contract (shared/protocol/realtime.ts) through RpcClient, `hello` on every (re)connect, and reconnect with
 * capped exponential backoff and jitter. It lives outside React and reports through callbacks; the page's store owns
 * the state.
 */
import {
  type Batch,
  type PublicAnswer,
  REALTIME_CLOSE,
  type RealtimeMethods,
  type RealtimeNotifications,
  realtimeMethods,
  realtimeNotifications,
  realtimeUrl,
  type YouState,
} from '../../../shared/protocol/realtime';
import { type ReqOf, type ResOf, RpcClient, RpcError } from '../../../shared/protocol/rpc';

type ResOfRealtime<K extends keyof RealtimeMethods> = ResOf<RealtimeMethods, K>;

export type RealtimeStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RealtimeEvents {
  status(status: RealtimeStatus, detail?: { code?: number; attempt?: number }): void;
  hello(res: ResOfRealtime<'hello'>): void;
  batch(batch: Batch): void;
  privateAnswer(answer: PublicAnswer): void;
  you(you: YouState): void;
}

export interface RealtimeConnectionOptions {
  /** Page origin ("https://shop.example"); the socket URL is derived from it. */
  origin: string;
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

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 10_000 };

export class RealtimeConnection {
  readonly rpc = new RpcClient<RealtimeMethods, RealtimeNotifications>(realtimeMethods, realtimeNotifications);
  private ws: WebSocket | null = null;
  private stopped = true;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private _status: RealtimeStatus = 'idle';

  constructor(private readonly opts: RealtimeConnectionOptions) {
    this.rpc.on('batch', (b) => opts.events.batch?.(b));
    this.rpc.on('answer.private', (a) => opts.events.privateAnswer?.(a));
    this.rpc.on('you', (y) => opts.events.you?.(y));
  }

  get status(): RealtimeStatus {
    return this._status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    this.rpc.detach('stopped');
    ws?.close(1000);
    this.setStatus('closed');
  }

  /** Drop the socket and connect again now (e.g. after login changed the identity). */
  reconnectNow(): void {
    if (this.stopped) return;
    this.attempt = 0;
    const ws = this.ws;
    this.ws = null;
    this.rpc.detach('reconnecting');
    ws?.close(1000);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }

  request<K extends keyof RealtimeMethods & string>(method: K, data: ReqOf<RealtimeMethods, K>): Promise<ResOfRealtime<K>> {
    return this.rpc.request(method, data);
  }

  private setStatus(status: RealtimeStatus, detail?: { code?: number; attempt?: number }): void {
    this._status = status;
    this.opts.events.status?.(status, detail);
  }

  private connect(): void {
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting', { attempt: this.attempt });
    const before = this.opts.beforeConnect?.() ?? Promise.resolve();
    before.then(
      () => {
        if (!this.stopped) this.open();
      },
      () => this.scheduleRetry(),
    );
  }

  private open(): void {
    const Impl = this.opts.WebSocketImpl ?? WebSocket;
    const ws = new Impl(realtimeUrl(this.opts.origin, this.opts.showId));
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.rpc.attach(ws);
      const nickname = this.opts.nickname?.();
      const token = this.opts.token?.();
      this.rpc
        .request('hello', {
          deviceId: this.opts.deviceId,
          ...(nickname ? { nickname } : {}),
          ...(token ? { token } : {}),
        })
        .then(
          (res) => {
            if (this.ws !== ws) return;
            this.attempt = 0;
            this.setStatus('open');
            this.opts.events.hello?.(res);
          },
          () => ws.close(4000),
        );
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws === ws && typeof ev.data === 'string') this.rpc.handleMessage(ev.data);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.rpc.detach('connection closed');
      if (this.stopped) return;
      if (ev.code === REALTIME_CLOSE.BAD_SHOW) {
        // Unknown or ended show: retrying cannot help.
        this.stopped = true;
        this.setStatus('closed', { code: ev.code });
        return;
      }
      this.scheduleRetry(ev.code);
    };
  }

  private scheduleRetry(code?: number): void {
    if (this.stopped) return;
    this.attempt++;
    const { initialMs, maxMs } = this.opts.backoff ?? DEFAULT_BACKOFF;
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempt - 1, 10));
    const delay = base / 2 + Math.random() * (base / 2);
    this.setStatus('reconnecting', { attempt: this.attempt, ...(code === undefined ? {} : { code }) });
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }
}

/** A stable per-browser device id (localStorage), used by the server to slow ban evasion. */
export function deviceIdFrom(storage: Pick<Storage, 'getItem' | 'setItem'> | null, random: () => string): string {
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
