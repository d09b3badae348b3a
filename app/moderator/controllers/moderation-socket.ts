/**
 * The moderator pane's connection to a show: the show picker and the realtime socket of the chosen show
 * (authenticated by the staff cookie at the handshake), plus the busy/flash handling of staff requests.
 */
import type { QuestionView, RealtimeMethods } from '../../../shared/protocol/realtime';
import type { ReqOf, ResOf } from '../../../shared/protocol/rpc';
import { deviceIdFrom, RealtimeConnection, requestErrorCode } from '../../ui/realtime/connection';
import { initialFeed } from '../../ui/realtime/feed';
import { type StaffApi, StaffApiError } from '../api';
import { skewFrom } from '../selectors';
import { INITIAL_AUDIT, type ModeratorStore, type ProductInfo } from '../store';
import { errorOf } from './session';

const FLASH_MS = 3500;

export interface ModerationOptions {
  store: ModeratorStore;
  api: StaffApi;
  origin: string;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Keeps the chosen show in the address (?show=…) so a reload returns to it. */
  history: { initialShow(): string | null; setShow(showId: string | null): void };
  /** The session ended (the socket's hello came back without a staff role): back to the login form. */
  onSessionLost: () => void;
  WebSocketImpl?: typeof WebSocket;
}

/** The typed code of a failed realtime or HTTP request. */
export function errorCode(err: unknown): string {
  return err instanceof StaffApiError ? err.code : requestErrorCode(err);
}

/**
 * The show picker and the chosen show's realtime socket, with the request/busy/flash plumbing every moderator action
 * goes through. `ModerationController` (moderation.ts) adds the actions.
 */
export abstract class ModerationSocket {
  protected readonly store: ModeratorStore;
  private connection: RealtimeConnection | null = null;
  private readonly deviceId: string;
  private flashTimer: ReturnType<typeof setTimeout> | null = null;
  private productsLoaded = false;

  constructor(protected readonly opts: ModerationOptions) {
    this.store = opts.store;
    this.deviceId = deviceIdFrom(opts.storage as Storage | null);
  }

  /** The socket is a staff member's (again): load what the socket alone does not push. */
  protected abstract onStaffHello(): void;

  // ---------------------------------------------------------------- shows

  /** After sign-in: list shows and reopen the one in the address, if any. */
  async start(): Promise<void> {
    await this.loadShows();
    const wanted = this.opts.history.initialShow();
    if (wanted && this.store.getState().shows?.some((s) => s.id === wanted)) this.selectShow(wanted);
  }

  async loadShows(): Promise<void> {
    const s = this.store.getState();
    s.setShows({ showsLoading: true, showsError: null });
    try {
      const { shows } = await this.opts.api.shows();
      this.store.getState().setShows({ shows, showsLoading: false });
    } catch (err) {
      this.store.getState().setShows({ showsLoading: false, showsError: errorOf(err).code });
    }
  }

  selectShow(showId: string): void {
    this.disconnect();
    this.store.setState({
      ...initialFeed(),
      showId,
      selectedQuestionId: null,
      suggestions: null,
      autoReply: null,
      drafts: {},
      bans: null,
      audit: INITIAL_AUDIT,
      tab: 'live',
    });
    this.opts.history.setShow(showId);
    this.connect(showId);
    void this.loadProducts();
  }

  leaveShow(): void {
    this.disconnect();
    this.store.setState({ ...initialFeed(), showId: null, selectedQuestionId: null, suggestions: null });
    this.opts.history.setShow(null);
    void this.loadShows();
  }

  stop(): void {
    this.disconnect();
  }

  private disconnect(): void {
    this.connection?.stop();
    this.connection = null;
  }

  private connect(showId: string): void {
    const conn = new RealtimeConnection({
      origin: this.opts.origin,
      showId,
      deviceId: this.deviceId,
      ...(this.opts.WebSocketImpl ? { WebSocketImpl: this.opts.WebSocketImpl } : {}),
      events: {
        status: (status) => this.store.getState().rtSetStatus(status),
        hello: ({ you, room }) => {
          if (you.role === 'viewer') {
            // The staff cookie is gone or expired: this socket is an anonymous viewer.
            this.disconnect();
            this.opts.onSessionLost();
            return;
          }
          this.store.getState().rtHello(you, room);
          this.onStaffHello();
        },
        batch: (b) => {
          this.store.getState().rtBatch(b);
          const now = Date.now();
          for (const item of b.items) if (item.k === 'question') this.trackSkew(item.question, now);
        },
        you: (y) => this.store.getState().rtYou(y),
      },
    });
    this.connection = conn;
    conn.start();
  }

  protected trackSkew(q: QuestionView, now: number): void {
    const skew = skewFrom(q, now);
    if (skew !== null) this.store.getState().setMod({ clockSkewMs: skew });
  }

  protected request<K extends keyof RealtimeMethods & string>(
    method: K,
    data: ReqOf<RealtimeMethods, K>,
  ): Promise<ResOf<RealtimeMethods, K>> {
    if (!this.connection) return Promise.reject(new Error('no show selected'));
    return this.connection.request(method, data);
  }

  /** Run a staff request with a busy key; errors become a flash (`errors.<code>`); returns null on failure. */
  protected async act<T>(key: string, fn: () => Promise<T>, okKey?: string, params?: Record<string, string | number>): Promise<T | null> {
    const s = this.store.getState();
    if (s.busy[key]) return null;
    s.setBusy(key, true);
    try {
      const r = await fn();
      if (okKey) this.flash('ok', okKey, params);
      return r;
    } catch (err) {
      this.flash('error', `errors.${errorCode(err)}`, { message: err instanceof Error ? err.message : '' });
      return null;
    } finally {
      this.store.getState().setBusy(key, false);
    }
  }

  flash(kind: 'ok' | 'error', key: string, params?: Record<string, string | number>): void {
    const id = this.store.getState().showFlash({ kind, key, ...(params ? { params } : {}) });
    if (this.flashTimer) clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => this.store.getState().hideFlash(id), FLASH_MS);
  }

  private async loadProducts(): Promise<void> {
    if (this.productsLoaded) return;
    try {
      const { products } = await this.opts.api.products();
      const map: Record<string, ProductInfo> = {};
      for (const p of products) map[p.id] = { id: p.id, title: p.title, thumbUrl: p.images[0]?.thumbUrl ?? null };
      this.store.getState().setMod({ products: map });
      this.productsLoaded = true;
    } catch {
      // product context falls back to the id; tried again on the next show switch
    }
  }
}
