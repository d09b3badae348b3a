import type { FastifyInstance } from 'fastify';
import type { CommerceCore } from '../core';

export const MAX_WEBHOOK_BYTES = 256 * 1024;

/**
 * Provider notifications: POST /api/payments/webhook/:provider. This scope replaces every body parser with one that keeps
 * the raw bytes — signatures are computed over the exact body, so it must not be re-serialised.
 */
export async function webhookRoutes(app: FastifyInstance, opts: { core: CommerceCore }): Promise<void> {
  const { core } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES }, (_req, body, done) => {
    done(null, body);
  });

  app.post('/api/payments/webhook/:provider', async (req, reply) => {
    const { provider } = req.params as { provider: string };
    if (!core.payments.provider(provider)) {
      reply.code(404);
      return { error: { code: 'NOT_FOUND', message: 'unknown payment provider' } };
    }
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const r = await core.payments.handleWebhook(provider, raw, req.headers);
    reply.code(r.status).header('content-type', r.contentType).header('x-storecast-outcome', r.outcome);
    return r.body;
  });
}
