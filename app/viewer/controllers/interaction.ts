/**
 * Interaction controller (outside React): the viewer's realtime socket (chat, likes, follow, questions, answers, and
 * the page's commerce events: `onCommerceEvent` / `onOrderStatus` for the shop), the nickname, the danmaku
 * preferences, and the system notices the page derives (a product pinned on the overlay channel, a flash sale
 * started). Writes the feed slice
 * (app/ui/realtime/feed.ts) and the interaction slice; components call its methods.
 *
 * Likes: taps are counted locally at once and sent coalesced (one `like` request per LIKE_FLUSH_MS, ≤ 50 each),
 * so a burst of taps costs the server a handful of requests.
 */
import type { CommerceEvent } from '../../../shared/commerce/events';
import { Nickname, type OrderStatusUpdate, type SendResult } from '../../../shared/protocol/realtime';
import { MAX_CHAT_CHARS, MAX_QUESTION_CHARS } from '../../../shared/realtime/filter';
import { charLength } from '../../../shared/realtime/text-keys';
import { RealtimeConnection, deviceIdFrom, requestErrorCode } from '../../ui/realtime/connection';
import type { DanmakuController } from '../interaction/danmaku';
import type { DanmakuDensity, SendError } from '../interaction/slice';
import type { ViewerStore } from '../store';

export const LIKE_FLUSH_MS = 400;
const MAX_LIKES_PER_REQUEST = 50;
export const NICKNAME_STORAGE_KEY = 'storecast.nickname';
export const DANMAKU_STORAGE_KEY = 'storecast.danmaku';
/** A product pinned again within this window is not announced twice. */
const PIN_NOTICE_GAP_MS = 30_000;

export interface InteractionOptions {
  store: ViewerStore;
  origin: string;
  showId: string;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Makes sure the guest cookie exists before the socket connects (the shop's session). */
  ensureSession: () => Promise<void>;
  danmaku?: DanmakuController;
  WebSocketImpl?: typeof WebSocket;
  now?: () => number;
}

export type SendOutcome = { ok: true } | { ok: false; reason: string; retryAfterMs?: number };

/** Saved danmaku preference: "off" or a density. */
export function parseDanmakuPref(raw: string | null): { enabled: boolean; density?: DanmakuDensity } | null {
  if (raw === 'off') return { enabled: false };
  if (raw === 'low' || raw === 'normal' || raw === 'high') return { enabled: true, density: raw };
  return null;
}

export class InteractionController {
  readonly connection: RealtimeConnection;
  private readonly store: ViewerStore;
  private readonly storage: InteractionOptions['storage'];
  private readonly now: () => number;
  private pendingLikes = 0;
  private likeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly cleanups: (() => void)[] = [];
  private readonly pinNoticeAt = new Map<string, number>();
  /** The nickname sent in the last hello (to tell the viewer when the server did not accept it). */
  private requestedNickname: string | null = null;
  private readonly commerceListeners = new Set<(evt: CommerceEvent) => void>();
  private readonly orderListeners = new Set<(u: OrderStatusUpdate) => void>();

  constructor(private readonly opts: InteractionOptions) {
    this.store = opts.store;
    this.storage = opts.storage;
    this.now = opts.now ?? Date.now;
    const s = this.store.getState();
    const saved = Nickname.safeParse(this.read(NICKNAME_STORAGE_KEY) ?? '');
    if (saved.success) s.setNickname(saved.data);
    const pref = parseDanmakuPref(this.read(DANMAKU_STORAGE_KEY));
    if (pref) s.setDanmaku(pref);
    this.connection = new RealtimeConnection({
      origin: opts.origin,
      showId: opts.showId,
      deviceId: deviceIdFrom(opts.storage as Storage | null),
      nickname: () => {
        this.requestedNickname = this.store.getState().nickname;
        return this.requestedNickname ?? undefined;
      },
      beforeConnect: opts.ensureSession,
      ...(opts.WebSocketImpl ? { WebSocketImpl: opts.WebSocketImpl } : {}),
      events: {
        status: (status) => this.store.getState().rtSetStatus(status),
        hello: ({ you, room }) => {
          opts.danmaku?.markSeen(room.recent);
          this.store.getState().rtHello(you, room);
          const wanted = this.requestedNickname;
          if (wanted && you.role === 'viewer' && you.name !== wanted) {
            // The server would not take it (filtered word, link…) and uses a guest name: ask for another one.
            this.write(NICKNAME_STORAGE_KEY, '');
            this.store.getState().setNickname(null);
            this.fail('nickname', 'NICKNAME_REJECTED');
          }
        },
        batch: (b) => this.store.getState().rtBatch(b),
        privateAnswer: (a) => this.store.getState().rtPrivateAnswer(a),
        you: (y) => this.store.getState().rtYou(y),
        commerce: (evt) => {
          this.onCommerceNotice(evt);
          for (const fn of this.commerceListeners) fn(evt);
        },
        orderStatus: (u) => {
          for (const fn of this.orderListeners) fn(u);
        },
      },
    });
  }

  /** Live commerce events (stock, flash sales, purchases) from this page's realtime socket. */
  onCommerceEvent(fn: (evt: CommerceEvent) => void): () => void {
    this.commerceListeners.add(fn);
    return () => this.commerceListeners.delete(fn);
  }

  /** This buyer's own orders changing status. */
  onOrderStatus(fn: (u: OrderStatusUpdate) => void): () => void {
    this.orderListeners.add(fn);
    return () => this.orderListeners.delete(fn);
  }

  start(): void {
    this.cleanups.push(
      this.store.subscribe((s, prev) => {
        // A shop sheet replaces an interaction sheet (one sheet at a time).
        if (s.sheet && !prev.sheet && s.interactionSheet) s.openInteractionSheet(null);
        if (s.pinned !== prev.pinned && prev.show !== null) this.onPinsChanged(prev.pinned, s.pinned);
      }),
    );
    this.opts.danmaku?.start();
    this.connection.start();
  }

  stop(): void {
    this.flushLikes();
    for (const c of this.cleanups.splice(0)) c();
    this.opts.danmaku?.stop();
    this.connection.stop();
  }

  /** "Flash sale started" notices for this show's products. */
  private onCommerceNotice(evt: CommerceEvent): void {
    if (evt.type !== 'sale.started') return;
    const s = this.store.getState();
    const productId = evt.sale.productId;
    const pin = s.pinned.find((p) => p.product.productId === productId);
    if (!pin && !s.lineup.includes(productId)) return;
    const title = s.products[productId]?.title ?? pin?.product.name;
    if (!title) return;
    s.rtLocalNotice({ type: 'sale.started', productId, title: title.slice(0, 200), endsAt: evt.sale.endsAt }, this.now());
  }

  private onPinsChanged(before: readonly { product: { productId: string } }[], after: ViewerStoreState['pinned']): void {
    const had = new Set(before.map((p) => p.product.productId));
    const now = this.now();
    for (const p of after) {
      const id = p.product.productId;
      if (had.has(id)) continue;
      if (now - (this.pinNoticeAt.get(id) ?? Number.NEGATIVE_INFINITY) < PIN_NOTICE_GAP_MS) continue;
      this.pinNoticeAt.set(id, now);
      const title = this.store.getState().products[id]?.title ?? p.product.name;
      this.store.getState().rtLocalNotice({ type: 'product.pinned', productId: id, title: title.slice(0, 200) }, now);
    }
  }

  private read(key: string): string | null {
    try {
      return this.storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  private write(key: string, value: string): void {
    try {
      this.storage?.setItem(key, value);
    } catch {
      // storage unavailable: the choice lasts for this page
    }
  }

  private fail(scope: SendError['scope'], reason: string, retryAfterMs?: number): SendOutcome {
    this.store.getState().setSendError({ scope, reason, retryAfterMs: retryAfterMs ?? null, at: this.now() });
    return { ok: false, reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }

  private succeed(scope: SendError['scope']): SendOutcome {
    const err = this.store.getState().sendError;
    if (err && err.scope === scope) this.store.getState().setSendError(null);
    return { ok: true };
  }

  private outcome(scope: SendError['scope'], r: SendResult): SendOutcome {
    if (r.accepted) return this.succeed(scope);
    return this.fail(scope, r.reason, r.retryAfterMs);
  }

  private offline(): boolean {
    return this.connection.status !== 'open';
  }

  clearError(): void {
    this.store.getState().setSendError(null);
  }

  // ---------------------------------------------------------------- nickname, preferences, sheets

  /** Set the chat nickname (validated); reconnects so the server's hello carries it. */
  setNickname(raw: string): boolean {
    const parsed = Nickname.safeParse(raw);
    if (!parsed.success) {
      this.fail('nickname', 'NICKNAME_INVALID');
      return false;
    }
    this.write(NICKNAME_STORAGE_KEY, parsed.data);
    const s = this.store.getState();
    s.setNickname(parsed.data);
    if (s.sendError?.scope === 'nickname') s.setSendError(null);
    s.openInteractionSheet(null);
    if (s.you?.name !== parsed.data) this.connection.reconnectNow();
    return true;
  }

  setDanmaku(patch: { enabled?: boolean; density?: DanmakuDensity }): void {
    this.store.getState().setDanmaku(patch);
    const d = this.store.getState().danmaku;
    this.write(DANMAKU_STORAGE_KEY, d.enabled ? d.density : 'off');
  }

  openAsk(): void {
    this.store.getState().openInteractionSheet('ask');
  }

  openNickname(): void {
    this.store.getState().openInteractionSheet('nickname');
  }

  closeSheet(): void {
    this.store.getState().openInteractionSheet(null);
  }

  dismissAnswer(questionId: string): void {
    this.store.getState().dismissAnswer(questionId);
  }

  // ---------------------------------------------------------------- sending

  /** Send a chat line. Without a nickname yet, the nickname sheet opens first (the text stays in the composer). */
  async sendChat(text: string): Promise<SendOutcome> {
    const trimmed = text.trim();
    if (!trimmed) return this.fail('chat', 'EMPTY');
    if (charLength(trimmed) > MAX_CHAT_CHARS) return this.fail('chat', 'TOO_LONG');
    if (!this.store.getState().nickname) {
      this.openNickname();
      return { ok: false, reason: 'NO_NICKNAME' };
    }
    if (this.offline()) return this.fail('chat', 'OFFLINE');
    try {
      return this.outcome('chat', await this.connection.request('chat.send', { text: trimmed }));
    } catch (err) {
      return this.fail('chat', requestErrorCode(err));
    }
  }

  async ask(text: string, productId: string | null): Promise<SendOutcome> {
    const trimmed = text.trim();
    if (!trimmed) return this.fail('ask', 'EMPTY');
    if (charLength(trimmed) > MAX_QUESTION_CHARS) return this.fail('ask', 'TOO_LONG');
    if (this.offline()) return this.fail('ask', 'OFFLINE');
    try {
      const r = await this.connection.request('question.ask', { text: trimmed, ...(productId ? { productId } : {}) });
      if (r.accepted) {
        const s = this.store.getState();
        const productTitle = productId
          ? (s.products[productId]?.title ?? s.pinned.find((p) => p.product.productId === productId)?.product.name ?? null)
          : null;
        s.questionAsked({ id: r.id, text: trimmed, productId, productTitle, at: r.ts });
      }
      return this.outcome('ask', r);
    } catch (err) {
      return this.fail('ask', requestErrorCode(err));
    }
  }

  async follow(): Promise<SendOutcome> {
    if (this.offline()) return this.fail('follow', 'OFFLINE');
    try {
      await this.connection.request('follow', {});
      const you = this.store.getState().you;
      if (you) this.store.getState().rtYou({ ...you, following: true });
      return this.succeed('follow');
    } catch (err) {
      return this.fail('follow', requestErrorCode(err));
    }
  }

  /** One tap: counted and animated now, sent coalesced. */
  like(): void {
    this.store.getState().rtLocalLike(1);
    this.pendingLikes++;
    if (this.pendingLikes >= MAX_LIKES_PER_REQUEST) this.flushLikes();
    else this.likeTimer ??= setTimeout(() => this.flushLikes(), LIKE_FLUSH_MS);
  }

  private flushLikes(): void {
    if (this.likeTimer) clearTimeout(this.likeTimer);
    this.likeTimer = null;
    const count = Math.min(this.pendingLikes, MAX_LIKES_PER_REQUEST);
    if (count === 0) return;
    this.pendingLikes -= count;
    this.connection.request('like', { count }).catch(() => {
      // Offline: the taps are lost (likes are not worth queueing); the next hello resets the total.
    });
    if (this.pendingLikes > 0) this.likeTimer = setTimeout(() => this.flushLikes(), LIKE_FLUSH_MS);
  }
}

type ViewerStoreState = ReturnType<ViewerStore['getState']>;
