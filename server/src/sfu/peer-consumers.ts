/**
 * A viewer peer's consuming side: its paused consumers and overlay DataConsumer, made all or nothing in one round trip
 * to the worker; the notifications that follow them; the quality the viewer picks; and, per simulcast video consumer,
 * the downlink guard (downlink.ts).
 */
import { parseScalabilityMode, type types } from 'mediasoup';
import { QUALITY_SPATIAL_LAYER, type Quality } from '../../../shared/domain/show';
import type { RtpCapabilities, RtpParameters } from '../../../shared/protocol/mediasoup-params';
import { RpcError } from '../../../shared/protocol/rpc';
import type { ConsumerInfo, DataConsumerInfo, MediaSource } from '../../../shared/protocol/signaling';
import type { Logger } from '../log';
import { DownlinkGuard } from './downlink';
import { clientCall, type Notify, type PeerRoom, type ProducerAppData } from './peer-types';

export class PeerConsumers {
  readonly consumers = new Map<string, types.Consumer>();
  readonly dataConsumers = new Map<string, types.DataConsumer>();
  /** Per simulcast video consumer: steps it under the top layer fast when the link cannot carry that (downlink.ts). */
  private readonly guards = new Map<string, DownlinkGuard>();
  /**
   * Per layered video consumer: the spatial layer its viewer's choice and its downlink guard ask for (absent: the
   * top). What is asked of mediasoup is that, held under the layers the studio still sends (the room's layer cap).
   */
  private readonly wanted = new Map<string, number>();

  constructor(
    private readonly room: PeerRoom,
    private readonly notify: Notify,
    private readonly log: Logger,
    /** Throws BAD_STATE once the peer is closed. */
    private readonly assertOpen: () => void,
    private readonly isClosed: () => boolean,
  ) {}

  /** Create (paused) consumers on `t` for every producer not consumed yet. Idempotent. */
  async consume(
    t: types.WebRtcTransport,
    rtpCapabilities: RtpCapabilities,
  ): Promise<{ consumers: ConsumerInfo[]; dataConsumers: DataConsumerInfo[] }> {
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
              ...this.capped(producer),
              appData: { source: (producer.appData as ProducerAppData).source },
            }),
          ),
        ),
      ),
      Promise.allSettled(wantsData ? [clientCall('consume', () => t.consumeData({ dataProducerId: wantsData.id }))] : []),
    ]);
    const failed = [...media, ...data].find((r) => r.status === 'rejected');
    if (failed || this.isClosed()) {
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

  /** A new consumer of a video producer whose top layers the studio stopped starts on the layers still sent. */
  private capped(producer: types.Producer): { preferredLayers?: { spatialLayer: number } } {
    const cap = producer.kind === 'video' ? this.room.layerCap(producer.id) : null;
    return cap === null ? {} : { preferredLayers: { spatialLayer: cap } };
  }

  private trackConsumer(consumer: types.Consumer, transport: types.WebRtcTransport): void {
    const id = consumer.id;
    this.consumers.set(id, consumer);
    if (consumer.kind === 'video' && consumer.type === 'simulcast') {
      const producer = () => [...this.room.mediaProducers()].find((p) => p.id === consumer.producerId) ?? null;
      const prefer = (spatialLayer: number) => this.prefer(consumer, spatialLayer);
      this.guards.set(id, new DownlinkGuard(transport, consumer, producer, prefer, this.log));
    }
    consumer.observer.once('close', () => {
      this.guards.get(id)?.close();
      this.guards.delete(id);
      this.wanted.delete(id);
    });
    let closedNotified = false;
    const closed = () => {
      this.consumers.delete(id);
      if (!closedNotified) {
        closedNotified = true;
        this.notify('consumer.closed', { consumerId: id });
      }
    };
    consumer.on('producerclose', closed);
    consumer.on('transportclose', closed);
    consumer.observer.once('close', () => this.consumers.delete(id));
    consumer.on('producerpause', () => this.notify('consumer.paused', { consumerId: id }));
    consumer.on('producerresume', () => this.notify('consumer.resumed', { consumerId: id }));
    const notifyLayers = (layers: types.ConsumerLayers | undefined) =>
      this.notify('consumer.layers', {
        consumerId: id,
        spatialLayer: layers?.spatialLayer ?? null,
        temporalLayer: layers?.temporalLayer ?? null,
      });
    consumer.on('layerschange', (layers) => {
      // No layer while the downlink guard flushes the consumer is the switch to the lower layer, not the studio's
      // stream stopping: the viewer hears of it only if it lasts.
      const flushMs = this.guards.get(id)?.flushRemainingMs() ?? 0;
      if (layers || flushMs === 0) return notifyLayers(layers);
      setTimeout(() => {
        if (!consumer.closed && !consumer.currentLayers) notifyLayers(undefined);
      }, flushMs).unref();
    });
  }

  private trackDataConsumer(dc: types.DataConsumer): void {
    const id = dc.id;
    this.dataConsumers.set(id, dc);
    let notified = false;
    const closed = () => {
      this.dataConsumers.delete(id);
      if (!notified) {
        notified = true;
        this.notify('dataConsumer.closed', { dataConsumerId: id });
      }
    };
    dc.on('dataproducerclose', closed);
    dc.on('transportclose', closed);
    dc.observer.once('close', () => this.dataConsumers.delete(id));
  }

  private own(consumerId: string): types.Consumer {
    const c = this.consumers.get(consumerId);
    if (!c) throw new RpcError('NOT_FOUND', `unknown consumer ${consumerId}`);
    return c;
  }

  async resume(consumerId: string): Promise<void> {
    await this.own(consumerId).resume();
  }

  /**
   * Pin a simulcast layer (high/medium/low → spatial layer 2/1/0, clamped to what the producer sends) or go back
   * to auto (prefer the highest layer; the SFU then forwards the best layer its bandwidth estimate allows).
   */
  async setQuality(consumerId: string, quality: Quality): Promise<Quality> {
    const c = this.own(consumerId);
    if (c.kind !== 'video') throw new RpcError('BAD_REQUEST', 'quality applies to video consumers only');
    if (c.type !== 'simulcast' && c.type !== 'svc') return quality; // a single layer: nothing to choose
    const { spatialLayers } = parseScalabilityMode(c.rtpParameters.encodings?.[0]?.scalabilityMode);
    const maxSpatial = Math.max(0, spatialLayers - 1);
    const spatialLayer = quality === 'auto' ? maxSpatial : Math.min(QUALITY_SPATIAL_LAYER[quality], maxSpatial);
    this.guards.get(consumerId)?.setAuto(quality === 'auto');
    await this.prefer(c, spatialLayer);
    this.log.debug({ consumerId, quality, spatialLayer }, 'preferred layers set');
    return quality;
  }

  /** The viewer's report of its downlink queue, for the consumer's downlink guard (downlink.ts). */
  queueing(consumerId: string, queueMs: number): void {
    const c = this.own(consumerId);
    if (c.kind !== 'video') throw new RpcError('BAD_REQUEST', 'queueing applies to video consumers only');
    this.guards.get(consumerId)?.queueing(queueMs);
  }

  /** Ask for `spatialLayer` of a layered consumer (the top temporal layer), held under the room's layer cap. */
  private async prefer(c: types.Consumer, spatialLayer: number): Promise<void> {
    this.wanted.set(c.id, spatialLayer);
    await this.apply(c);
  }

  private async apply(c: types.Consumer): Promise<void> {
    if (c.closed) return;
    const { spatialLayers, temporalLayers } = parseScalabilityMode(c.rtpParameters.encodings?.[0]?.scalabilityMode);
    const top = Math.max(0, spatialLayers - 1);
    const spatialLayer = Math.min(this.wanted.get(c.id) ?? top, this.room.layerCap(c.producerId) ?? top, top);
    await c.setPreferredLayers({ spatialLayer, temporalLayer: Math.max(0, temporalLayers - 1) });
  }

  /** The studio capped or uncapped a producer's layers: this viewer's layered consumers follow at once. */
  async applyLayerCaps(): Promise<void> {
    const mine = [...this.consumers.values()].filter((c) => c.type === 'simulcast' || c.type === 'svc');
    await Promise.all(mine.map((c) => this.apply(c).catch(() => undefined)));
  }
}

/** The values of the fulfilled results (all of them, once a caller has ruled out rejections). */
function fulfilled<T>(results: readonly PromiseSettledResult<T>[]): T[] {
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}
