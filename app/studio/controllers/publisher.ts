/**
 * Publishing controller (outside React): signaling + mediasoup-client send side.
 *
 *   studio.auth → show.open → transport.create(send, sctp) → produce program video (3 simulcast layers, H.264
 *   preferred) → produce mic (opus) → produceData(overlay) → show.goLive.   End Live → show.end.
 *
 * The signaling socket is a ReconnectingRpcSocket (app/ui) whose on-open hook runs the sequence above, so every
 * reconnect re-authenticates and reopens the show with its resume key. Recovery:
 *  - transport ICE lost → the shared IceWatchdog restarts ICE on the same socket; if the transport has not come back
 *    within ICE_GIVE_UP_MS → the socket is dropped and the whole session rebuilt;
 *  - socket closed / ping timeout → reconnect with backoff 0.5 s … 5 s: new socket, studio.auth,
 *    show.open {showId, resumeKey}, new Device + transport + producers; current pins are re-sent;
 *  - the browser's `online` after an outage → keep the session if the transport reconnected by itself, else rebuild
 *    it at once (onOnline).
 * State in the store: idle | connecting | live | reconnecting | ended | error (+ i18n error key and detail).
 */
import { Device } from 'mediasoup-client';
import { type ShowInfo, ShowTitle } from '../../../shared/domain/show';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL, type OverlayTrigger } from '../../../shared/protocol/overlay';
import { RpcError } from '../../../shared/protocol/rpc';
import {
  type SignalingClient,
  type SignalingMethods,
  type SignalingNotifications,
  signalingMethods,
  signalingNotifications,
  type TransportOptions,
} from '../../../shared/protocol/signaling';
import { ICE_WATCHDOG_DEFAULTS, IceWatchdog } from '../../ui/ice-watchdog';
import { clientTransportOptions, restartTransportIce, routerCapabilities, SCTP_CAPABILITIES } from '../../ui/mediasoup-adapters';
import { type DropCause, describeCause, ReconnectingRpcSocket } from '../../ui/reconnecting-socket';
import type { HostBridge } from '../host-bridge';
import type { PublishState, StudioStore } from '../store';
import { describe, PublishError, produceMic, produceProgram, Session, signalingUrl, wireSendTransport } from './publisher-session';
import type { SettingsController } from './settings';
import { type SendSample, summarizeSendStats } from './stats';
import { initialUplink, step as uplinkStep } from './uplink';

const OPEN_TIMEOUT_MS = 8000;
const PING = { method: 'ping', intervalMs: 5000, timeoutMs: 10_000 } as const;
/** A publisher reconnects fast and often: viewers are waiting for the picture. */
const BACKOFF = { initialMs: 500, maxMs: 5000, jitter: 0.4 };
/** From the transport's loss to giving up on ICE restarts and rebuilding the session. */
const ICE_GIVE_UP_MS = 12_000;
/** After the browser's `online` event: how long the send transport may take to reconnect before the session is rebuilt. */
const ONLINE_TRANSPORT_WAIT_MS = 1_500;

export { PublishError, signalingUrl } from './publisher-session';

type SignalingSocket = ReconnectingRpcSocket<SignalingMethods, SignalingNotifications>;

export class Publisher {
  private socket: SignalingSocket | null = null;
  private session: Session | null = null;
  /** The streamer wants to be live (cleared by End Live or a fatal error). */
  private wanted = false;
  /** The first connect of this go-live completed: later failures are retried with the resume key. */
  private established = false;
  /** Settles goLive's first connect. */
  private firstOpen: { resolve: () => void; reject: (err: unknown) => void } | null = null;
  private showId: string | null = null;
  private resumeKey: string | null = null;
  private title = '';
  private studioToken = '';
  private micTrack: MediaStreamTrack | null = null;
  /** Unpins made while the data channel was down: sent when it opens again. */
  private pendingUnpins = new Map<string, OverlayTrigger>();
  private lastSample: SendSample | null = null;

  constructor(
    private readonly store: StudioStore,
    private readonly host: HostBridge,
    private readonly settings: SettingsController,
    private readonly programTrack: () => MediaStreamTrack,
  ) {}

  private setPublish(p: Partial<ReturnType<StudioStore['getState']>['publish']>): void {
    this.store.setState((s) => ({ publish: { ...s.publish, ...p } }));
  }

  private setState(state: PublishState, errorKey: string | null = null, errorDetail: string | null = null): void {
    this.setPublish({ state, errorKey, errorDetail });
  }

  private setShow(show: ShowInfo): void {
    this.setPublish({ show });
  }

  // ---- public API ---------------------------------------------------------------------------------

  async goLive(): Promise<void> {
    const st = this.store.getState().publish.state;
    if (st === 'connecting' || st === 'live' || st === 'reconnecting') return;
    const title = ShowTitle.safeParse(this.store.getState().settings.showTitle);
    if (!title.success) {
      this.store.getState().pushError('titleRequired');
      return;
    }
    await this.settings.flush();
    this.title = title.data;
    this.wanted = true;
    this.showId = null;
    this.resumeKey = null;
    this.lastSample = null;
    this.setPublish({ state: 'connecting', errorKey: null, errorDetail: null, show: null, viewerCount: 0, reconnectAttempt: 0 });
    this.store.setState({ stats: null, uplink: null });
    for (const k of ['serverUnreachable', 'badToken', 'publishFailed', 'showConflict', 'sessionReplaced', 'noServer'])
      this.store.getState().clearError(k);
    this.established = false;
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    try {
      await new Promise<void>((resolve, reject) => {
        this.firstOpen = { resolve, reject };
        this.socket = this.createSocket();
        this.socket.start();
      });
      this.established = true;
      this.setState('live');
    } catch (err) {
      this.stopSocket();
      this.wanted = false;
      const e = this.toPublishError(err);
      this.setState('error', e.key, e.message);
      this.store.getState().pushError(e.key, e.message);
    }
  }

  /** End the show (the UI confirms first). */
  async end(): Promise<void> {
    this.wanted = false;
    const session = this.session;
    const showId = this.showId;
    if (session?.client.connected && showId) {
      try {
        const { show } = await session.client.request('show.end', { showId });
        this.setShow(show);
      } catch (err) {
        this.store.getState().pushError('endFailed', describe(err));
      }
    }
    this.stopSocket();
    this.showId = null;
    this.resumeKey = null;
    this.setState('ended');
    this.store.setState({ stats: null, uplink: null });
    this.settings.update({ lastShowId: null });
  }

  /** The mic changed (device switch, unplug): swap the audio producer's track, or produce audio if we had none. */
  setMicTrack(track: MediaStreamTrack | null): void {
    this.micTrack = track;
    const s = this.session;
    if (!s?.transport || s.closed) return;
    if (s.audio) {
      void s.audio.replaceTrack({ track }).catch((err) => this.store.getState().pushError('publishFailed', describe(err)));
    } else if (track) {
      void this.produceAudio(s).catch((err) => this.store.getState().pushError('publishFailed', describe(err)));
    }
  }

  /** Send an overlay trigger to viewers (queued / re-synced while the data channel is down). */
  sendOverlay(trigger: OverlayTrigger): void {
    const dp = this.session?.data;
    if (dp && !dp.closed && dp.readyState === 'open') {
      dp.send(JSON.stringify(trigger));
      return;
    }
    // Pins are re-sent from the store when the channel opens; only unpins need remembering.
    if (trigger.type === 'product.unpin') this.pendingUnpins.set(trigger.productId, trigger);
    else this.pendingUnpins.delete(trigger.product.productId);
  }

  // ---- connection ---------------------------------------------------------------------------------

  private toPublishError(err: unknown): PublishError {
    if (err instanceof PublishError) return err;
    if (err instanceof RpcError) {
      if (err.code === 'UNAUTHORIZED') return new PublishError('badToken', err.message, true);
      if (err.code === 'CONFLICT') return new PublishError('showConflict', err.message, true);
      if (err.code === 'DISCONNECTED' || err.code === 'TIMEOUT') return new PublishError('serverUnreachable', err.message);
    }
    return new PublishError('publishFailed', describe(err));
  }

  private createSocket(): SignalingSocket {
    const socket: SignalingSocket = new ReconnectingRpcSocket({
      url: () => this.connectionUrl(),
      methods: signalingMethods,
      notifications: signalingNotifications,
      requestTimeoutMs: 10_000,
      openTimeoutMs: OPEN_TIMEOUT_MS,
      ping: PING,
      backoff: BACKOFF,
      onOpen: ({ rpc, stale }) => this.openSession(socket, rpc, stale),
      retry: (cause) => this.shouldRetry(cause),
      events: {
        status: (status, { attempt }) => {
          if (this.socket !== socket) return;
          if (status === 'reconnecting' && this.established) this.setPublish({ reconnectAttempt: attempt });
          if (status !== 'open') return;
          if (this.firstOpen) {
            this.firstOpen.resolve();
            this.firstOpen = null;
          } else {
            this.lastSample = null;
            this.setPublish({ state: 'live', errorKey: null, errorDetail: null, reconnectAttempt: 0 });
          }
        },
        down: (cause) => this.onSocketDown(socket, cause),
        stopped: (cause) => this.onSocketStopped(socket, cause),
      },
    });
    this.listen(socket);
    return socket;
  }

  /** Asked before every attempt: the server URL and token may have changed in settings meanwhile. */
  private async connectionUrl(): Promise<string> {
    let conn: { serverUrl: string; studioToken: string | null };
    try {
      conn = await this.host.call('host.getConnection', {});
    } catch (err) {
      throw new PublishError('noServer', describe(err), true);
    }
    this.store.setState({ serverUrl: conn.serverUrl });
    if (!conn.studioToken) throw new PublishError('badToken', 'no studio token is configured', true);
    this.studioToken = conn.studioToken;
    return signalingUrl(conn.serverUrl);
  }

  private causeError(cause: DropCause): unknown {
    if (cause.kind === 'error') return cause.error;
    return new PublishError('serverUnreachable', describeCause(cause));
  }

  private shouldRetry(cause: DropCause): boolean {
    if (!this.wanted || !this.established) return false; // the first connect: goLive reports it
    const err = this.causeError(cause);
    if (err instanceof RpcError && (err.code === 'NOT_FOUND' || err.code === 'BAD_STATE')) return false;
    return !this.toPublishError(err).fatal;
  }

  /** The socket is up: authenticate, (re)open the show, and publish on a fresh Device + transport. */
  private async openSession(socket: SignalingSocket, client: SignalingClient, stale: () => boolean): Promise<void> {
    const session = new Session(client);
    this.closeSession();
    this.session = session;
    const check = () => {
      if (stale() || session.closed || this.socket !== socket) throw new PublishError('publishFailed', 'session closed');
    };
    await client.request('studio.auth', { token: this.studioToken });
    check();
    const opened = await this.openShow(client, this.established);
    check();
    this.showId = opened.show.id;
    this.resumeKey = opened.resumeKey;
    this.setPublish({ show: opened.show, viewerCount: opened.viewerCount });
    if (this.store.getState().settings.lastShowId !== opened.show.id) this.settings.update({ lastShowId: opened.show.id });

    const device = new Device();
    await device.load({ routerRtpCapabilities: routerCapabilities(opened.routerRtpCapabilities) });
    if (!device.canProduce('video')) throw new PublishError('publishFailed', 'this browser cannot send video to the server', true);
    check();
    session.device = device;

    const params = await client.request('transport.create', { direction: 'send', sctpCapabilities: SCTP_CAPABILITIES });
    check();
    this.createTransport(socket, session, params);
    await this.produceVideo(session);
    if (this.micTrack) await this.produceAudio(session);
    await this.produceData(session);
    check();

    if (opened.show.status !== 'live') {
      const { show } = await client.request('show.goLive', { showId: opened.show.id });
      this.setShow(show);
    }
    session.statsTimer = setInterval(() => void this.collectStats(session), 1000);
  }

  private async openShow(client: SignalingClient, resume: boolean) {
    if (resume && this.showId && this.resumeKey) {
      const res = await client.request('show.open', { title: this.title, showId: this.showId, resumeKey: this.resumeKey });
      if (res.show.status === 'ended') throw new PublishError('showEnded', 'the show ended while the studio was disconnected', true);
      return res;
    }
    const last = this.store.getState().settings.lastShowId;
    if (last) {
      // Resume the last show after a studio restart (same viewer link) unless it is over.
      try {
        const res = await client.request('show.open', { title: this.title, showId: last });
        if (res.show.status !== 'ended') return res;
      } catch (err) {
        if (!(err instanceof RpcError) || !['NOT_FOUND', 'BAD_STATE', 'BAD_REQUEST'].includes(err.code)) throw err;
      }
    }
    return client.request('show.open', { title: this.title });
  }

  private listen(socket: SignalingSocket): void {
    const client = socket.rpc;
    client.on('viewers.count', ({ showId, count }) => {
      if (showId === this.showId) this.setPublish({ viewerCount: count });
    });
    client.on('show.state', ({ show }) => {
      if (show.id !== this.showId || this.socket !== socket) return;
      this.setShow(show);
      if (show.status === 'ended' && this.wanted) {
        this.wanted = false;
        this.stopSocket();
        this.showId = null;
        this.resumeKey = null;
        this.setState('ended');
        this.settings.update({ lastShowId: null });
      }
    });
    client.on('session.replaced', ({ reason }) => {
      if (this.socket !== socket) return;
      this.wanted = false;
      this.stopSocket();
      this.setState('error', 'sessionReplaced', reason);
      this.store.getState().pushError('sessionReplaced', reason);
    });
  }

  private createTransport(socket: SignalingSocket, session: Session, params: TransportOptions): void {
    const { client, device } = session;
    const transport = device!.createSendTransport(clientTransportOptions(params));
    session.transport = transport;
    session.watchdog = new IceWatchdog({
      ...ICE_WATCHDOG_DEFAULTS,
      giveUpAfterMs: ICE_GIVE_UP_MS,
      restartIce: () => {
        if (this.wanted && !session.closed) this.setState('reconnecting', 'networkUnstable');
        return restartTransportIce(client, transport);
      },
      giveUp: (reason) => {
        if (this.session === session) socket.drop(reason);
      },
      onHealth: (health) => {
        if (
          health === 'connected' &&
          this.session === session &&
          socket.status === 'open' &&
          this.store.getState().publish.state === 'reconnecting'
        )
          this.setState('live');
      },
    });
    wireSendTransport(client, transport);
    transport.on('connectionstatechange', (state) => {
      if (session !== this.session || session.closed) return;
      this.setPublish({ transportState: state });
      session.watchdog?.update(state);
      if (state === 'connected') {
        // The estimate restarts after every (re)connect: judge it only after a fresh warm-up.
        const now = performance.now();
        session.uplink = session.uplink ? { ...session.uplink, startedAt: now, shortSince: null } : initialUplink(session.videoLayers, now);
      }
    });
  }

  private async produceVideo(session: Session): Promise<void> {
    // The compositor's program frame: the chosen quality in the scene collection's orientation.
    const { width, height } = this.store.getState().program;
    await produceProgram(session, this.programTrack(), { width, height });
  }

  private async produceAudio(session: Session): Promise<void> {
    if (this.micTrack) await produceMic(session, this.micTrack);
  }

  private async produceData(session: Session): Promise<void> {
    if (!session.transport) return;
    const dp = await session.transport.produceData({ ordered: true, label: OVERLAY_LABEL, protocol: OVERLAY_PROTOCOL });
    session.data = dp;
    const resync = () => {
      if (session.closed || dp.readyState !== 'open') return;
      for (const t of this.pendingUnpins.values()) dp.send(JSON.stringify(t));
      this.pendingUnpins.clear();
      // Oldest first so the newest pin ends up first on the viewers' side too.
      for (const t of [...this.store.getState().pinned].reverse()) dp.send(JSON.stringify(t));
    };
    dp.on('open', resync);
    if (dp.readyState === 'open') resync();
  }

  private async collectStats(session: Session): Promise<void> {
    if (session.closed || !session.transport || session.transport.closed) return;
    try {
      const report = await session.transport.getStats();
      const entries: Array<Record<string, unknown> & { type: string; id: string }> = [];
      report.forEach((v: Record<string, unknown> & { type: string; id: string }) => {
        entries.push(v);
      });
      const now = performance.now();
      const { stats, sample } = summarizeSendStats(entries, this.lastSample, now);
      this.lastSample = sample;
      if (session.closed) return;
      this.store.setState({ stats });
      await this.adaptUplink(session, stats.estimateBps, now);
    } catch {
      // transport closing
    }
  }

  /** Run the uplink policy on one sample and send only the layers it allows (see uplink.ts). */
  private async adaptUplink(session: Session, estimateBps: number | null, now: number): Promise<void> {
    const video = session.video;
    if (!session.uplink || !video || video.closed || session.videoLayers.length === 0) return;
    const next = uplinkStep(session.uplink, session.videoLayers, estimateBps, now);
    if (next.maxLayer !== session.uplink.maxLayer) await video.setMaxSpatialLayer(next.maxLayer);
    if (session.closed) return;
    session.uplink = next;
    // What is sent: the encoder's resolution once the stats show only the allowed layers (it scales them down under
    // CPU load), the layer's nominal size until then.
    const nominal = session.videoLayers[next.maxLayer]!;
    const stats = this.store.getState().stats;
    const size =
      stats && stats.layers === next.maxLayer + 1 && stats.width && stats.height ? { width: stats.width, height: stats.height } : nominal;
    this.store.setState({
      uplink: {
        maxLayer: next.maxLayer,
        layers: session.videoLayers.length,
        estimateBps: next.estimateBps,
        width: size.width,
        height: size.height,
      },
    });
  }

  // ---- recovery -----------------------------------------------------------------------------------

  /** The socket went away: drop its media session; the socket retries (or stops) on its own. */
  private onSocketDown(socket: SignalingSocket, cause: DropCause): void {
    if (this.socket !== socket) return;
    this.closeSession();
    if (!this.wanted || !this.established) return;
    this.setPublish({ state: 'reconnecting', errorKey: 'connectionLost', errorDetail: describeCause(cause), transportState: null });
    this.store.setState({ stats: null, uplink: null });
  }

  /** The socket gave up: the first connect failed, or a reconnect met a failure that retrying cannot fix. */
  private onSocketStopped(socket: SignalingSocket, cause: DropCause): void {
    if (this.socket !== socket) return;
    const err = this.causeError(cause);
    if (this.firstOpen) {
      this.firstOpen.reject(err);
      this.firstOpen = null;
      return;
    }
    if (!this.wanted) return;
    this.stopSocket();
    this.wanted = false;
    const e = this.toPublishError(err);
    const key = err instanceof RpcError && (err.code === 'NOT_FOUND' || err.code === 'BAD_STATE') ? 'showEnded' : e.key;
    if (key === 'showEnded') this.setState('ended', key, e.message);
    else this.setState('error', key, e.message);
    this.store.getState().pushError(key, e.message);
  }

  /**
   * The machine lost its network: say so now rather than when the ping times out. Media and signaling are stalled
   * behind it; nothing is torn down yet (a blip may pass).
   */
  private readonly onOffline = (): void => {
    if (!this.wanted || !this.established || !this.socket) return;
    this.setState('reconnecting', 'connectionLost', 'offline');
  };

  /**
   * The network is back. The send transport usually finds its way back by itself (ICE consent checks over the same
   * candidate pair, within a second of the link's return): then the producers, and with them every viewer's consumers,
   * are still there and media simply flows again. Only a transport that has not come back within
   * ONLINE_TRANSPORT_WAIT_MS (the server dropped the session meanwhile, the address changed) makes the studio start
   * over at once on a fresh socket — the old one's TCP connection may sit in retransmission backoff for seconds after a
   * long outage — which resumes the show with its key and republishes.
   */
  private readonly onOnline = (): void => {
    const socket = this.socket;
    if (!this.wanted || !this.established || !socket) return;
    const session = this.session;
    const transport = session?.transport;
    void (transport && !transport.closed ? connectedWithin(transport, ONLINE_TRANSPORT_WAIT_MS) : Promise.resolve(false)).then((back) => {
      if (this.socket !== socket || !this.wanted) return;
      if (back && this.session === session && socket.status === 'open') {
        if (this.store.getState().publish.state === 'reconnecting') this.setState('live');
        return;
      }
      socket.reconnectNow();
    });
  };

  private stopSocket(): void {
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    const socket = this.socket;
    this.socket = null;
    this.firstOpen = null;
    this.closeSession();
    socket?.close();
  }

  private closeSession(): void {
    const s = this.session;
    this.session = null;
    s?.close();
    this.setPublish({ transportState: null });
  }
}

/** Whether a transport is connected now or gets there within `ms`. */
function connectedWithin(transport: NonNullable<Session['transport']>, ms: number): Promise<boolean> {
  if (transport.connectionState === 'connected') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      transport.off('connectionstatechange', onState);
      resolve(ok);
    };
    const onState = (state: string) => {
      if (state === 'connected') done(true);
      else if (state === 'closed' || state === 'failed') done(false);
    };
    const timer = setTimeout(() => done(false), ms);
    transport.on('connectionstatechange', onState);
  });
}
