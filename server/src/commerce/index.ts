/**
 * Storecast commerce: catalog, flash sales, checkout, orders and payments as one fastify plugin.
 *
 *   await app.register(commercePlugin, { db, dataDir, publicUrl, studioToken, sessionSecret, payments, log, onEvent })
 *
 * Register it WITHOUT a prefix: it owns `/api/...` (REST), `/pay/...` (hosted sandbox pay page, return page) and
 * `/media/products/...` (product images). Pass `core` to share a core built with createCommerceCore (tests, benches).
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { type CommerceCore, type CommerceOptions, createCommerceCore } from './core';
import { studioCors } from './http/cors';
import { payPages } from './http/pay-pages';
import { publicRoutes } from './http/public';
import { studioRoutes } from './http/studio';
import { errorHandler } from './http/util';
import { webhookRoutes } from './http/webhooks';

export type { CommerceCore, CommerceOptions } from './core';
export { createCommerceCore, orderedCommercePublisher } from './core';
export { type PaymentsConfig, paymentsConfigFromEnv } from './config';

export type CommercePluginOptions = CommerceOptions | { core: CommerceCore };

export async function commercePlugin(app: FastifyInstance, opts: CommercePluginOptions): Promise<void> {
  const shared = 'core' in opts && opts.core !== undefined;
  const core = shared ? (opts as { core: CommerceCore }).core : await createCommerceCore(opts as CommerceOptions);
  if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie, { hook: 'onRequest' });
  app.setErrorHandler(errorHandler);
  // Hook + preflight route at this level so they cover every commerce route registered below.
  await studioCors(app);
  await app.register(publicRoutes, { core });
  await app.register(studioRoutes, { core });
  await app.register(webhookRoutes, { core });
  await app.register(payPages, { core });
  core.start();
  app.addHook('onClose', async () => {
    if (!shared) core.close();
  });
}
