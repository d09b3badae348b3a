/**
 * Publishing controller (outside React): signaling + mediasoup-client send side.
 *
 *   studio.auth → show.open → transport.create(send, sctp) → produce program video (3 simulcast layers, H.264
 *   preferred) → produce mic (opus) → produceData(overlay) → show.goLive.   End Live → show.end.
 *
 * The signaling socket is a ReconnectingRpcSocket (app/ui) whose on-open hook runs the sequence above, so every
 * reconnect re-authenticates and reopens the show with its resume key: socket closed / ping timeout → reconnect with
 * backoff 0.5 s … 5 s: new socket, studio.auth, show.open {showId, resumeKey}, new Device + transport + producers;
 * current pins are re-sent. ICE and the browser's network events: publisher-recovery.ts; stats and the uplink
 * policy: publisher-uplink.ts; the overlay channel: publisher-overlay.ts.
 * State in the store: idle | connecting | live | reconnecting | ended | error (+ i18n error key and detail).
 */
import { Device } from 'mediasoup-client';
import { type ShowInfo, ShowTitle } from '../../../shared/domain/show';
import type { OverlayTrigger } from '../../../shared/protocol/overlay';
import { RpcError } from '../../../shared/protocol/rpc';
import { type SignalingClient, signalingMethods, signalingNotifications } from '../../../shared/protocol/signaling';
import { routerCapabilities, SCTP_CAPABILITIES } from '../../ui/mediasoup-adapters';
import { type DropCause, describeCause, ReconnectingRpcSocket } from '../../ui/reconnecting-socket';
import type { HostBridge } from '../host-bridge';
import type { PublishState, StudioStore } from '../store';
import { causeError, isShowGone, toPublishError } from './publisher-errors';
import { OverlayChannel } from './publisher-overlay';
import { createSendTransport, NetworkWatch, type RecoveryHost, type SignalingSocket } from './publisher-recovery';
import { describe, PublishError, produceMic, produceProgram, Session, signalingUrl } from './publisher-session';
import { SendMonitor } from './publisher-uplink';
import type { SettingsController } from './settings';

const OPEN_TIMEOUT_MS = 8000;
const PING = { method: 'ping', intervalMs: 5000, timeoutMs: 10_000 } as const;
/** A publisher reconnects fast and often: viewers are waiting for the picture. */
const BACKOFF = { initialMs: 500, maxMs: 5000, jitter: 0.4 };

export { PublishError, signalingUrl } from './publisher-session';

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
  private readonly overlay: OverlayChannel;
  private readonly monitor: SendMonitor;
  private readonly recovery: RecoveryHost = {
    wanted: () => this.wanted,
    established: () => this.established,
    socket: () => this.socket,
    session: () => this.session,
    publishState: () => this.store.getState().publish.state,
    setState: (state, errorKey, errorDetail) => this.setState(state, errorKey ?? null, errorDetail ?? null),
    transportState: (transportState) => this.setPublish({ transportState }),
    transportConnected: (session) => this.monitor.restartUplink(session),
  };
  private readonly network = new NetworkWatch(this.recovery);

  constructor(
    private readonly store: StudioStore,
    private readonly host: HostBridge,
    private readonly settings: SettingsController,
    private readonly programTrack: () => MediaStreamTrack,
  ) {
    this.overlay = new OverlayChannel(store);
    this.monitor = new SendMonitor(store);
  }

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
    this.monitor.reset();
    this.setPublish({ state: 'connecting', errorKey: null, errorDetail: null, show: null, viewerCount: 0, reconnectAttempt: 0 });
    this.store.setState({ stats: null, uplink: null });
    for (const k of ['serverUnreachable', 'badToken', 'publishFailed', 'showConflict', 'sessionReplaced', 'noServer'])
      this.store.getState().clearError(k);
    this.established = false;
    this.network.start();
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
      const e = toPublishError(err);
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
    this.overlay.send(this.session, trigger);
  }

  // ---- connection ---------------------------------------------------------------------------------

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
            this.monitor.reset();
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

  private shouldRetry(cause: DropCause): boolean {
    if (!this.wanted || !this.established) return false; // the first connect: goLive reports it
    const err = causeError(cause);
    if (isShowGone(err)) return false;
    return !toPublishError(err).fatal;
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
    createSendTransport(this.recovery, socket, session, params);
    await this.produceVideo(session);
    if (this.micTrack) await this.produceAudio(session);
    await this.overlay.produce(session);
    check();

    if (opened.show.status !== 'live') {
      const { show } = await client.request('show.goLive', { showId: opened.show.id });
      this.setShow(show);
    }
    session.statsTimer = setInterval(() => void this.monitor.collect(session), 1000);
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

  private async produceVideo(session: Session): Promise<void> {
    // The compositor's program frame: the chosen quality in the scene collection's orientation.
    const { width, height } = this.store.getState().program;
    await produceProgram(session, this.programTrack(), { width, height });
  }

  private async produceAudio(session: Session): Promise<void> {
    if (this.micTrack) await produceMic(session, this.micTrack);
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
    const err = causeError(cause);
    if (this.firstOpen) {
      this.firstOpen.reject(err);
      this.firstOpen = null;
      return;
    }
    if (!this.wanted) return;
    this.stopSocket();
    this.wanted = false;
    const e = toPublishError(err);
    const key = isShowGone(err) ? 'showEnded' : e.key;
    if (key === 'showEnded') this.setState('ended', key, e.message);
    else this.setState('error', key, e.message);
    this.store.getState().pushError(key, e.message);
  }

  private stopSocket(): void {
    this.network.stop();
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
