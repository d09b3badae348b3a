/**
 * Consumer side of a show, outside React. Owns the signaling WebSocket (RpcClient over the shared signaling
 * contract), the mediasoup-client Device / recv transport / consumers, and writes everything it learns to the
 * viewer store. One <video> element plays one MediaStream holding the received audio + video tracks.
 *
 *   connect → viewer.join{recv transport (connected), consumers} → transport.consume ×N → consumer.resume ×N
 *     → first frame → the joined state, overlay DataConsumer (+ show.overlays)
 *
 * The device is loaded from capabilities embedded in the page while the socket connects, and a DTLS certificate is
 * generated meanwhile, so the join can carry the RTP capabilities and the DTLS fingerprint: the server answers with
 * the recv transport already connected and the paused consumers in the same round trip.
 *
 * The socket is the shared ReconnectingRpcSocket (app/ui): the join is its on-open hook, so every reconnect rejoins,
 * and a failed join is retried with its backoff. The recv transport is watched by the shared IceWatchdog; when ICE
 * cannot be restored the page rejoins and the store says the connection is too poor (the chat and the shop keep
 * working meanwhile). A transport that stays connected but brings too little (heavy loss) is caught by the link
 * watch (player/link-watch.ts), which says so too and retries by itself.
 *
 * Every (re)connection bumps `generation`; async work that finishes for an older generation is dropped, so a
 * late reply can never touch the state of a newer session.
 *
 * Split by concern under player/: the device preload (device.ts), the transport, consumers and overlay channels
 * (media.ts), how failures read to the page (join-errors.ts), the probe's hand-over (hand-over.ts), the link watch
 * (link-watch.ts, link-quality.ts). This file keeps the session: socket, join, the HLS probe, the notifications.
 */
import type { Quality, ShowId, ShowInfo } from '../../../shared/domain/show';
import type { OverlayTrigger } from '../../../shared/protocol/overlay';
import { RpcError } from '../../../shared/protocol/rpc';
import {
  type SignalingClient,
  type SignalingMethods,
  type SignalingNotifications,
  signalingMethods,
  signalingNotifications,
} from '../../../shared/protocol/signaling';
import { restartTransportIce, SCTP_CAPABILITIES, wireRecvCapabilities } from '../../ui/mediasoup-adapters';
import { type DropCause, ReconnectingRpcSocket } from '../../ui/reconnecting-socket';
import type { ViewerStore } from '../store';
import type { AudioMeter } from './audio-meter';
import { dtlsParametersFor, generateDtlsCertificate } from './dtls-cert';
import type { OverlaySync } from './overlay-sync';
import type { PlacementController } from './placement';
import { DevicePreloader } from './player/device';
import { copySession } from './player/hand-over';
import { reportJoinFailure, reportSocketStatus, retryHelps } from './player/join-errors';
import { LinkWatch } from './player/link-watch';
import { mark } from './player/marks';
import { MediaSession } from './player/media';
import { whenState } from './when-state';

const PING = { method: 'ping', intervalMs: 15_000, timeoutMs: 10_000 } as const;
/** How long a join waits for the device preloading from the page's capabilities (see join()). */
const PRELOAD_WAIT_MS = 300;
/** How long a join holds back its page render and overlay DataChannel for the first video frame (see join()). */
const FIRST_PICTURE_WAIT_MS = 1_500;
/** A crowd of viewers that lost the server at once spreads its retries over ±25 %. */
const BACKOFF = { initialMs: 500, maxMs: 10_000, jitter: 0.5 };

export interface PlayerOptions {
  store: ViewerStore;
  showId: ShowId;
  /** ws(s)://host/ws/signaling */
  wsUrl: string;
  video: HTMLVideoElement;
  audioMeter: AudioMeter;
  /** Holds frame-synced pins until their video frame is presented (applied directly without it). */
  overlaySync?: OverlaySync;
  /** Cluster mode: where to connect is asked before every attempt, and the join carries its token. */
  placement?: PlacementController;
  /** The page's HLS viewer key, presented by every join: a page back from HLS is counted once, over WebRTC. */
  hlsViewer?: string;
}

export class PlayerController {
  private readonly socket: ReconnectingRpcSocket<SignalingMethods, SignalingNotifications>;
  private readonly rpc: SignalingClient;
  /** The page's store and <video>, or a scratch pair while trying WebRTC again from HLS (see probe()). */
  private store: ViewerStore;
  private video: HTMLVideoElement;
  private readonly media: MediaSession;
  private readonly linkWatch: LinkWatch;
  private readonly devices = new DevicePreloader();
  private generation = 0;
  private stopped = false;
  private ended = false;
  /** Generated at start for every recv transport of this page: the join can then connect it (see dtls-cert.ts). */
  private certificate: RTCCertificate | null = null;
  /** Off after the browser did not use the certificate: later joins connect the transport with a request. */
  private preconnect = true;
  /** A join reply not yet written to the store (see join()); notifications meanwhile update it. */
  private pendingJoin: { gen: number; show: ShowInfo; viewerCount: number; overlays: OverlayTrigger[] } | null = null;

  constructor(private readonly opts: PlayerOptions) {
    this.store = opts.store;
    this.video = opts.video;
    this.socket = new ReconnectingRpcSocket({
      url: () => (opts.placement ? opts.placement.wsUrl().catch((err: unknown) => this.placementFailed(err)) : opts.wsUrl),
      methods: signalingMethods,
      notifications: signalingNotifications,
      ping: PING,
      backoff: BACKOFF,
      onOpen: ({ stale }) => this.join(++this.generation, stale),
      retry: (cause) => this.shouldRetry(cause),
      events: {
        status: (status, { attempt, cause }) => this.onSocketStatus(status, attempt, cause),
        down: () => this.dropped(),
        stopped: () => {
          this.stopped = true;
          this.shutdown('closed');
        },
      },
    });
    this.rpc = this.socket.rpc;
    this.media = new MediaSession({
      rpc: this.rpc,
      audioMeter: opts.audioMeter,
      overlaySync: opts.overlaySync,
      store: () => this.store,
      generation: () => this.generation,
      refreshElement: () => this.refreshElement(),
      drop: (reason) => this.socket.drop(reason),
      dtlsIgnored: () => {
        this.preconnect = false;
      },
    });
    this.linkWatch = new LinkWatch({
      store: () => this.store,
      transport: () => this.media.currentTransport(),
      restartIce: (transport) => restartTransportIce(this.rpc, transport),
      rejoin: (reason) => this.socket.drop(reason),
    });
    this.listen();
  }

  start(): void {
    this.store.getState().setShowId(this.opts.showId);
    this.video.muted = true;
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.addEventListener('volumechange', this.onVolumeChange);
    window.addEventListener('online', this.onOnline);
    this.devices.preload();
    void generateDtlsCertificate().then((cert) => {
      this.certificate = cert;
    });
    this.socket.start();
    this.linkWatch.start();
  }

  /** Leave for good (page unload, show ended). */
  stop(): void {
    this.stopped = true;
    this.shutdown('closed');
    this.video.removeEventListener('volumechange', this.onVolumeChange);
    window.removeEventListener('online', this.onOnline);
  }

  /**
   * After stop(), when the page plays HLS: join again into a scratch store and a hidden <video>, so nothing the
   * page shows changes until handOver() (its first WebRTC frame) or stop() (refused, or no frame).
   */
  probe(store: ViewerStore, video: HTMLVideoElement): void {
    if (!this.stopped || this.ended) return;
    this.stopped = false;
    this.store = store;
    this.video = video;
    store.getState().setShowId(this.opts.showId);
    window.addEventListener('online', this.onOnline);
    this.devices.preload();
    this.socket.start();
    this.linkWatch.start();
  }

  /** The probe's media plays: carry its session over to the page's store and <video> (which HLS leaves now). */
  handOver(store: ViewerStore, video: HTMLVideoElement): void {
    copySession(this.store.getState(), store);
    this.store = store;
    this.video = video;
    video.addEventListener('volumechange', this.onVolumeChange);
    this.refreshElement();
    // Its first picture is on screen: the join held back for it is published now (connection open).
    if (this.pendingJoin) this.publishJoin(this.pendingJoin.gen);
  }

  /** Skip the backoff wait and try to connect now (retry button, `online` event). */
  reconnectNow(): void {
    if (this.stopped || this.ended) return;
    this.socket.retryNow();
  }

  /** Unmute playback; call from the tap handler (a user gesture, which also lets the AudioContext start). */
  unmute(): void {
    this.video.muted = false;
    this.opts.audioMeter.activate();
    this.play();
  }

  mute(): void {
    this.video.muted = true;
  }

  /** Start playback after a tap when even muted autoplay was refused. */
  resumePlayback(): void {
    this.play();
  }

  async setQuality(quality: Quality): Promise<void> {
    const s = this.store.getState();
    const previous = s.quality;
    s.setQuality(quality);
    const video = s.video;
    if (!video || !this.rpc.connected) return; // applied when the next video consumer is created
    try {
      const res = await this.rpc.request('consumer.setQuality', { consumerId: video.consumerId, quality });
      this.store.getState().setQuality(res.quality);
    } catch (err) {
      console.warn('storecast: setQuality failed', err);
      if (this.store.getState().quality === quality) this.store.getState().setQuality(previous);
    }
  }

  /** The page's frames show its downlink queue growing (player/queue-watch.ts): tell the server's downlink guard. */
  reportQueue(queueMs: number): void {
    const s = this.store.getState();
    if (this.stopped || s.playback !== 'webrtc' || s.quality !== 'auto' || !s.video || !this.rpc.connected) return;
    this.rpc.request('consumer.queueing', { consumerId: s.video.consumerId, queueMs }).catch(() => undefined);
  }

  // ---------------------------------------------------------------- signaling socket

  private onSocketStatus(status: string, attempt: number, cause: DropCause | undefined): void {
    if (this.stopped || this.ended) return;
    reportSocketStatus(this.store, status, attempt, cause);
  }

  private shouldRetry(cause: DropCause): boolean {
    return !this.stopped && !this.ended && retryHelps(cause);
  }

  /** The socket closed (or never opened, or was given up): tear the session down; the socket retries. */
  private dropped(): void {
    this.generation++;
    this.teardownMedia();
  }

  private shutdown(connection: 'closed'): void {
    this.generation++;
    this.socket.close();
    this.linkWatch.stop();
    this.teardownMedia();
    this.store.getState().setConnection(connection);
  }

  private teardownMedia(): void {
    this.pendingJoin = null;
    this.media.teardown();
  }

  // ---------------------------------------------------------------- session

  /** The socket's on-open hook: resolves once the session is set up; a throw makes the socket retry (or stop). */
  private async join(gen: number, socketStale: () => boolean): Promise<void> {
    const stale = () => gen !== this.generation || socketStale();
    this.store.getState().joinStarted(performance.now());
    mark('join');
    try {
      // A device loaded from the page's embedded capabilities lets the join create the consumers too. Its load is
      // local and usually done by now; waiting a little for it is cheaper than the round trip of a later `consume`.
      const ready = await this.devices.ready(PRELOAD_WAIT_MS);
      if (stale()) return;
      // With the certificate (generated alongside the device) the join connects the transport too.
      const certificate = this.certificate;
      const dtls = ready && certificate && this.preconnect ? dtlsParametersFor(certificate.getFingerprints()) : null;
      const res = await this.rpc.request('viewer.join', {
        showId: this.opts.showId,
        placement: this.opts.placement?.token(),
        hlsViewer: this.opts.hlsViewer,
        recv: {
          sctpCapabilities: SCTP_CAPABILITIES,
          // mediasoup-client's type is wider than the wire schema (codec parameters: unknown); the server validates it.
          ...(ready && { rtpCapabilities: wireRecvCapabilities(ready) }),
          ...(dtls && { dtlsParameters: dtls }),
        },
      });
      if (stale()) return;
      mark('joined');
      const live = res.show.status !== 'ended' && res.routerRtpCapabilities !== null;
      // The common case: the join created consumers for the preloaded device. They are attached before the store
      // update re-renders the page (see below).
      const attachJoined = live && ready !== null && res.transport !== null;
      if (!attachJoined) {
        const s = this.store.getState();
        s.joined(res.show, res.viewerCount, res.overlays);
        s.setConnection('open');
        if (!live) {
          this.finish();
          return;
        }
      }
      const device = await this.devices.load(res.routerRtpCapabilities!);
      if (stale()) return;
      if (attachJoined && device !== ready) {
        // The server's capabilities changed since the page was served: consumers made for the old device may
        // not fit. Start the session again (a rejoin loads a fresh device).
        throw new Error('router capabilities changed since the page loaded');
      }
      const options =
        res.transport ?? (await this.rpc.request('transport.create', { direction: 'recv', sctpCapabilities: SCTP_CAPABILITIES }));
      if (stale()) return;
      this.media.createTransport(gen, device, options, certificate, res.transportConnected ? dtls : null);
      mark('transport');
      if (!attachJoined) {
        this.media.requestConsume(gen);
        return;
      }
      // The joined page's render (tens of ms of main thread) and the overlay DataChannel's renegotiation wait for
      // the first video frame (at most FIRST_PICTURE_WAIT_MS): on a busy phone the main thread is what delays that
      // frame (its video layer is set up there). Nothing else is queued yet: the transport is new.
      this.pendingJoin = { gen, show: res.show, viewerCount: res.viewerCount, overlays: res.overlays };
      this.media.attachJoined(
        gen,
        res,
        async () => {
          // The resumes are on the wire; hold the rest for the first picture. A video consumer whose producer is
          // paused (camera off) will not bring one.
          await whenState(this.store, (s) => s.videoFrameSeen || s.video === null || s.video.paused, FIRST_PICTURE_WAIT_MS);
          this.publishJoin(gen);
        },
        () => this.publishJoin(gen),
      );
    } catch (err) {
      if (stale()) return;
      reportJoinFailure(this.store, err);
      throw err;
    }
  }

  /** Tell the store about a join whose publication was held back (see join()); once. */
  private publishJoin(gen: number): void {
    const pending = this.pendingJoin;
    if (!pending || pending.gen !== gen || gen !== this.generation) return;
    this.pendingJoin = null;
    const s = this.store.getState();
    s.joined(pending.show, pending.viewerCount, pending.overlays);
    s.setConnection('open');
    if (pending.show.status === 'ended') this.finish();
  }

  /** A placement refused (NOT_FOUND stops, like a join's) or unreachable: the socket retries or stops. */
  private placementFailed(err: unknown): never {
    if (err instanceof RpcError) reportJoinFailure(this.store, err);
    throw err;
  }

  /** The show ended: show the end screen, release media and signaling, do not reconnect. */
  private finish(): void {
    this.ended = true;
    this.shutdown('closed');
  }

  // ---------------------------------------------------------------- element

  /** (Re)load the element with the current track set. Assigning srcObject runs the media load algorithm. */
  private refreshElement(): void {
    this.video.srcObject = this.media.stream;
    this.play();
  }

  private play(): void {
    this.video.play().then(
      () => this.store.getState().setPlayBlocked(false),
      (err: unknown) => {
        // AbortError: a newer load() interrupted this play() — expected when tracks change.
        if (err instanceof DOMException && err.name === 'NotAllowedError') this.store.getState().setPlayBlocked(true);
      },
    );
  }

  private readonly onVolumeChange = (): void => {
    this.store.getState().setMuted(this.video.muted);
  };

  private readonly onOnline = (): void => this.reconnectNow();

  // ---------------------------------------------------------------- notifications

  private listen(): void {
    const rpc = this.rpc;
    const showId = this.opts.showId;
    rpc.on('show.state', ({ show }) => {
      if (show.id !== showId) return;
      if (this.pendingJoin) this.pendingJoin.show = show;
      this.store.getState().showChanged(show);
      if (show.status === 'ended') this.finish();
    });
    rpc.on('viewers.count', ({ showId: id, count }) => {
      if (this.pendingJoin && id === showId) this.pendingJoin.viewerCount = count;
      this.store.getState().setViewerCount(id, count);
    });
    rpc.on('publisher.state', ({ showId: id, connected }) => this.store.getState().setPublisherConnected(id, connected));
    rpc.on('media.available', ({ showId: id }) => {
      if (id === showId && this.media.hasTransport) this.media.requestConsume(this.generation);
    });
    rpc.on('consumer.closed', ({ consumerId }) => this.media.removeConsumer(consumerId));
    rpc.on('consumer.paused', ({ consumerId }) => this.store.getState().trackPaused(consumerId, true));
    rpc.on('consumer.resumed', ({ consumerId }) => this.store.getState().trackPaused(consumerId, false));
    rpc.on('consumer.layers', ({ consumerId, spatialLayer, temporalLayer }) =>
      this.store.getState().setLayers(consumerId, spatialLayer, temporalLayer),
    );
    rpc.on('dataConsumer.closed', ({ dataConsumerId }) => this.media.dataConsumerClosed(dataConsumerId));
  }
}
