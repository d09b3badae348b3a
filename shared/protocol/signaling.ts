/**
 * Signaling contract between the studio / viewer pages and the server (WebSocket at SIGNALING_PATH).
 * Requests are `{t:'req', id, method, data}`; replies `{t:'res', id, ok, data|error}`;
 * server pushes `{t:'ntf', method, data}`. See rpc.ts for the envelope and dispatcher. It carries media only: commerce
 * events (stock, flash sales, orders) reach the pages on their realtime socket (shared/protocol/realtime.ts).
 *
 * Studio flow:  studio.auth → show.open → transport.create(send) → transport.connect → produce ×2 → produceData → show.goLive … show.end
 * Viewer flow:  viewer.join{recv} → transport.connect ‖ consumer.resume (each) … consume (after media.available) … consumer.setQuality
 *               (viewer.join without `recv`, then transport.create(recv) and consume, is the same in three round trips)
 *
 * Who may call what (each method's `caller`, checked by `dispatchRequest` before the payload is read). A connection is
 * one of three, and stays it once chosen:
 *   unidentified — just connected: only `any` methods (studio.auth, viewer.join, ping); anything else is UNAUTHORIZED.
 *   viewer       — after `viewer.join`: holds `viewer`.
 *   studio       — after `studio.auth`: holds `studio`.
 * `viewer` and `studio` are disjoint (a studio does not consume, a viewer does not produce): a method for both lists
 * both; a holder of the other one gets FORBIDDEN. Whether the call fits the connection's state (its show is open,
 * the producer is its own) is the handler's business (BAD_STATE / NOT_FOUND / CONFLICT).
 */
import { z } from 'zod';
import { HlsViewerKey } from './hls';
import { Quality, ShowId, ShowInfo, ShowTitle } from '../domain/show';
import { OverlayTrigger } from './overlay';
import {
  DtlsParameters,
  IceCandidate,
  IceParameters,
  RtpCapabilities,
  RtpParameters,
  SctpCapabilities,
  SctpParameters,
  SctpStreamParameters,
} from './mediasoup-params';
import type { MethodMap, RpcClient } from './rpc';

export const SIGNALING_PATH = '/ws/signaling';

/**
 * Id of the inert JSON element the server embeds in the live viewer page: the routers' RTP capabilities (the same
 * for every show), so the page can load its device before `viewer.join` answers. The join reply stays authoritative.
 */
export const RTP_CAPABILITIES_ELEMENT_ID = 'storecast-rtp-capabilities';

const Id = z.string().min(1).max(64);
const Empty = z.object({});

export const MediaSource = z.enum(['program', 'mic']);
export type MediaSource = z.infer<typeof MediaSource>;

export const TransportOptions = z.object({
  id: Id,
  iceParameters: IceParameters,
  iceCandidates: z.array(IceCandidate),
  dtlsParameters: DtlsParameters,
  sctpParameters: SctpParameters.nullable(),
});
export type TransportOptions = z.infer<typeof TransportOptions>;

export const ConsumerInfo = z.object({
  id: Id,
  producerId: Id,
  kind: z.enum(['audio', 'video']),
  source: MediaSource,
  rtpParameters: RtpParameters,
  /** Whether the producer is paused at the studio (e.g. mic muted). */
  producerPaused: z.boolean(),
});
export type ConsumerInfo = z.infer<typeof ConsumerInfo>;

export const DataConsumerInfo = z.object({
  id: Id,
  dataProducerId: Id,
  sctpStreamParameters: SctpStreamParameters,
  label: z.string(),
  protocol: z.string(),
});
export type DataConsumerInfo = z.infer<typeof DataConsumerInfo>;

export const signalingMethods = {
  /** Studio authenticates with the studio token from the server's data dir. */
  'studio.auth': {
    caller: 'any',
    req: z.object({ token: z.string().min(16).max(256) }),
    res: z.object({ peerId: Id }),
  },
  /**
   * Studio opens a show (new, or an existing not-ended one by id). If the show already has a connected
   * publisher, only a caller presenting that show's resumeKey may take over (reconnect); otherwise CONFLICT.
   */
  'show.open': {
    caller: 'studio',
    req: z.object({ title: ShowTitle, showId: ShowId.optional(), resumeKey: z.string().max(128).optional() }),
    res: z.object({ show: ShowInfo, resumeKey: z.string(), routerRtpCapabilities: RtpCapabilities, viewerCount: z.number().int() }),
  },
  'show.goLive': { caller: 'studio', req: z.object({ showId: ShowId }), res: z.object({ show: ShowInfo }) },
  'show.end': { caller: 'studio', req: z.object({ showId: ShowId }), res: z.object({ show: ShowInfo }) },
  /**
   * Viewer joins a show page. routerRtpCapabilities is null once the show has ended.
   * With `recv`, the same round trip also creates the viewer's recv transport and, given the device's
   * `rtpCapabilities`, consumes what the show publishes (consumers paused, as with `consume`): the first picture is
   * then one `consumer.resume` away. Without it (or once the show has ended) `transport` is null and the lists empty.
   * A join whose transport or consumers fail changes nothing: the caller is not a member of the show afterwards.
   */
  'viewer.join': {
    caller: 'any',
    req: z.object({
      showId: ShowId,
      /** Cluster mode: the placement token for this show on this node (shared/protocol/cluster.ts); required there. */
      placement: z.string().min(1).max(512).optional(),
      /** The page's HLS viewer key (shared/protocol/hls.ts) when it returns from HLS: counted here, no longer there. */
      hlsViewer: HlsViewerKey.optional(),
      recv: z
        .object({
          sctpCapabilities: SctpCapabilities.optional(),
          rtpCapabilities: RtpCapabilities.optional(),
          forceTcp: z.boolean().optional(),
          /**
           * The recv transport's DTLS parameters, known before it exists when the client generated its certificate
           * ahead (RTCPeerConnection.generateCertificate): the join then also connects the transport, which saves
           * the `transport.connect` round trip before the first picture.
           */
          dtlsParameters: DtlsParameters.optional(),
        })
        .optional(),
    }),
    res: z.object({
      peerId: Id,
      show: ShowInfo,
      routerRtpCapabilities: RtpCapabilities.nullable(),
      viewerCount: z.number().int(),
      overlays: z.array(OverlayTrigger),
      transport: TransportOptions.nullable(),
      /** The join connected `transport` with the request's `recv.dtlsParameters`. */
      transportConnected: z.boolean(),
      consumers: z.array(ConsumerInfo),
      dataConsumers: z.array(DataConsumerInfo),
    }),
  },
  'transport.create': {
    caller: ['viewer', 'studio'],
    req: z.object({
      direction: z.enum(['send', 'recv']),
      sctpCapabilities: SctpCapabilities.optional(),
      /** Force ICE over TCP (networks that block UDP). */
      forceTcp: z.boolean().optional(),
    }),
    res: TransportOptions,
  },
  'transport.connect': { caller: ['viewer', 'studio'], req: z.object({ transportId: Id, dtlsParameters: DtlsParameters }), res: Empty },
  'transport.restartIce': {
    caller: ['viewer', 'studio'],
    req: z.object({ transportId: Id }),
    res: z.object({ iceParameters: IceParameters }),
  },
  produce: {
    caller: 'studio',
    req: z.object({
      transportId: Id,
      kind: z.enum(['audio', 'video']),
      rtpParameters: RtpParameters,
      source: MediaSource,
    }),
    res: z.object({ producerId: Id }),
  },
  'producer.pause': { caller: 'studio', req: z.object({ producerId: Id }), res: Empty },
  'producer.resume': { caller: 'studio', req: z.object({ producerId: Id }), res: Empty },
  /**
   * The studio is about to stop sending the simulcast layers above `spatialLayer` (or, with null, sends them all
   * again). The server moves the viewers on those layers down first and seats new ones on the layers still sent, so
   * nobody waits for a key frame of a layer that no longer comes.
   */
  'producer.setMaxSpatialLayer': {
    caller: 'studio',
    req: z.object({ producerId: Id, spatialLayer: z.number().int().min(0).max(15).nullable() }),
    res: Empty,
  },
  produceData: {
    caller: 'studio',
    req: z.object({
      transportId: Id,
      sctpStreamParameters: SctpStreamParameters,
      label: z.string().max(32),
      protocol: z.string().max(64),
    }),
    res: z.object({ dataProducerId: Id }),
  },
  /**
   * Viewer asks for consumers of every producer it does not consume yet (call again after `media.available`).
   * Consumers are created paused: resume each one once its track is attached.
   */
  consume: {
    caller: 'viewer',
    req: z.object({ transportId: Id, rtpCapabilities: RtpCapabilities, sctpCapabilities: SctpCapabilities.optional() }),
    res: z.object({ consumers: z.array(ConsumerInfo), dataConsumers: z.array(DataConsumerInfo) }),
  },
  'consumer.resume': { caller: 'viewer', req: z.object({ consumerId: Id }), res: Empty },
  'consumer.setQuality': { caller: 'viewer', req: z.object({ consumerId: Id, quality: Quality }), res: z.object({ quality: Quality }) },
  /**
   * The viewer sees its downlink queue: each video frame arriving later than the last, `queueMs` over the usual
   * (app/viewer/controllers/player/queue-watch.ts). The server's downlink guard may step the consumer under the top
   * layer at once, before its own bandwidth estimate shows the link full; on auto quality only, and not on a link with
   * random loss (a retransmitted frame's delay is no queue).
   */
  'consumer.queueing': {
    caller: 'viewer',
    req: z.object({ consumerId: Id, queueMs: z.number().int().min(0).max(60_000) }),
    res: Empty,
  },
  /**
   * The joined show's current overlay state (as in the `viewer.join` reply). A viewer asks once its overlay
   * DataChannel is open: triggers sent before that moment never reach the channel.
   */
  'show.overlays': { caller: 'viewer', req: Empty, res: z.object({ overlays: z.array(OverlayTrigger) }) },
  /** Keep-alive / RTT probe. */
  ping: { caller: 'any', req: Empty, res: z.object({ now: z.number() }) },
} as const satisfies MethodMap;
export type SignalingMethods = typeof signalingMethods;

export const signalingNotifications = {
  /** Show status changed (ready → live → ended). */
  'show.state': z.object({ show: ShowInfo }),
  'viewers.count': z.object({ showId: ShowId, count: z.number().int().nonnegative() }),
  /** The studio (re)published media: viewers should call `consume` again. */
  'media.available': z.object({ showId: ShowId }),
  /** The studio's publisher connection dropped; media may resume when it reconnects. */
  'publisher.state': z.object({ showId: ShowId, connected: z.boolean() }),
  'consumer.closed': z.object({ consumerId: Id }),
  'consumer.paused': z.object({ consumerId: Id }),
  'consumer.resumed': z.object({ consumerId: Id }),
  /** The simulcast layer the SFU currently forwards to this viewer (null: none). */
  'consumer.layers': z.object({ consumerId: Id, spatialLayer: z.number().int().nullable(), temporalLayer: z.number().int().nullable() }),
  'dataConsumer.closed': z.object({ dataConsumerId: Id }),
  /** Studio connection was taken over by another session presenting the resume key. */
  'session.replaced': z.object({ reason: z.string() }),
} as const;
export type SignalingNotifications = typeof signalingNotifications;

export type SignalingClient = RpcClient<SignalingMethods, SignalingNotifications>;
