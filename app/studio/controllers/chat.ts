/**
 * Studio chat dock controller (outside React): follows the studio's open show and keeps one realtime socket to it,
 * authenticated as the owner with the studio token (`hello.token`), so the streamer reads chat and questions and
 * moderates from the studio with the same contract and server checks as the moderator pane. The same socket is the
 * studio's commerce feed (stock, flash sales, orders: `onCommerceEvent`, `onOpen` for the shop controller).
 *
 * It writes the chat store (feed slice + dock UI state); components call its methods. Every action resolves to an
 * `ChatActionResult` instead of throwing, so the dock can show a clear error and keep going.
 */
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { AnswerVisibility, QuestionView, SendResult, Suggestion } from '../../../shared/protocol/realtime';
import { RpcError } from '../../../shared/protocol/rpc';
import { RealtimeConnection, deviceIdFrom } from '../../ui/realtime/connection';
import { initialFeed } from '../../ui/realtime/feed';
import type { ChatStore } from '../chat-store';
import type { StudioState, StudioStore } from '../store';

export interface ChatConnectionInfo {
  serverUrl: string;
  token: string | null;
}

export type ChatActionResult = { ok: true } | { ok: false; code: string; message: string };
export type ChatSendOutcome = { ok: true } | { ok: false; reason: string; message: string; retryAfterMs?: number };

export interface StudioChatOptions {
  chat: ChatStore;
  studio: StudioStore;
  /** Where the server is and the studio token (host.getConnection). */
  connection: () => Promise<ChatConnectionInfo>;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  WebSocketImpl?: typeof WebSocket;
  backoff?: { initialMs: number; maxMs: number };
}

/** The show the dock should follow: the studio's open show until it ends. */
export function chatTarget(s: Pick<StudioState, 'publish'>): string | null {
  const show = s.publish.show;
  return show && show.status !== 'ended' ? show.id : null;
}

function randomId(): string {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'[b & 63];
  return out;
}

function failure(err: unknown): { ok: false; code: string; message: string } {
  if (err instanceof RpcError) return { ok: false, code: err.code, message: err.message };
  return { ok: false, code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

export class StudioChatController {
  private conn: RealtimeConnection | null = null;
  private following: string | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly deviceId: string;
  /** Bumped on every (re)target so a slow connection lookup for an old show is ignored. */
  private generation = 0;
  private readonly connectionListeners = new Set<(conn: RealtimeConnection | null, showId: string | null) => void>();
  private readonly commerceListeners = new Set<(event: CommerceEvent) => void>();
  private readonly openListeners = new Set<() => void>();

  constructor(private readonly opts: StudioChatOptions) {
    this.deviceId = deviceIdFrom(opts.storage, randomId);
  }

  start(): void {
    if (this.unsubscribe) return;
    this.follow(chatTarget(this.opts.studio.getState()));
    this.unsubscribe = this.opts.studio.subscribe((s) => this.follow(chatTarget(s)));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.generation++;
    this.setConnection(null, null);
    this.following = null;
  }

  /**
   * Share the socket: `fn` gets the current connection now and every new one (null when the show ends). Other studio
   * controllers (engagement) listen on it instead of opening sockets of their own. Returns the unsubscribe function.
   */
  onConnection(fn: (conn: RealtimeConnection | null, showId: string | null) => void): () => void {
    this.connectionListeners.add(fn);
    fn(this.conn, this.conn ? this.following : null);
    return () => this.connectionListeners.delete(fn);
  }

  /** Commerce events (stock, flash sales, paid orders, order status) arriving on the socket. */
  onCommerceEvent(fn: (event: CommerceEvent) => void): () => void {
    this.commerceListeners.add(fn);
    return () => this.commerceListeners.delete(fn);
  }

  /** Every (re)connect of the socket: listeners catch up on what they missed while it was down. */
  onOpen(fn: () => void): () => void {
    this.openListeners.add(fn);
    return () => this.openListeners.delete(fn);
  }

  private setConnection(conn: RealtimeConnection | null, showId: string | null): void {
    this.conn?.stop();
    this.conn = conn;
    for (const fn of this.connectionListeners) fn(conn, showId);
  }

  private follow(showId: string | null): void {
    if (showId === this.following) return;
    this.following = showId;
    const gen = ++this.generation;
    this.setConnection(null, null);
    const chat = this.opts.chat.getState();
    if (!showId) {
      // The show ended (or none is open): keep the history on screen, stop talking to the server.
      chat.rtSetStatus('closed');
      return;
    }
    if (chat.chatShowId !== showId) {
      this.opts.chat.setState({ ...initialFeed() });
      chat.setChatShow(showId);
    }
    this.open(showId, gen);
  }

  private open(showId: string, gen: number): void {
    if (gen !== this.generation) return;
    const store = this.opts.chat;
    let info: ChatConnectionInfo | null = null;
    const conn = new RealtimeConnection({
      origin: () => info!.serverUrl,
      showId,
      deviceId: this.deviceId,
      token: () => info?.token ?? undefined,
      beforeConnect: async () => {
        // The server URL and studio token can change (settings edited, server restarted with another data dir);
        // an unreachable host is retried with the socket's backoff.
        info = await this.opts.connection();
      },
      ...(this.opts.WebSocketImpl ? { WebSocketImpl: this.opts.WebSocketImpl } : {}),
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      events: {
        status: (status) => store.getState().rtSetStatus(status),
        hello: ({ you, room }) => {
          store.getState().rtHello(you, room);
          void this.loadQuestions(conn);
          for (const fn of this.openListeners) fn();
        },
        commerce: (event) => {
          for (const fn of this.commerceListeners) fn(event);
        },
        batch: (b) => store.getState().rtBatch(b),
        privateAnswer: (a) => store.getState().rtPrivateAnswer(a),
        you: (y) => store.getState().rtYou(y),
      },
    });
    this.setConnection(conn, showId);
    conn.start();
  }

  private async loadQuestions(conn: RealtimeConnection): Promise<void> {
    try {
      const { questions } = await conn.request('question.list', { status: 'open', limit: 200 });
      if (conn === this.conn) this.opts.chat.getState().rtQuestions(questions);
    } catch {
      // Not staff (bad token) or disconnected: the hello/you state tells the dock.
    }
  }

  private async run<T>(
    fn: (conn: RealtimeConnection) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string }> {
    const conn = this.conn;
    if (conn?.status !== 'open') return { ok: false, code: 'DISCONNECTED', message: 'chat is not connected' };
    try {
      return { ok: true, value: await fn(conn) };
    } catch (err) {
      return failure(err);
    }
  }

  private async act(fn: (conn: RealtimeConnection) => Promise<unknown>): Promise<ChatActionResult> {
    const r = await this.run(fn);
    return r.ok ? { ok: true } : r;
  }

  /** Post as the host (owner role: slow mode and rate limits do not apply, filters do). */
  async send(text: string): Promise<ChatSendOutcome> {
    const r = await this.run((c) => c.request('chat.send', { text }));
    if (!r.ok) return { ok: false, reason: r.code, message: r.message };
    const res: SendResult = r.value;
    if (res.accepted) return { ok: true };
    return {
      ok: false,
      reason: res.reason,
      message: res.message,
      ...(res.retryAfterMs === undefined ? {} : { retryAfterMs: res.retryAfterMs }),
    };
  }

  deleteMessage(messageId: string): Promise<ChatActionResult> {
    return this.act((c) => c.request('mod.delete', { messageId }));
  }

  /** Timed mute in this show (0 lifts it). */
  mute(userId: string, seconds: number): Promise<ChatActionResult> {
    return this.act((c) => c.request('mod.mute', { userId, seconds }));
  }

  /** Ban across shows: the server removes the user's messages and blocks the account and its devices. */
  ban(userId: string, reason?: string): Promise<ChatActionResult> {
    return this.act((c) => c.request('mod.ban', { userId, ...(reason ? { reason } : {}) }));
  }

  setSlowMode(seconds: number): Promise<ChatActionResult> {
    return this.act((c) => c.request('mod.slowMode', { seconds }));
  }

  announce(text: string | null): Promise<ChatActionResult> {
    return this.act((c) => c.request('mod.announce', { text }));
  }

  private keep(question: QuestionView): void {
    this.opts.chat.getState().rtQuestions([question]);
  }

  async claim(questionId: string): Promise<ChatActionResult> {
    return this.act(async (c) => this.keep((await c.request('question.claim', { questionId })).question));
  }

  async release(questionId: string): Promise<ChatActionResult> {
    return this.act(async (c) => this.keep((await c.request('question.release', { questionId })).question));
  }

  async answer(questionId: string, text: string, visibility: AnswerVisibility): Promise<ChatActionResult> {
    const r = await this.act(async (c) => this.keep((await c.request('question.answer', { questionId, text, visibility })).question));
    if (r.ok && this.opts.chat.getState().answering === questionId) this.opts.chat.getState().setAnswering(null);
    return r;
  }

  async suggest(questionId: string): Promise<Suggestion[]> {
    const r = await this.run((c) => c.request('question.suggest', { questionId }));
    return r.ok ? r.value.suggestions : [];
  }
}
