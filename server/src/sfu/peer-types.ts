/**
 * What a Peer (peer.ts) is given and shares with its consumer side (peer-consumers.ts): where its notifications go,
 * what it needs from its room, the app data it tags mediasoup objects with, and how client-caused mediasoup failures
 * become typed replies.
 */
import { errors, type types } from 'mediasoup';
import type { z } from 'zod';
import { RpcError } from '../../../shared/protocol/rpc';
import type { MediaSource, SignalingNotifications } from '../../../shared/protocol/signaling';
import type { TransportBudget } from './capacity';

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
  /** The highest spatial layer the studio sends of this video producer (null: every layer it was made with). */
  layerCap(producerId: string): number | null;
  /** The studio sends this producer's layers up to `spatialLayer` only (null: all again); viewers follow at once. */
  setLayerCap(producerId: string, spatialLayer: number | null): Promise<void>;
  /** Make every producer of the show consumable on this router (a fan-out router pipes them in). */
  prepare(): Promise<void>;
}

export interface TransportAppData extends types.AppData {
  direction: Direction;
  connected?: boolean;
}
export interface ProducerAppData extends types.AppData {
  source: MediaSource;
}

/**
 * Run a mediasoup call whose failure is caused by client-supplied parameters: mediasoup's validation
 * errors become typed replies instead of INTERNAL.
 */
export async function clientCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RpcError) throw err;
    if (err instanceof errors.NotFoundError) throw new RpcError('NOT_FOUND', `${what}: ${err.message}`);
    if (err instanceof errors.WorkerClosedError) throw new RpcError('BAD_STATE', `${what}: media server restarting`);
    throw new RpcError('BAD_REQUEST', `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
