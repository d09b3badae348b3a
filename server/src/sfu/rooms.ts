/**
 * The set of open rooms, keyed by show id, and the show lifecycle rules that involve persistence:
 * ending a show (DB + push + router close), ending a live show whose publisher did not come back within the
 * grace period, closing idle not-yet-live rooms, and re-opening rooms for shows a previous process left live.
 */
import type { ShowInfo } from '../../../shared/domain/show';
import type { ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import type { TransportBudget } from './capacity';
import { DEFAULT_VIEWERS_PER_ROUTER, FANOUT_IDLE_MS } from './fanout';
import { Room, type RoomCloseReason, type RoomOptions } from './room';
import type { WorkerPool } from './worker-pool';

export interface RoomManagerOptions {
  pool: WorkerPool;
  shows: ShowRepository;
  transportBudget: TransportBudget;
  graceMs: number;
  /** SFU_VIEWERS_PER_ROUTER (default DEFAULT_VIEWERS_PER_ROUTER). */
  viewersPerRouter?: number;
  /** How long an empty fan-out router stays open (default FANOUT_IDLE_MS). */
  fanoutIdleMs?: number;
  log: Logger;
  onOverlay?: RoomOptions['onOverlay'];
  onMedia?: RoomOptions['onMedia'];
  /** Told after a room closed (the show ended, its worker died, idle, shutdown). */
  onRoomClosed?: (showId: string, reason: RoomCloseReason) => void;
  /** Cluster mode: an origin's rooms tell the show's edges (see RoomOptions). */
  onMediaChanged?: RoomOptions['onMediaChanged'];
  onShowState?: RoomOptions['onShowState'];
  onLayerCaps?: RoomOptions['onLayerCaps'];
}

export class RoomManager {
  private readonly rooms = new Map<string, Room>();
  private readonly opening = new Map<string, Promise<Room>>();
  private closed = false;

  constructor(private readonly opts: RoomManagerOptions) {}

  /** Read-only view (tests, diagnostics). */
  get view(): ReadonlyMap<string, Room> {
    return this.rooms;
  }

  get(showId: string): Room | undefined {
    return this.rooms.get(showId);
  }

  /** The open room of a non-ended show, creating it (once, even for concurrent callers) if needed. */
  async getOrCreate(show: ShowInfo, remote = false): Promise<Room> {
    if (this.closed) throw new Error('server is shutting down');
    const existing = this.rooms.get(show.id);
    if (existing && !existing.closed) return existing;
    let pending = this.opening.get(show.id);
    if (!pending) {
      pending = Room.create({
        show,
        pool: this.opts.pool,
        transportBudget: this.opts.transportBudget,
        graceMs: this.opts.graceMs,
        viewersPerRouter: this.opts.viewersPerRouter ?? DEFAULT_VIEWERS_PER_ROUTER,
        fanoutIdleMs: this.opts.fanoutIdleMs ?? FANOUT_IDLE_MS,
        log: this.opts.log,
        onOverlay: this.opts.onOverlay,
        onMedia: this.opts.onMedia,
        onMediaChanged: this.opts.onMediaChanged,
        onShowState: this.opts.onShowState,
        onLayerCaps: this.opts.onLayerCaps,
        remote,
        hooks: { onAbandoned: (r) => this.onAbandoned(r), onClosed: (r, reason) => this.onClosed(r, reason) },
      })
        .then((room) => {
          if (this.closed) {
            room.close('shutdown');
            throw new Error('server is shutting down');
          }
          this.rooms.set(show.id, room);
          return room;
        })
        .finally(() => this.opening.delete(show.id));
      this.opening.set(show.id, pending);
    }
    return pending;
  }

  /** Persist the end of a show, tell everyone in its room, close the room. Idempotent. */
  end(showId: string, why: string): ShowInfo {
    const show = this.opts.shows.markEnded(showId);
    const room = this.rooms.get(showId);
    if (room && !room.closed) {
      room.setShow(show);
      room.close('ended');
    }
    this.opts.log.info({ showId, why }, 'show ended');
    return show;
  }

  /** Shows a previous process left live get a room again and the usual grace period for their studio to return. */
  async restoreUnfinished(): Promise<void> {
    for (const show of this.opts.shows.unfinished()) {
      if (show.status !== 'live') continue;
      try {
        await this.getOrCreate(show);
        this.opts.log.info({ showId: show.id, graceMs: this.opts.graceMs }, 'live show restored; waiting for its studio');
      } catch (err) {
        this.opts.log.error({ err, showId: show.id }, 'cannot restore live show');
      }
    }
  }

  private onAbandoned(room: Room): void {
    // An edge room never ends the show (its origin does): it only closes once nobody watches through it.
    if (room.remote) {
      if (room.viewerCount === 0) room.close('idle');
    } else if (room.isLive) {
      this.end(room.showId, 'publisher did not return within the grace period');
    } else if (room.viewerCount === 0) {
      room.close('idle');
    }
  }

  private onClosed(room: Room, reason: RoomCloseReason): void {
    if (this.rooms.get(room.showId) === room) this.rooms.delete(room.showId);
    this.opts.onRoomClosed?.(room.showId, reason);
  }

  closeAll(): void {
    this.closed = true;
    for (const room of [...this.rooms.values()]) room.close('shutdown');
    this.rooms.clear();
  }
}
