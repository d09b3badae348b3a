/**
 * The media half of a viewer session: the recv transport (watched by the shared IceWatchdog), its consumers and
 * overlay DataConsumers, the queue of `consume` rounds, and the one MediaStream the page's <video> plays. The session
 * (player.ts) owns the socket and the generation; every async step here checks it, so work finishing for an older
 * session is dropped.
 */
import type { Device, types as ms } from 'mediasoup-client';
import type { DtlsParameters } from '../../../../shared/protocol/mediasoup-params';
import { type OverlayTrigger, parseOverlay } from '../../../../shared/protocol/overlay';
import { RpcError } from '../../../../shared/protocol/rpc';
import type { ConsumerInfo, DataConsumerInfo, SignalingClient, TransportOptions } from '../../../../shared/protocol/signaling';
import { ICE_WATCHDOG_DEFAULTS, IceWatchdog } from '../../../ui/ice-watchdog';
import {
  clientRtpParameters,
  clientSctpStreamParameters,
  clientTransportOptions,
  restartTransportIce,
  SCTP_CAPABILITIES,
  wireDtlsParameters,
  wireRecvCapabilities,
} from '../../../ui/mediasoup-adapters';
import type { TransportState, ViewerStore } from '../../store';
import type { AudioMeter } from '../audio-meter';
import { sameDtlsIdentity } from '../dtls-cert';
import type { OverlaySync } from '../overlay-sync';
import { mark } from './marks';

/**
 * ICE restarts (after 2 s disconnected, then every 5 s) that have not brought the transport back after this long
 * give up: the page rejoins from scratch and says the connection is too poor.
 */
const ICE_GIVE_UP_MS = 20_000;

/** What a consume round attaches: a `consume` reply, or the consumers a `viewer.join` created. */
export type ConsumeReply = { consumers: ConsumerInfo[]; dataConsumers: DataConsumerInfo[] };

/** What the media half needs from its session. */
export interface MediaHost {
  readonly rpc: SignalingClient;
  readonly audioMeter: AudioMeter;
  readonly overlaySync?: OverlaySync;
  /** The store the session writes to now (a scratch one while probing from HLS). */
  store(): ViewerStore;
  /** The current session's generation. */
  generation(): number;
  /** (Re)load the <video> with the stream. */
  refreshElement(): void;
  /** The media path cannot be used: start the session again (the socket reconnects). */
  drop(reason: string): void;
  /** The browser did not use the DTLS certificate the join announced: later joins must connect with a request. */
  dtlsIgnored(): void;
}

export class MediaSession {
  readonly stream = new MediaStream();
  private transport: ms.Transport | null = null;
  private device: Device | null = null;
  private watchdog: IceWatchdog | null = null;
  private readonly consumers = new Map<string, ms.Consumer>();
  private readonly dataConsumers = new Map<string, ms.DataConsumer>();
  private chain: Promise<void> = Promise.resolve();
  private consumeQueued = false;

  constructor(private readonly host: MediaHost) {}

  get hasTransport(): boolean {
    return this.transport !== null;
  }

  /** The recv transport of the current session (null: none yet, or torn down). */
  currentTransport(): ms.Transport | null {
    return this.transport && !this.transport.closed ? this.transport : null;
  }

  /** `connected`: the DTLS parameters the join already connected the transport with (see dtls-cert.ts). */
  createTransport(
    gen: number,
    device: Device,
    o: TransportOptions,
    certificate: RTCCertificate | null,
    connected: DtlsParameters | null,
  ): void {
    const { rpc } = this.host;
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
        this.host.dtlsIgnored();
        errback(new Error('the transport does not use the DTLS certificate the join announced'));
        if (gen === this.host.generation()) this.host.drop('DTLS certificate not used');
        return;
      }
      rpc
        .request('transport.connect', { transportId: transport.id, dtlsParameters })
        .then(() => callback())
        .catch((err: unknown) => errback(err instanceof Error ? err : new Error(String(err))));
    });
    const watchdog = new IceWatchdog({
      ...ICE_WATCHDOG_DEFAULTS,
      giveUpAfterMs: ICE_GIVE_UP_MS,
      restartIce: () => restartTransportIce(rpc, transport),
      giveUp: (reason) => {
        if (gen !== this.host.generation()) return;
        console.warn('storecast: the media connection did not recover, rejoining', reason);
        this.host.store().getState().setPoorConnection(true);
        this.host.drop(reason);
      },
    });
    this.watchdog?.dispose();
    this.watchdog = watchdog;
    transport.on('connectionstatechange', (state) => {
      if (gen !== this.host.generation()) return;
      this.host
        .store()
        .getState()
        .setTransportState(state as TransportState);
      mark(`transport-${state}`);
      watchdog.update(state);
    });
    this.transport = transport;
    this.device = device;
    this.host.store().getState().setTransportState('new');
  }

  /** Queue a `consume` round (coalesces bursts of `media.available`). */
  requestConsume(gen: number): void {
    if (this.consumeQueued) return;
    this.consumeQueued = true;
    this.queue(gen, async () => {
      this.consumeQueued = false;
      const transport = this.transport;
      const device = this.device;
      if (!transport || !device || transport.closed) return null;
      return this.host.rpc.request('consume', {
        transportId: transport.id,
        // mediasoup-client's type is wider than the wire schema (codec parameters: unknown); the server validates it.
        rtpCapabilities: wireRecvCapabilities(device),
        sctpCapabilities: SCTP_CAPABILITIES,
      });
    });
  }

  /**
   * The join's own consumers, as the first round on a new transport: `held` runs once their resumes are on the wire
   * (the join holds its page render for the first picture there), `then` after the round, also when it failed.
   */
  attachJoined(gen: number, res: ConsumeReply, held: () => Promise<void>, then: () => void): void {
    this.chain = this.attach(gen, res, held)
      .catch((err: unknown) => this.consumeFailed(gen, err))
      .finally(then);
  }

  /**
   * Run one consume round after the previous ones: `fetch` yields the server's consumers (a `consume` reply), which
   * are attached and resumed.
   */
  private queue(gen: number, fetch: () => Promise<ConsumeReply | null>): void {
    this.chain = this.chain
      .then(async () => {
        if (gen !== this.host.generation()) return;
        const res = await fetch();
        if (res && gen === this.host.generation()) await this.attach(gen, res);
      })
      .catch((err: unknown) => this.consumeFailed(gen, err));
  }

  private consumeFailed(gen: number, err: unknown): void {
    if (gen !== this.host.generation()) return;
    if (err instanceof RpcError && err.code === 'DISCONNECTED') return;
    console.error('storecast: consume failed', err);
  }

  private async attach(gen: number, res: ConsumeReply, held?: () => Promise<void>): Promise<void> {
    const transport = this.transport;
    if (!transport || transport.closed) return;
    const { rpc } = this.host;
    // mediasoup-client batches concurrent consume() calls into one renegotiation: create them all at once.
    const fresh = res.consumers.filter((c) => !this.consumers.has(c.id));
    mark('consume-reply');
    const created = await Promise.all(fresh.map((info) => this.createConsumer(transport, info)));
    mark('consumers-created');
    if (gen !== this.host.generation()) return;
    this.host.refreshElement();
    const resumed = created.map(async (consumer) => {
      await rpc.request('consumer.resume', { consumerId: consumer.id });
      mark(`resumed-${consumer.kind}`);
      const quality = this.host.store().getState().quality;
      if (consumer.kind === 'video' && quality !== 'auto') {
        await rpc.request('consumer.setQuality', { consumerId: consumer.id, quality });
      }
    });
    if (held) {
      await held();
      if (gen !== this.host.generation()) return;
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
    if (info.kind === 'audio') this.host.audioMeter.setTrack(consumer.track);
    this.host.store().getState().trackAdded(info.kind, { consumerId: info.id, producerId: info.producerId, paused: info.producerPaused });
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
      if (this.host.overlaySync) this.host.overlaySync.push(trigger);
      else this.host.store().getState().applyTrigger(trigger);
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
    const gen = this.host.generation();
    const resync = async () => {
      try {
        const { overlays } = await this.host.rpc.request('show.overlays', {});
        if (gen === this.host.generation()) this.host.store().getState().overlaysSynced(overlays);
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

  removeConsumer(consumerId: string): void {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) return;
    this.consumers.delete(consumerId);
    this.stream.removeTrack(consumer.track);
    if (consumer.kind === 'audio') this.host.audioMeter.setTrack(null);
    if (!consumer.closed) consumer.close();
    this.host.store().getState().trackRemoved(consumerId);
  }

  /** The server closed an overlay DataConsumer. */
  dataConsumerClosed(dataConsumerId: string): void {
    const dc = this.dataConsumers.get(dataConsumerId);
    this.dataConsumers.delete(dataConsumerId);
    if (dc && !dc.closed) dc.close();
  }

  /** Release the transport and everything on it. */
  teardown(): void {
    this.watchdog?.dispose();
    this.watchdog = null;
    for (const id of [...this.consumers.keys()]) this.removeConsumer(id);
    for (const dc of this.dataConsumers.values()) if (!dc.closed) dc.close();
    this.dataConsumers.clear();
    if (this.transport && !this.transport.closed) this.transport.close();
    this.transport = null;
    this.device = null;
    this.consumeQueued = false;
    this.chain = Promise.resolve();
    this.host.store().getState().mediaCleared();
  }
}

/** Ask the receiver for the smallest playout delay (Chromium: playoutDelayHint; standard: jitterBufferTarget). */
function lowLatencyReceiver(receiver: RTCRtpReceiver): void {
  const r = receiver as RTCRtpReceiver & { jitterBufferTarget?: number | null; playoutDelayHint?: number | null };
  if ('jitterBufferTarget' in r) r.jitterBufferTarget = 0;
  if ('playoutDelayHint' in r) r.playoutDelayHint = 0;
}
