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
 * working meanwhile).
 *
 * Every (re)connection bumps `generation`; async work that finishes for an older generation is dropped, so a
 * late reply can never touch the state of a newer session.
 */
import { Device, type types as ms } from 'mediasoup-client';
import type { Quality, ShowId, ShowInfo } from '../../../shared/domain/show';
import { type DtlsParameters, RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { type OverlayTrigger, parseOverlay } from '../../../shared/protocol/overlay';
import type { OverlaySync } from './overlay-sync';
import type { PlacementController } from './placement';
import { RpcError } from '../../../shared/protocol/rpc';
import {
  type ConsumerInfo,
  type DataConsumerInfo,
  RTP_CAPABILITIES_ELEMENT_ID,
  type SignalingClient,
  type SignalingMethods,
  type SignalingNotifications,
  signalingMethods,
  signalingNotifications,
  type TransportOptions,
} from '../../../shared/protocol/signaling';
import { ICE_WATCHDOG_DEFAULTS, IceWatchdog } from '../../ui/ice-watchdog';
import {
  clientRtpParameters,
  clientSctpStreamParameters,
  clientTransportOptions,
  restartTransportIce,
  routerCapabilities,
  SCTP_CAPABILITIES,
  wireDtlsParameters,
  wireRecvCapabilities,
} from '../../ui/mediasoup-adapters';
import { type DropCause, ReconnectingRpcSocket } from '../../ui/reconnecting-socket';
import type { TransportState, ViewerStore } from '../store';
import type { AudioMeter } from './audio-meter';
import { dtlsParametersFor, generateDtlsCertificate, sameDtlsIdentity } from './dtls-cert';
import { whenState } from './when-state';

const PING = { method: 'ping', intervalMs: 15_000, timeoutMs: 10_000 } as const;
/** How long a join waits for the device preloading from the page's capabilities (see join()). */
const PRELOAD_WAIT_MS = 300;
/** How long a join holds back its page render and overlay DataChannel for the first video frame (see join()). */
const FIRST_PICTURE_WAIT_MS = 1_500;
/** A crowd of viewers that lost the server at once spreads its retries over ±25 %. */
const BACKOFF = { initialMs: 500, maxMs: 10_000, jitter: 0.5 };
/**
 * ICE restarts (after 2 s disconnected, then every 5 s) that have not brought the transport back after this long
 * give up: the page rejoins from scratch and says the connection is too poor.
 */
const ICE_GIVE_UP_MS = 20_000;

/** A device loading from the page's embedded capabilities; `ready` once loaded. */
type PreloadedDevice = { caps: string; device: Promise<Device>; ready: Device | null };

/** What a consume round attaches: a `consume` reply, or the consumers a `viewer.join` created. */
type ConsumeReply = { consumers: ConsumerInfo[]; dataConsumers: DataConsumerInfo[] };

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
  private readonly stream = new MediaStream();
  private generation = 0;
  private stopped = false;
  private ended = false;
  private watchdog: IceWatchdog | null = null;
  private device: Device | null = null;
  /** A device loaded with the capabilities the server embedded in the page, started before the join (see start()). */
  private preloaded: PreloadedDevice | null = null;
  /** Generated at start for every recv transport of this page: the join can then connect it (see dtls-cert.ts). */
  private certificate: RTCCertificate | null = null;
  /** Off after the browser did not use the certificate: later joins connect the transport with a request. */
  private preconnect = true;
  private transport: ms.Transport | null = null;
  private readonly consumers = new Map<string, ms.Consumer>();
  private readonly dataConsumers = new Map<string, ms.DataConsumer>();
  private consumeChain: Promise<void> = Promise.resolve();
  /** A join reply not yet written to the store (see join()); notifications meanwhile update it. */
  private pendingJoin: { gen: number; show: ShowInfo; viewerCount: number; overlays: OverlayTrigger[] } | null = null;
  private consumeQueued = false;

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
    this.listen();
  }

  start(): void {
    this.store.getState().setShowId(this.opts.showId);
    this.video.muted = true;
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.addEventListener('volumechange', this.onVolumeChange);
    window.addEventListener('online', this.onOnline);
    this.preloadDevice();
    void generateDtlsCertificate().then((cert) => {
      this.certificate = cert;
    });
    this.socket.start();
  }

  /**
   * Load the WebRTC device (a local capability probe that costs tens of ms) from the RTP capabilities the server
   * embedded in the page, in parallel with connecting and joining. The join reply's capabilities stay authoritative:
   * if they differ, join() loads a fresh device.
   */
  private preloadDevice(): void {
    const el = document.getElementById(RTP_CAPABILITIES_ELEMENT_ID);
    if (!el?.textContent) return;
    let raw: unknown;
    try {
      raw = JSON.parse(el.textContent);
    } catch {
      return;
    }
    const parsed = RtpCapabilities.safeParse(raw);
    if (!parsed.success) return;
    const device = new Device();
    const pre: PreloadedDevice = { caps: JSON.stringify(parsed.data), device: Promise.resolve(device), ready: null };
    pre.device = device.load({ routerRtpCapabilities: routerCapabilities(parsed.data) }).then(() => {
      pre.ready = device;
      mark('device-preloaded');
      return device;
    });
    pre.device.catch(() => {}); // a failure here only means join() loads its own device
    this.preloaded = pre;
  }

  /** The preloaded device once loaded, waiting at most `maxWaitMs` for it (null: none, failed or still loading). */
  private async preloadedDevice(maxWaitMs: number): Promise<Device | null> {
    const pre = this.preloaded;
    if (!pre) return null;
    if (pre.ready) return pre.ready;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), maxWaitMs);
    });
    try {
      return await Promise.race([pre.device, timeout]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The preloaded device if it matches the router's capabilities, else a newly loaded one. */
  private async loadDevice(caps: RtpCapabilities): Promise<Device> {
    const pre = this.preloaded;
    this.preloaded = null; // one use: a rejoin after a reconnect loads its own device
    if (pre && pre.caps === JSON.stringify(caps)) {
      try {
        return await pre.device;
      } catch {
        /* fall through */
      }
    }
    const device = new Device();
    await device.load({ routerRtpCapabilities: routerCapabilities(caps) });
    mark('device-loaded');
    return device;
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
    this.preloadDevice();
    this.socket.start();
  }

  /** The probe's media plays: carry its session over to the page's store and <video> (which HLS leaves now). */
  handOver(store: ViewerStore, video: HTMLVideoElement): void {
    const from = this.store.getState();
    this.store = store;
    this.video = video;
    const s = store.getState();
    if (from.show) s.showChanged(from.show);
    if (from.showId) s.setViewerCount(from.showId, from.viewerCount);
    if (from.showId) s.setPublisherConnected(from.showId, from.publisherConnected);
    s.overlaysSynced(from.pinned);
    s.setConnection(from.connection);
    s.setTransportState(from.transportState);
    if (from.audio) s.trackAdded('audio', from.audio);
    if (from.video) {
      s.trackAdded('video', from.video);
      if (from.layers) s.setLayers(from.video.consumerId, from.layers.spatial, from.layers.temporal);
    }
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

  // ---------------------------------------------------------------- signaling socket

  private onSocketStatus(status: string, attempt: number, cause: DropCause | undefined): void {
    if (this.stopped || this.ended) return;
    const s = this.store.getState();
    if (status === 'connecting') s.setConnection(s.show ? 'reconnecting' : 'connecting');
    else if (status === 'reconnecting') {
      // A failure (not the next attempt starting): count it while nothing is known of the show.
      if (cause && (!cause.opened || !s.show)) s.connectFailed();
      s.setConnection(s.show || attempt > 0 ? 'reconnecting' : 'connecting');
    }
  }

  /** An unknown show, or a browser that cannot play it: retrying cannot help. */
  private shouldRetry(cause: DropCause): boolean {
    if (this.stopped || this.ended) return false;
    if (cause.kind !== 'error') return true;
    const err = cause.error;
    if (err instanceof RpcError && err.code === 'NOT_FOUND') return false;
    return !(err instanceof Error && err.name === 'UnsupportedError');
  }

  /** The socket closed (or never opened, or was given up): tear the session down; the socket retries. */
  private dropped(): void {
    this.generation++;
    this.teardownMedia();
  }

  private shutdown(connection: 'closed'): void {
    this.generation++;
    this.socket.close();
    this.teardownMedia();
    this.store.getState().setConnection(connection);
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
      const ready = await this.preloadedDevice(PRELOAD_WAIT_MS);
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
      const device = await this.loadDevice(res.routerRtpCapabilities!);
      if (stale()) return;
      if (attachJoined && device !== ready) {
        // The server's capabilities changed since the page was served: consumers made for the old device may
        // not fit. Start the session again (a rejoin loads a fresh device).
        throw new Error('router capabilities changed since the page loaded');
      }
      const options =
        res.transport ?? (await this.rpc.request('transport.create', { direction: 'recv', sctpCapabilities: SCTP_CAPABILITIES }));
      if (stale()) return;
      this.device = device;
      this.createTransport(gen, device, options, certificate, res.transportConnected ? dtls : null);
      mark('transport');
      if (!attachJoined) {
        this.requestConsume(gen);
        return;
      }
      // The joined page's render (tens of ms of main thread) and the overlay DataChannel's renegotiation wait for
      // the first video frame (at most FIRST_PICTURE_WAIT_MS): on a busy phone the main thread is what delays that
      // frame (its video layer is set up there). Nothing else is queued yet: the transport is new.
      this.pendingJoin = { gen, show: res.show, viewerCount: res.viewerCount, overlays: res.overlays };
      this.consumeChain = this.attachConsumers(gen, res)
        .catch((err: unknown) => this.consumeFailed(gen, err))
        .finally(() => this.publishJoin(gen));
    } catch (err) {
      if (stale()) return;
      this.joinFailed(err);
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
    if (err instanceof RpcError) this.joinFailed(err);
    throw err;
  }

  /** Tell the store why a join failed; the socket then retries with backoff or, for NOT_FOUND / UNSUPPORTED, stops. */
  private joinFailed(err: unknown): void {
    const s = this.store.getState();
    if (err instanceof RpcError) {
      if (err.code === 'NOT_FOUND') {
        s.setFatal({ kind: 'notFound' });
        return;
      }
      if (err.code === 'DISCONNECTED') return; // the socket's close handles it
      if (err.code === 'UNAVAILABLE') {
        // The server (or this network's share of it) is full: say so, also to a viewer who was already watching,
        // instead of an endless spinner, and keep retrying with backoff until a place frees up.
        console.warn('storecast: the show is full, retrying', err.message);
        s.setFatal({ kind: 'error', code: err.code, message: err.message });
        return;
      }
    } else if (err instanceof Error && err.name === 'UnsupportedError') {
      s.setFatal({ kind: 'error', code: 'UNSUPPORTED', message: err.message });
      return;
    }
    console.error('storecast: joining the show failed', err);
    // The error screen stays until a join succeeds.
    if (!s.show) s.setFatal({ kind: 'error', code: err instanceof RpcError ? err.code : 'INTERNAL', message: String(err) });
  }

  /** The show ended: show the end screen, release media and signaling, do not reconnect. */
  private finish(): void {
    this.ended = true;
    this.shutdown('closed');
  }

  /** `connected`: the DTLS parameters the join already connected the transport with (see dtls-cert.ts). */
  private createTransport(
    gen: number,
    device: Device,
    o: TransportOptions,
    certificate: RTCCertificate | null,
    connected: DtlsParameters | null,
  ): void {
    const transport = device.createRecvTransport({
      ...clientTransportOptions(o),
      additionalSettings: { iceCandidatePoolSize: 1, ...(certificate && { certificates: [certificate] }) },
    });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      if (connected) {
        if (sameDtlsIdentity(wireDtlsParameters(dtlsParameters), connected)) {
          callback();
          return;
        }
        // The browser ignored the certificate: the server expects another fingerprint, so this transport can never
        // connect. Start the session again without the shortcut.
        this.preconnect = false;
        errback(new Error('the transport does not use the DTLS certificate the join announced'));
        if (gen === this.generation) this.socket.drop('DTLS certificate not used');
        return;
      }
      this.rpc
        .request('transport.connect', { transportId: transport.id, dtlsParameters })
        .then(() => callback())
        .catch((err: unknown) => errback(err instanceof Error ? err : new Error(String(err))));
    });
    const watchdog = new IceWatchdog({
      ...ICE_WATCHDOG_DEFAULTS,
      giveUpAfterMs: ICE_GIVE_UP_MS,
      restartIce: () => restartTransportIce(this.rpc, transport),
      giveUp: (reason) => {
        if (gen !== this.generation) return;
        console.warn('storecast: the media connection did not recover, rejoining', reason);
        this.store.getState().setPoorConnection(true);
        this.socket.drop(reason);
      },
    });
    this.watchdog?.dispose();
    this.watchdog = watchdog;
    transport.on('connectionstatechange', (state) => {
      if (gen !== this.generation) return;
      this.store.getState().setTransportState(state as TransportState);
      mark(`transport-${state}`);
      watchdog.update(state);
    });
    this.transport = transport;
    this.store.getState().setTransportState('new');
  }

  // ---------------------------------------------------------------- media

  /** Queue a `consume` round (coalesces bursts of `media.available`). */
  private requestConsume(gen: number): void {
    if (this.consumeQueued) return;
    this.consumeQueued = true;
    this.queueConsume(gen, async () => {
      this.consumeQueued = false;
      const transport = this.transport;
      const device = this.device;
      if (!transport || !device || transport.closed) return null;
      return this.rpc.request('consume', {
        transportId: transport.id,
        // mediasoup-client's type is wider than the wire schema (codec parameters: unknown); the server validates it.
        rtpCapabilities: wireRecvCapabilities(device),
        sctpCapabilities: SCTP_CAPABILITIES,
      });
    });
  }

  /**
   * Run one consume round after the previous ones: `fetch` yields the server's consumers (a `consume` reply, or
   * those the join created), which are attached and resumed.
   */
  private queueConsume(gen: number, fetch: () => Promise<ConsumeReply | null>): void {
    this.consumeChain = this.consumeChain
      .then(async () => {
        if (gen !== this.generation) return;
        const res = await fetch();
        if (res && gen === this.generation) await this.attachConsumers(gen, res);
      })
      .catch((err: unknown) => this.consumeFailed(gen, err));
  }

  private consumeFailed(gen: number, err: unknown): void {
    if (gen !== this.generation) return;
    if (err instanceof RpcError && err.code === 'DISCONNECTED') return;
    console.error('storecast: consume failed', err);
  }

  private async attachConsumers(gen: number, res: ConsumeReply): Promise<void> {
    const transport = this.transport;
    if (!transport || transport.closed) return;
    // mediasoup-client batches concurrent consume() calls into one renegotiation: create them all at once.
    const fresh = res.consumers.filter((c) => !this.consumers.has(c.id));
    mark('consume-reply');
    const created = await Promise.all(fresh.map((info) => this.createConsumer(transport, info)));
    mark('consumers-created');
    if (gen !== this.generation) return;
    this.refreshElement();
    const resumed = created.map(async (consumer) => {
      await this.rpc.request('consumer.resume', { consumerId: consumer.id });
      mark(`resumed-${consumer.kind}`);
      const quality = this.store.getState().quality;
      if (consumer.kind === 'video' && quality !== 'auto') {
        await this.rpc.request('consumer.setQuality', { consumerId: consumer.id, quality });
      }
    });
    if (this.pendingJoin?.gen === gen) {
      // A join's first round (see join()): the resumes are on the wire; hold the rest for the first picture. A
      // video consumer whose producer is paused (camera off) will not bring one.
      await whenState(this.store, (s) => s.videoFrameSeen || s.video === null || s.video.paused, FIRST_PICTURE_WAIT_MS);
      if (gen !== this.generation) return;
      this.publishJoin(gen);
    }
    // The overlay DataConsumers (their own SCTP renegotiation). Triggers sent before a channel opens never reach it:
    // createDataConsumer fetches the overlay state once it is open.
    const dataReady = Promise.all(
      res.dataConsumers.filter((d) => !this.dataConsumers.has(d.id)).map((d) => this.createDataConsumer(transport, d)),
    );
    await Promise.all([dataReady, ...resumed]);
  }

  private async createConsumer(transport: ms.Transport, info: ConsumerInfo): Promise<ms.Consumer> {
    const consumer = await transport.consume({
      id: info.id,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: clientRtpParameters(info.rtpParameters),
      // Audio and video in separate sync groups: Chromium otherwise holds every video frame back to match the
      // audio jitter buffer (lip sync), which measured ~70 ms of extra glass-to-glass delay here. Live selling
      // favours immediacy; the remaining A/V offset is the audio buffer's (tens of ms).
      streamId: `${info.kind}-${info.producerId}`,
      onRtpReceiver: lowLatencyReceiver,
      appData: { source: info.source },
    });
    // One track per kind: a newer consumer of the same kind (the studio republished) replaces the older one.
    for (const [id, other] of this.consumers) if (other.kind === info.kind) this.removeConsumer(id);
    this.consumers.set(consumer.id, consumer);
    consumer.on('transportclose', () => this.removeConsumer(consumer.id));
    this.stream.addTrack(consumer.track);
    if (info.kind === 'audio') this.opts.audioMeter.setTrack(consumer.track);
    this.store.getState().trackAdded(info.kind, { consumerId: info.id, producerId: info.producerId, paused: info.producerPaused });
    return consumer;
  }

  private async createDataConsumer(transport: ms.Transport, info: DataConsumerInfo): Promise<void> {
    const dc = await transport.consumeData({
      id: info.id,
      dataProducerId: info.dataProducerId,
      sctpStreamParameters: clientSctpStreamParameters(info.sctpStreamParameters),
      label: info.label,
      protocol: info.protocol,
    });
    this.dataConsumers.set(dc.id, dc);
    const deliver = (trigger: OverlayTrigger) => {
      if (this.opts.overlaySync) this.opts.overlaySync.push(trigger);
      else this.store.getState().applyTrigger(trigger);
    };
    // Triggers sent before the channel opened are lost: once open, fetch the server's overlay state and apply the
    // triggers received meanwhile on top of it (applying one the state already holds changes nothing).
    let held: OverlayTrigger[] | null = [];
    dc.on('message', (data: unknown) => {
      const trigger = typeof data === 'string' ? parseOverlay(data) : null;
      if (!trigger) console.warn('storecast: ignored an invalid overlay message');
      else if (held) held.push(trigger);
      else deliver(trigger);
    });
    const gen = this.generation;
    const resync = async () => {
      try {
        const { overlays } = await this.rpc.request('show.overlays', {});
        if (gen === this.generation) this.store.getState().overlaysSynced(overlays);
      } catch (err) {
        if (!(err instanceof RpcError && err.code === 'DISCONNECTED')) console.warn('storecast: overlay state unavailable', err);
      } finally {
        const meanwhile = held ?? [];
        held = null;
        for (const t of meanwhile) deliver(t);
      }
    };
    if (dc.readyState === 'open') void resync();
    else dc.on('open', () => void resync());
    const forget = () => this.dataConsumers.delete(dc.id);
    dc.on('close', forget);
    dc.on('transportclose', forget);
  }

  private removeConsumer(consumerId: string): void {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) return;
    this.consumers.delete(consumerId);
    this.stream.removeTrack(consumer.track);
    if (consumer.kind === 'audio') this.opts.audioMeter.setTrack(null);
    if (!consumer.closed) consumer.close();
    this.store.getState().trackRemoved(consumerId);
  }

  private teardownMedia(): void {
    this.watchdog?.dispose();
    this.watchdog = null;
    this.pendingJoin = null;
    for (const id of [...this.consumers.keys()]) this.removeConsumer(id);
    for (const dc of this.dataConsumers.values()) if (!dc.closed) dc.close();
    this.dataConsumers.clear();
    if (this.transport && !this.transport.closed) this.transport.close();
    this.transport = null;
    this.device = null;
    this.consumeQueued = false;
    this.consumeChain = Promise.resolve();
    this.store.getState().mediaCleared();
  }

  /** (Re)load the element with the current track set. Assigning srcObject runs the media load algorithm. */
  private refreshElement(): void {
    this.video.srcObject = this.stream;
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
      if (id === showId && this.transport) this.requestConsume(this.generation);
    });
    rpc.on('consumer.closed', ({ consumerId }) => this.removeConsumer(consumerId));
    rpc.on('consumer.paused', ({ consumerId }) => this.store.getState().trackPaused(consumerId, true));
    rpc.on('consumer.resumed', ({ consumerId }) => this.store.getState().trackPaused(consumerId, false));
    rpc.on('consumer.layers', ({ consumerId, spatialLayer, temporalLayer }) =>
      this.store.getState().setLayers(consumerId, spatialLayer, temporalLayer),
    );
    rpc.on('dataConsumer.closed', ({ dataConsumerId }) => {
      const dc = this.dataConsumers.get(dataConsumerId);
      this.dataConsumers.delete(dataConsumerId);
      if (dc && !dc.closed) dc.close();
    });
  }
}

/** Ask the receiver for the smallest playout delay (Chromium: playoutDelayHint; standard: jitterBufferTarget). */
function lowLatencyReceiver(receiver: RTCRtpReceiver): void {
  const r = receiver as RTCRtpReceiver & { jitterBufferTarget?: number | null; playoutDelayHint?: number | null };
  if ('jitterBufferTarget' in r) r.jitterBufferTarget = 0;
  if ('playoutDelayHint' in r) r.playoutDelayHint = 0;
}

/** User Timing marks (visible in devtools' performance panel; the latency bench prints them) for the join path. */
function mark(name: string): void {
  performance.mark(`storecast:${name}`);
}
