/**
 * HTTP surface: health, show info API, the viewer page at /live/:showId (and the buyer's /orders pages), the moderator
 * pane at /moderator (and the post-show report at /report/:showId) and the built web UI (WEB_DIR) as static
 * files. A missing build is reported as a clear 503 page instead of a crash.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { OrderId } from '../../../shared/commerce/common';
import { ShowId } from '../../../shared/domain/show';
import { CLUSTER_ELEMENT_ID, type ClusterMarker } from '../../../shared/protocol/cluster';
import type { ErrorCode } from '../../../shared/protocol/rpc';
import { RTP_CAPABILITIES_ELEMENT_ID } from '../../../shared/protocol/signaling';
import type { ShowRepository } from '../db/shows';
import type { RoomManager } from '../sfu/rooms';
import type { WorkerPool } from '../sfu/worker-pool';

export interface HttpDeps {
  shows: ShowRepository;
  rooms: RoomManager;
  pool: WorkerPool;
  webDir: string;
  /** Cluster mode (server/src/cluster): this node's id, and whether it can take new viewers (Redis answers). */
  cluster?: { readonly nodeId: string; readonly ready: boolean } | null;
}

/** Typed JSON error body used by every API route. */
export function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}

const ShowParams = z.object({ showId: ShowId });
const OrderParams = z.object({ orderId: OrderId });

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Storecast — web UI not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;background:#111318;color:#e8e9ee;display:grid;place-items:center;min-height:100vh;margin:0}
main{max-width:36rem;padding:2rem}code{background:#23262f;padding:.15rem .4rem;border-radius:4px}</style></head>
<body><main><h1>Web UI not built</h1><p>The Storecast server is running, but the web pages are missing.</p>
<p>Run <code>npm run build</code> (or set <code>WEB_DIR</code> to the built <code>dist/web</code> folder) and reload.</p>
<p lang="zh-CN">网页界面尚未构建：请运行 <code>npm run build</code> 后刷新。</p></main></body></html>`;

function sendNotBuilt(reply: FastifyReply): FastifyReply {
  return reply.code(503).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
}

export async function registerHttpRoutes(app: FastifyInstance, { shows, rooms, pool, webDir, cluster }: HttpDeps): Promise<void> {
  app.get('/healthz', async (_req, reply) => {
    const health = { ok: true, workers: pool.workers.length, rooms: rooms.view.size };
    if (!cluster) return health;
    // A node cut off from the cluster's Redis keeps its viewers but takes no new ones: not ready.
    return reply.code(cluster.ready ? 200 : 503).send({ ...health, ok: cluster.ready, node: cluster.nodeId, redis: cluster.ready });
  });

  app.get('/api/shows/:showId', async (req, reply) => {
    const params = ShowParams.safeParse(req.params);
    if (!params.success) return sendError(reply, 400, 'BAD_REQUEST', 'invalid show id');
    const show = shows.get(params.data.showId);
    if (!show) return sendError(reply, 404, 'NOT_FOUND', `unknown show ${params.data.showId}`);
    return reply.header('Cache-Control', 'no-store').send(show);
  });

  const viewerPage = join(webDir, 'viewer', 'index.html');
  const sendViewer = async (reply: FastifyReply): Promise<FastifyReply> => {
    let html: string;
    try {
      html = await readFile(viewerPage, 'utf8');
    } catch {
      return sendNotBuilt(reply);
    }
    return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(html);
  };
  // The live page gets the router's RTP capabilities embedded (inert JSON, not script), so the page can load its
  // WebRTC device while it connects and joins instead of after the join reply: this shortens the time to first frame.
  const sendLiveViewer = async (reply: FastifyReply): Promise<FastifyReply> => {
    let html: string;
    try {
      html = await readFile(viewerPage, 'utf8');
    } catch {
      return sendNotBuilt(reply);
    }
    const caps = await pool.routerRtpCapabilities().catch(() => null);
    if (caps) {
      const json = JSON.stringify(caps).replace(/</g, '\\u003c');
      html = html.replace('</head>', `<script type="application/json" id="${RTP_CAPABILITIES_ELEMENT_ID}">${json}</script></head>`);
    }
    if (cluster) {
      // Cluster mode: the page asks for a placement before it joins (app/viewer/controllers/placement.ts).
      const marker: ClusterMarker = { node: cluster.nodeId };
      html = html.replace(
        '</head>',
        `<script type="application/json" id="${CLUSTER_ELEMENT_ID}">${JSON.stringify(marker)}</script></head>`,
      );
    }
    return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(html);
  };
  app.get('/live/:showId', async (req, reply) => {
    const params = ShowParams.safeParse(req.params);
    if (!params.success) return reply.code(404).type('text/plain; charset=utf-8').send('Not found: invalid show id');
    return sendLiveViewer(reply);
  });
  // The replay of an ended show is a page of the viewer bundle too (its data: GET /api/replay/:showId).
  app.get('/replay/:showId', async (req, reply) => {
    const params = ShowParams.safeParse(req.params);
    if (!params.success) return reply.code(404).type('text/plain; charset=utf-8').send('Not found: invalid show id');
    return sendViewer(reply);
  });
  // The buyer's order pages are routes of the viewer bundle (it routes by path); the order itself is fetched
  // by the page from /api/orders/:orderId with the buyer's session cookie.
  app.get('/orders', async (_req, reply) => sendViewer(reply));
  app.get('/orders/:orderId', async (req, reply) => {
    const params = OrderParams.safeParse(req.params);
    if (!params.success) return reply.code(404).type('text/plain; charset=utf-8').send('Not found: invalid order id');
    return sendViewer(reply);
  });

  // The moderator pane (its own bundle). Invite links carry the code in the fragment (#invite=…), never in the URL
  // the server sees.
  const moderatorPage = join(webDir, 'moderator', 'index.html');
  const sendModerator = async (reply: FastifyReply): Promise<FastifyReply> => {
    let html: string;
    try {
      html = await readFile(moderatorPage, 'utf8');
    } catch {
      return sendNotBuilt(reply);
    }
    return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(html);
  };
  app.get('/moderator', async (_req, reply) => sendModerator(reply));
  // The post-show report is a page of the moderator bundle (it routes by path; its data comes from the staff
  // analytics API with the staff cookie).
  app.get('/report/:showId', async (req, reply) => {
    const params = ShowParams.safeParse(req.params);
    if (!params.success) return reply.code(404).type('text/plain; charset=utf-8').send('Not found: invalid show id');
    return sendModerator(reply);
  });

  const built = existsSync(webDir);
  if (built) {
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: '/',
      index: ['index.html'],
      setHeaders: (reply, path) => {
        // Vite puts content-hashed files in assets/: cache them for good; everything else revalidates.
        reply.header('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else {
    app.log.warn({ webDir }, 'web UI not built (WEB_DIR missing): pages answer 503 until `npm run build`');
  }

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/')) return sendError(reply, 404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    if (!built && req.method === 'GET') return sendNotBuilt(reply);
    return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
  });
}
