/**
 * The realtime hub: rooms by show and the parts that act on them. Handlers (handlers.ts) validate input and roles;
 * the parts own state and persistence, each in its own module:
 *   identities.ts  who is who, bans, mutes, `you`        filters.ts     blocked words and links
 *   chat.ts        chat, likes, follows                  questions.ts   questions, answers, automatic replies, canned
 *   moderation.ts  staff actions and the audit log       room.ts        a show's batch, coalescing, slow clients
 *   commerce-events.ts  stock, flash sales, "just bought", order status (the pages' one app-event plane)
 * Every state change by staff is written to the audit log.
 */
import type { Notice, PublicAnswer, RoomSnapshot, StreamPosition, YouState } from '../../../shared/protocol/realtime';
import { RpcError } from '../../../shared/protocol/rpc';
import { Chat } from './chat';
import { CommerceEvents } from './commerce-events';
import type { Connection } from './connection';
import { ContentFilters } from './filters';
import { actorOf, type HubContext, type HubOptions, type HubStats } from './hub-context';
import { Identities } from './identities';
import { Moderation } from './moderation';
import { Questions } from './questions';
import { Room } from './room';
import type { AuditInput } from './store';
import { type ShowStreams, StreamPositionError, stateFields } from './stream';

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
  /** Cluster mode: the shows' Redis streams (stream.ts); null on one node. */
  private streams: ShowStreams | null = null;
  /** Rooms whose stored state is being read ('retry': the last read failed, the next hello reads again). */
  private readonly loading = new WeakMap<Room, Promise<boolean> | 'retry'>();
  /** Audit entries are written in order; a read of the log waits for the ones before it. */
  private auditTail: Promise<void> = Promise.resolve();
  private readonly likeWrites = new Set<Promise<void>>();

  constructor(private readonly o: HubOptions) {
    this.identities = new Identities({ store: o.store, log: o.log, idKey: o.idKey, clock: o.clock });
    this.filters = new ContentFilters(o.store);
    const ctx: HubContext = {
      o,
      identities: this.identities,
      filters: this.filters,
      stats: this.stats,
      rooms: this.rooms,
      everyRoom: () => {
        for (const showId of this.streams?.open ?? []) {
          if (this.rooms.has(showId)) continue;
          try {
            this.room(showId);
          } catch (err) {
            this.o.log.debug({ err: (err as Error).message, showId }, 'no room here for a show open on another node');
          }
        }
        return this.rooms.values();
      },
      audit: (conn, action, target, reason, detail) => this.audit(conn, action, target, reason, detail),
      auditEntry: (e) => this.auditEntry(e),
      audited: () => this.audited(),
    };
    this.chat = new Chat(ctx);
    this.questions = new Questions(ctx);
    this.moderation = new Moderation(ctx);
    this.commerce = new CommerceEvents(ctx);
  }

  /** Sockets held here per show (shows without any left out): this node's part of each show's online count. */
  socketCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const room of this.rooms.values()) {
      const n = room.localOnline;
      if (n > 0) out[room.showId] = n;
    }
    return out;
  }

  /** Cluster mode: the sockets the other nodes hold per show (a show not named has none elsewhere). */
  setRemoteOnline(counts: ReadonlyMap<string, number>): void {
    for (const room of this.rooms.values()) room.remoteOnline = counts.get(room.showId) ?? 0;
  }

  room(showId: string): Room {
    let room = this.rooms.get(showId);
    if (room) return room;
    // Opens with defaults; the stored state arrives before `settled` lets a hello through.
    room = new Room(showId, this.o.config, { likes: 0, slowModeSeconds: 0, announcement: null, pinnedAnswer: null, autoReply: 'off' });
    this.rooms.set(showId, room);
    const streams = this.streams;
    if (streams) room.sink = (entry) => streams.append(showId, entry, stateFields(entry));
    this.loading.set(room, this.loadRoom(room));
    return room;
  }

  /** The room's stored settings and running mutes; then (cluster mode) its stream, whose state is newer. */
  private async loadRoom(room: Room): Promise<boolean> {
    const { showId } = room;
    try {
      const [row, mutes] = await Promise.all([this.o.store.room(showId), this.o.store.mutes(showId, this.o.clock())]);
      room.likes = row.likes;
      room.slowModeSeconds = row.slow_mode_s;
      room.announcement =
        row.announcement !== null ? { text: row.announcement, by: row.announcement_by ?? '', at: row.announcement_at ?? 0 } : null;
      room.pinnedAnswer = row.pinned_answer ? (JSON.parse(row.pinned_answer) as PublicAnswer) : null;
      room.autoReply = row.auto_reply;
      for (const m of mutes) room.mutes.set(`${m.kind === 'user' ? 'u' : 'd'}:${m.value}`, m.until);
    } catch (err) {
      this.o.log.error({ err, showId }, 'room state not readable');
      return false;
    }
    if (this.streams && this.rooms.get(showId) === room) this.streams.follow(showId);
    return true;
  }

  /** Cluster mode: rooms write to and deliver from the shows' streams. Call before the first room opens. */
  attachStreams(streams: ShowStreams): void {
    this.streams = streams;
  }

  join(conn: Connection): void {
    // Cluster mode: nothing goes out before hello tells where the client resumes.
    if (this.streams) conn.held = [];
    conn.room.members.add(conn);
  }

  /**
   * Cluster mode, at hello: send a resuming client the batches after `since` up to where this node stands, then
   * what was held back since; without `since`, release what was held. A position that is not this show's current
   * stream (another epoch or show, the future, trimmed) is BAD_STATE: the client drops it and says hello without.
   */
  async resume(conn: Connection, since: StreamPosition | undefined, at: StreamPosition | null): Promise<void> {
    if (!conn.held || !this.streams) return;
    if (since) {
      const resync = 'hello again without `since` and start from the snapshot';
      if (!at) {
        if (!this.streams.position(conn.room.showId))
          throw new RpcError('UNAVAILABLE', 'the show stream is not readable right now; try again');
        throw new RpcError('BAD_STATE', `this show has no stream position ${since.epoch}:${since.offset}; ${resync}`);
      }
      if (since.epoch !== at.epoch) {
        throw new RpcError('BAD_STATE', `stream position is from another epoch or show (now ${at.epoch}); ${resync}`);
      }
      if (since.offset > at.offset)
        throw new RpcError('BAD_STATE', `stream position ${since.offset} is ahead of the stream (${at.offset}); ${resync}`);
      // What was held covers offsets up to `at`: the range below sends those.
      conn.held = [];
      let missed: Awaited<ReturnType<ShowStreams['range']>>;
      try {
        missed = await this.streams.range(conn.room.showId, since.offset, at.offset);
      } catch (err) {
        if (err instanceof StreamPositionError) throw new RpcError('BAD_STATE', `${err.message}; ${resync}`);
        throw new RpcError('UNAVAILABLE', 'the show stream is not readable right now; try again');
      }
      for (const d of missed) conn.sendRaw(conn.room.encodeFor(d, conn.staff));
    }
    const held = conn.held ?? [];
    conn.held = null;
    for (const frame of held) conn.sendRaw(frame);
  }

  /** Until the room's stored state is read and (cluster mode) this node read the show's stream (its snapshot then carries the position). */
  async settled(room: Room): Promise<void> {
    let loading = this.loading.get(room);
    if (loading === 'retry') {
      loading = this.loadRoom(room);
      this.loading.set(room, loading);
    }
    if (loading && !(await loading)) {
      // The next hello reads it again.
      if (this.loading.get(room) === loading) this.loading.set(room, 'retry');
      throw new RpcError('UNAVAILABLE', 'the show’s chat state is not readable right now; try again');
    }
    await this.streams?.settled(room.showId);
  }

  /** Cluster mode: an entry of the show's stream, for this node's room. */
  deliver(showId: string, d: Parameters<Room['deliver']>[0]): void {
    const room = this.rooms.get(showId);
    if (!room) return;
    room.deliver(d, this.o.clock(), this.stats);
    for (const [k] of d.entry.mutes) if (k.startsWith('u:')) this.identities.notifyYouHere(k.slice(2));
  }

  /** Cluster mode: the show's stream was read for the first time here (the room takes its position and state). */
  opened(
    showId: string,
    at: { epoch: string | null; offset: number },
    state: { likes: number; slowModeSeconds: number | null; mutes: [string, number][] },
  ): void {
    const room = this.rooms.get(showId);
    if (!room) return;
    room.position = at.epoch ? { epoch: at.epoch, offset: at.offset } : null;
    room.likes = state.likes;
    if (state.slowModeSeconds !== null) room.slowModeSeconds = state.slowModeSeconds;
    for (const [k, until] of state.mutes) room.mutes.set(k, until);
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
    room.presenceSnapshot();
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
      ...(room.position ? { position: { ...room.position } } : {}),
    };
  }

  audit(conn: Connection, action: string, target: string | null, reason?: string | null, detail?: Record<string, unknown>): void {
    const at = this.o.clock();
    this.auditEntry({ showId: conn.room.showId, actor: actorOf(conn), action, target, reason: reason ?? null, detail: detail ?? null, at });
  }

  auditEntry(e: AuditInput): void {
    this.auditTail = this.auditTail
      .then(() => this.o.store.audit(e))
      .catch((err) => this.o.log.error({ err, action: e.action }, 'audit entry not written'));
  }

  /** Resolves when the audit entries made so far are written (or failed, logged). */
  audited(): Promise<void> {
    return this.auditTail;
  }

  /** Resolves when every background write made so far (like totals, audit entries) is done. */
  async drained(): Promise<void> {
    await Promise.all([this.auditTail, ...this.likeWrites]);
  }

  /** Read what the hub keeps in memory from the store (follow total, filters, bans); once, before serving. */
  async load(): Promise<void> {
    await Promise.all([this.chat.load(), this.filters.load(), this.identities.loadBans()]);
  }

  /**
   * The room a show's event goes into: this node's, or in cluster mode one opened for it even without sockets here
   * (scheduled work runs on one node, which need not hold any of the show's sockets): its batch reaches the show's
   * stream and so every node's sockets. Null on one node without sockets of the show: nobody to tell.
   */
  publishRoom(showId: string): Room | null {
    const room = this.rooms.get(showId);
    if (room || !this.streams) return room ?? null;
    try {
      return this.room(showId);
    } catch (err) {
      this.o.log.debug({ err: (err as Error).message, showId }, 'no room for an event of this show');
      return null;
    }
  }

  publishNotice(showId: string, notice: Notice): boolean {
    const room = this.publishRoom(showId);
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
        const write = this.o.store
          .setLikes(showId, room.likes)
          .catch((err) => {
            room.likesDirty = true;
            this.o.log.warn({ err, showId }, 'like total not written; next flush tries again');
          })
          .finally(() => this.likeWrites.delete(write));
        this.likeWrites.add(write);
      }
      room.flush(now, this.stats);
      if (room.idle) {
        this.rooms.delete(showId);
        this.streams?.unfollow(showId);
      }
    }
  }

  /** Periodic housekeeping (1 s): prune per-user limit state. */
  sweep(): void {
    const now = this.o.clock();
    for (const room of this.rooms.values()) room.pruneLimits(now);
  }
}
