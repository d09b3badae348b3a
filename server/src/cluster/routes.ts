/**
 * Cluster HTTP surface: `GET /api/shows/:showId/placement[?avoid=<nodeId>,…]` → `Placement` (shared/protocol/cluster),
 * answered by any node for any show. Refusals are typed JSON errors: NOT_FOUND (no node publishes the show),
 * UNAVAILABLE + Retry-After (Redis away, every node full).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NodeId } from '../../../shared/protocol/cluster';
import { ShowId } from '../../../shared/domain/show';
import { RpcError } from '../../../shared/protocol/rpc';
import { sendError } from '../http/routes';
import type { ClusterNode } from './node';

const Params = z.object({ showId: ShowId });
const Query = z.object({
  avoid: z
    .string()
    .max(400)
    .optional()
    .transform((v) => (v ? v.split(',').filter(Boolean) : []))
    .pipe(z.array(NodeId).max(8)),
});

const STATUS: Partial<Record<RpcError['code'], number>> = { NOT_FOUND: 404, UNAVAILABLE: 503, BAD_REQUEST: 400 };

export async function registerClusterRoutes(app: FastifyInstance, cluster: ClusterNode): Promise<void> {
  app.get('/api/shows/:showId/placement', async (req, reply) => {
    const params = Params.safeParse(req.params);
    if (!params.success) return sendError(reply, 400, 'BAD_REQUEST', 'invalid show id');
    const query = Query.safeParse(req.query);
    if (!query.success) return sendError(reply, 400, 'BAD_REQUEST', 'avoid: a comma-separated list of up to 8 node ids');
    try {
      // A page served by another node of the cluster asks here when its own node is gone (no credentials).
      const origin = req.headers.origin;
      if (origin && cluster.publicOrigins().includes(origin)) reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
      const placement = await cluster.place(params.data.showId, query.data.avoid);
      return reply.header('Cache-Control', 'no-store').send(placement);
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      req.log.debug({ code: err.code, msg: err.message }, 'placement refused');
      if (err.code === 'UNAVAILABLE') reply.header('Retry-After', '1');
      return sendError(reply, STATUS[err.code] ?? 500, err.code, err.message);
    }
  });
}
