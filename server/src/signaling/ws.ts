/**
 * Signaling WebSocket endpoint (SIGNALING_PATH). Each connection gets a Session; its text frames are dispatched
 * through the shared contract one at a time (replies keep request order). Binary frames get a typed BAD_REQUEST,
 * frames over MAX_MESSAGE_BYTES close the socket with 1009 (ws `maxPayload`), and a ping/pong heartbeat
 * terminates sockets that stopped answering: after MISSED_PONGS_MAX heartbeats in a row, so a studio whose network
 * drops for about a heartbeat keeps its session (its media resumes with ICE when the network is back; a terminated
 * socket would close its producers and every viewer's consumers).
 */
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { dispatchRequest, type Handlers, type ServerEnvelope } from '../../../shared/protocol/rpc';
import { SIGNALING_PATH, type SignalingMethods, signalingMethods } from '../../../shared/protocol/signaling';
import type { Logger } from '../log';
import { createSignalingHandlers, type HandlerDeps, signalingCaller } from './handlers';

/** Heartbeats in a row a socket may leave unanswered before it is terminated. */
const MISSED_PONGS_MAX = 2;
import { Session } from './session';

/** Requests a single connection may have waiting; more → RATE_LIMITED replies. */
export const MAX_QUEUED_REQUESTS = 32;
export const CLOSE_GOING_AWAY = 1001;

export interface SignalingOptions extends HandlerDeps {
  log: Logger;
  heartbeatMs: number;
}

export interface SignalingServer {
  readonly sessions: ReadonlySet<Session>;
  /** Close every connection (server shutdown). */
  closeAll(code: number, reason: string): void;
  stop(): void;
}

function rawToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

const errorReply = (code: 'BAD_REQUEST' | 'RATE_LIMITED', message: string): ServerEnvelope => ({
  t: 'res',
  id: null,
  ok: false,
  error: { code, message },
});

/** Wrap every handler so the session knows which method it is serving (for the request log). */
function tagged(handlers: Handlers<SignalingMethods, Session>): Handlers<SignalingMethods, Session> {
  const out: Record<string, (d: unknown, s: Session) => unknown> = {};
  for (const [method, fn] of Object.entries(handlers) as [string, (d: unknown, s: Session) => unknown][]) {
    out[method] = (data, s) => {
      s.method = method;
      return fn(data, s);
    };
  }
  return out as Handlers<SignalingMethods, Session>;
}

export function registerSignaling(app: FastifyInstance, opts: SignalingOptions): SignalingServer {
  const handlers = tagged(createSignalingHandlers(opts));
  const sessions = new Set<Session>();
  const sockets = new Map<Session, WebSocket>();

  app.get(SIGNALING_PATH, { websocket: true }, (socket, req) => {
    const session = new Session(socket, opts.log.child({ remote: req.ip }), req.ip);
    sessions.add(session);
    sockets.set(session, socket);
    session.log.debug('signaling connected');
    let chain: Promise<void> = Promise.resolve();
    let queued = 0;

    const handle = async (text: string): Promise<void> => {
      session.method = undefined;
      const t0 = performance.now();
      const reply = await dispatchRequest(signalingMethods, handlers, text, session, signalingCaller(session), (err, method) =>
        session.log.error({ err, method }, 'signaling handler failed'),
      );
      session.send(JSON.stringify(reply));
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      if (reply.t === 'res' && !reply.ok) {
        // A refused request is the client's mistake (or its race with the show's state), not a server fault:
        // INTERNAL failures were already logged as errors above, and a full server is reported by the transport budget.
        session.log.debug(
          { method: session.method, id: reply.id, code: reply.error.code, msg: reply.error.message, ms },
          'request refused',
        );
      } else {
        session.log.debug({ method: session.method, id: reply.t === 'res' ? reply.id : null, ms }, 'request');
      }
    };

    socket.on('message', (data, isBinary) => {
      session.missedPongs = 0;
      if (isBinary) {
        session.send(JSON.stringify(errorReply('BAD_REQUEST', 'binary frames are not accepted; send JSON text')));
        return;
      }
      if (queued >= MAX_QUEUED_REQUESTS) {
        session.send(JSON.stringify(errorReply('RATE_LIMITED', `more than ${MAX_QUEUED_REQUESTS} requests waiting`)));
        return;
      }
      const text = rawToText(data);
      queued++;
      chain = chain
        .then(() => handle(text))
        .catch((err) => session.log.error({ err }, 'signaling dispatch failed'))
        .finally(() => {
          queued--;
        });
    });
    socket.on('pong', () => {
      session.missedPongs = 0;
    });
    socket.on('close', (code, reason) => {
      sessions.delete(session);
      sockets.delete(session);
      session.dispose();
      session.log.debug({ code, reason: reason.toString('utf8') }, 'signaling closed');
    });
  });

  const heartbeat = setInterval(() => {
    for (const [session, socket] of sockets) {
      if (session.missedPongs >= MISSED_PONGS_MAX) {
        session.log.info('no pong from peer; terminating dead socket');
        socket.terminate();
        continue;
      }
      session.missedPongs++;
      try {
        socket.ping();
      } catch {
        socket.terminate();
      }
    }
  }, opts.heartbeatMs);
  heartbeat.unref();

  return {
    sessions,
    closeAll(code, reason) {
      for (const session of [...sessions]) session.disconnect(code, reason);
    },
    stop() {
      clearInterval(heartbeat);
    },
  };
}
