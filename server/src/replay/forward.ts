/**
 * Cluster mode: a show's replay (`/api/replay/:showId…`) and HLS recording (`/hls/:showId/…`) live on the node that
 * recorded it — its origin, where its database row, event log and segment files are. Any other node forwards such a
 * request there (the node found through the registry, `ClusterNode.showHome`) and streams the answer back, so the
 * page keeps talking to its own origin: no cross-origin fetches, redirects or media, and the CSP, CORS and
 * resource policy stay those of a single node. Byte ranges pass through (clips and segments are seekable).
 *
 * Paths are built from validated parameters only, never from the request's text. A request another node forwarded
 * is never forwarded again (`FORWARDED_HEADER`), so two nodes that each think the other holds a show cannot loop.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RpcError } from '../../../shared/protocol/rpc';
import { sendError } from '../http/routes';

/** Marks a request one node forwarded to another. */
export const FORWARDED_HEADER = 'x-storecast-forwarded';
/** How long the holding node may take to start its answer. */
export const FORWARD_TIMEOUT_MS = 10_000;

/** The cluster's record of where shows are held (ClusterNode). */
export interface ShowHomes {
  /** Where a show this node does not know is held (throws RpcError NOT_FOUND / UNAVAILABLE). */
  showHome(showId: string): Promise<string>;
  /** This node holds the show: record it where Redis lost the record. */
  claimHome(showId: string): void;
}

const PASSED_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'cache-control',
  'retry-after',
  'etag',
  'last-modified',
  'access-control-allow-origin',
] as const;

const RANGE_RE = /^bytes=\d*-\d*$/;

/** Whether this node may forward the request: it runs in a cluster and the request did not come from another node. */
export function mayForward(homes: ShowHomes | null, req: FastifyRequest): homes is ShowHomes {
  return homes !== null && req.headers[FORWARDED_HEADER] === undefined;
}

/**
 * Answer `path` (built by the caller from validated parameters) from the node holding `showId`. A show no node holds
 * is 404; the holder offline, unreachable or slow to answer is 503 with Retry-After.
 */
export async function forwardToHome(
  homes: ShowHomes,
  req: FastifyRequest,
  reply: FastifyReply,
  showId: string,
  path: string,
): Promise<FastifyReply> {
  let base: string;
  try {
    base = await homes.showHome(showId);
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    if (err.code === 'NOT_FOUND') return sendError(reply, 404, 'NOT_FOUND', err.message);
    return sendError(reply.header('Retry-After', '5'), 503, 'UNAVAILABLE', err.message);
  }
  const headers: Record<string, string> = { [FORWARDED_HEADER]: '1', 'accept-encoding': 'identity' };
  const range = req.headers.range;
  if (typeof range === 'string' && RANGE_RE.test(range)) headers.range = range;
  const url = `${base.replace(/\/+$/, '')}${path}`;
  // The timeout covers the start of the answer only: a long clip may take its time to stream.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FORWARD_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'manual', signal: abort.signal });
  } catch (err) {
    req.log.warn({ err: (err as Error).message, showId, node: base }, 'cannot reach the node that holds this show');
    return sendError(
      reply.header('Retry-After', '5'),
      503,
      'UNAVAILABLE',
      'the server that holds this show cannot be reached; try again shortly',
    );
  } finally {
    clearTimeout(timer);
  }
  reply.code(res.status);
  for (const name of PASSED_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  if (!res.body) return reply.send();
  return reply.send(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>));
}
