/**
 * A show's realtime room: members, per-user limits, the pending batch and its flush.
 *
 * Flush (every REALTIME_BATCH_MS for every room with something to say):
 *  - chat beyond `chatPerBatch` per window covered (a late flush covers more, up to four) is cut to the newest messages
 *    (`dropped` counts the rest); likes in the window become one
 *    `likes {total, delta}` item; presence is pushed when it changed (at most every `presenceEveryMs`); state items
 *    pushed with `pushLatest` (commerce stock per SKU) keep only their newest value per key in each window;
 *  - the batch goes to the members as fanout.ts writes it (serialized once, slow sockets sampled or closed).
 */
import type { Announcement, AutoReplyMode, BatchItem, ChatMessage, PublicAnswer, StreamPosition } from '../../../shared/protocol/realtime';
import { SpamGuard, TokenBucket } from '../../../shared/realtime/flood-guard';
import type { RealtimeConfig } from './config';
import type { Connection } from './connection';
import { checkMember, type DeliveryStats, encodeBatch, writeBatch } from './fanout';
import type { Delivery, StreamEntry } from './stream';

export interface UserLimits {
  chat: TokenBucket;
  question: TokenBucket;
  lastSentAt?: number;
}

export type { DeliveryStats } from './fanout';

interface HistoryEntry {
  key: string;
  msg: ChatMessage;
}

export class Room {
  readonly members = new Set<Connection>();
  seq = 0;
  likes: number;
  slowModeSeconds: number;
  announcement: Announcement | null;
  pinnedAnswer: PublicAnswer | null;
  /** The owner's automatic replies for this show (persisted in realtime_rooms.auto_reply). */
  autoReply: AutoReplyMode;
  /** `u:<key>` / `d:<deviceId>` → muted until (ms). */
  readonly mutes = new Map<string, number>();
  readonly spam: SpamGuard;
  private readonly limits = new Map<string, UserLimits>();
  private items: BatchItem[] = [];
  private staffItems: BatchItem[] = [];
  /** Items that replace each other by key within a window (the latest stock of each SKU). */
  private latest = new Map<string, BatchItem>();
  private pendingChat = 0;
  private likeDelta = 0;
  likesDirty = false;
  private lastPresence = -1;
  private lastPresenceAt = 0;
  /** When the hub last flushed this room (null: never): a late flush covers more than one window. */
  private lastFlushAt: number | null = null;
  /** Recent accepted messages (oldest first), bounded by historyMessages. */
  private history: HistoryEntry[] = [];
  /**
   * Cluster mode: each window's items go to the show's stream instead of the members; they come back, from every
   * node, through `deliver` (stream.ts). Null on one node.
   */
  sink: ((entry: StreamEntry) => void) | null = null;
  /** Cluster mode: the stream position of the last entry delivered here. */
  position: StreamPosition | null = null;
  /** Cluster mode: identity keys of the pending chat items, and mutes changed in this window. */
  private pendingKeys = new Map<string, string>();
  private pendingMutes: [string, number | null][] = [];

  constructor(
    readonly showId: string,
    private readonly config: RealtimeConfig,
    init: {
      likes: number;
      slowModeSeconds: number;
      announcement: Announcement | null;
      pinnedAnswer: PublicAnswer | null;
      autoReply: AutoReplyMode;
    },
  ) {
    this.autoReply = init.autoReply;
    this.likes = init.likes;
    this.slowModeSeconds = init.slowModeSeconds;
    this.announcement = init.announcement;
    this.pinnedAnswer = init.pinnedAnswer;
    this.spam = new SpamGuard({
      duplicateWindowMs: config.duplicateWindowMs,
      floodWindowMs: config.floodWindowMs,
      floodUsers: config.floodUsers,
    });
  }

  /**
   * A socket was just given the snapshot's count: the next presence goes out even when the count is back to the one
   * last sent, or that socket keeps the count it joined with (in cluster mode other nodes' sockets change it any time).
   */
  presenceSnapshot(): void {
    this.lastPresence = -1;
  }

  /** Cluster mode: the show's realtime sockets on the other nodes (their registry records, every heartbeat). */
  remoteOnline = 0;

  /** This node's sockets of the show. */
  get localOnline(): number {
    let n = 0;
    for (const m of this.members) if (!m.closing) n++;
    return n;
  }

  /** The show's online count: this node's sockets, plus the other nodes' in cluster mode. */
  get online(): number {
    return this.localOnline + this.remoteOnline;
  }

  limitsFor(key: string, now: number): UserLimits {
    let l = this.limits.get(key);
    if (!l) {
      l = {
        chat: new TokenBucket(this.config.chatRatePerSec, this.config.chatBurst, now),
        question: new TokenBucket(this.config.questionRatePerSec, this.config.questionBurst, now),
      };
      this.limits.set(key, l);
    }
    return l;
  }

  /** Drop per-user limit state that no longer restricts anything. */
  pruneLimits(now: number): void {
    const slowMs = this.slowModeSeconds * 1000;
    for (const [k, l] of this.limits) {
      if (l.chat.idle(now) && l.question.idle(now) && (l.lastSentAt === undefined || now - l.lastSentAt >= slowMs)) this.limits.delete(k);
    }
    for (const [k, until] of this.mutes) if (until <= now) this.mutes.delete(k);
  }

  addChat(key: string, msg: ChatMessage): void {
    this.items.push({ k: 'chat', m: msg });
    this.pendingChat++;
    if (this.sink) this.pendingKeys.set(msg.id, key);
    else this.remember(key, msg);
  }

  /** Mute (`until`) or unmute (null) `u:<key>` / `d:<deviceId>` here, and on every node in cluster mode. */
  setMute(k: string, until: number | null): void {
    if (until) this.mutes.set(k, until);
    else this.mutes.delete(k);
    if (this.sink) this.pendingMutes.push([k, until]);
  }

  private remember(key: string, msg: ChatMessage): void {
    if (this.config.historyMessages > 0) {
      this.history.push({ key, msg });
      if (this.history.length > this.config.historyMessages * 1.25) this.history = this.history.slice(-this.config.historyMessages);
    }
  }

  push(item: BatchItem): void {
    this.items.push(item);
  }

  pushStaff(item: BatchItem): void {
    this.staffItems.push(item);
  }

  /** Keep only the newest item per key until the next flush (it goes out after this window's other items). */
  pushLatest(key: string, item: BatchItem): void {
    this.latest.delete(key);
    this.latest.set(key, item);
  }

  /** Push after every pending `pushLatest` value, so it cannot overtake the state that preceded it. */
  pushAfterLatest(item: BatchItem): void {
    this.settleLatest();
    this.items.push(item);
  }

  private settleLatest(): void {
    if (!this.latest.size) return;
    for (const it of this.latest.values()) this.items.push(it);
    this.latest.clear();
  }

  addLikes(n: number): number {
    this.likes += n;
    this.likeDelta += n;
    this.likesDirty = true;
    return this.likes;
  }

  recent(n: number): ChatMessage[] {
    const h = this.history.length > this.config.historyMessages ? this.history.slice(-this.config.historyMessages) : this.history;
    return h.slice(-n).map((e) => e.msg);
  }

  /** Remove one message from history; returns whether it was known. */
  removeMessage(id: string): boolean {
    const i = this.history.findIndex((e) => e.msg.id === id);
    if (i < 0) return false;
    this.history.splice(i, 1);
    this.dropPending((m) => m.id === id);
    return true;
  }

  /** Remove every remembered message of an identity; returns their ids. */
  removeMessagesOf(key: string): string[] {
    const ids: string[] = [];
    this.history = this.history.filter((e) => {
      if (e.key !== key) return true;
      ids.push(e.msg.id);
      return false;
    });
    const idSet = new Set(ids);
    this.dropPending((m) => idSet.has(m.id));
    return ids;
  }

  /** Pending (not yet flushed) chat items matching `pred` are removed from the batch too. */
  private dropPending(pred: (m: ChatMessage) => boolean): void {
    const before = this.items.length;
    this.items = this.items.filter((it) => it.k !== 'chat' || !pred(it.m));
    this.pendingChat -= before - this.items.length;
  }

  get idle(): boolean {
    return (
      this.members.size === 0 &&
      !this.items.length &&
      !this.staffItems.length &&
      !this.latest.size &&
      !this.likeDelta &&
      !this.pendingMutes.length
    );
  }

  /** Build and send this window's batch (cluster mode: write it to the stream). Returns false when there was nothing. */
  flush(now: number, stats: DeliveryStats): boolean {
    // The chat cap is per window: a flush that comes late (the event loop stalled) covers more than one and keeps
    // that much more chat, up to four windows' worth, so a busy node does not shed chat a punctual one would deliver.
    const windows = this.lastFlushAt === null ? 1 : Math.min(4, Math.max(1, (now - this.lastFlushAt) / this.config.batchMs));
    this.lastFlushAt = now;
    const online = this.online;
    const presenceDue = online !== this.lastPresence && now - this.lastPresenceAt >= this.config.presenceEveryMs;
    this.settleLatest();
    if (!this.items.length && !this.staffItems.length && !this.likeDelta && !presenceDue && !this.pendingMutes.length) {
      this.checkBuffers(now, stats);
      return false;
    }
    const raw = this.items;
    const staffOnly = this.staffItems;
    const chatTotal = this.pendingChat;
    this.items = [];
    this.staffItems = [];
    this.pendingChat = 0;

    // Keep the newest `chatPerBatch` chat messages per window covered, everything else in arrival order.
    const dropChat = Math.max(0, chatTotal - Math.floor(this.config.chatPerBatch * windows));
    const full: BatchItem[] = [];
    let skip = dropChat;
    for (const it of raw) {
      if (it.k === 'chat' && skip > 0) skip--;
      else full.push(it);
    }
    const presence: BatchItem[] = [];
    if (presenceDue) {
      presence.push({ k: 'presence', online });
      this.lastPresence = online;
      this.lastPresenceAt = now;
    }
    if (this.sink) {
      const keys = full.flatMap((it) => (it.k === 'chat' ? [this.pendingKeys.get(it.m.id) ?? ''] : []));
      const likes = this.likeDelta;
      this.likeDelta = 0;
      this.pendingKeys.clear();
      const mutes = this.pendingMutes.splice(0);
      if (full.length || staffOnly.length || likes || mutes.length || dropChat) {
        this.sink({ items: full, staff: staffOnly, chat: chatTotal - dropChat, dropped: dropChat, likes, keys, mutes });
      }
      // Presence goes outside the stream: each node tells its sockets the total it knows (its own + the registry's).
      if (presence.length) this.send(presence, [], 0, 0, now, stats, null);
      return true;
    }
    if (this.likeDelta) {
      full.push({ k: 'likes', total: this.likes, delta: this.likeDelta });
      this.likeDelta = 0;
    }
    full.push(...presence);
    this.send(full, staffOnly, chatTotal - dropChat, dropChat, now, stats, null);
    return true;
  }

  /** Cluster mode: one stream entry (from any node, in offset order) to this node's members. */
  deliver(d: Delivery, now: number, stats: DeliveryStats): void {
    const { entry } = d;
    this.apply(d);
    const items = entry.likes ? [...entry.items, { k: 'likes', total: d.likesTotal, delta: entry.likes } as BatchItem] : entry.items;
    this.send(items, entry.staff, entry.chat, entry.dropped, now, stats, { epoch: d.epoch, offset: d.offset });
  }

  /** One entry, encoded for one socket (a resuming client's missed batches). */
  encodeFor(d: Delivery, staff: boolean): Buffer {
    const { entry } = d;
    const items = entry.likes ? [...entry.items, { k: 'likes', total: d.likesTotal, delta: entry.likes } as BatchItem] : entry.items;
    return encodeBatch(d.offset, staff ? [...items, ...entry.staff] : items, false, entry.chat, entry.dropped, {
      epoch: d.epoch,
      offset: d.offset,
    });
  }

  /** The room state an entry changes (history, slow mode, announcement, pinned answer, likes, mutes). */
  private apply(d: Delivery): void {
    const { entry } = d;
    this.position = { epoch: d.epoch, offset: d.offset };
    this.likes = d.likesTotal;
    let chat = 0;
    for (const it of entry.items) {
      if (it.k === 'chat') this.remember(entry.keys[chat++] ?? '', it.m);
      else if (it.k === 'delete') {
        const ids = new Set(it.ids);
        this.history = this.history.filter((e) => !ids.has(e.msg.id));
      } else if (it.k === 'slowmode') this.slowModeSeconds = it.seconds;
      else if (it.k === 'announcement') this.announcement = it.announcement;
      else if (it.k === 'answer') this.pinnedAnswer = it.answer;
      else if (it.k === 'retract' && this.pinnedAnswer?.questionId === it.questionId) this.pinnedAnswer = null;
    }
    for (const [k, until] of entry.mutes) {
      if (until) this.mutes.set(k, until);
      else this.mutes.delete(k);
    }
  }

  private send(
    full: BatchItem[],
    staffOnly: BatchItem[],
    chatSent: number,
    dropped: number,
    now: number,
    stats: DeliveryStats,
    pos: StreamPosition | null,
  ): void {
    writeBatch(this.members, this.config, { seq: ++this.seq, full, staffOnly, chatSent, dropped, pos }, now, stats);
  }

  /** Run the slow-client rules without sending (rooms with a quiet window). */
  checkBuffers(now: number, stats: DeliveryStats): void {
    for (const m of this.members) if (m.open) checkMember(m, this.config, m.buffered, now, stats);
  }
}
