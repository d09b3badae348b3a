/**
 * One signaling session's media state inside a Room: its WebRtcTransports and what it produces (studio) or
 * consumes (viewer). Every mediasoup object is tracked in a map and removed when mediasoup reports it closed,
 * so closing the peer (or its transports, or the router) leaves nothing behind.
 */
import { parseScalabilityMode, type types } from 'mediasoup';
import type { Quality } from '../../../shared/domain/show';
import type {
  DtlsParameters,
  RtpCapabilities,
  RtpParameters,
  SctpCapabilities,
  SctpStreamParameters,
} from '../../../shared/protocol/mediasoup-params';
import { OVERLAY_LABEL, OVERLAY_PROTOCOL } from '../../../shared/protocol/overlay';
import { RpcError } from '../../../shared/protocol/rpc';
import type { ConsumerInfo, DataConsumerInfo, MediaSource, TransportOptions } from '../../../shared/protocol/signaling';
import type { Logger } from '../log';
import { KEY_FRAME_REQUEST_DELAY_MS, RECV_INITIAL_OUTGOING_BITRATE } from './media-codecs';
import { PeerConsumers } from './peer-consumers';
import {
  clientCall,
  type Direction,
  type Notify,
  type PeerRole,
  type PeerRoom,
  type PeerSink,
  type ProducerAppData,
  type TransportAppData,
} from './peer-types';

export type { Direction, Notify, PeerRole, PeerRoom, PeerSink } from './peer-types';

export const MAX_TRANSPORTS_PER_PEER = 4;
const SOURCE_KIND: Record<MediaSource, 'audio' | 'video'> = { program: 'video', mic: 'audio' };

export class Peer {
  readonly transports = new Map<string, types.WebRtcTransport<TransportAppData>>();
  readonly producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly dataProducers = new Map<string, types.DataProducer>();
  /** A viewer's consumers, DataConsumers and their downlink guards. */
  private readonly consuming: PeerConsumers;
  private _closed = false;

  constructor(
    /** The signaling session id (a session holds at most one peer at a time). */
    readonly id: string,
    readonly role: PeerRole,
    readonly room: PeerRoom,
    private readonly sink: PeerSink,
    readonly log: Logger,
  ) {
    this.consuming = new PeerConsumers(
      room,
      this.notify,
      log,
      () => this.assertOpen(),
      () => this._closed,
    );
  }

  get closed(): boolean {
    return this._closed;
  }

  get consumers(): Map<string, types.Consumer> {
    return this.consuming.consumers;
  }

  get dataConsumers(): Map<string, types.DataConsumer> {
    return this.consuming.dataConsumers;
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

  /** The studio stops (or goes back to) sending the top simulcast layers of a video producer: room.setLayerCap. */
  async setMaxSpatialLayer(producerId: string, spatialLayer: number | null): Promise<void> {
    this.assertOpen();
    const p = this.ownProducer(producerId);
    if (p.kind !== 'video') throw new RpcError('BAD_REQUEST', 'layers apply to video producers only');
    const encodings = p.rtpParameters.encodings ?? [];
    const layers = Math.max(encodings.length, parseScalabilityMode(encodings[0]?.scalabilityMode).spatialLayers);
    if (spatialLayer !== null && spatialLayer >= layers) {
      throw new RpcError('BAD_REQUEST', `producer ${producerId} has ${layers} spatial layer(s); ${spatialLayer} is not one`);
    }
    await this.room.setLayerCap(producerId, spatialLayer === null || spatialLayer === layers - 1 ? null : spatialLayer);
  }

  /** Move this viewer's consumers under the room's layer caps (or back up once they are lifted). */
  applyLayerCaps(): Promise<void> {
    return this.consuming.applyLayerCaps();
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
    return this.consuming.consume(this.transport(transportId, 'recv'), rtpCapabilities);
  }

  async resumeConsumer(consumerId: string): Promise<void> {
    this.assertOpen();
    await this.consuming.resume(consumerId);
  }

  /** Pin a simulcast layer or go back to auto (peer-consumers.ts). */
  async setQuality(consumerId: string, quality: Quality): Promise<Quality> {
    this.assertOpen();
    return this.consuming.setQuality(consumerId, quality);
  }

  /** The viewer sees its downlink queue grow (peer-consumers.ts). */
  queueing(consumerId: string, queueMs: number): void {
    this.assertOpen();
    this.consuming.queueing(consumerId, queueMs);
  }

  /** Close every transport (cascades to producers, consumers and data channels). Idempotent. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const t of [...this.transports.values()]) t.close();
    this.transports.clear();
  }
}
