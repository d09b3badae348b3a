/**
 * HLS over HTTP: GET /hls/:showId/index.m3u8 (the playlist; asking for it starts the show's recording if needed),
 * /hls/:showId/seg-NNNNN.ts (segments) and /hls/:showId/state.json (show + pinned products for HLS viewers).
 * Names are matched exactly by pattern (no path is ever built from free text) and unknown shows are 404 — in cluster
 * mode the playlist and segments of a show another node recorded are forwarded there (server/src/replay/forward.ts).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ShowId } from '../../../shared/domain/show';
import { type HlsShowState, HlsViewerKey } from '../../../shared/protocol/hls';
import type { ShowRepository } from '../db/shows';
import { sendError } from '../http/routes';
import { forwardToHome, mayForward, type ShowHomes } from '../replay/forward';
import type { RoomManager } from '../sfu/rooms';
import { PLAYLIST_FILE, SEGMENT_FILE_RE } from './ffmpeg-input';
import type { HlsAudience } from './audience';
import type { HlsService } from './service';

/** How long a playlist request for a live show waits for the recording's first segment. */
export const PLAYLIST_WAIT_MS = 10_000;

const Params = z.object({
  showId: ShowId,
  file: z.union([z.literal(PLAYLIST_FILE), z.literal('state.json'), z.string().regex(SEGMENT_FILE_RE)]),
});

const StateQuery = z.object({ viewer: HlsViewerKey.optional() });

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';

export interface HlsRouteDeps {
  hls: HlsService;
  shows: ShowRepository;
  rooms: RoomManager;
  /** Counts the HLS pages that poll the show state with their viewer key. */
  audience: HlsAudience;
  /** Cluster mode: where a show unknown here is held (its playlist and segments are forwarded there). */
  homes?: ShowHomes | null;
}

export function registerHlsRoutes(app: FastifyInstance, deps: HlsRouteDeps): void {
  const { hls, shows, rooms, audience } = deps;
  const homes = deps.homes ?? null;
  app.get('/hls/:showId/:file', async (req, reply) => {
    const params = Params.safeParse(req.params);
    if (!params.success) return sendError(reply, 400, 'BAD_REQUEST', 'invalid HLS path');
    const { showId, file } = params.data;
    const show = shows.get(showId);
    if (!show) {
      // Cluster mode: the recording is on the node that was the show's origin (its viewer count stays with the pages
      // that poll that node's state.json, so state.json is not forwarded).
      if (file !== 'state.json' && mayForward(homes, req)) {
        return forwardToHome(homes, req, reply, showId, `/hls/${encodeURIComponent(showId)}/${file}`);
      }
      return sendError(reply, 404, 'NOT_FOUND', `unknown show ${showId}`);
    }

    if (file === 'state.json') {
      const query = StateQuery.safeParse(req.query);
      if (!query.success) return sendError(reply, 400, 'BAD_REQUEST', 'invalid viewer key');
      const room = rooms.get(showId);
      if (query.data.viewer && show.status === 'live') {
        audience.seen(showId, query.data.viewer, req.ip);
        room?.setHlsViewers(audience.count(showId));
      }
      const state: HlsShowState = { show, overlays: room ? [...room.overlays] : [], viewerCount: room?.audience ?? 0 };
      return reply.header('Cache-Control', 'no-store').send(state);
    }

    if (file === PLAYLIST_FILE) {
      if (show.status === 'ended') hls.finalize(showId);
      else if (show.status === 'live') hls.demand(showId);
      const text = await hls.playlist(showId, show.status === 'live' ? PLAYLIST_WAIT_MS : 0);
      if (text === null) {
        if (show.status === 'ended') return sendError(reply, 404, 'NOT_FOUND', 'this show has no recording');
        return reply
          .code(503)
          .header('Retry-After', '2')
          .header('Cache-Control', 'no-store')
          .type('application/json; charset=utf-8')
          .send({
            error: { code: 'UNAVAILABLE', message: show.status === 'live' ? 'the stream is starting' : 'the show is not live yet' },
          });
      }
      return reply.header('Cache-Control', 'no-cache, no-store').type(PLAYLIST_TYPE).send(text);
    }

    const path = join(hls.dir(showId), file);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return sendError(reply, 404, 'NOT_FOUND', 'no such segment');
    // A segment appears under its name only once complete (ffmpeg's temp_file) and never changes.
    return reply
      .header('Cache-Control', 'public, max-age=86400, immutable')
      .header('Content-Length', String(info.size))
      .type('video/mp2t')
      .send(createReadStream(path));
  });
}
