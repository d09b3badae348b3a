/**
 * Signaling method handlers. `dispatchRequest` has already checked the caller's role against the method's declared
 * `caller` (shared/protocol/signaling.ts) and validated the input; these enforce the order of calls and what the
 * session's state allows (BAD_STATE / NOT_FOUND / CONFLICT), then delegate to the SFU.
 */
import type { ShowInfo } from '../../../shared/domain/show';
import type { RtpCapabilities } from '../../../shared/protocol/mediasoup-params';
import { type Caller, type Handlers, type ResOf, RpcError } from '../../../shared/protocol/rpc';
import type { SignalingMethods } from '../../../shared/protocol/signaling';
import { tokensEqual } from '../auth/studio-token';
import type { ShowRepository } from '../db/shows';
import type { HlsAudience } from '../hls/audience';
import { Peer } from '../sfu/peer';
import type { Room } from '../sfu/room';
import type { RoomManager } from '../sfu/rooms';
import type { Session } from './session';

export const MAX_AUTH_FAILURES = 5;

/** What signaling needs from this node's cluster part (server/src/cluster/node.ts); absent on a single node. */
export interface ClusterHooks {
  /** Throws the typed refusal unless `token` places this show on this node. */
  verifyJoin(showId: string, token: string | undefined): void;
  /** The studio opened the show here: this node is its origin. */
  noteOrigin(showId: string): void;
  /** The room of a show this node does not publish, piped in from its origin node (NOT_FOUND if none). */
  edgeRoom(showId: string): Promise<Room>;
}

export interface HandlerDeps {
  rooms: RoomManager;
  shows: ShowRepository;
  studioToken: string;
  cluster?: ClusterHooks | null;
  /** The HLS pages counted in each show's audience: a page that joins over WebRTC is counted there instead. */
  hlsAudience?: Pick<HlsAudience, 'movedToWebRtc'> | null;
}

/** The session as the dispatcher's role check sees it (lattice in shared/protocol/signaling.ts). */
export function signalingCaller(s: Session): Caller {
  if (s.role === 'none') return { unidentified: 'authenticate (studio.auth) or join a show (viewer.join) first' };
  return { roles: [s.role] };
}

/** The session's peer in an open room. */
function requirePeer(s: Session): Peer {
  const peer = s.peer;
  if (!peer) {
    throw new RpcError('BAD_STATE', s.role === 'studio' ? 'open a show first (show.open)' : 'this show has ended or was not joined');
  }
  if (peer.closed || s.room?.closed) throw new RpcError('BAD_STATE', 'this show is no longer open');
  return peer;
}

function requirePublisherOf(s: Session, showId: string): Room {
  const room = s.room;
  if (!room || room.showId !== showId || room.closed || room.studio !== s.peer) {
    throw new RpcError('BAD_STATE', `open show ${showId} first (show.open)`);
  }
  return room;
}

function findShow(shows: ShowRepository, showId: string): ShowInfo {
  const show = shows.get(showId);
  if (!show) throw new RpcError('NOT_FOUND', `unknown show ${showId}`);
  return show;
}

function assertStillConnected(s: Session): void {
  if (s.closed) throw new RpcError('DISCONNECTED', 'connection closed');
}

const routerCaps = (room: Room) => room.router.rtpCapabilities as RtpCapabilities;

export function createSignalingHandlers({
  rooms,
  shows,
  studioToken,
  cluster,
  hlsAudience,
}: HandlerDeps): Handlers<SignalingMethods, Session> {
  return {
    'studio.auth': ({ token }, s) => {
      if (s.role === 'viewer') throw new RpcError('BAD_STATE', 'this connection already joined as a viewer');
      if (s.role === 'studio') return { peerId: s.id };
      if (s.authFailures >= MAX_AUTH_FAILURES) throw new RpcError('RATE_LIMITED', 'too many failed attempts; reconnect to try again');
      if (!tokensEqual(token, studioToken)) {
        s.authFailures++;
        s.log.warn({ failures: s.authFailures }, 'studio auth failed');
        throw new RpcError('UNAUTHORIZED', 'wrong studio token');
      }
      s.role = 'studio';
      s.log.info('studio authenticated');
      return { peerId: s.id };
    },

    'show.open': async ({ title, showId, resumeKey }, s) => {
      let show: ShowInfo;
      if (showId) {
        show = findShow(shows, showId);
        if (show.status === 'ended') throw new RpcError('BAD_STATE', `show ${showId} has ended; open a new show`);
      } else {
        show = shows.create(title);
      }
      if (s.room && s.room.showId !== show.id) s.leave();
      const room = await rooms.getOrCreate(show);
      assertStillConnected(s);
      if (room.closed) throw new RpcError('BAD_STATE', `show ${show.id} is no longer open`);
      const current = room.studio;
      if (current && current !== s.peer) {
        if (!resumeKey || !tokensEqual(resumeKey, room.resumeKey)) {
          throw new RpcError('CONFLICT', 'another studio session is publishing this show; present its resumeKey to take over');
        }
      }
      if (!s.peer || s.room !== room) {
        const peer = new Peer(s.id, 'studio', room, s, s.log.child({ showId: room.showId, role: 'studio' }));
        room.attachStudio(peer);
        s.peer = peer;
        s.room = room;
      }
      if (room.show.title !== title) room.setShow(shows.setTitle(room.showId, title));
      cluster?.noteOrigin(room.showId);
      return { show: room.show, resumeKey: room.resumeKey, routerRtpCapabilities: routerCaps(room), viewerCount: room.audience };
    },

    'show.goLive': ({ showId }, s) => {
      const room = requirePublisherOf(s, showId);
      if (room.show.status === 'live') return { show: room.show };
      room.setShow(shows.markLive(showId));
      s.log.info({ showId }, 'show is live');
      return { show: room.show };
    },

    'show.end': ({ showId }, s) => {
      const show = findShow(shows, showId);
      if (show.status === 'ended') return { show };
      const room = rooms.get(showId);
      if (room?.studio && room.studio !== s.peer) {
        throw new RpcError('CONFLICT', 'another studio session is publishing this show');
      }
      const ended = rooms.end(showId, 'ended by the studio');
      if (s.room?.showId === showId) {
        s.peer = null;
        s.room = null;
      }
      return { show: ended };
    },

    'viewer.join': async ({ showId, recv, placement, hlsViewer }, s) => {
      // A connection keeps the role it took first (studio.auth refuses a viewer the same way).
      if (s.role === 'studio') throw new RpcError('FORBIDDEN', 'a studio connection cannot join as a viewer');
      // In a cluster a viewer watches where placement sent it (the token names this show and this node).
      cluster?.verifyJoin(showId, placement);
      // A show this node does not know is pulled from the node that publishes it (an edge room).
      const local = shows.get(showId);
      const edgeRoom = !local && cluster ? await cluster.edgeRoom(showId) : null;
      assertStillConnected(s);
      const show = edgeRoom?.show ?? findShow(shows, showId);
      s.leave(); // re-join on the same connection replaces the previous membership
      s.role = 'viewer';
      const noMedia = { transport: null, transportConnected: false, consumers: [], dataConsumers: [] };
      if (show.status === 'ended') {
        return { peerId: s.id, show, routerRtpCapabilities: null, viewerCount: 0, overlays: [], ...noMedia };
      }
      const room = edgeRoom ?? (await rooms.getOrCreate(show));
      assertStillConnected(s);
      if (room.closed) throw new RpcError('BAD_STATE', `show ${showId} is no longer open`);
      // The room seats the viewer on the least-loaded of the show's routers (origin or fan-out, sfu/fanout.ts).
      const peer = await room.joinViewer((seat) => new Peer(s.id, 'viewer', seat, s, s.log.child({ showId, role: 'viewer' })));
      s.peer = peer;
      s.room = room;
      if (s.closed) {
        s.leave(); // the socket closed while the seat was being made (its dispose found no peer yet)
        assertStillConnected(s);
      }
      let media: Pick<ResOf<SignalingMethods, 'viewer.join'>, 'transport' | 'transportConnected' | 'consumers' | 'dataConsumers'> = noMedia;
      if (recv) {
        // Folded into the join to save round trips before the first picture; a failure undoes the membership.
        try {
          const transport = await peer.createTransport('recv', recv.sctpCapabilities, recv.forceTcp ?? false);
          const { dtlsParameters, rtpCapabilities } = recv;
          // Both settle before a failure undoes the membership (no consumer is created on a closing peer).
          const [consumed, connected] = await Promise.allSettled([
            rtpCapabilities ? peer.consume(transport.id, rtpCapabilities) : { consumers: [], dataConsumers: [] },
            dtlsParameters && peer.connectTransport(transport.id, dtlsParameters),
          ]);
          if (connected.status === 'rejected') throw connected.reason;
          if (consumed.status === 'rejected') throw consumed.reason;
          media = { transport, transportConnected: dtlsParameters !== undefined, ...consumed.value };
        } catch (err) {
          if (s.peer === peer) s.leave();
          throw err;
        }
      }
      // The page was counted as an HLS viewer until now (it returns from the fallback): counted once, here.
      if (hlsViewer) hlsAudience?.movedToWebRtc(showId, hlsViewer);
      return {
        peerId: s.id,
        show: room.show,
        routerRtpCapabilities: routerCaps(room),
        viewerCount: room.audience,
        overlays: [...room.overlays],
        ...media,
      };
    },

    'transport.create': ({ direction, sctpCapabilities, forceTcp }, s) =>
      requirePeer(s).createTransport(direction, sctpCapabilities, forceTcp ?? false),

    'transport.connect': async ({ transportId, dtlsParameters }, s) => {
      await requirePeer(s).connectTransport(transportId, dtlsParameters);
      return {};
    },

    'transport.restartIce': async ({ transportId }, s) => ({ iceParameters: await requirePeer(s).restartIce(transportId) }),

    produce: async ({ transportId, kind, rtpParameters, source }, s) => ({
      producerId: await requirePeer(s).produce(transportId, kind, rtpParameters, source),
    }),

    'producer.pause': async ({ producerId }, s) => {
      await requirePeer(s).pauseProducer(producerId);
      return {};
    },

    'producer.resume': async ({ producerId }, s) => {
      await requirePeer(s).resumeProducer(producerId);
      return {};
    },

    'producer.setMaxSpatialLayer': async ({ producerId, spatialLayer }, s) => {
      await requirePeer(s).setMaxSpatialLayer(producerId, spatialLayer);
      return {};
    },

    produceData: async ({ transportId, sctpStreamParameters, label, protocol }, s) => ({
      dataProducerId: await requirePeer(s).produceData(transportId, sctpStreamParameters, label, protocol),
    }),

    consume: ({ transportId, rtpCapabilities }, s) => requirePeer(s).consume(transportId, rtpCapabilities),

    'consumer.resume': async ({ consumerId }, s) => {
      await requirePeer(s).resumeConsumer(consumerId);
      return {};
    },

    'show.overlays': (_req, s) => {
      requirePeer(s);
      if (!s.room) throw new RpcError('BAD_STATE', 'this show was not joined');
      return { overlays: [...s.room.overlays] };
    },

    'consumer.setQuality': async ({ consumerId, quality }, s) => ({ quality: await requirePeer(s).setQuality(consumerId, quality) }),
    'consumer.queueing': ({ consumerId, queueMs }, s) => {
      requirePeer(s).queueing(consumerId, queueMs);
      return {};
    },

    ping: () => ({ now: Date.now() }),
  };
}
