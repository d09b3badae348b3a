/**
 * Publishing controller (outside React): signaling + mediasoup-client send side.
 *
 *   studio.auth → show.open → transport.create(send, sctp) → produce program video (3 simulcast layers, H.264
 *   preferred) → produce mic (opus) → produceData(overlay) → show.goLive.   End Live → show.end.
 *
 * Recovery:
 *  - transport ICE `disconnected` (2 s) or `failed` → `transport.restartIce` on the same socket; if that does not
 *    reconnect within 10 s → full reconnect.
 *  - socket closed / ping timeout → full reconnect with backoff 0.5 s … 5 s: new socket, studio.auth,
 *    show.open {showId, resumeKey}, new Device + transport + producers; current pins are re-sent.
 * State in the store: idle | connecting | live | reconnecting | ended | error (+ i18n error key and detail).
 */
import { Device, type types } from 'mediasoup-client';
import type { CommerceEvent } from '../../../shared/commerce/events';
import { type ShowInfo, ShowTitle } from '../../../shared/domain/show';
import { OUTPUT_PRESETS } from '../../../shared/protocol/host';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL, type OverlayTrigger } from '../../../shared/protocol/overlay';
import { RpcClient, RpcError } from '../../../shared/protocol/rpc';
import {
  SIGNALING_PATH,
  type SignalingClient,
  type SignalingMethods,
  signalingMethods,
  signalingNotifications,
  type TransportOptions,
} from '../../../shared/protocol/signaling';
import type { ReqOf } from '../../../shared/protocol/rpc';
import type { HostBridge } from '../host-bridge';
import type { PublishState, StudioStore } from '../store';
import type { SettingsController } from './settings';
import { type SendSample, summarizeSendStats } from './stats';

const OPEN_TIMEOUT_MS = 8000;
const PING_INTERVAL_MS = 5000;
const ICE_DISCONNECTED_GRACE_MS = 2000;
const ICE_RESTART_TIMEOUT_MS = 10_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 5000;
/**
 * SCTP capabilities sent with transport.create (mediasoup-client 3.24 no longer exposes Device.sctpCapabilities;
 * browsers negotiate 65535 streams, and the server enables SCTP when this is present).
 */
const SCTP_CAPABILITIES = { numStreams: { OS: 1024, MIS: 1024 } };

/** A failure with the i18n key to show (errors.*). */
export class PublishError extends Error {
  constructor(
    readonly key: string,
    message: string,
    /** No point retrying (bad token, show ended, taken over). */
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** http(s)://host[:port] → ws(s)://host[:port]/ws/signaling */
export function signalingUrl(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = SIGNALING_PATH;
  u.search = '';
  u.hash = '';
  return u.toString();
}

/** Simulcast encodings, low → high (matches QUALITY_SPATIAL_LAYER). */
function simulcastEncodings(height: number): RTCRtpEncodingParameters[] {
  const hd = height > 720;
  return [
    { scaleResolutionDownBy: 4, maxBitrate: hd ? 250_000 : 150_000, maxFramerate: 30 },
    { scaleResolutionDownBy: 2, maxBitrate: hd ? 800_000 : 500_000, maxFramerate: 30 },
    { scaleResolutionDownBy: 1, maxBitrate: hd ? 4_000_000 : 2_500_000, maxFramerate: 30 },
  ];
}

/** One signaling socket + Device + send transport + producers. Thrown away and rebuilt on reconnect. */
class Session {
  readonly client: SignalingClient = new RpcClient(signalingMethods, signalingNotifications, 10_000);
  ws: WebSocket | null = null;
  device: Device | null = null;
  transport: types.Transport | null = null;
  video: types.Producer | null = null;
  audio: types.Producer | null = null;
  data: types.DataProducer | null = null;
  timers: ReturnType<typeof setInterval>[] = [];
  iceTimer: ReturnType<typeof setTimeout> | null = null;
  closed = false;
  onLost: ((reason: string) => void) | null = null;

  open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      const timer = setTimeout(() => {
        ws.close();
        reject(new PublishError('serverUnreachable', `no answer from ${url} within ${OPEN_TIMEOUT_MS} ms`));
      }, OPEN_TIMEOUT_MS);
      ws.onopen = () => {
        clearTimeout(timer);
        this.client.attach(ws);
        resolve();
      };
      ws.onmessage = (ev) => {
        if (typeof ev.data === 'string') this.client.handleMessage(ev.data);
      };
      ws.onerror = () => {};
      ws.onclose = (ev) => {
        clearTimeout(timer);
        this.client.detach(`socket closed (${ev.code})`);
        reject(new PublishError('serverUnreachable', `cannot connect to ${url} (${ev.code})`));
        if (!this.closed) this.onLost?.(`socket closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`);
      };
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    if (this.iceTimer) clearTimeout(this.iceTimer);
    this.data?.close();
    this.video?.close();
    this.audio?.close();
    this.transport?.close();
    this.client.detach('session closed');
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.onmessage = null;
      this.ws.close(1000, 'bye');
    }
  }
}

export class Publisher {
  private session: Session | null = null;
  /** The streamer wants to be live (cleared by End Live or a fatal error). */
  private wanted = false;
  private showId: string | null = null;
  private resumeKey: string | null = null;
  private title = '';
  private reconnecting = false;
  private micTrack: MediaStreamTrack | null = null;
  /** Unpins made while the data channel was down: sent when it opens again. */
  private pendingUnpins = new Map<string, OverlayTrigger>();
  private lastSample: SendSample | null = null;
  private readonly commerceListeners = new Set<(event: CommerceEvent) => void>();

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
    this.store.setState({ stats: null });
    for (const k of ['serverUnreachable', 'badToken', 'publishFailed', 'showConflict', 'sessionReplaced', 'noServer'])
      this.store.getState().clearError(k);
    try {
      await this.connect(false);
      this.setState('live');
    } catch (err) {
      this.closeSession();
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
    this.closeSession();
    this.showId = null;
    this.resumeKey = null;
    this.setState('ended');
    this.store.setState({ stats: null });
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

  /** Live commerce events (`commerce.event`) arriving on the signaling socket while one is open. */
  onCommerceEvent(listener: (event: CommerceEvent) => void): () => void {
    this.commerceListeners.add(listener);
    return () => this.commerceListeners.delete(listener);
  }

  /** The signaling socket is up (commerce events arrive live); false while idle or reconnecting. */
  get signalingConnected(): boolean {
    const s = this.session;
    return !!s && !s.closed && s.client.connected;
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

  private async connect(resume: boolean): Promise<void> {
    let conn: { serverUrl: string; studioToken: string | null };
    try {
      conn = await this.host.call('host.getConnection', {});
    } catch (err) {
      throw new PublishError('noServer', describe(err), true);
    }
    this.store.setState({ serverUrl: conn.serverUrl });
    if (!conn.studioToken) throw new PublishError('badToken', 'no studio token is configured', true);

    const session = new Session();
    this.session = session;
    session.onLost = (reason) => this.onSessionLost(session, reason);
    this.listen(session);
    await session.open(signalingUrl(conn.serverUrl));
    await session.client.request('studio.auth', { token: conn.studioToken });

    const opened = await this.openShow(session, resume);
    if (session.closed) throw new PublishError('publishFailed', 'session closed');
    this.showId = opened.show.id;
    this.resumeKey = opened.resumeKey;
    this.setPublish({ show: opened.show, viewerCount: opened.viewerCount });
    if (this.store.getState().settings.lastShowId !== opened.show.id) this.settings.update({ lastShowId: opened.show.id });

    const device = new Device();
    await device.load({ routerRtpCapabilities: opened.routerRtpCapabilities as types.RtpCapabilities });
    if (!device.canProduce('video')) throw new PublishError('publishFailed', 'this browser cannot send video to the server', true);
    session.device = device;

    const params = await session.client.request('transport.create', { direction: 'send', sctpCapabilities: SCTP_CAPABILITIES });
    this.createTransport(session, params);
    await this.produceVideo(session);
    if (this.micTrack) await this.produceAudio(session);
    await this.produceData(session);

    if (opened.show.status !== 'live') {
      const { show } = await session.client.request('show.goLive', { showId: opened.show.id });
      this.setShow(show);
    }
    this.startTimers(session);
  }

  private async openShow(session: Session, resume: boolean) {
    const { client } = session;
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

  private listen(session: Session): void {
    const { client } = session;
    client.on('viewers.count', ({ showId, count }) => {
      if (showId === this.showId) this.setPublish({ viewerCount: count });
    });
    client.on('show.state', ({ show }) => {
      if (show.id !== this.showId) return;
      this.setShow(show);
      if (show.status === 'ended' && this.wanted) {
        this.wanted = false;
        this.closeSession();
        this.showId = null;
        this.resumeKey = null;
        this.setState('ended');
        this.settings.update({ lastShowId: null });
      }
    });
    client.on('commerce.event', (event) => {
      if (this.session !== session) return;
      for (const l of this.commerceListeners) l(event);
    });
    client.on('session.replaced', ({ reason }) => {
      if (this.session !== session) return;
      this.wanted = false;
      this.closeSession();
      this.setState('error', 'sessionReplaced', reason);
      this.store.getState().pushError('sessionReplaced', reason);
    });
  }

  private createTransport(session: Session, params: TransportOptions): void {
    const { client, device } = session;
    const transport = device!.createSendTransport({
      id: params.id,
      iceParameters: params.iceParameters as types.IceParameters,
      iceCandidates: params.iceCandidates as types.IceCandidate[],
      dtlsParameters: params.dtlsParameters as types.DtlsParameters,
      sctpParameters: (params.sctpParameters ?? undefined) as types.SctpParameters | undefined,
    });
    session.transport = transport;
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      client
        .request('transport.connect', {
          transportId: transport.id,
          dtlsParameters: dtlsParameters as ReqOf<SignalingMethods, 'transport.connect'>['dtlsParameters'],
        })
        .then(() => callback(), errback);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      const source = appData.source === 'mic' ? 'mic' : 'program';
      client
        .request('produce', {
          transportId: transport.id,
          kind,
          rtpParameters: rtpParameters as ReqOf<SignalingMethods, 'produce'>['rtpParameters'],
          source,
        })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
    transport.on('producedata', ({ sctpStreamParameters, label, protocol }, callback, errback) => {
      client
        .request('produceData', {
          transportId: transport.id,
          sctpStreamParameters: sctpStreamParameters as ReqOf<SignalingMethods, 'produceData'>['sctpStreamParameters'],
          label: label ?? OVERLAY_LABEL,
          protocol: protocol ?? OVERLAY_PROTOCOL,
        })
        .then(({ dataProducerId }) => callback({ id: dataProducerId }), errback);
    });
    transport.on('connectionstatechange', (state) => this.onTransportState(session, state));
  }

  private async produceVideo(session: Session): Promise<void> {
    const device = session.device!;
    const h264 =
      device.rtpCapabilities.codecs?.find(
        (c) => c.mimeType.toLowerCase() === 'video/h264' && Number(c.parameters?.['packetization-mode'] ?? 0) === 1,
      ) ?? device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/h264');
    const { height } = OUTPUT_PRESETS[this.store.getState().settings.output];
    const producer = await session.transport!.produce({
      track: this.programTrack(),
      encodings: simulcastEncodings(height),
      codecOptions: { videoGoogleStartBitrate: 1000 },
      ...(h264 ? { codec: h264 } : {}),
      stopTracks: false,
      appData: { source: 'program' },
    });
    session.video = producer;
    // Keep the frame rate and drop resolution under pressure: live commerce needs fluid motion.
    const sender = producer.rtpSender;
    if (sender) {
      try {
        const p = sender.getParameters();
        p.degradationPreference = 'maintain-framerate';
        await sender.setParameters(p);
      } catch {
        // not supported by this browser: the track's contentHint 'motion' gives the same preference
      }
    }
  }

  private async produceAudio(session: Session): Promise<void> {
    if (!this.micTrack || !session.device?.canProduce('audio')) return;
    session.audio = await session.transport!.produce({
      track: this.micTrack,
      codecOptions: { opusStereo: false, opusFec: true, opusDtx: false },
      stopTracks: false,
      appData: { source: 'mic' },
    });
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

  private startTimers(session: Session): void {
    session.timers.push(
      setInterval(() => {
        if (session.closed || !session.client.connected) return;
        session.client.request('ping', {}).catch((err) => {
          if (!session.closed && err instanceof RpcError && err.code === 'TIMEOUT') this.onSessionLost(session, 'ping timeout');
        });
      }, PING_INTERVAL_MS),
      setInterval(() => void this.collectStats(session), 1000),
    );
  }

  private async collectStats(session: Session): Promise<void> {
    if (session.closed || !session.transport || session.transport.closed) return;
    try {
      const report = await session.transport.getStats();
      const entries: Array<Record<string, unknown> & { type: string; id: string }> = [];
      report.forEach((v: Record<string, unknown> & { type: string; id: string }) => {
        entries.push(v);
      });
      const { stats, sample } = summarizeSendStats(entries, this.lastSample, performance.now());
      this.lastSample = sample;
      if (!session.closed) this.store.setState({ stats });
    } catch {
      // transport closing
    }
  }

  // ---- recovery -----------------------------------------------------------------------------------

  private onTransportState(session: Session, state: string): void {
    if (session !== this.session || session.closed) return;
    this.setPublish({ transportState: state });
    if (state === 'connected') {
      if (session.iceTimer) clearTimeout(session.iceTimer);
      session.iceTimer = null;
      if (this.store.getState().publish.state === 'reconnecting' && !this.reconnecting) this.setState('live');
      return;
    }
    if (state === 'disconnected') {
      if (session.iceTimer) return;
      session.iceTimer = setTimeout(() => {
        session.iceTimer = null;
        if (session.transport?.connectionState === 'disconnected') void this.restartIce(session);
      }, ICE_DISCONNECTED_GRACE_MS);
    } else if (state === 'failed') {
      void this.restartIce(session);
    }
  }

  private async restartIce(session: Session): Promise<void> {
    if (session.closed || !this.wanted || !session.transport) return;
    if (!session.client.connected) {
      this.onSessionLost(session, 'ICE failed and the socket is gone');
      return;
    }
    this.setState('reconnecting', 'networkUnstable');
    try {
      const { iceParameters } = await session.client.request('transport.restartIce', { transportId: session.transport.id });
      await session.transport.restartIce({ iceParameters: iceParameters as types.IceParameters });
    } catch (err) {
      this.onSessionLost(session, `ICE restart failed: ${describe(err)}`);
      return;
    }
    if (session.iceTimer) clearTimeout(session.iceTimer);
    session.iceTimer = setTimeout(() => {
      session.iceTimer = null;
      if (!session.closed && session.transport?.connectionState !== 'connected')
        this.onSessionLost(session, 'ICE restart did not reconnect');
    }, ICE_RESTART_TIMEOUT_MS);
  }

  private onSessionLost(session: Session, reason: string): void {
    if (session !== this.session || session.closed) return;
    session.close();
    if (!this.wanted || !this.showId || !this.resumeKey) return; // still connecting the first time: goLive reports it
    void this.reconnectLoop(reason);
  }

  private async reconnectLoop(reason: string): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    let delay = BACKOFF_MIN_MS;
    let attempt = 0;
    this.setPublish({ state: 'reconnecting', errorKey: 'connectionLost', errorDetail: reason, transportState: null });
    this.store.setState({ stats: null });
    try {
      while (this.wanted) {
        attempt++;
        this.setPublish({ reconnectAttempt: attempt });
        await sleep(delay * (0.8 + Math.random() * 0.4));
        if (!this.wanted) break;
        this.closeSession();
        try {
          await this.connect(true);
          this.setPublish({ state: 'live', errorKey: null, errorDetail: null, reconnectAttempt: 0 });
          this.lastSample = null;
          return;
        } catch (err) {
          const e = this.toPublishError(err);
          if (e.fatal || (err instanceof RpcError && (err.code === 'NOT_FOUND' || err.code === 'BAD_STATE'))) {
            this.closeSession();
            this.wanted = false;
            const key = err instanceof RpcError && (err.code === 'NOT_FOUND' || err.code === 'BAD_STATE') ? 'showEnded' : e.key;
            if (key === 'showEnded') this.setState('ended', key, e.message);
            else this.setState('error', key, e.message);
            this.store.getState().pushError(key, e.message);
            return;
          }
          this.setPublish({ errorDetail: e.message });
          delay = Math.min(delay * 2, BACKOFF_MAX_MS);
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private closeSession(): void {
    const s = this.session;
    this.session = null;
    s?.close();
    this.setPublish({ transportState: null });
  }
}
