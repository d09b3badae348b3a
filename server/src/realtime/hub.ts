/**
 * The realtime hub: rooms by show and the parts that act on them. Handlers (handlers.ts) validate input and roles;
 * the parts own state and persistence, each in its own module:
 *   identities.ts  who is who, bans, mutes, `you`        filters.ts     blocked words and links
 *   chat.ts        chat, likes, follows                  questions.ts   questions, answers, automatic replies, canned
 *   moderation.ts  staff actions and the audit log       room.ts        a show's batch, coalescing, slow clients
 *   commerce-events.ts  stock, flash sales, "just bought", order status (the pages' one app-event plane)
 * Every state change by staff is written to the audit log.
 */
import type { Notice, PublicAnswer, RoomSnapshot, YouState } from '../../../shared/protocol/realtime';
import { Chat } from './chat';
import { CommerceEvents } from './commerce-events';
import type { Connection } from './connection';
import { ContentFilters } from './filters';
import { actorOf, type HubContext, type HubOptions, type HubStats } from './hub-context';
import { Identities } from './identities';
import { Moderation } from './moderation';
import { Questions } from './questions';
import { Room } from './room';

export type { HubObserver, HubOptions } from './hub-context';

export class RealtimeHub {
  readonly rooms = new Map<string, Room>();
  readonly stats: HubStats = {
    batches: 0,
    frames: 0,
    sampledFrames: 0,
    closedSlow: 0,
    chatDelivered: 0,
    chatAccepted: 0,
    chatRejected: 0,
  };
  readonly identities: Identities;
  readonly filters: ContentFilters;
  readonly chat: Chat;
  readonly questions: Questions;
  readonly moderation: Moderation;
  readonly commerce: CommerceEvents;

  constructor(private readonly o: HubOptions) {
    this.identities = new Identities({ store: o.store, log: o.log, idKey: o.idKey, clock: o.clock });
    this.filters = new ContentFilters(o.store);
    const ctx: HubContext = {
      o,
      identities: this.identities,
      filters: this.filters,
      stats: this.stats,
      rooms: this.rooms,
      audit: (conn, action, target, reason, detail) => this.audit(conn, action, target, reason, detail),
    };
    this.chat = new Chat(ctx);
    this.questions = new Questions(ctx);
    this.moderation = new Moderation(ctx);
    this.commerce = new CommerceEvents(ctx);
  }

  room(showId: string): Room {
    let room = this.rooms.get(showId);
    if (room) return room;
    const row = this.o.store.room(showId);
    room = new Room(showId, this.o.config, {
      likes: row.likes,
      slowModeSeconds: row.slow_mode_s,
      announcement:
        row.announcement !== null ? { text: row.announcement, by: row.announcement_by ?? '', at: row.announcement_at ?? 0 } : null,
      pinnedAnswer: row.pinned_answer ? (JSON.parse(row.pinned_answer) as PublicAnswer) : null,
      autoReply: row.auto_reply,
    });
    for (const m of this.o.store.mutes(showId, this.o.clock())) room.mutes.set(`${m.kind === 'user' ? 'u' : 'd'}:${m.value}`, m.until);
    this.rooms.set(showId, room);
    return room;
  }

  join(conn: Connection): void {
    conn.room.members.add(conn);
  }

  leave(conn: Connection): void {
    conn.room.members.delete(conn);
    this.identities.forget(conn);
  }

  isBanned(conn: Connection): boolean {
    return this.identities.isBanned(conn);
  }

  you(conn: Connection): YouState {
    return this.identities.you(conn);
  }

  snapshot(room: Room): RoomSnapshot {
    return {
      showId: room.showId,
      seq: room.seq,
      online: room.online,
      likes: room.likes,
      follows: this.chat.follows,
      slowModeSeconds: room.slowModeSeconds,
      announcement: room.announcement,
      pinnedAnswer: room.pinnedAnswer,
      recent: room.recent(this.o.config.recentMessages),
    };
  }

  audit(conn: Connection, action: string, target: string | null, reason?: string | null, detail?: Record<string, unknown>): void {
    this.o.store.audit({
      showId: conn.room.showId,
      actor: actorOf(conn),
      action,
      target,
      reason: reason ?? null,
      detail: detail ?? null,
      at: this.o.clock(),
    });
  }

  publishNotice(showId: string, notice: Notice): boolean {
    const room = this.rooms.get(showId);
    if (!room) return false;
    room.push({ k: 'notice', notice, ts: this.o.clock() });
    return true;
  }

  /** Flush every room; drop idle rooms (their state is persisted). */
  flushAll(): void {
    const now = this.o.clock();
    for (const [showId, room] of this.rooms) {
      if (room.likesDirty) {
        room.likesDirty = false;
        this.o.store.setLikes(showId, room.likes);
      }
      room.flush(now, this.stats);
      if (room.idle) this.rooms.delete(showId);
    }
  }

  /** Periodic housekeeping (1 s): prune per-user limit state. */
  sweep(): void {
    const now = this.o.clock();
    for (const room of this.rooms.values()) room.pruneLimits(now);
  }
}
