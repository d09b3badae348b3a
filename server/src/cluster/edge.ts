/**
 * Edge side: a viewer joins here a show published on another node. The edge opens a room for it (a remote room,
 * sfu/room.ts) and pulls the show from its origin over a PipeTransport pair (`pipe.open` on the node bus); its
 * viewers consume the local pipe producers exactly as they would the studio's (fan-out over this node's workers
 * included). The edge follows the show's events: when the studio republishes it pipes again, when the show's state
 * changes it passes it on, when the show ends the room closes. An idle edge room closes and tells the origin.
 *
 * An origin that dies (its registry record expires, or a pipe request to it fails) takes the pipe with it: the edge
 * closes its end, tells its viewers the studio is away (`publisher.state`, the "reconnecting" they see when a studio
 * drops) and keeps the room; once the show has a live origin again (the node restarted, or the studio went to
 * another one) the edge pipes from it and its viewers get the media again.
 */
import type { types } from 'mediasoup';
import type { PipedProducer } from '../../../shared/protocol/cluster-pipe';
import { RpcError } from '../../../shared/protocol/rpc';
import type { Logger } from '../log';
import { KEY_FRAME_REQUEST_DELAY_MS } from '../sfu/media-codecs';
import type { Room } from '../sfu/room';
import type { RoomManager } from '../sfu/rooms';
import type { NodeBus } from './bus';
import { type PipeListen, pipeTransportOptions } from './origin';
import type { NodeRegistry } from './registry';

interface EdgeShow {
  room: Room;
  origin: string;
  transport: types.PipeTransport | null;
  /** The origin died: no pipe, viewers told the studio is away, waiting for the show to have an origin again. */
  lost: boolean;
  /** A pull is running (one at a time: two would produce the same ids on one worker). */
  pulling: Promise<void> | null;
  /** The producers the origin last announced; after a pull, one more runs if the pipe still lacks one of them. */
  wanted: readonly string[] | null;
  unsubscribe: () => void;
}

export interface EdgeOptions {
  nodeId: string;
  rooms: RoomManager;
  bus: NodeBus;
  registry: NodeRegistry;
  listen: PipeListen;
  log: Logger;
}

const unreachable = () => new RpcError('UNAVAILABLE', 'the show’s origin node cannot be reached right now; try again');

export class EdgeShows {
  private readonly shows = new Map<string, EdgeShow>();
  private readonly opening = new Map<string, Promise<Room>>();

  constructor(private readonly opts: EdgeOptions) {}

  /** Shows this node pulls from another node. */
  get pulled(): ReadonlyMap<string, { origin: string }> {
    return this.shows;
  }

  /**
   * The room of a show published elsewhere, its media piped in before it is returned. NOT_FOUND when no node
   * publishes the show, UNAVAILABLE when its origin does not answer.
   */
  async room(showId: string): Promise<Room> {
    const known = this.shows.get(showId);
    if (known && !known.room.closed) {
      if (known.pulling) await known.pulling.catch(() => undefined);
      return known.room;
    }
    let pending = this.opening.get(showId);
    if (!pending) {
      pending = this.open(showId).finally(() => this.opening.delete(showId));
      this.opening.set(showId, pending);
    }
    return pending;
  }

  private async open(showId: string): Promise<Room> {
    let origin: string | null;
    try {
      origin = await this.opts.registry.origin(showId);
    } catch {
      throw new RpcError('UNAVAILABLE', 'the cluster registry is unreachable right now; try again shortly');
    }
    if (!origin || origin === this.opts.nodeId) throw new RpcError('NOT_FOUND', `unknown show ${showId}`);
    const { show } = await this.opts.bus.request(origin, 'show.info', { showId }).catch((err: unknown) => {
      throw err instanceof RpcError && err.code === 'NOT_FOUND' ? err : unreachable();
    });
    const room = await this.opts.rooms.getOrCreate(show, true);
    const edge: EdgeShow = { room, origin, transport: null, lost: false, pulling: null, wanted: null, unsubscribe: () => undefined };
    this.shows.set(showId, edge);
    edge.unsubscribe = this.opts.bus.onShow(showId, (e) => {
      if (e.method === 'show.media') {
        edge.wanted = e.data.producers;
        if (!edge.pulling && !this.hasAll(edge, e.data.producers)) this.repull(edge);
      } else if (e.method === 'show.layers') {
        room.setLayerCaps(e.data.caps).catch(() => undefined);
      } else if (e.data.show.status === 'ended') {
        room.setShow(e.data.show);
        room.close('ended');
      } else room.setShow(e.data.show);
    });
    room.router.observer.once('close', () => this.closed(showId, edge));
    const first = this.pull(edge);
    edge.pulling = first.catch(() => undefined);
    try {
      await first;
    } catch (err) {
      room.close('idle');
      throw err;
    } finally {
      edge.pulling = null;
    }
    this.afterPull(edge);
    this.opts.log.info({ showId, origin }, 'pulling a show from its origin node');
    return room;
  }

  /** Whether the edge's pipe already carries every one of these producers (then there is nothing to pipe again). */
  private hasAll(edge: EdgeShow, ids: readonly string[]): boolean {
    if (!edge.transport || edge.transport.closed) return false;
    const have = new Set([...edge.room.mediaProducers()].filter((p) => !p.closed).map((p) => p.id));
    const dp = edge.room.overlayProducer();
    if (dp) have.add(dp.id);
    return ids.length === have.size && ids.every((id) => have.has(id));
  }

  /**
   * Every heartbeat, with the live nodes: a pulled show whose origin left loses its pipe; a lost one pipes again once
   * the show's origin mapping names a live node (a restarted origin, or the node the studio moved to).
   */
  async watch(live: ReadonlySet<string>): Promise<void> {
    for (const edge of [...this.shows.values()]) {
      if (edge.room.closed || edge.pulling) continue;
      if (!edge.lost && !live.has(edge.origin)) this.lose(edge, 'its origin node left the cluster');
      if (!edge.lost) continue;
      const origin = await this.opts.registry.origin(edge.room.showId).catch(() => null);
      if (!edge.lost || !origin || origin === this.opts.nodeId || !live.has(origin) || edge.pulling) continue;
      // A pull that found the studio not yet back leaves a pipe without media: its show.media event pipes again.
      if (origin === edge.origin && edge.transport && !edge.transport.closed) continue;
      edge.origin = origin;
      this.repull(edge);
    }
  }

  /** The origin is gone: close this end of the pipe (its producers and the viewers' consumers go with it). */
  private lose(edge: EdgeShow, why: string): void {
    if (edge.lost || edge.room.closed) return;
    edge.lost = true;
    edge.transport?.close();
    edge.transport = null;
    edge.room.setOriginAway(true);
    this.opts.log.warn({ showId: edge.room.showId, origin: edge.origin, why }, 'lost the show’s origin; waiting for it to come back');
  }

  /** The studio republished: pipe again (one pull at a time). */
  private repull(edge: EdgeShow): void {
    if (edge.room.closed || edge.pulling) return;
    edge.pulling = this.pull(edge)
      .catch((err) => {
        this.opts.log.warn({ err: (err as Error).message, showId: edge.room.showId }, 'cannot pipe the show again');
        if (err instanceof RpcError && err.code === 'UNAVAILABLE') this.lose(edge, 'its origin node does not answer');
      })
      .finally(() => {
        edge.pulling = null;
        this.afterPull(edge);
      });
  }

  /** Producers announced while a pull ran that it did not get: one more pull. */
  private afterPull(edge: EdgeShow): void {
    if (edge.wanted && !this.hasAll(edge, edge.wanted)) this.repull(edge);
  }

  private async pull(edge: EdgeShow): Promise<void> {
    const { room } = edge;
    // The studio may have moved to another node since: pipe from whichever node is the show's origin now.
    const current = await this.opts.registry.origin(room.showId).catch(() => null);
    if (current && current !== this.opts.nodeId) edge.origin = current;
    const transport = await room.router.createPipeTransport(pipeTransportOptions(this.opts.listen));
    try {
      const { localAddress, localPort } = transport.tuple;
      const res = await this.opts.bus
        .request(edge.origin, 'pipe.open', {
          showId: room.showId,
          edge: this.opts.nodeId,
          end: { ip: localAddress, port: localPort, srtpParameters: transport.srtpParameters! },
        })
        .catch((err: unknown) => {
          throw err instanceof RpcError && err.code === 'NOT_FOUND' ? err : unreachable();
        });
      await transport.connect({ ip: res.end.ip, port: res.end.port, srtpParameters: res.end.srtpParameters });
      // The previous pipe's producers carry the same ids: close it before producing the new ones.
      const previous = edge.transport;
      edge.transport = transport;
      previous?.close();
      const producers = await Promise.all(res.producers.map((p) => this.produce(transport, p)));
      const data = res.dataProducers[0]
        ? await transport.produceData({
            id: res.dataProducers[0].id,
            sctpStreamParameters: res.dataProducers[0].sctpStreamParameters as types.SctpStreamParameters,
            label: res.dataProducers[0].label,
            protocol: res.dataProducers[0].protocol,
          })
        : null;
      if (room.closed) throw new RpcError('BAD_STATE', `show ${room.showId} closed`);
      if (res.show.status !== room.show.status || res.show.title !== room.show.title) room.setShow(res.show);
      room.setPiped(producers, data, res.overlays);
      await room.setLayerCaps(res.layerCaps);
      if (edge.lost && producers.length > 0) {
        edge.lost = false;
        room.setOriginAway(false);
        this.opts.log.info({ showId: room.showId, origin: edge.origin }, 'piping the show again from its origin');
      }
    } catch (err) {
      transport.close();
      if (edge.transport === transport) edge.transport = null;
      throw err;
    }
  }

  private produce(transport: types.PipeTransport, p: PipedProducer): Promise<types.Producer> {
    return transport.produce({
      id: p.id,
      kind: p.kind,
      rtpParameters: p.rtpParameters as types.RtpParameters,
      ...(p.kind === 'video' ? { keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS } : {}),
      appData: { source: p.source },
    });
  }

  private closed(showId: string, edge: EdgeShow): void {
    edge.unsubscribe();
    edge.transport?.close();
    if (this.shows.get(showId) === edge) this.shows.delete(showId);
    this.opts.bus.request(edge.origin, 'pipe.close', { showId, edge: this.opts.nodeId }).catch(() => undefined);
  }

  closeAll(): void {
    for (const e of this.shows.values()) {
      e.unsubscribe();
      e.transport?.close();
    }
    this.shows.clear();
  }
}
