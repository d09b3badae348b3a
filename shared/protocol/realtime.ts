/**
 * Realtime interaction contract (chat, likes, follows, questions, moderation) — WebSocket at
 * `REALTIME_PATH?showId=<id>`, same envelope as rpc.ts: client requests `{t:'req', id, method, data}`,
 * replies `{t:'res', …}`, server pushes `{t:'ntf', method, data}`.
 *
 * Flow: connect (the socket joins the show's room at once and receives `batch` notifications) → `hello`
 * (device id, optional nickname, optional staff token) → requests. Identity:
 *  - viewers are guests identified by the signed `sc_buyer` cookie (POST /api/session creates it); without it a
 *    socket can watch but not post (UNAUTHORIZED);
 *  - staff authenticate with the `sc_staff` cookie (pages) or `hello.token` (a login bearer token or the studio token).
 *
 * Who may call what (each method's `caller`, checked by `dispatchRequest` before the payload is read). Roles a
 * connection holds, by what its `hello` established (before `hello` it is unidentified: only `any` methods, anything
 * else is UNAUTHORIZED "send hello first"):
 *   viewer    — a guest (buyer cookie) or a watcher without one: `viewer`;
 *   moderator — a staff account: `viewer`, `staff`;
 *   owner     — the owner account, or the studio token (the studio principal acts as the owner): `viewer`, `staff`, `owner`.
 * So owner ⊇ staff ⊇ viewer; a method declared `staff` is refused to a viewer with FORBIDDEN. What the handlers still
 * check is state, not role: a guest identity to post (UNAUTHORIZED without the buyer cookie), bans and mutes, claims
 * held by another moderator, who is eligible for a draw or a share (staff hold `viewer` but never take part).
 *
 * The server batches everything room-wide into one `batch` frame per room every REALTIME_BATCH_MS (100 ms): the same
 * serialized frame goes to every member. Slow sockets receive `sampled` batches (no chat items) until they catch up.
 * Chat text is plain text everywhere: render it as text, never as HTML.
 *
 * This socket is the pages' one app-event plane: commerce events (shared/commerce/events.ts) arrive here too, as
 * `commerce` batch items, never on the media-signaling socket. Who receives what (the server is the only sender):
 *   stock.changed                 — every room, the latest value per SKU in each batch (coalesced);
 *   sale.started / sale.ended, product.changed — every room, after the stock values that preceded them;
 *   order.paid                    — the room of the show it was placed from (the "just bought" ticker, plus a
 *                                   `purchase` notice), and staff in every other room;
 *   order.status                  — staff in every room (batch item) and the order's buyer: an `order.status`
 *                                   notification to every socket of that guest identity, whatever the show.
 */
import { z } from 'zod';
import { Millis, OrderId, ProductId } from '../commerce/common';
import { CommerceEvent } from '../commerce/events';
import { OrderStatus } from '../commerce/orders';
import { ShowId } from '../domain/show';
import { RejectReason } from '../realtime/filter';
import { LinkFilterSettings } from '../realtime/link-filter';
import { EngageSync, EngagementEvent, engagementMethods } from './engagement';
import type { MethodMap } from './rpc';

export const REALTIME_PATH = '/ws/realtime';
/** Largest request frame (bytes) handled; bigger ones get TOO_LARGE. */
export const REALTIME_MAX_FRAME_BYTES = 4096;
/** Close codes the server uses. */
export const REALTIME_CLOSE = {
  /** The client did not read its data fast enough (send buffer stayed over the hard limit). */
  TOO_SLOW: 4008,
  /** Unknown or ended show / bad showId query. */
  BAD_SHOW: 4004,
  GOING_AWAY: 1001,
} as const;

export { RejectReason };

export const ChatRole = z.enum(['viewer', 'moderator', 'owner']);
export type ChatRole = z.infer<typeof ChatRole>;

/** Public user id: a keyed hash of the internal identity (never the buyer cookie id itself). */
export const PublicUserId = z.string().regex(/^u_[A-Za-z0-9_-]{8,32}$/, 'invalid user id');
export const MessageId = z.string().regex(/^m_[A-Za-z0-9_-]{6,40}$/, 'invalid message id');
export const QuestionId = z.string().regex(/^q_[A-Za-z0-9_-]{6,40}$/, 'invalid question id');
export const CannedId = z.string().regex(/^c_[A-Za-z0-9_-]{6,40}$/, 'invalid canned reply id');
/** Client-generated device fingerprint id, persisted in localStorage. */
export const DeviceId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'invalid device id');
export const Nickname = z
  .string()
  .trim()
  .min(1)
  .max(20)
  .refine((s) => !/[\p{Cc}<>]/u.test(s), 'nickname contains forbidden characters');

export const ChatMessage = z.object({
  id: MessageId,
  userId: PublicUserId,
  name: z.string(),
  role: ChatRole,
  text: z.string(),
  ts: z.number().int(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** System notices the server (or the lead's commerce wiring) pushes to a room. */
export const Notice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('product.pinned'), productId: ProductId, title: z.string().max(200) }),
  z.object({ type: z.literal('product.unpinned'), productId: ProductId.nullable() }),
  z.object({
    type: z.literal('sale.started'),
    productId: ProductId,
    title: z.string().max(200),
    endsAt: z.number().int(),
  }),
  z.object({ type: z.literal('sale.ended'), productId: ProductId, title: z.string().max(200) }),
  /** Anonymised "someone just bought X": `buyer` is already masked (e.g. "张*"). */
  z.object({ type: z.literal('purchase'), buyer: z.string().max(40), title: z.string().max(200), qty: z.number().int().min(1) }),
  z.object({ type: z.literal('text'), text: z.string().min(1).max(200) }),
]);
export type Notice = z.infer<typeof Notice>;

export const QuestionStatus = z.enum(['unanswered', 'claimed', 'answered']);
export const AnswerVisibility = z.enum(['public', 'private']);
export type AnswerVisibility = z.infer<typeof AnswerVisibility>;

export const PublicAnswer = z.object({
  questionId: QuestionId,
  question: z.string(),
  askerName: z.string(),
  productId: ProductId.nullable(),
  answer: z.string(),
  answeredBy: z.string(),
  answeredAt: z.number().int(),
  /** Sent by the room on its own (the owner's automatic replies), not chosen by a person. */
  auto: z.boolean().optional(),
});
export type PublicAnswer = z.infer<typeof PublicAnswer>;

export const QuestionView = z.object({
  id: QuestionId,
  showId: ShowId,
  askerId: PublicUserId,
  askerName: z.string(),
  text: z.string(),
  productId: ProductId.nullable(),
  status: QuestionStatus,
  claimedBy: z.string().nullable(),
  answer: z.string().nullable(),
  answeredBy: z.string().nullable(),
  visibility: AnswerVisibility.nullable(),
  createdAt: z.number().int(),
  answeredAt: z.number().int().nullable(),
  /** ms waited so far (unanswered/claimed) or until answered. */
  waitingMs: z.number().int(),
  /** Answered by the room on its own; staff may retract or correct it. */
  auto: z.boolean().optional(),
});
export type QuestionView = z.infer<typeof QuestionView>;

export const Announcement = z.object({ text: z.string(), by: z.string(), at: z.number().int() });
export type Announcement = z.infer<typeof Announcement>;

/** One entry of a `batch`. `k` discriminates. */
export const BatchItem = z.discriminatedUnion('k', [
  z.object({ k: z.literal('chat'), m: ChatMessage }),
  /** Likes in this batch window (`delta`) and the show's running total. */
  z.object({ k: z.literal('likes'), total: z.number().int(), delta: z.number().int() }),
  /** Sockets connected to the room. */
  z.object({ k: z.literal('presence'), online: z.number().int() }),
  z.object({ k: z.literal('follow'), name: z.string(), total: z.number().int() }),
  z.object({ k: z.literal('notice'), notice: Notice, ts: z.number().int() }),
  /** Messages removed by moderation (delete or ban). */
  z.object({ k: z.literal('delete'), ids: z.array(MessageId) }),
  /** A public answer: pinned under the video. */
  z.object({ k: z.literal('answer'), answer: PublicAnswer }),
  /** Staff retracted or corrected the automatic answer to this question: drop it wherever it is shown (pinned or
   * private); a person's answer to the same question is kept. */
  z.object({ k: z.literal('retract'), questionId: QuestionId }),
  /** Pinned announcement set (or cleared: null). */
  z.object({ k: z.literal('announcement'), announcement: Announcement.nullable() }),
  z.object({ k: z.literal('slowmode'), seconds: z.number().int() }),
  /** Staff only: a question was asked or changed state. */
  z.object({ k: z.literal('question'), question: QuestionView }),
  /** Giveaways, red packets, coupons (shared/protocol/engagement.ts). */
  z.object({ k: z.literal('engage'), event: EngagementEvent }),
  /** A commerce event (who gets which: the header). Kept in `sampled` batches: stock is state, not chatter. */
  z.object({ k: z.literal('commerce'), event: CommerceEvent }),
]);
export type BatchItem = z.infer<typeof BatchItem>;

/**
 * A place in a show's event stream (cluster mode: a per-show Redis Stream). `epoch` names the stream's life (a new
 * one after the stream was lost, e.g. Redis restarted empty); `offset` counts its entries from 1. A client that
 * reconnects — to any node — sends the position of the last batch it got (`hello.since`) and receives exactly the
 * batches after it. A position from another epoch (or show), from the future, or older than the stream keeps answers
 * BAD_STATE: drop it and hello again without `since` (the snapshot is the new start).
 */
export const StreamPosition = z.object({ epoch: z.string().min(1).max(64), offset: z.number().int().min(0) });
export type StreamPosition = z.infer<typeof StreamPosition>;

export const Batch = z.object({
  /** Per-room sequence number (+1 per flushed batch). */
  seq: z.number().int(),
  /** Cluster mode: this batch's place in the show's event stream (absent on one node, and on presence-only batches). */
  epoch: z.string().optional(),
  offset: z.number().int().optional(),
  /** Chat items in this batch (a cheap count for load generators and UIs). */
  chat: z.number().int(),
  /** Chat messages accepted in this window but not included (per-batch cap, or all of them when `sampled`). */
  dropped: z.number().int(),
  /** True for a slow socket: chat was skipped, everything else kept. */
  sampled: z.boolean(),
  items: z.array(BatchItem),
});
export type Batch = z.infer<typeof Batch>;

export const SendResult = z.discriminatedUnion('accepted', [
  z.object({ accepted: z.literal(true), id: z.string(), ts: z.number().int() }),
  z.object({ accepted: z.literal(false), reason: RejectReason, retryAfterMs: z.number().int().optional(), message: z.string() }),
]);
export type SendResult = z.infer<typeof SendResult>;

export const YouState = z.object({
  userId: PublicUserId.nullable(),
  name: z.string(),
  role: ChatRole,
  /** False without an identity (no buyer cookie) or when banned. */
  canPost: z.boolean(),
  banned: z.boolean(),
  mutedUntil: z.number().int().nullable(),
  following: z.boolean(),
});
export type YouState = z.infer<typeof YouState>;

export const RoomSnapshot = z.object({
  showId: ShowId,
  seq: z.number().int(),
  online: z.number().int(),
  likes: z.number().int(),
  follows: z.number().int(),
  slowModeSeconds: z.number().int(),
  announcement: Announcement.nullable(),
  pinnedAnswer: PublicAnswer.nullable(),
  /** The latest chat messages (oldest first). */
  recent: z.array(ChatMessage),
  /** Cluster mode: the stream position this snapshot stands at (resume from it after a reconnect). */
  position: StreamPosition.optional(),
});
export type RoomSnapshot = z.infer<typeof RoomSnapshot>;

export const AuditEntry = z.object({
  id: z.number().int(),
  showId: z.string().nullable(),
  actorId: z.string(),
  actorName: z.string(),
  actorRole: ChatRole,
  action: z.string(),
  target: z.string().nullable(),
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  at: z.number().int(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const CannedReply = z.object({ id: CannedId, title: z.string(), text: z.string(), updatedAt: z.number().int() });
export type CannedReply = z.infer<typeof CannedReply>;

export const Suggestion = z.object({
  /** fact: live catalog data (price, stock, …); policy: the shop's shipping / returns / warranty policy. */
  source: z.enum(['faq', 'description', 'canned', 'fact', 'policy']),
  /** Product title or canned reply title; the FAQ question for faq; the policy kind for policy. */
  title: z.string(),
  text: z.string(),
  productId: ProductId.nullable(),
  score: z.number(),
  /** 0…1, comparable across questions; only suggestions at or above the show threshold are sent. */
  confidence: z.number().min(0).max(1).default(0),
  /** The fact or policy kind ('price', 'sale', 'stock', 'variants', 'limit', 'shipping', 'returns', 'warranty'). */
  fact: z.string().nullable().default(null),
  /** Sure enough (and safe) to be sent without a person choosing it. */
  auto: z.boolean().default(false),
});
export type Suggestion = z.infer<typeof Suggestion>;

export const SuggestionRoute = z.enum(['order', 'refund', 'complaint', 'abuse', 'unsafe']);
export type SuggestionRoute = z.infer<typeof SuggestionRoute>;

/** The owner's per-show choice: the room answers a confident, safe question on its own, publicly or to the asker. */
export const AutoReplyMode = z.enum(['off', 'public', 'private']);
export type AutoReplyMode = z.infer<typeof AutoReplyMode>;

export const BanView = z.object({
  id: z.number().int(),
  userId: PublicUserId,
  name: z.string(),
  reason: z.string().nullable(),
  by: z.string(),
  at: z.number().int(),
  devices: z.number().int(),
});
export type BanView = z.infer<typeof BanView>;

export const FilterSettings = z.object({
  words: z.array(z.string().trim().min(1).max(40)).max(2000),
  links: LinkFilterSettings,
});
export type FilterSettings = z.infer<typeof FilterSettings>;

const Reason = z.string().trim().max(200).optional();
const Ok = z.object({ ok: z.literal(true) });
const Empty = z.object({});
const ChatText = z.string().max(1000);

export const realtimeMethods = {
  /** Identify the connection. `token`: staff login bearer token or the studio token (optional). */
  hello: {
    caller: 'any',
    req: z.object({
      deviceId: DeviceId,
      nickname: Nickname.optional(),
      token: z.string().min(16).max(256).optional(),
      /** Resume after this stream position (cluster mode; ignored on one node): the missed batches follow the reply. */
      since: StreamPosition.optional(),
    }),
    res: z.object({ you: YouState, room: RoomSnapshot }),
  },
  'chat.send': { caller: 'viewer', req: z.object({ text: ChatText }), res: SendResult },
  like: { caller: 'viewer', req: z.object({ count: z.number().int().min(1).max(50) }), res: z.object({ total: z.number().int() }) },
  follow: { caller: 'viewer', req: Empty, res: z.object({ following: z.literal(true), total: z.number().int() }) },
  'question.ask': { caller: 'viewer', req: z.object({ text: ChatText, productId: ProductId.optional() }), res: SendResult },

  // Staff (moderator/owner) ---------------------------------------------------------------------------------
  /** Queue: unanswered first (longest waiting first), then claimed, then answered (newest first). */
  'question.list': {
    caller: 'staff',
    req: z.object({ status: z.enum(['open', 'all']).default('open'), limit: z.number().int().min(1).max(500).default(200) }),
    res: z.object({ questions: z.array(QuestionView) }),
  },
  /** Exclusive: a question claimed by another moderator → CONFLICT. */
  'question.claim': { caller: 'staff', req: z.object({ questionId: QuestionId }), res: z.object({ question: QuestionView }) },
  'question.release': { caller: 'staff', req: z.object({ questionId: QuestionId }), res: z.object({ question: QuestionView }) },
  /** public → `answer` batch item to the room (pinned); private → `answer.private` to the asker's sockets only. */
  'question.answer': {
    caller: 'staff',
    req: z.object({ questionId: QuestionId, text: z.string().trim().min(1).max(1000), visibility: AnswerVisibility }),
    res: z.object({ question: QuestionView }),
  },
  /**
   * Take back an automatic answer: the question returns to the queue and the answer leaves every page (pinned or
   * private). Only automatic answers can be retracted (BAD_STATE otherwise). Answering an automatically answered
   * question with `question.answer` corrects it (replaces the answer). Both are audited.
   */
  'question.retract': { caller: 'staff', req: z.object({ questionId: QuestionId }), res: z.object({ question: QuestionView }) },
  /** The show's automatic-reply setting (off unless the owner turned it on). */
  'autoReply.get': { caller: 'staff', req: Empty, res: z.object({ mode: AutoReplyMode }) },
  'autoReply.set': { caller: 'owner', req: z.object({ mode: AutoReplyMode }), res: z.object({ mode: AutoReplyMode }) },
  /** Top 3 answers (product data, FAQ, shop policy, canned replies) with a confidence; see server/src/answers. */
  'question.suggest': {
    caller: 'staff',
    req: z.object({ questionId: QuestionId }),
    res: z.object({
      suggestions: z.array(Suggestion),
      /** Set when the question must go to a person (complaint, refund, an existing order, abuse, unsafe text). */
      route: SuggestionRoute.nullable().default(null),
    }),
  },
  'canned.list': { caller: 'staff', req: Empty, res: z.object({ replies: z.array(CannedReply) }) },
  'canned.create': {
    caller: 'staff',
    req: z.object({ title: z.string().trim().min(1).max(60), text: z.string().trim().min(1).max(1000) }),
    res: z.object({ reply: CannedReply }),
  },
  'canned.update': {
    caller: 'staff',
    req: z.object({ id: CannedId, title: z.string().trim().min(1).max(60), text: z.string().trim().min(1).max(1000) }),
    res: z.object({ reply: CannedReply }),
  },
  'canned.delete': { caller: 'staff', req: z.object({ id: CannedId }), res: Ok },
  'mod.delete': { caller: 'staff', req: z.object({ messageId: MessageId, reason: Reason }), res: Ok },
  /** Timed mute in this show; seconds 0 lifts it. */
  'mod.mute': {
    caller: 'staff',
    req: z.object({
      userId: PublicUserId,
      seconds: z
        .number()
        .int()
        .min(0)
        .max(7 * 24 * 3600),
      reason: Reason,
    }),
    res: z.object({ mutedUntil: z.number().int().nullable() }),
  },
  /** Ban (all shows): removes the user's messages from the room, blocks the identity and its device ids. */
  'mod.ban': { caller: 'staff', req: z.object({ userId: PublicUserId, reason: Reason }), res: z.object({ removed: z.number().int() }) },
  'mod.unban': { caller: 'staff', req: z.object({ userId: PublicUserId, reason: Reason }), res: Ok },
  'mod.bans': { caller: 'staff', req: Empty, res: z.object({ bans: z.array(BanView) }) },
  'mod.slowMode': {
    caller: 'staff',
    req: z.object({ seconds: z.number().int().min(0).max(300) }),
    res: z.object({ seconds: z.number().int() }),
  },
  'mod.announce': {
    caller: 'staff',
    req: z.object({ text: z.string().trim().min(1).max(200).nullable() }),
    res: z.object({ announcement: Announcement.nullable() }),
  },
  'filter.get': { caller: 'staff', req: Empty, res: FilterSettings },
  'filter.set': { caller: 'staff', req: FilterSettings, res: FilterSettings },
  'audit.list': {
    caller: 'staff',
    req: z.object({
      limit: z.number().int().min(1).max(500).default(100),
      beforeId: z.number().int().optional(),
      /** Only this show's entries (and global ones such as bans) when true. */
      thisShow: z.boolean().default(false),
    }),
    res: z.object({ entries: z.array(AuditEntry) }),
  },
  // Engagement: giveaways, lotteries, red packets, coupons (shared/protocol/engagement.ts) ---------------------
  ...engagementMethods,
} as const satisfies MethodMap;
export type RealtimeMethods = typeof realtimeMethods;

/** One of the buyer's own orders changed status (sent only to that guest's sockets). */
export const OrderStatusUpdate = z.object({ orderId: OrderId, status: OrderStatus, at: Millis });
export type OrderStatusUpdate = z.infer<typeof OrderStatusUpdate>;

export const realtimeNotifications = {
  batch: Batch,
  /** A private answer: sent only to the asker's sockets. */
  'answer.private': PublicAnswer,
  /** The connection's own state changed (muted, banned, role). */
  you: YouState,
  /** Engagement state for this socket: after every hello and on `engage.state` (shared/protocol/engagement.ts). */
  'engage.sync': EngageSync,
  /** The buyer's own order changed status: sent by the server to every socket of the order's guest identity. */
  'order.status': OrderStatusUpdate,
} as const;
export type RealtimeNotifications = typeof realtimeNotifications;

/** `ws(s)://host/ws/realtime?showId=…` from the page's http(s) origin, e.g. "https://shop.example". */
export function realtimeUrl(origin: string, showId: string): string {
  const base = origin.replace(/\/+$/, '').replace(/^http(s?):/i, 'ws$1:');
  return `${base}${REALTIME_PATH}?showId=${encodeURIComponent(showId)}`;
}
