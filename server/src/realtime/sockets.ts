/**
 * The realtime WebSocket endpoint (`REALTIME_PATH?showId=…`): accepting a socket into its show's room (also a show
 * another node of the cluster holds), reading the buyer and staff cookies of same-origin handshakes, handling its
 * frames one request at a time in the order sent, and the heartbeat that drops dead sockets.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { ShowId } from '../../../shared/domain/show';
import { REALTIME_CLOSE, REALTIME_MAX_FRAME_BYTES, REALTIME_PATH, realtimeMethods } from '../../../shared/protocol/realtime';
import { dispatchRequest, type ServerEnvelope } from '../../../shared/protocol/rpc';
import { STAFF_COOKIE } from '../../../shared/realtime/accounts';
import type { Accounts } from '../accounts/accounts';
import { sameOrigin } from '../accounts/routes';
import type { BuyerSessions } from '../commerce/session';
import type { ShowLookup } from '../db/shows';
import type { Logger } from '../log';
import type { RealtimeConfig } from './config';
import { Connection } from './connection';
import type { createRealtimeHandlers } from './handlers';
import type { RealtimeHub } from './hub';

/** Frames a socket may send while its show is looked up in the cluster (hello and a few more). */
const HELD_FRAMES_MAX = 16;

export interface SocketDeps {
  hub: RealtimeHub;
  handlers: ReturnType<typeof createRealtimeHandlers>;
  accounts: Accounts;
  buyers: BuyerSessions;
  shows: ShowLookup;
  config: RealtimeConfig;
  log: Logger;
  clock: () => number;
  /** Every open realtime socket of this node (the endpoint adds and removes them). */
  connections: Set<Connection>;
}

function rawToBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return data;
}

const errorFrame = (code: 'BAD_REQUEST' | 'TOO_LARGE', message: string): string =>
  JSON.stringify({ t: 'res', id: null, ok: false, error: { code, message } } satisfies ServerEnvelope);

export function registerRealtimeSockets(scope: FastifyInstance, d: SocketDeps): void {
  scope.get(REALTIME_PATH, { websocket: true }, (socket, req) => {
    const showId = ShowId.safeParse((req.query as Record<string, unknown> | undefined)?.showId);
    if (!showId.success) {
      socket.close(REALTIME_CLOSE.BAD_SHOW, 'bad showId');
      return;
    }
    if (d.shows.find(showId.data)) {
      accept(d, socket, req, showId.data);
      return;
    }
    // Not a show this node knows: the cluster may (a balancer sends sockets to any node). Frames sent meanwhile are
    // held, a few at most, and handled once the socket is accepted.
    const held: Array<[RawData, boolean]> = [];
    const hold = (data: RawData, isBinary: boolean) => {
      if (held.push([data, isBinary]) > HELD_FRAMES_MAX) socket.close(REALTIME_CLOSE.BAD_SHOW, 'too many frames before the show was found');
    };
    socket.on('message', hold);
    void d.shows.resolve(showId.data).then((show) => {
      socket.off('message', hold);
      if (socket.readyState !== socket.OPEN) return;
      if (!show) {
        socket.close(REALTIME_CLOSE.BAD_SHOW, 'unknown show');
        return;
      }
      const onMessage = accept(d, socket, req, showId.data);
      for (const [data, isBinary] of held) onMessage(data, isBinary);
    });
  });
}

/** Join a socket to its show's room; returns its frame handler (also registered on the socket). */
function accept(d: SocketDeps, socket: WebSocket, req: FastifyRequest, showId: string): (data: RawData, isBinary: boolean) => void {
  const { hub, config } = d;
  const room = hub.room(showId);
  const conn = new Connection(
    socket,
    room,
    d.log.child({ component: 'realtime', remote: req.ip }),
    { perSec: config.requestRatePerSec, burst: config.requestBurst },
    d.clock(),
  );
  // Cookies only count on same-origin handshakes (a foreign page must not act with a viewer's or moderator's cookie).
  // The staff cookie is looked up in the accounts store before the socket's first request is handled.
  let turn: Promise<unknown> = Promise.resolve();
  if (sameOrigin(req)) {
    const buyer = d.buyers.read(req);
    conn.buyerKey = buyer ? `b:${buyer}` : null;
    const cookie = req.cookies?.[STAFF_COOKIE];
    if (cookie)
      turn = d.accounts
        .resolveToken(cookie)
        .then((p) => {
          conn.principal = p;
        })
        .catch((err: unknown) => conn.log.warn({ err }, 'staff cookie not checked: the accounts store is unreachable'));
  }
  d.connections.add(conn);
  hub.join(conn);

  // One request at a time per socket, in the order sent: `hello` with a token awaits the accounts store, and the
  // requests after it must see who the sender is.
  const handle = (text: string): void => {
    turn = turn.then(() =>
      dispatchRequest(realtimeMethods, d.handlers, text, conn, conn.caller, (err, method) =>
        conn.log.error({ err, method }, 'realtime handler failed'),
      )
        .then((reply) => conn.sendText(JSON.stringify(reply)))
        .catch((err: unknown) => conn.log.error({ err }, 'realtime reply failed')),
    );
  };

  const onMessage = (data: RawData, isBinary: boolean): void => {
    conn.alive = true;
    if (conn.closing) return;
    if (isBinary) {
      conn.sendText(errorFrame('BAD_REQUEST', 'binary frames are not accepted; send JSON text'));
      return;
    }
    const buf = rawToBuffer(data);
    if (buf.byteLength > REALTIME_MAX_FRAME_BYTES) {
      conn.sendText(errorFrame('TOO_LARGE', `frame exceeds ${REALTIME_MAX_FRAME_BYTES} bytes`));
      return;
    }
    handle(buf.toString('utf8'));
  };
  socket.on('message', onMessage);
  socket.on('pong', () => {
    conn.alive = true;
  });
  socket.on('close', () => {
    d.connections.delete(conn);
    hub.leave(conn);
  });
  return onMessage;
}

/** One heartbeat: drop the sockets that did not answer the last ping, ping the others. */
export function pingSockets(connections: Iterable<Connection>): void {
  for (const conn of connections) {
    if (!conn.alive) {
      conn.ws.terminate();
      continue;
    }
    conn.alive = false;
    try {
      conn.ws.ping();
    } catch {
      conn.ws.terminate();
    }
  }
}
