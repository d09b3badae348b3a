/**
 * Node-to-node contract (cluster mode), carried over Redis pub/sub: requests and replies use the usual RPC envelope
 * (`rpc.ts`) wrapped in a `NodeMessage` whose HMAC (CLUSTER_SECRET) authenticates the sending node — the transport
 * authenticates, so every method is `caller: 'any'` (a message without a valid MAC never reaches dispatch).
 *
 * Edge pulls a show from its origin: the edge opens a PipeTransport, sends `pipe.open` with its address and SRTP
 * key; the origin opens its own, connects it to the edge, consumes every producer of the show on it (video with all
 * simulcast layers, audio, the overlay DataProducer) and answers with its address, its SRTP key and what to produce.
 * `show.media` / `show.layers` / `show.state` are broadcast on the show's event channel: the studio (re)published, the show's state
 * changed — edges re-pipe or follow.
 */
import { z } from 'zod';
import { ShowId, ShowInfo } from '../domain/show';
import { NodeId } from './cluster';
import { RtpParameters, SctpStreamParameters } from './mediasoup-params';
import { OverlayTrigger } from './overlay';
import type { MethodMap } from './rpc';
import { MediaSource } from './signaling';

export const SrtpParameters = z.object({
  cryptoSuite: z.enum(['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']),
  keyBase64: z.string().min(1).max(256),
});
export type SrtpParameters = z.infer<typeof SrtpParameters>;

/** One end of a cross-node pipe: where it listens and its SRTP key. */
export const PipeEnd = z.object({
  ip: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  srtpParameters: SrtpParameters,
});
export type PipeEnd = z.infer<typeof PipeEnd>;

const Id = z.string().min(1).max(64);

export const PipedProducer = z.object({
  id: Id,
  kind: z.enum(['audio', 'video']),
  source: MediaSource,
  rtpParameters: RtpParameters,
});
export type PipedProducer = z.infer<typeof PipedProducer>;

/** Per video producer: the highest simulcast layer its studio still sends (a producer left out sends them all). */
export const LayerCaps = z
  .record(Id, z.number().int().min(0).max(15))
  .refine((caps) => Object.keys(caps).length <= 16, 'at most 16 producers');
export type LayerCaps = z.infer<typeof LayerCaps>;

export const PipedDataProducer = z.object({
  id: Id,
  label: z.string().max(256),
  protocol: z.string().max(256),
  sctpStreamParameters: SctpStreamParameters,
});
export type PipedDataProducer = z.infer<typeof PipedDataProducer>;

export const clusterMethods = {
  /** Edge → origin: the show as the origin has it (before the edge opens a room for it). */
  'show.info': {
    caller: 'any',
    req: z.object({ showId: ShowId }),
    res: z.object({ show: ShowInfo }),
  },
  /** Edge → origin: pipe the show to me (replaces a pipe this edge already has for the show). */
  'pipe.open': {
    caller: 'any',
    req: z.object({ showId: ShowId, edge: NodeId, end: PipeEnd }),
    res: z.object({
      show: ShowInfo,
      end: PipeEnd,
      producers: z.array(PipedProducer).max(16),
      dataProducers: z.array(PipedDataProducer).max(4),
      overlays: z.array(OverlayTrigger).max(1000),
      layerCaps: LayerCaps,
    }),
  },
  /** Edge → origin: the edge has no viewers of the show left. */
  'pipe.close': {
    caller: 'any',
    req: z.object({ showId: ShowId, edge: NodeId }),
    res: z.object({}),
  },
} satisfies MethodMap;
export type ClusterMethods = typeof clusterMethods;

/** Broadcast by a show's origin on the show's event channel. */
export const clusterShowEvents = {
  /** The studio's producers changed (it published or republished): edges whose pipe lacks one of them pipe again. */
  'show.media': z.object({ showId: ShowId, producers: z.array(Id).max(20) }),
  /** The studio stopped or resumed sending top simulcast layers: edges move their viewers the same way. */
  'show.layers': z.object({ showId: ShowId, caps: LayerCaps }),
  /** The show's persisted state changed (live, ended). */
  'show.state': z.object({ show: ShowInfo }),
};
export type ClusterShowEvents = typeof clusterShowEvents;

/** What travels on a node's channel: who sent it, the envelope text, and its HMAC-SHA256 (hex) over both. */
export const NodeMessage = z.object({
  from: NodeId,
  body: z.string().max(256 * 1024),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type NodeMessage = z.infer<typeof NodeMessage>;
