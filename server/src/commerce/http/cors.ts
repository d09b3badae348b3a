import type { FastifyInstance } from 'fastify';

const STUDIO_PREFIX = '/api/studio/';
const MEDIA_PREFIX = '/media/products/';

/**
 * Cross-origin access for the studio: its page is served by the studio host (web host on 127.0.0.1:<port>, or
 * Electron's app://), not by this server, so its REST calls and product-image fetches are cross-origin.
 * `/api/studio/*` is guarded by the bearer token (no cookies), so any origin may call it with the token: preflights
 * are answered here (before the token check) and replies carry `Access-Control-Allow-Origin: *` (never with
 * credentials). Product images are public: readable cross-origin (CORS fetch → blob for the studio's canvas).
 */
export async function studioCors(app: FastifyInstance): Promise<void> {
  app.options('/api/studio/*', async (_req, reply) =>
    reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
      .header('access-control-allow-headers', 'authorization, content-type')
      .header('access-control-max-age', '600')
      .send(),
  );
  app.addHook('onSend', async (req, reply, payload) => {
    const url = req.url;
    if (url.startsWith(STUDIO_PREFIX)) {
      reply.header('access-control-allow-origin', '*');
      reply.header('access-control-expose-headers', 'content-disposition');
    } else if (url.startsWith(MEDIA_PREFIX)) {
      reply.header('access-control-allow-origin', '*');
      reply.header('cross-origin-resource-policy', 'cross-origin');
    }
    return payload;
  });
}
