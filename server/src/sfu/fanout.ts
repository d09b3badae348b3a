/**
 * One show's Routers: the origin Router (the studio's transports, the overlay fold) and fan-out Routers on other
 * workers that its audience spills over to. A viewer takes a seat on the least-loaded router under the per-router cap
 * (`SFU_VIEWERS_PER_ROUTER`); when every router is full a fan-out router opens on the least-loaded worker, preferring
 * workers that host none of the show's routers yet. The studio's producers (video with every simulcast layer, audio)
 * and the overlay DataProducer are piped to a fan-out router on demand (`prepare()`, before a viewer consumes), so its
 * viewers consume local copies and the studio's stream crosses to each worker once. A fan-out router left without
 * viewers closes after a grace period; one whose worker died is reported to the room, which sends only its viewers off
 * to rejoin.
 */
import type { types } from 'mediasoup';
import { RpcError } from '../../../shared/protocol/rpc';
import type { Logger } from '../log';
import type { TransportBudget } from './capacity';
import type { PeerRoom } from './peer';
import type { WorkerPool } from './worker-pool';

/** Default viewers per Router: bench:fanout measured ~290–350 viewers per core on one worker; headroom for pipes. */
export const DEFAULT_VIEWERS_PER_ROUTER = 250;
/** An empty fan-out router waits this long for a viewer before it closes (joins come in waves during a show). */
export const FANOUT_IDLE_MS = 30_000;

/** What the seats need from the show's room: what a Peer needs, less the router it works on. */
export type ShowMedia = Omit<PeerRoom, 'router' | 'webRtcServer' | 'prepare'>;

/** Anything with a viewer count that may be closed: what placement chooses between. */
export interface Placeable {
  readonly viewers: number;
  readonly closed: boolean;
}

/** The least-loaded open router under the cap (earlier wins a tie: the origin first), or null: open another one. */
export function pickRouter<T extends Placeable>(routers: readonly T[], cap: number): T | null {
  let best: T | null = null;
  for (const r of routers) {
    if (r.closed || r.viewers >= cap) continue;
    if (!best || r.viewers < best.viewers) best = r;
  }
  return best;
}

/**
 * One Router of a show as its viewers see it (a Peer's `room`): where their transports live and which producers
 * they consume there — the studio's own on the origin, the piped copies on a fan-out router.
 */
export class RouterSeat implements PeerRoom, Placeable {
  viewers = 0;
  private _router: types.Router | null = null;
  private _webRtcServer: types.WebRtcServer | null = null;
  private _worker: types.Worker | null = null;
  private _closed = false;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Origin producer id → its piped copy on this router (in flight or made). */
  private readonly pipes = new Map<string, Promise<types.Producer>>();
  private readonly dataPipes = new Map<string, Promise<types.DataProducer>>();
  private readonly piped = new Map<string, types.Producer>();
  private readonly pipedData = new Map<string, types.DataProducer>();
  /** Settles once the router exists (at once for the origin). */
  readonly opened: Promise<void>;

  constructor(
    readonly origin: boolean,
    private readonly show: ShowMedia,
    /** The origin router (for the origin seat: its own router). */
    private readonly originRouter: types.Router,
    private readonly originWorker: types.Worker,
    router: Promise<{ router: types.Router; webRtcServer: types.WebRtcServer; worker: types.Worker }>,
    private readonly log: Logger,
  ) {
    this.opened = router.then(({ router, webRtcServer, worker }) => {
      this._router = router;
      this._webRtcServer = webRtcServer;
      this._worker = worker;
      if (this._closed) router.close();
    });
    this.opened.catch(() => {
      this._closed = true;
    });
  }

  get showId(): string {
    return this.show.showId;
  }
  get transportBudget(): TransportBudget {
    return this.show.transportBudget;
  }
  get isLive(): boolean {
    return this.show.isLive;
  }
  get closed(): boolean {
    return this._closed || (this._router?.closed ?? false);
  }
  get router(): types.Router {
    if (!this._router) throw new RpcError('BAD_STATE', 'this viewer’s media router is still opening');
    return this._router;
  }
  get webRtcServer(): types.WebRtcServer {
    if (!this._webRtcServer) throw new RpcError('BAD_STATE', 'this viewer’s media router is still opening');
    return this._webRtcServer;
  }
  /** The worker of this router (null while it opens). */
  get worker(): types.Worker | null {
    return this._worker;
  }

  mediaProducers(): Iterable<types.Producer> {
    return this.origin ? this.show.mediaProducers() : [...this.piped.values()].filter((p) => !p.closed);
  }

  overlayProducer(): types.DataProducer | null {
    if (this.origin) return this.show.overlayProducer();
    for (const dp of this.pipedData.values()) if (!dp.closed) return dp;
    return null;
  }

  /** A piped copy on a router of the origin's worker has an id of its own: its cap is its origin producer's. */
  layerCap(producerId: string): number | null {
    for (const [originId, copy] of this.piped) if (copy.id === producerId) return this.show.layerCap(originId);
    return this.show.layerCap(producerId);
  }
  setLayerCap(producerId: string, spatialLayer: number | null): Promise<void> {
    return this.show.setLayerCap(producerId, spatialLayer);
  }
  onNewProducer(): void {
    this.show.onNewProducer();
  }
  onOverlayProducer(dp: types.DataProducer): void {
    this.show.onOverlayProducer(dp);
  }

  /**
   * Pipe every producer of the studio that is not on this router yet (concurrently; a pipe in flight is awaited, not
   * repeated). The origin has nothing to pipe.
   */
  async prepare(): Promise<void> {
    if (this.closed) throw new RpcError('BAD_STATE', 'this viewer’s media router closed; join the show again');
    if (this.origin) return;
    const router = this.router;
    // Two routers on one worker cannot share producer ids (mediasoup refuses keepId there). RTX + NACK on the pipe
    // (every call asks, as the transport pair is shared): a packet lost between the workers would otherwise be lost
    // for every viewer of this router at once.
    const keepId = this._worker !== this.originWorker;
    const waits: { pipe: Promise<unknown>; source: { closed: boolean } }[] = [];
    for (const producer of this.show.mediaProducers()) {
      if (producer.closed) continue;
      let pipe = this.pipes.get(producer.id);
      if (!pipe) {
        pipe = this.originRouter.pipeToRouter({ producerId: producer.id, router, keepId, enableRtx: true }).then(({ pipeProducer }) => {
          if (!pipeProducer) throw new Error('pipeToRouter returned no producer');
          this.piped.set(producer.id, pipeProducer);
          pipeProducer.observer.once('close', () => {
            this.piped.delete(producer.id);
            this.pipes.delete(producer.id);
          });
          return pipeProducer;
        });
        this.pipes.set(producer.id, pipe);
        this.forgetOnFailure(this.pipes, producer.id, pipe);
      }
      waits.push({ pipe, source: producer });
    }
    const dp = this.show.overlayProducer();
    if (dp && !dp.closed) {
      let pipe = this.dataPipes.get(dp.id);
      if (!pipe) {
        pipe = this.originRouter.pipeToRouter({ dataProducerId: dp.id, router, keepId, enableRtx: true }).then(({ pipeDataProducer }) => {
          if (!pipeDataProducer) throw new Error('pipeToRouter returned no data producer');
          this.pipedData.set(dp.id, pipeDataProducer);
          pipeDataProducer.observer.once('close', () => {
            this.pipedData.delete(dp.id);
            this.dataPipes.delete(dp.id);
          });
          return pipeDataProducer;
        });
        this.dataPipes.set(dp.id, pipe);
        this.forgetOnFailure(this.dataPipes, dp.id, pipe);
      }
      waits.push({ pipe, source: dp });
    }
    const results = await Promise.allSettled(waits.map((w) => w.pipe));
    // A producer that closed meanwhile simply is not consumed (its viewers get `consumer.closed` anyway).
    const failed = results.find((r, i) => r.status === 'rejected' && !waits[i]!.source.closed);
    if (failed && failed.status === 'rejected') {
      if (this.closed) throw new RpcError('BAD_STATE', 'this viewer’s media router closed; join the show again');
      this.log.warn({ err: failed.reason, routerId: router.id }, 'cannot pipe the show to a fan-out router');
      throw new RpcError('UNAVAILABLE', 'the show’s media cannot reach this viewer’s media server right now; try again');
    }
  }

  /** A failed pipe is tried again by the next viewer (a producer that closed meanwhile simply drops out). */
  private forgetOnFailure<T>(map: Map<string, Promise<T>>, id: string, pipe: Promise<T>): void {
    pipe.catch(() => {
      if (map.get(id) === pipe) map.delete(id);
    });
  }

  take(): void {
    this.viewers++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** One viewer left; an empty fan-out router closes after `idleMs` unless a viewer comes. */
  release(idleMs: number): void {
    this.viewers = Math.max(0, this.viewers - 1);
    if (this.origin || this.viewers > 0 || this._closed || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.viewers === 0) {
        this.log.info({ routerId: this._router?.id }, 'empty fan-out router closed');
        this.close();
      }
    }, idleMs);
    this.idleTimer.unref?.();
  }

  close(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this._closed = true;
    if (!this.origin && this._router && !this._router.closed) this._router.close();
  }
}

export interface ShowRoutersOptions {
  pool: WorkerPool;
  viewersPerRouter: number;
  fanoutIdleMs: number;
  log: Logger;
  /** A fan-out router's worker died: its viewers must go (they rejoin and land elsewhere). */
  onSeatLost(seat: RouterSeat): void;
}

/** The seats (routers) of one show: the origin first, then fan-out routers in the order they opened. */
export class ShowRouters {
  private readonly seats: RouterSeat[];
  private closed = false;

  constructor(
    private readonly show: ShowMedia,
    readonly originRouter: types.Router,
    originWebRtcServer: types.WebRtcServer,
    private readonly originWorker: types.Worker,
    private readonly opts: ShowRoutersOptions,
  ) {
    const origin = new RouterSeat(
      true,
      show,
      originRouter,
      originWorker,
      Promise.resolve({ router: originRouter, webRtcServer: originWebRtcServer, worker: originWorker }),
      opts.log,
    );
    this.seats = [origin];
  }

  /** Open routers (for tests, diagnostics and the bench). */
  get routers(): readonly RouterSeat[] {
    return this.seats.filter((s) => !s.closed);
  }

  /** Reserve a place for one viewer (synchronously, so concurrent joins cannot overshoot a cap), then wait for it. */
  async seat(): Promise<RouterSeat> {
    if (this.closed) throw new RpcError('BAD_STATE', `show ${this.show.showId} is no longer open`);
    this.seats.splice(0, this.seats.length, ...this.seats.filter((s) => !s.closed));
    const seat = pickRouter(this.seats, this.opts.viewersPerRouter) ?? this.openFanout();
    seat.take();
    try {
      await seat.opened;
    } catch (err) {
      seat.release(this.opts.fanoutIdleMs);
      this.opts.log.warn({ err }, 'cannot open a fan-out router');
      throw new RpcError('UNAVAILABLE', 'no media server can take this viewer right now; try again');
    }
    if (seat.closed) {
      seat.release(this.opts.fanoutIdleMs);
      throw new RpcError('BAD_STATE', `show ${this.show.showId} is no longer open`);
    }
    return seat;
  }

  release(seat: RouterSeat): void {
    seat.release(this.opts.fanoutIdleMs);
  }

  private openFanout(): RouterSeat {
    const busy = new Set<types.Worker>([this.originWorker]);
    for (const s of this.seats) if (s.worker) busy.add(s.worker);
    const made = this.opts.pool.createRouter({ showId: this.show.showId, fanout: true }, busy).then((r) => {
      r.router.on('workerclose', () => {
        if (this.closed) return;
        this.opts.log.warn({ routerId: r.router.id }, 'fan-out router’s worker closed; its viewers rejoin elsewhere');
        seat.close();
        this.opts.onSeatLost(seat);
      });
      this.opts.log.info({ routerId: r.router.id, routers: this.seats.length }, 'fan-out router opened');
      return r;
    });
    const seat = new RouterSeat(false, this.show, this.originRouter, this.originWorker, made, this.opts.log);
    this.seats.push(seat);
    return seat;
  }

  /** Close every fan-out router (the room closes the origin). */
  close(): void {
    this.closed = true;
    for (const s of this.seats) s.close();
  }
}
