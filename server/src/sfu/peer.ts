/**
 * One signaling session's media state inside a Room: its WebRtcTransports and what it produces (studio) or
 * consumes (viewer). Every mediasoup object is tracked in a map and removed when mediasoup reports it closed,
 * so closing the peer (or its transports, or the router) leaves nothing behind.
 */
import { errors, parseScalabilityMode, type types } from 'mediasoup';
import type { z } from 'zod';
import { QUALITY_SPATIAL_LAYER, type Quality } from '../../../shared/domain/show';
import type {
  DtlsParameters,
  RtpCapabilities,
  RtpParameters,
  SctpCapabilities,
  SctpStreamParameters,
} from '../../../shared/protocol/mediasoup-params';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL } from '../../../shared/protocol/overlay';
import { RpcError } from '../../../shared/protocol/rpc';
import type {
  ConsumerInfo,
  DataConsumerInfo,
  MediaSource,
  SignalingNotifications,
  TransportOptions,
} from '../../../shared/protocol/signaling';
import type { Logger } from '../log';
import type { TransportBudget } from './capacity';
import { DownlinkGuard } from './downlink';
import { KEY_FRAME_REQUEST_DELAY_MS, RECV_INITIAL_OUTGOING_BITRATE } from './media-codecs';

export type PeerRole = 'studio' | 'viewer';
export type Direction = 'send' | 'recv';

export type Notify = <K extends keyof SignalingNotifications & string>(method: K, data: z.input<SignalingNotifications[K]>) => void;

/** Where a peer's notifications and forced disconnects go (the signaling session). */
export interface PeerSink {
  /** The client's address (the signaling request's): transports are capped per address. */
  readonly ip: string;
  notify: Notify;
  /** Close the session's socket (e.g. taken over, media worker restarted). */
  disconnect(code: number, reason: string): void;
}

/** What a peer needs from its room. */
export interface PeerRoom {
  readonly showId: string;
  readonly router: types.Router;
  /** Every WebRTC transport listens through the router's worker's WebRtcServer (its one UDP and TCP port). */
  readonly webRtcServer: types.WebRtcServer;
  readonly transportBudget: TransportBudget;
  readonly isLive: boolean;
  /** Producers of the current publisher. */
  mediaProducers(): Iterable<types.Producer>;
  overlayProducer(): types.DataProducer | null;
  /** A producer or the overlay DataProducer was created. */
  onNewProducer(): void;
  onOverlayProducer(dp: types.DataProducer): void;
  /** Make every producer of the show consumable on this router (a fan-out router pipes them in). */
  prepare(): Promise<void>;
}

export const MAX_TRANSPORTS_PER_PEER = 4;
const SOURCE_KIND: Record<MediaSource, 'audio' | 'video'> = { program: 'video', mic: 'audio' };

interface TransportAppData extends types.AppData {
  direction: Direction;
  connected?: boolean;
}
interface ProducerAppData extends types.AppData {
  source: MediaSource;
}

/**
 * Run a mediasoup call whose failure is caused by client-supplied parameters: mediasoup's validation
 * errors become typed replies instead of INTERNAL.
 */
async function clientCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RpcError) throw err;
    if (err instanceof errors.NotFoundError) throw new RpcError('NOT_FOUND', `${what}: ${err.message}`);
    if (err instanceof errors.WorkerClosedError) throw new RpcError('BAD_STATE', `${what}: media server restarting`);
    throw new RpcError('BAD_REQUEST', `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export class Peer {
  readonly transports = new Map<string, types.WebRtcTransport<TransportAppData>>();
  readonly producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly dataProducers = new Map<string, types.DataProducer>();
  readonly consumers = new Map<string, types.Consumer>();
  readonly dataConsumers = new Map<string, types.DataConsumer>();
  /** Per simulcast video consumer: steps it under the top layer fast when the link cannot carry that (downlink.ts). */
  private readonly guards = new Map<string, DownlinkGuard>();
  private _closed = false;

  constructor(
    /** The signaling session id (a session holds at most one peer at a time). */
    readonly id: string,
    readonly role: PeerRole,
    readonly room: PeerRoom,
    private readonly sink: PeerSink,
    readonly log: Logger,
  ) {}

  get closed(): boolean {
    return this._closed;
  }

  readonly notify: Notify = (method, data) => this.sink.notify(method, data);

  disconnect(code: number, reason: string): void {
    this.sink.disconnect(code, reason);
  }

  private assertOpen(): void {
    if (this._closed) throw new RpcError('BAD_STATE', 'this session is no longer part of the show');
  }

  private transport(id: string, direction?: Direction): types.WebRtcTransport<TransportAppData> {
    const t = this.transports.get(id);
    if (!t) throw new RpcError('NOT_FOUND', `unknown transport ${id}`);
    if (direction && t.appData.direction !== direction)
      throw new RpcError('BAD_REQUEST', `transport ${id} is not a ${direction} transport`);
    return t;
  }

  async createTransport(
    direction: Direction,
    sctpCapabilities: SctpCapabilities | undefined,
    forceTcp: boolean,
  ): Promise<TransportOptions> {
    this.assertOpen();
    const allowed: Direction = this.role === 'studio' ? 'send' : 'recv';
    if (direction !== allowed) throw new RpcError('FORBIDDEN', `a ${this.role} may only create ${allowed} transports`);
    if (this.transports.size >= MAX_TRANSPORTS_PER_PEER) {
      throw new RpcError('RATE_LIMITED', `at most ${MAX_TRANSPORTS_PER_PEER} transports per session`);
    }
    // Counted before the worker is asked (concurrent requests cannot overshoot), released when mediasoup reports
    // the transport closed, however that happens (leave, socket close, router closed, worker died).
    const release = this.room.transportBudget.reserve(this.sink.ip, this.role === 'studio');
    let transport: types.WebRtcTransport<TransportAppData>;
    try {
      transport = await this.room.router.createWebRtcTransport<TransportAppData>({
        webRtcServer: this.room.webRtcServer,
        enableUdp: !forceTcp,
        enableTcp: true,
        preferUdp: !forceTcp,
        enableSctp: sctpCapabilities !== undefined,
        ...(direction === 'recv' ? { initialAvailableOutgoingBitrate: RECV_INITIAL_OUTGOING_BITRATE } : {}),
        appData: { direction },
      });
    } catch (err) {
      release();
      throw err;
    }
    transport.observer.once('close', release);
    if (this._closed) {
      transport.close();
      this.assertOpen();
    }
    this.transports.set(transport.id, transport);
    transport.observer.once('close', () => this.transports.delete(transport.id));
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') this.log.info({ transportId: transport.id, state }, 'transport DTLS state');
    });
    transport.on('icestatechange', (state) => this.log.debug({ transportId: transport.id, state }, 'transport ICE state'));
    this.log.debug({ transportId: transport.id, direction, sctp: sctpCapabilities !== undefined, forceTcp }, 'transport created');
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
      sctpParameters: transport.sctpParameters ?? null,
    };
  }

  async connectTransport(transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
    this.assertOpen();
    const t = this.transport(transportId);
    if (t.appData.connected) throw new RpcError('BAD_STATE', `transport ${transportId} is already connected`);
    await clientCall('transport.connect', () => t.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters }));
    t.appData.connected = true;
  }

  async restartIce(transportId: string): Promise<types.IceParameters> {
    this.assertOpen();
    const t = this.transport(transportId);
    return clientCall('transport.restartIce', () => t.restartIce());
  }

  async produce(transportId: string, kind: 'audio' | 'video', rtpParameters: RtpParameters, source: MediaSource): Promise<string> {
    this.assertOpen();
    if (this.role !== 'studio') throw new RpcError('FORBIDDEN', 'viewers may not produce');
    const t = this.transport(transportId, 'send');
    if (SOURCE_KIND[source] !== kind) throw new RpcError('BAD_REQUEST', `source "${source}" must be ${SOURCE_KIND[source]}`);
    for (const p of this.producers.values()) {
      if (p.appData.source === source) throw new RpcError('CONFLICT', `already producing "${source}" (producer ${p.id})`);
    }
    const producer = await clientCall('produce', () =>
      t.produce<ProducerAppData>({
        kind,
        rtpParameters: rtpParameters as types.RtpParameters,
        ...(kind === 'video' ? { keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS } : {}),
        appData: { source },
      }),
    );
    if (this._closed) {
      producer.close();
      this.assertOpen();
    }
    this.producers.set(producer.id, producer);
    producer.observer.once('close', () => this.producers.delete(producer.id));
    this.log.info({ producerId: producer.id, kind, source, type: producer.type }, 'producer created');
    this.room.onNewProducer();
    return producer.id;
  }

  private ownProducer(producerId: string): types.Producer {
    const p = this.producers.get(producerId);
    if (!p) throw new RpcError('NOT_FOUND', `unknown producer ${producerId}`);
    return p;
  }

  async pauseProducer(producerId: string): Promise<void> {
    this.assertOpen();
    await this.ownProducer(producerId).pause();
  }

  async resumeProducer(producerId: string): Promise<void> {
    this.assertOpen();
    await this.ownProducer(producerId).resume();
  }

  async produceData(transportId: string, sctpStreamParameters: SctpStreamParameters, label: string, protocol: string): Promise<string> {
    this.assertOpen();
    if (this.role !== 'studio') throw new RpcError('FORBIDDEN', 'viewers may not produce data');
    if (label !== OVERLAY_LABEL || protocol !== OVERLAY_PROTOCOL) {
      throw new RpcError('BAD_REQUEST', `only the overlay channel (label "${OVERLAY_LABEL}", protocol "${OVERLAY_PROTOCOL}") is accepted`);
    }
    const t = this.transport(transportId, 'send');
    if (!t.sctpParameters) throw new RpcError('BAD_STATE', 'transport was created without sctpCapabilities');
    if (this.dataProducers.size > 0) throw new RpcError('CONFLICT', 'the overlay channel is already open');
    const dp = await clientCall('produceData', () =>
      t.produceData({ sctpStreamParameters: sctpStreamParameters as types.SctpStreamParameters, label, protocol }),
    );
    if (this._closed) {
      dp.close();
      this.assertOpen();
    }
    this.dataProducers.set(dp.id, dp);
    dp.observer.once('close', () => this.dataProducers.delete(dp.id));
    this.log.info({ dataProducerId: dp.id }, 'overlay data producer created');
    this.room.onOverlayProducer(dp);
    this.room.onNewProducer();
    return dp.id;
  }

  /** Create (paused) consumers for every producer this peer does not consume yet. Idempotent. */
  async consume(
    transportId: string,
    rtpCapabilities: RtpCapabilities,
  ): Promise<{ consumers: ConsumerInfo[]; dataConsumers: DataConsumerInfo[] }> {
    this.assertOpen();
    if (this.role !== 'viewer') throw new RpcError('FORBIDDEN', 'only viewers consume');
    const t = this.transport(transportId, 'recv');
    const out = { consumers: [] as ConsumerInfo[], dataConsumers: [] as DataConsumerInfo[] };
    if (!this.room.isLive) return out; // media flows once the show is live; `media.available` follows
    await this.room.prepare();
    this.assertOpen();
    const caps = rtpCapabilities as types.RtpCapabilities;
    const consumed = new Set([...this.consumers.values()].map((c) => c.producerId));
    const pending = [...this.room.mediaProducers()].filter((p) => !consumed.has(p.id) && !p.closed);
    // Check every producer first so an unsupported codec fails the call without creating anything.
    for (const producer of pending) {
      if (!this.room.router.canConsume({ producerId: producer.id, rtpCapabilities: caps })) {
        throw new RpcError(
          'BAD_REQUEST',
          `rtpCapabilities cannot receive ${producer.kind} (${producer.rtpParameters.codecs[0]?.mimeType})`,
        );
      }
    }
    const dp = this.room.overlayProducer();
    const dataConsumed = [...this.dataConsumers.values()].some((d) => d.dataProducerId === dp?.id);
    const wantsData = dp && !dp.closed && !dataConsumed && t.sctpParameters ? dp : null;
    // The worker requests run concurrently (one round trip to the worker instead of one per consumer). Either all
    // are kept or none: a failure closes the ones that were made.
    const live = pending.filter((p) => !p.closed);
    const [media, data] = await Promise.all([
      Promise.allSettled(
        live.map((producer) =>
          clientCall('consume', () =>
            t.consume({
              producerId: producer.id,
              rtpCapabilities: caps,
              paused: true,
              appData: { source: (producer.appData as ProducerAppData).source },
            }),
          ),
        ),
      ),
      Promise.allSettled(wantsData ? [clientCall('consume', () => t.consumeData({ dataProducerId: wantsData.id }))] : []),
    ]);
    const failed = [...media, ...data].find((r) => r.status === 'rejected');
    if (failed || this._closed) {
      for (const made of [...fulfilled(media), ...fulfilled(data)]) made.close();
      this.assertOpen();
      throw failed!.reason;
    }
    for (const consumer of fulfilled(media)) {
      this.trackConsumer(consumer, t);
      out.consumers.push({
        id: consumer.id,
        producerId: consumer.producerId,
        kind: consumer.kind,
        source: (consumer.appData as { source: MediaSource }).source,
        rtpParameters: consumer.rtpParameters as RtpParameters,
        producerPaused: consumer.producerPaused,
      });
    }
    for (const dc of fulfilled(data)) {
      this.trackDataConsumer(dc);
      out.dataConsumers.push({
        id: dc.id,
        dataProducerId: dc.dataProducerId,
        sctpStreamParameters: dc.sctpStreamParameters!,
        label: dc.label,
        protocol: dc.protocol,
      });
    }
    return out;
  }

  private trackConsumer(consumer: types.Consumer, transport: types.WebRtcTransport): void {
    const id = consumer.id;
    this.consumers.set(id, consumer);
    if (consumer.kind === 'video' && consumer.type === 'simulcast') {
      const producer = () => [...this.room.mediaProducers()].find((p) => p.id === consumer.producerId) ?? null;
      this.guards.set(id, new DownlinkGuard(transport, consumer, producer, this.log));
      consumer.observer.once('close', () => {
        this.guards.get(id)?.close();
        this.guards.delete(id);
      });
    }
    let closedNotified = false;
    const closed = () => {
      this.consumers.delete(id);
      if (!closedNotified) {
        closedNotified = true;
        this.sink.notify('consumer.closed', { consumerId: id });
      }
    };
    consumer.on('producerclose', closed);
    consumer.on('transportclose', closed);
    consumer.observer.once('close', () => this.consumers.delete(id));
    consumer.on('producerpause', () => this.sink.notify('consumer.paused', { consumerId: id }));
    consumer.on('producerresume', () => this.sink.notify('consumer.resumed', { consumerId: id }));
    consumer.on('layerschange', (layers) =>
      this.sink.notify('consumer.layers', {
        consumerId: id,
        spatialLayer: layers?.spatialLayer ?? null,
        temporalLayer: layers?.temporalLayer ?? null,
      }),
    );
  }

  private trackDataConsumer(dc: types.DataConsumer): void {
    const id = dc.id;
    this.dataConsumers.set(id, dc);
    let notified = false;
    const closed = () => {
      this.dataConsumers.delete(id);
      if (!notified) {
        notified = true;
        this.sink.notify('dataConsumer.closed', { dataConsumerId: id });
      }
    };
    dc.on('dataproducerclose', closed);
    dc.on('transportclose', closed);
    dc.observer.once('close', () => this.dataConsumers.delete(id));
  }

  private ownConsumer(consumerId: string): types.Consumer {
    const c = this.consumers.get(consumerId);
    if (!c) throw new RpcError('NOT_FOUND', `unknown consumer ${consumerId}`);
    return c;
  }

  async resumeConsumer(consumerId: string): Promise<void> {
    this.assertOpen();
    await this.ownConsumer(consumerId).resume();
  }

  /**
   * Pin a simulcast layer (high/medium/low → spatial layer 2/1/0, clamped to what the producer sends) or go back
   * to auto (prefer the highest layer; the SFU then forwards the best layer its bandwidth estimate allows).
   */
  async setQuality(consumerId: string, quality: Quality): Promise<Quality> {
    this.assertOpen();
    const c = this.ownConsumer(consumerId);
    if (c.kind !== 'video') throw new RpcError('BAD_REQUEST', 'quality applies to video consumers only');
    if (c.type !== 'simulcast' && c.type !== 'svc') return quality; // a single layer: nothing to choose
    const { spatialLayers, temporalLayers } = parseScalabilityMode(c.rtpParameters.encodings?.[0]?.scalabilityMode);
    const maxSpatial = Math.max(0, spatialLayers - 1);
    const spatialLayer = quality === 'auto' ? maxSpatial : Math.min(QUALITY_SPATIAL_LAYER[quality], maxSpatial);
    this.guards.get(consumerId)?.setAuto(quality === 'auto');
    await c.setPreferredLayers({ spatialLayer, temporalLayer: Math.max(0, temporalLayers - 1) });
    this.log.debug({ consumerId, quality, spatialLayer }, 'preferred layers set');
    return quality;
  }

  /** Close every transport (cascades to producers, consumers and data channels). Idempotent. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const t of [...this.transports.values()]) t.close();
    this.transports.clear();
  }
}

/** The values of the fulfilled results (all of them, once a caller has ruled out rejections). */
function fulfilled<T>(results: readonly PromiseSettledResult<T>[]): T[] {
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}
