/**
 * Replay HTTP (public, like the live page): `GET /api/replay/:showId` (the manifest: recording + chapters) and
 * `GET /api/replay/:showId/clips/:clipId.mp4` (an explanation's clip, byte ranges for seeking). The page
 * `/replay/:showId` is served with the viewer bundle by server/src/http/routes.ts. In cluster mode a node that does not
 * know the show forwards both to the node that recorded it (forward.ts).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { ClipId, ClipParams, clipPath, ReplayParams, replayApiPath } from '../../../shared/replay/manifest';
import { sendError } from '../http/routes';
import { forwardToHome, mayForward, type ShowHomes } from './forward';
import { ReplayError, type ReplayService } from './service';

/** `homes`: the cluster node (null on a single node), which finds where a show unknown here is held. */
export function registerReplayRoutes(app: FastifyInstance, replay: ReplayService, homes: ShowHomes | null = null): void {
  app.get('/api/replay/:showId', async (req, reply) => {
    const p = ReplayParams.safeParse(req.params);
    if (!p.success) return sendError(reply, 400, 'BAD_REQUEST', 'invalid show id');
    const { showId } = p.data;
    if (replay.knows(showId)) homes?.claimHome(showId);
    else if (mayForward(homes, req)) return forwardToHome(homes, req, reply, showId, replayApiPath(showId));
    try {
      // Public data, read cross-origin by the studio's Data tab (no credentials are involved).
      const manifest = await replay.manifest(p.data.showId);
      return reply.header('Cache-Control', 'no-store').header('access-control-allow-origin', '*').send(manifest);
    } catch (err) {
      if (err instanceof ReplayError) return sendError(reply, err.status, err.code, err.message);
      throw err;
    }
  });

  app.get('/api/replay/:showId/clips/:clip', async (req, reply) => {
    const p = ClipParams.safeParse(req.params);
    if (!p.success) return sendError(reply, 400, 'BAD_REQUEST', p.error.issues[0]?.message ?? 'invalid clip');
    const id = ClipId.safeParse(p.data.clip.replace(/\.mp4$/, ''));
    if (!id.success) return sendError(reply, 400, 'BAD_REQUEST', 'invalid clip id');
    const { showId } = p.data;
    if (!replay.knows(showId) && mayForward(homes, req)) return forwardToHome(homes, req, reply, showId, clipPath(showId, id.data));
    let path: string;
    try {
      path = await replay.clip(p.data.showId, id.data);
    } catch (err) {
      if (err instanceof ReplayError) return sendError(reply, err.status, err.code, err.message);
      throw err;
    }
    const size = (await stat(path)).size;
    reply.header('Accept-Ranges', 'bytes').header('Cache-Control', 'public, max-age=3600').type('video/mp4');
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (range && (range[1] || range[2])) {
      const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) return reply.code(416).header('Content-Range', `bytes */${size}`).send();
      return reply
        .code(206)
        .header('Content-Range', `bytes ${start}-${end}/${size}`)
        .header('Content-Length', String(end - start + 1))
        .send(createReadStream(path, { start, end }));
    }
    return reply.header('Content-Length', String(size)).send(createReadStream(path));
  });
}
