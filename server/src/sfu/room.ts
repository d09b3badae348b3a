/**
 * A Room is one non-ended show on the SFU: its origin mediasoup Router (plus fan-out Routers on other workers as the
 * audience grows, sfu/fanout.ts), at most one publishing studio peer, any number of viewer peers over all its routers,
 * and a DirectTransport through which the server itself reads the overlay DataChannel so that late joiners get the
 * currently pinned products.
 */
import { randomBytes } from 'node:crypto';
import type { types } from 'mediasoup';
import type { z } from 'zod';
import type { ShowInfo } from '../../../shared/domain/show';
import { applyOverlay, type OverlayTrigger, type PinnedTrigger, parseOverlay } from '../../../shared/protocol/overlay';
import type { SignalingNotifications } from '../../../shared/protocol/signaling';
import { CLOSE_SERVICE_RESTART } from '../../../shared/protocol/rpc';
import type { Logger } from '../log';
import type { TransportBudget } from './capacity';
import { type RouterSeat, ShowRouters } from './fanout';
import type { Peer, PeerRoom } from './peer';
import type { WorkerPool } from './worker-pool';

/** WebSocket close code sent to a room's peers when its media worker died: reconnect and rejoin. */
export const CLOSE_SFU_RESTART = CLOSE_SERVICE_RESTART;
/** WebSocket close code for a studio session taken over by another session presenting the resume key. */
export const CLOSE_REPLACED = 4001;

export const VIEWER_COUNT_INTERVAL_MS = 250;
const MEDIA_AVAILABLE_COALESCE_MS = 30;
/** SCTP payload protocol id of a WebRTC string message. */
const PPID_STRING = 51;

export type RoomCloseReason = 'ended' | 'worker' | 'idle' | 'shutdown';

export interface RoomHooks {
  /** The publisher has been absent for the grace period (or the room was created without one). */
  onAbandoned(room: Room): void;
  onClosed(room: Room, reason: RoomCloseReason): void;
}

export interface RoomOptions {
  show: ShowInfo;
  pool: WorkerPool;
  /** The server-wide transport caps every peer's transports are counted against. */
  transportBudget: TransportBudget;
  graceMs: number;
  /** Viewers per Router before the show spills over to a fan-out Router (SFU_VIEWERS_PER_ROUTER). */
  viewersPerRouter: number;
  /** How long an empty fan-out Router waits for a viewer before it closes. */
  fanoutIdleMs: number;
  log: Logger;
  hooks: RoomHooks;
  /** Told of every valid overlay trigger read from the studio (the show event log). */
  onOverlay?: (showId: string, trigger: OverlayTrigger) => void;
  /** The show is live and its studio's media is available (published, republished, or the show went live). */
  onMedia?: (room: Room) => void;
  /**
   * An edge room (cluster mode): the show is published on another node and its media arrives over a pipe
   * (`setPiped`). Such a room never ends the show and keeps no show log; it closes when idle or when the origin says.
   */
  remote?: boolean;
  /** The studio capped or uncapped a producer's simulcast layers (caps: producer id → top layer sent). */
  onLayerCaps?: (showId: string, caps: Record<string, number>) => void;
  /** The studio's producers changed (coalesced), and the show's state changed: cluster edges follow them. */
  onMediaChanged?: (room: Room) => void;
  onShowState?: (room: Room) => void;
}

export class Room implements PeerRoom {
  readonly showId: string;
  readonly transportBudget: TransportBudget;
  /** Secret the publishing studio presents to take over / resume the show after a disconnect. */
  readonly resumeKey = randomBytes(24).toString('base64url');
  private _show: ShowInfo;
  private _studio: Peer | null = null;
  private readonly _viewers = new Map<string, Peer>();
  private _overlays: PinnedTrigger[] = [];
  private _closed = false;
  private abandonTimer: ReturnType<typeof setTimeout> | null = null;
  private countTimer: ReturnType<typeof setTimeout> | null = null;
  private lastCountAt = 0;
  private lastCountSent = 0;
  /** Cluster mode: viewers of the show seated on other nodes, as their registry records last said. */
  private remoteViewers = 0;
  /** Viewers watching this node's HLS of the show (hls/audience.ts). */
  private hlsViewers = 0;
  private mediaTimer: ReturnType<typeof setTimeout> | null = null;
  /** Per video producer: the highest simulcast layer the studio still sends (absent: all of them). */
  private readonly caps = new Map<string, number>();
  /** Edge room: the show's producers piped from its origin node. */
  private piped: { producers: Map<string, types.Producer>; data: types.DataProducer | null } | null = null;
  /** The origin router and the fan-out routers; viewers take a seat on one of them. */
  readonly fanout: ShowRouters;

  private constructor(
    /** The origin router: the studio's transports and the overlay fold. */
    readonly router: types.Router,
    /** The WebRtcServer of the router's worker: every WebRTC transport of this room listens through it. */
    readonly webRtcServer: types.WebRtcServer,
    worker: types.Worker,
    private readonly directTransport: types.DirectTransport,
    private readonly opts: RoomOptions,
    readonly log: Logger,
  ) {
    this.showId = opts.show.id;
    this._show = opts.show;
    this.transportBudget = opts.transportBudget;
    this.fanout = new ShowRouters(this, router, webRtcServer, worker, {
      pool: opts.pool,
      viewersPerRouter: opts.viewersPerRouter,
      fanoutIdleMs: opts.fanoutIdleMs,
      log,
      onSeatLost: (seat) => this.onSeatLost(seat),
    });
    // A worker that died is reported by the pool; one closed on shutdown (mediasoup closes its workers itself on
    // SIGINT / SIGTERM, before the rooms) is no fault at all.
    router.on('workerclose', () => {
      log.info('media worker closed under this room; disconnecting its peers so they rejoin');
      this.close('worker');
    });
  }

  static async create(opts: RoomOptions): Promise<Room> {
    const { router, webRtcServer, worker } = await opts.pool.createRouter({ showId: opts.show.id });
    try {
      const direct = await router.createDirectTransport({ maxReceiveMessageSize: 64 * 1024 });
      const room = new Room(router, webRtcServer, worker, direct, opts, opts.log.child({ showId: opts.show.id }));
      room.log.info({ routerId: router.id }, 'room opened');
      room.armAbandonTimer();
      return room;
    } catch (err) {
      router.close();
      throw err;
    }
  }

  get directTransportId(): string {
    return this.directTransport.id;
  }
  get show(): ShowInfo {
    return this._show;
  }
  get isLive(): boolean {
    return this._show.status === 'live';
  }
  get closed(): boolean {
    return this._closed;
  }
  get studio(): Peer | null {
    return this._studio;
  }
  get viewers(): ReadonlyMap<string, Peer> {
    return this._viewers;
  }
  /** Viewers seated in this room (this node's load, and what keeps an idle room open). */
  get viewerCount(): number {
    return this._viewers.size;
  }
  /** This node's viewers of the show: WebRTC seats and HLS (what its registry record says). */
  get localAudience(): number {
    return this._viewers.size + this.hlsViewers;
  }
  /** The show's viewers over every node carrying it, HLS included: what the studio and the viewers are shown. */
  get audience(): number {
    return this.localAudience + this.remoteViewers;
  }
  get overlays(): readonly PinnedTrigger[] {
    return this._overlays;
  }
  /** An edge room: the show's origin is another node. */
  get remote(): boolean {
    return this.opts.remote === true;
  }

  mediaProducers(): Iterable<types.Producer> {
    if (this._studio) return this._studio.producers.values();
    return this.piped?.producers.values() ?? [];
  }

  overlayProducer(): types.DataProducer | null {
    const first = this._studio?.dataProducers.values().next();
    if (first && !first.done) return first.value;
    const dp = this.piped?.data;
    return dp && !dp.closed ? dp : null;
  }

  /**
   * Edge room: the show's media as piped from its origin now (replacing an earlier pipe, whose producers the caller
   * closes), and the origin's pinned overlays. Viewers get `media.available` as for a studio that published.
   */
  setPiped(producers: types.Producer[], data: types.DataProducer | null, overlays: readonly OverlayTrigger[]): void {
    if (this._closed) return;
    const piped = { producers: new Map(producers.map((p) => [p.id, p])), data };
    this.piped = piped;
    for (const p of producers) p.observer.once('close', () => piped.producers.delete(p.id));
    this._overlays = overlays.reduce<PinnedTrigger[]>((acc, t) => applyOverlay(acc, t), []);
    if (data) this.onOverlayProducer(data);
    if (producers.length > 0 || data) this.onNewProducer();
  }

  /** The studio's peer works on the origin router: nothing to pipe. */
  async prepare(): Promise<void> {}

  // ---- publisher ----------------------------------------------------------------------------------------------

  attachStudio(peer: Peer): void {
    this.assertOpen();
    const previous = this._studio;
    this._studio = peer;
    this.clearAbandonTimer();
    if (previous && previous !== peer) {
      // Half-open takeover: the old session is told why, its media closed, its socket closed.
      previous.notify('session.replaced', { reason: 'another studio session resumed this show' });
      previous.close();
      previous.disconnect(CLOSE_REPLACED, 'session replaced');
      this.log.warn({ oldPeer: previous.id, newPeer: peer.id }, 'studio session replaced');
    } else {
      this.notifyViewers('publisher.state', { showId: this.showId, connected: true });
    }
    this.log.info({ peerId: peer.id }, 'publisher attached');
  }

  /** The publisher's socket closed (or it opened another show): close its media and start the grace period. */
  detachStudio(peer: Peer): void {
    peer.close();
    if (this._studio !== peer) return;
    this._studio = null;
    this.caps.clear();
    if (this._closed) return;
    this.notifyViewers('publisher.state', { showId: this.showId, connected: false });
    this.log.info({ peerId: peer.id, graceMs: this.opts.graceMs }, 'publisher detached');
    this.armAbandonTimer();
  }

  layerCap(producerId: string): number | null {
    return this.caps.get(producerId) ?? null;
  }
  /** Every capped producer's top layer sent. */
  get layerCaps(): Record<string, number> {
    return Object.fromEntries(this.caps);
  }

  /**
   * The studio is about to stop sending the layers of `producerId` above `spatialLayer` (null: it sends all again).
   * Every viewer's consumer of it, on any of the show's routers, is moved under the cap before this returns.
   */
  async setLayerCap(producerId: string, spatialLayer: number | null): Promise<void> {
    if (this.layerCap(producerId) === spatialLayer) return;
    if (spatialLayer === null) this.caps.delete(producerId);
    else this.caps.set(producerId, spatialLayer);
    this.log.info({ producerId, spatialLayer }, spatialLayer === null ? 'studio sends every layer again' : 'studio caps its layers');
    await Promise.all([...this._viewers.values()].map((v) => v.applyLayerCaps()));
    if (!this.remote) this.opts.onLayerCaps?.(this.showId, this.layerCaps);
  }

  /** Edge room: the origin's caps, as a whole (a producer missing from them sends every layer). */
  async setLayerCaps(caps: Readonly<Record<string, number>>): Promise<void> {
    const ids = new Set([...this.caps.keys(), ...Object.keys(caps)]);
    await Promise.all([...ids].map((id) => this.setLayerCap(id, caps[id] ?? null)));
  }

  /** Edge room: the show's origin node died (away) or pipes again: its viewers see the studio away, then back. */
  setOriginAway(away: boolean): void {
    if (this._closed) return;
    this.notifyViewers('publisher.state', { showId: this.showId, connected: !away });
  }

  onNewProducer(): void {
    if (this.mediaTimer || this._closed) return;
    this.mediaTimer = setTimeout(() => {
      this.mediaTimer = null;
      if (this._closed) return;
      this.opts.onMediaChanged?.(this);
      if (!this.isLive) return;
      this.notifyViewers('media.available', { showId: this.showId });
      this.opts.onMedia?.(this);
    }, MEDIA_AVAILABLE_COALESCE_MS);
  }

  onOverlayProducer(dp: types.DataProducer): void {
    this.directTransport
      .consumeData({ dataProducerId: dp.id })
      .then((dc) => {
        dc.on('message', (message, ppid) => {
          if (ppid !== PPID_STRING) return;
          const trigger = parseOverlay(message.toString('utf8'));
          if (!trigger) {
            this.log.debug({ bytes: message.length }, 'ignored invalid overlay message');
            return;
          }
          this._overlays = applyOverlay(this._overlays, trigger);
          if (!this.remote) this.opts.onOverlay?.(this.showId, trigger);
          this.log.debug({ type: trigger.type, id: trigger.id, pinned: this._overlays.length }, 'overlay trigger');
        });
      })
      .catch((err) => {
        if (!this._closed && !dp.closed) this.log.error({ err }, 'cannot read the overlay channel');
      });
  }

  // ---- viewers ------------------------------------------------------------------------------------------------

  /** Seat a new viewer on one of the show's routers (sfu/fanout.ts) and count it; `make` builds its peer there. */
  async joinViewer(make: (seat: RouterSeat) => Peer): Promise<Peer> {
    this.assertOpen();
    const seat = await this.fanout.seat();
    if (this._closed) {
      this.fanout.release(seat);
      this.assertOpen();
    }
    const peer = make(seat);
    this._viewers.set(peer.id, peer);
    this.clearAbandonTimerIfWatched();
    this.viewerCountChanged();
    return peer;
  }

  removeViewer(peer: Peer): void {
    peer.close();
    if (!this._viewers.delete(peer.id)) return;
    this.fanout.release(peer.room as RouterSeat);
    if (this._closed) return;
    this.viewerCountChanged();
    if (!this._studio && this._viewers.size === 0) this.armAbandonTimer();
  }

  /** A fan-out router's worker died: only its viewers go, told to reconnect (they rejoin on a live worker). */
  private onSeatLost(seat: RouterSeat): void {
    const lost = [...this._viewers.values()].filter((p) => p.room === seat);
    for (const p of lost) {
      this.removeViewer(p);
      p.disconnect(CLOSE_SFU_RESTART, 'media server restarted, reconnect');
    }
    this.log.warn({ viewers: lost.length }, 'viewers of a dead fan-out worker sent to rejoin');
  }

  /** Cluster mode: the show's viewers on the other nodes changed (read from the node registry). */
  setRemoteViewers(count: number): void {
    if (count === this.remoteViewers || this._closed) return;
    this.remoteViewers = count;
    this.viewerCountChanged();
  }

  /** The show's HLS viewers on this node changed. */
  setHlsViewers(count: number): void {
    if (count === this.hlsViewers || this._closed) return;
    this.hlsViewers = count;
    this.viewerCountChanged();
  }

  private viewerCountChanged(): void {
    if (this.countTimer) return;
    const delay = Math.max(0, this.lastCountAt + VIEWER_COUNT_INTERVAL_MS - Date.now());
    this.countTimer = setTimeout(() => {
      this.countTimer = null;
      const count = this.audience;
      if (count === this.lastCountSent || this._closed) return;
      this.lastCountSent = count;
      this.lastCountAt = Date.now();
      this.notifyAll('viewers.count', { showId: this.showId, count });
    }, delay);
  }

  // ---- show state ---------------------------------------------------------------------------------------------

  /** Adopt a new persisted show state and push it to everyone in the room. */
  setShow(show: ShowInfo): void {
    const wasLive = this.isLive;
    this._show = show;
    this.notifyAll('show.state', { show });
    this.opts.onShowState?.(this);
    if (!wasLive && this.isLive && [...this.mediaProducers()].length > 0) this.onNewProducer();
  }

  private armAbandonTimer(): void {
    if (this._closed || this._studio) return;
    this.clearAbandonTimer();
    this.abandonTimer = setTimeout(() => {
      this.abandonTimer = null;
      if (!this._closed && !this._studio) this.opts.hooks.onAbandoned(this);
    }, this.opts.graceMs);
  }

  private clearAbandonTimer(): void {
    if (this.abandonTimer) clearTimeout(this.abandonTimer);
    this.abandonTimer = null;
  }

  /** A waiting viewer keeps a not-yet-live room open; a live show without publisher still ends after the grace. */
  private clearAbandonTimerIfWatched(): void {
    if (!this.isLive) this.clearAbandonTimer();
  }

  // ---- messaging ----------------------------------------------------------------------------------------------

  notifyViewers<K extends keyof SignalingNotifications & string>(method: K, data: z.input<SignalingNotifications[K]>): void {
    for (const v of this._viewers.values()) v.notify(method, data);
  }

  notifyAll<K extends keyof SignalingNotifications & string>(method: K, data: z.input<SignalingNotifications[K]>): void {
    this._studio?.notify(method, data);
    this.notifyViewers(method, data);
  }

  private assertOpen(): void {
    if (this._closed) throw new Error(`room ${this.showId} is closed`);
  }

  /**
   * Close the room: every peer's transports, then the router (cascade). On a worker death the peers' sockets
   * are closed with CLOSE_SFU_RESTART so their clients reconnect and land in a fresh room.
   */
  close(reason: RoomCloseReason): void {
    if (this._closed) return;
    this._closed = true;
    this.clearAbandonTimer();
    if (this.countTimer) clearTimeout(this.countTimer);
    if (this.mediaTimer) clearTimeout(this.mediaTimer);
    this.countTimer = this.mediaTimer = null;
    // Fan-out routers first: their pipes then close from the producer side while the studio's producers still exist
    // (the other order races the worker closing the pipe consumers itself, which mediasoup logs as errors).
    this.fanout.close();
    const peers = [...this._viewers.values(), ...(this._studio ? [this._studio] : [])];
    for (const p of peers) p.close();
    if (reason === 'worker') for (const p of peers) p.disconnect(CLOSE_SFU_RESTART, 'media server restarted, reconnect');
    if (!this.router.closed) this.router.close();
    this.log.info({ reason, viewers: this._viewers.size }, 'room closed');
    this.opts.hooks.onClosed(this, reason);
  }
}
