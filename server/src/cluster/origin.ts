/**
 * Origin side of cross-node pipes: for each edge that pulls a show, one PipeTransport on the show's origin router
 * (SRTP, RTX + NACK), connected to the edge's, carrying a consumer of every producer of the studio — video with all
 * its simulcast layers, audio — and of the overlay DataProducer. A new `pipe.open` from the same edge replaces its
 * pipe (the edge re-pipes after the studio republished); the pipe closes with the room, on `pipe.close`, or when the
 * edge leaves the registry.
 */
import type { types } from 'mediasoup';
import type { ClusterMethods, PipedDataProducer, PipedProducer } from '../../../shared/protocol/cluster-pipe';
import type { RtpParameters, SctpStreamParameters } from '../../../shared/protocol/mediasoup-params';
import { type Handlers, RpcError } from '../../../shared/protocol/rpc';
import type { MediaSource } from '../../../shared/protocol/signaling';
import type { Logger } from '../log';
import type { Room } from '../sfu/room';
import type { RoomManager } from '../sfu/rooms';
import type { BusContext } from './bus';

export interface PipeListen {
  ip: string;
  announcedAddress?: string;
}

export function pipeTransportOptions(listen: PipeListen): types.PipeTransportOptions {
  return {
    listenInfo: { protocol: 'udp', ip: listen.ip, ...(listen.announcedAddress ? { announcedAddress: listen.announcedAddress } : {}) },
    enableSctp: true,
    enableRtx: true,
    enableSrtp: true,
  };
}

/**
 * An edge missing from the registry this long has its pipes closed. Longer than the registry's TTL: an edge whose
 * heartbeat was only late (a busy event loop, a Redis blip) must not lose its viewers' media.
 */
export const EDGE_GONE_MS = 10_000;

export class OriginPipes {
  /** `<showId> <edge>` → the pipe to that edge. */
  private readonly pipes = new Map<string, { transport: types.PipeTransport; edge: string }>();
  /** Edges with pipes that the registry did not list, since when. */
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly rooms: RoomManager,
    private readonly listen: PipeListen,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.pipes.size;
  }

  /** The bus handlers an origin serves. */
  handlers(): Handlers<ClusterMethods, BusContext> {
    return {
      'show.info': ({ showId }) => ({ show: this.originRoom(showId).show }),
      'pipe.open': async ({ showId, edge, end }, ctx) => {
        if (edge !== ctx.from) throw new RpcError('FORBIDDEN', 'a node pipes only to itself');
        const room = this.originRoom(showId);
        const key = `${showId} ${edge}`;
        this.pipes.get(key)?.transport.close();
        this.pipes.delete(key);
        const transport = await room.router.createPipeTransport(pipeTransportOptions(this.listen));
        try {
          await transport.connect({ ip: end.ip, port: end.port, srtpParameters: end.srtpParameters });
          const producers: PipedProducer[] = [];
          for (const p of [...room.mediaProducers()]) {
            if (p.closed) continue;
            const c = await transport.consume({ producerId: p.id });
            const source = (p.appData as { source: MediaSource }).source;
            producers.push({ id: p.id, kind: c.kind, source, rtpParameters: c.rtpParameters as RtpParameters });
          }
          const dataProducers: PipedDataProducer[] = [];
          const dp = room.overlayProducer();
          if (dp && !dp.closed) {
            const dc = await transport.consumeData({ dataProducerId: dp.id });
            const sctpStreamParameters = dc.sctpStreamParameters as SctpStreamParameters;
            dataProducers.push({ id: dp.id, label: dc.label, protocol: dc.protocol, sctpStreamParameters });
          }
          if (room.closed) throw new RpcError('NOT_FOUND', `show ${showId} closed`);
          this.pipes.set(key, { transport, edge });
          transport.observer.once('close', () => {
            if (this.pipes.get(key)?.transport === transport) this.pipes.delete(key);
          });
          const { localAddress, localPort } = transport.tuple;
          this.log.info({ showId, edge, producers: producers.length, data: dataProducers.length }, 'show piped to an edge node');
          return {
            show: room.show,
            end: { ip: localAddress, port: localPort, srtpParameters: transport.srtpParameters! },
            producers,
            dataProducers,
            overlays: [...room.overlays],
            layerCaps: room.layerCaps,
          };
        } catch (err) {
          transport.close();
          throw err;
        }
      },
      'pipe.close': ({ showId, edge }, ctx) => {
        if (edge !== ctx.from) throw new RpcError('FORBIDDEN', 'a node closes only its own pipes');
        this.closeEdge(edge, showId);
        return {};
      },
    };
  }

  /** Close the pipes to `edge` (of one show, or all of them). */
  closeEdge(edge: string, showId?: string): void {
    for (const [key, pipe] of [...this.pipes]) {
      if (pipe.edge !== edge || (showId && !key.startsWith(`${showId} `))) continue;
      this.pipes.delete(key);
      pipe.transport.close();
    }
  }

  /**
   * Close pipes to nodes missing from the registry for EDGE_GONE_MS (a crashed edge would otherwise be sent media for
   * ever).
   */
  sweep(liveNodes: ReadonlySet<string>, now = Date.now()): void {
    const edges = new Set([...this.pipes.values()].map((p) => p.edge));
    for (const edge of [...this.missingSince.keys()]) if (!edges.has(edge) || liveNodes.has(edge)) this.missingSince.delete(edge);
    for (const edge of edges) {
      if (liveNodes.has(edge)) continue;
      const since = this.missingSince.get(edge) ?? now;
      this.missingSince.set(edge, since);
      if (now - since < EDGE_GONE_MS) continue;
      this.missingSince.delete(edge);
      this.log.info({ edge }, 'edge node left the cluster; closing its pipes');
      this.closeEdge(edge);
    }
  }

  closeAll(): void {
    for (const p of this.pipes.values()) p.transport.close();
    this.pipes.clear();
  }

  private originRoom(showId: string): Room {
    const room = this.rooms.get(showId);
    if (!room || room.closed || room.remote) throw new RpcError('NOT_FOUND', `show ${showId} is not published on this node`);
    return room;
  }
}
