import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LineupUpdate } from '../../../../shared/commerce/catalog';
import { FlashSaleId, ImageId, OrderId, ProductId, SkuId } from '../../../../shared/commerce/common';
import { ShowId } from '../../../../shared/domain/show';
import type { CommerceCore } from '../core';
import { badRequest, CommerceError, parse } from '../errors';
import { MAX_IMAGE_BYTES } from '../media';
import { studioAuth } from './util';

const ProductParams = z.object({ productId: ProductId });
const ImageParams = z.object({ productId: ProductId, imageId: ImageId });
const SkuParams = z.object({ skuId: SkuId });
const ShowParams = z.object({ showId: ShowId });
const SaleParams = z.object({ saleId: FlashSaleId });
const OrderParams = z.object({ orderId: OrderId });
const SalesQuery = z.object({ active: z.enum(['0', '1']).optional() });
const ExportQuery = z.object({ contact: z.enum(['masked', 'full']).default('masked') });

/** Studio (owner) API — every route needs `Authorization: Bearer <studio token>`. */
export async function studioRoutes(app: FastifyInstance, opts: { core: CommerceCore }): Promise<void> {
  const { core } = opts;
  app.addHook('onRequest', studioAuth(core.studioToken));
  await app.register(multipart, { limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 5, parts: 6 } });
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 8 * 1024 * 1024 }, (_req, body, done) => {
    done(null, body);
  });

  // ---- catalog
  app.get('/api/studio/products', async () => ({ products: await core.catalog.list(true) }));
  app.post('/api/studio/products', async (req, reply) => {
    reply.code(201);
    return core.catalog.create(req.body);
  });
  app.get('/api/studio/products/:productId', async (req) =>
    core.catalog.view(parse(ProductParams, req.params, 'product id').productId, true),
  );
  app.patch('/api/studio/products/:productId', async (req) =>
    core.catalog.update(parse(ProductParams, req.params, 'product id').productId, req.body),
  );
  app.delete('/api/studio/products/:productId', async (req) =>
    core.catalog.remove(parse(ProductParams, req.params, 'product id').productId),
  );
  app.post('/api/studio/products/:productId/images', async (req, reply) => {
    const { productId } = parse(ProductParams, req.params, 'product id');
    if (!req.isMultipart()) throw badRequest('multipart/form-data with one image file expected', 'IMAGE_INVALID');
    const { file, data } = await readUpload(req);
    // @fastify/multipart stops reading at `fileSize` and marks the stream truncated (it does not always throw).
    if (file.file.truncated) {
      throw new CommerceError('TOO_LARGE', `image larger than ${Math.round(MAX_IMAGE_BYTES / (1024 * 1024))} MB`);
    }
    reply.code(201);
    return core.catalog.addImage(productId, data);
  });
  app.delete('/api/studio/products/:productId/images/:imageId', async (req) => {
    const { productId, imageId } = parse(ImageParams, req.params, 'image id');
    return core.catalog.removeImage(productId, imageId);
  });
  app.patch('/api/studio/skus/:skuId', async (req) => core.catalog.updateSku(parse(SkuParams, req.params, 'SKU id').skuId, req.body));

  app.get('/api/studio/catalog.csv', async (_req, reply) => {
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="catalog.csv"');
    return core.csv.exportCatalog();
  });
  app.post('/api/studio/catalog.csv', async (req) => {
    if (typeof req.body !== 'string') throw badRequest('send the CSV as text/csv', 'CSV_INVALID');
    return core.csv.importCatalog(req.body);
  });

  // ---- show lineup
  app.get('/api/studio/shows/:showId/lineup', async (req) => core.catalog.lineup(parse(ShowParams, req.params, 'show id').showId, true));
  app.put('/api/studio/shows/:showId/lineup', async (req) => {
    const { showId } = parse(ShowParams, req.params, 'show id');
    return core.catalog.setLineup(showId, parse(LineupUpdate, req.body, 'lineup').productIds);
  });

  // ---- flash sales
  app.get('/api/studio/flash-sales', async (req) => ({
    sales: await core.sales.list(parse(SalesQuery, req.query, 'query').active === '1'),
  }));
  app.post('/api/studio/flash-sales', async (req, reply) => {
    reply.code(201);
    return core.sales.start(req.body);
  });
  app.post('/api/studio/flash-sales/:saleId/stop', async (req) => core.sales.stop(parse(SaleParams, req.params, 'sale id').saleId));

  // ---- orders
  app.get('/api/studio/orders', async (req) => core.orders.list(req.query));
  app.get('/api/studio/orders.csv', async (req, reply) => {
    const filter: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    const { contact } = parse(ExportQuery, { contact: filter.contact }, 'query');
    delete filter.contact;
    delete filter.cursor;
    const orders = [];
    let cursor: string | null | undefined;
    do {
      const page = await core.orders.list({ ...filter, limit: 500, ...(cursor ? { cursor } : {}) });
      for (const o of page.orders) orders.push(contact === 'full' ? await core.orders.detail(o.id) : o);
      cursor = page.nextCursor;
    } while (cursor && orders.length < 50_000);
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="orders.csv"');
    return core.csv.exportOrders(orders);
  });
  app.get('/api/studio/orders/:orderId', async (req) => core.orders.detail(parse(OrderParams, req.params, 'order id').orderId));
  app.post('/api/studio/orders/:orderId/ship', async (req) =>
    core.orders.ship(parse(OrderParams, req.params, 'order id').orderId, req.body),
  );
  app.post('/api/studio/orders/:orderId/complete', async (req) => core.orders.complete(parse(OrderParams, req.params, 'order id').orderId));
  app.post('/api/studio/orders/:orderId/cancel', async (req) =>
    core.orders.cancelByStudio(parse(OrderParams, req.params, 'order id').orderId),
  );
  app.post('/api/studio/orders/:orderId/refund', async (req) =>
    core.payments.refundOrder(parse(OrderParams, req.params, 'order id').orderId, req.body),
  );
}

/**
 * The one file of a multipart upload. The form is parsed here, in the handler, so a malformed body (no boundary, a
 * broken part, a stream cut short) surfaces as a plain parser error: that is the client's mistake, a 400.
 */
async function readUpload(req: FastifyRequest) {
  try {
    const file = await req.file();
    if (!file) throw badRequest('no file in the upload', 'IMAGE_INVALID');
    return { file, data: await file.toBuffer() };
  } catch (err) {
    const status = (err as FastifyError).statusCode;
    if (err instanceof CommerceError || (status !== undefined && status < 500)) throw err;
    throw badRequest(`malformed multipart upload: ${(err as Error).message}`, 'IMAGE_INVALID');
  }
}
