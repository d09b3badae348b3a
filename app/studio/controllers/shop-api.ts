/**
 * Studio REST client for the commerce API (`/api/studio/*` on the server). Adds the studio bearer token (from
 * host.getConnection), validates request bodies and every reply with the shared zod schemas, and turns
 * `{ error: { code, message, reason?, issues? } }` (or a network failure) into a typed ShopApiError.
 */
import { z } from 'zod';
import { SellingScreen } from '../../../shared/analytics/screen';
import {
  CsvImportResult,
  LineupUpdate,
  LineupView,
  type ProductCreate,
  ProductList,
  type ProductUpdate,
  ProductView,
  type SkuUpdate,
  SkuView,
} from '../../../shared/commerce/catalog';
import { CommerceErrorBody, type CommerceReason } from '../../../shared/commerce/common';
import { type OrderListQuery, OrderList, OrderView, RefundRequest, ShipRequest } from '../../../shared/commerce/orders';
import { FlashSaleList, FlashSaleView, StartFlashSale } from '../../../shared/commerce/sales';
import type { ErrorCode } from '../../../shared/protocol/rpc';

export interface ShopIssue {
  path: string;
  message: string;
}

/** A failed studio API call: the server's error code/reason/message, or DISCONNECTED / INTERNAL from the client. */
export class ShopApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status = 0,
    readonly reason?: CommerceReason,
    readonly issues: ShopIssue[] = [],
  ) {
    super(message);
    this.name = 'ShopApiError';
  }
}

export interface ShopConnection {
  /** http(s) base of the server. */
  serverUrl: string;
  token: string | null;
}

/** Reply of DELETE /api/studio/products/:id (a product with orders is archived instead of deleted). */
export const ProductRemoved = z.object({ deleted: z.boolean(), archived: z.boolean() });
export type ProductRemoved = z.infer<typeof ProductRemoved>;

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'DISCONNECTED',
  504: 'TIMEOUT',
};

/** Map a non-2xx reply (status + body text) to a ShopApiError. */
export function errorFromReply(status: number, text: string): ShopApiError {
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (proxy page, plain-text error)
  }
  const body = CommerceErrorBody.safeParse(json);
  if (body.success) {
    const e = body.data.error;
    return new ShopApiError(e.code, e.message, status, e.reason, e.issues ?? []);
  }
  return new ShopApiError(CODE_BY_STATUS[status] ?? 'INTERNAL', `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, status);
}

/** Validate a request body before sending it: a client-side mistake becomes a BAD_REQUEST with field issues. */
function checked<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new ShopApiError(
    'BAD_REQUEST',
    `${what}: ${r.error.issues[0]?.message ?? 'invalid'}`,
    0,
    undefined,
    r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
  );
}

interface Body {
  json?: unknown;
  text?: string;
  contentType?: string;
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export class ShopApi {
  private conn: ShopConnection | null = null;

  constructor(
    /** Where the server is and the studio token (host.getConnection). */
    private readonly connect: () => Promise<ShopConnection>,
    private readonly fetchImpl: Fetch = (input, init) => fetch(input, init),
  ) {}

  private async connection(fresh = false): Promise<ShopConnection & { token: string }> {
    if (!this.conn || fresh) {
      try {
        this.conn = await this.connect();
      } catch (err) {
        throw new ShopApiError('DISCONNECTED', err instanceof Error ? err.message : String(err));
      }
    }
    const { serverUrl, token } = this.conn;
    if (!token) throw new ShopApiError('UNAUTHORIZED', 'no studio token is configured');
    return { serverUrl, token };
  }

  /** Absolute URL of a server path (product images come as server-rooted paths). */
  async resolve(path: string): Promise<string> {
    const { serverUrl } = await this.connection();
    return new URL(path, serverUrl).toString();
  }

  private async send(method: string, path: string, body?: Body, retried = false): Promise<Response> {
    const { serverUrl, token } = await this.connection();
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let payload: string | undefined;
    if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body?.text !== undefined) {
      headers['content-type'] = body.contentType ?? 'text/plain; charset=utf-8';
      payload = body.text;
    }
    let res: Response;
    try {
      res = await this.fetchImpl(new URL(path, serverUrl).toString(), { method, headers, body: payload ?? null });
    } catch (err) {
      throw new ShopApiError('DISCONNECTED', `cannot reach the server (${err instanceof Error ? err.message : String(err)})`);
    }
    if (res.status === 401 && !retried) {
      // The token may have changed (server restarted with a new data dir, settings edited): ask the host again.
      await this.connection(true);
      return this.send(method, path, body, true);
    }
    if (!res.ok) throw errorFromReply(res.status, await res.text().catch(() => ''));
    return res;
  }

  private async call<S extends z.ZodType>(schema: S, method: string, path: string, body?: Body): Promise<z.output<S>> {
    const res = await this.send(method, path, body);
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new ShopApiError('INTERNAL', `${method} ${path}: reply is not JSON`, res.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ShopApiError('INTERNAL', `${method} ${path}: malformed reply (${parsed.error.issues[0]?.message ?? '?'})`, res.status);
    }
    return parsed.data;
  }

  private async download(path: string): Promise<Blob> {
    return (await this.send('GET', path)).blob();
  }

  // ---- catalog --------------------------------------------------------------------------------------------------

  async listProducts(): Promise<ProductView[]> {
    return (await this.call(ProductList, 'GET', '/api/studio/products')).products;
  }
  getProduct(productId: string): Promise<ProductView> {
    return this.call(ProductView, 'GET', `/api/studio/products/${encodeURIComponent(productId)}`);
  }
  createProduct(body: ProductCreate): Promise<ProductView> {
    return this.call(ProductView, 'POST', '/api/studio/products', { json: body });
  }
  updateProduct(productId: string, body: ProductUpdate): Promise<ProductView> {
    return this.call(ProductView, 'PATCH', `/api/studio/products/${encodeURIComponent(productId)}`, { json: body });
  }
  deleteProduct(productId: string): Promise<ProductRemoved> {
    return this.call(ProductRemoved, 'DELETE', `/api/studio/products/${encodeURIComponent(productId)}`);
  }
  updateSku(skuId: string, body: SkuUpdate): Promise<SkuView> {
    return this.call(SkuView, 'PATCH', `/api/studio/skus/${encodeURIComponent(skuId)}`, { json: body });
  }
  deleteImage(productId: string, imageId: string): Promise<ProductView> {
    return this.call(ProductView, 'DELETE', `/api/studio/products/${encodeURIComponent(productId)}/images/${encodeURIComponent(imageId)}`);
  }

  /** Multipart image upload with progress (fetch cannot report upload progress, XMLHttpRequest can). */
  async uploadImage(productId: string, file: Blob, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<ProductView> {
    const { serverUrl, token } = await this.connection();
    const url = new URL(`/api/studio/products/${encodeURIComponent(productId)}/images`, serverUrl).toString();
    const form = new FormData();
    form.append('file', file, file instanceof File ? file.name : 'image');
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress?.(e.loaded / e.total);
      };
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
      xhr.onerror = () => reject(new ShopApiError('DISCONNECTED', 'upload failed: cannot reach the server'));
      xhr.onabort = () => reject(new ShopApiError('DISCONNECTED', 'upload cancelled'));
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(form);
    });
    if (status < 200 || status >= 300) throw errorFromReply(status, text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ShopApiError('INTERNAL', 'upload: reply is not JSON', status);
    }
    const parsed = ProductView.safeParse(json);
    if (!parsed.success) throw new ShopApiError('INTERNAL', 'upload: malformed reply', status);
    onProgress?.(1);
    return parsed.data;
  }

  exportCatalogCsv(): Promise<Blob> {
    return this.download('/api/studio/catalog.csv');
  }
  importCatalogCsv(csv: string): Promise<CsvImportResult> {
    return this.call(CsvImportResult, 'POST', '/api/studio/catalog.csv', { text: csv, contentType: 'text/csv; charset=utf-8' });
  }

  /** A product image (server-rooted path) as a Blob — same-origin blob: URLs keep the program canvas untainted. */
  async image(path: string): Promise<Blob> {
    const url = await this.resolve(path);
    let res: Response;
    try {
      res = await this.fetchImpl(url, { mode: 'cors' });
    } catch (err) {
      throw new ShopApiError('DISCONNECTED', `image ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!res.ok) throw errorFromReply(res.status, '');
    return res.blob();
  }

  // ---- lineup ---------------------------------------------------------------------------------------------------

  getLineup(showId: string): Promise<LineupView> {
    return this.call(LineupView, 'GET', `/api/studio/shows/${encodeURIComponent(showId)}/lineup`);
  }
  async setLineup(showId: string, productIds: string[]): Promise<LineupView> {
    const body = checked(LineupUpdate, { productIds }, 'lineup');
    return this.call(LineupView, 'PUT', `/api/studio/shows/${encodeURIComponent(showId)}/lineup`, { json: body });
  }

  // ---- flash sales ----------------------------------------------------------------------------------------------

  async listSales(activeOnly = true): Promise<FlashSaleView[]> {
    return (await this.call(FlashSaleList, 'GET', `/api/studio/flash-sales${activeOnly ? '?active=1' : ''}`)).sales;
  }
  async startSale(body: StartFlashSale): Promise<FlashSaleView> {
    return this.call(FlashSaleView, 'POST', '/api/studio/flash-sales', { json: checked(StartFlashSale, body, 'flash sale') });
  }
  stopSale(saleId: string): Promise<FlashSaleView> {
    return this.call(FlashSaleView, 'POST', `/api/studio/flash-sales/${encodeURIComponent(saleId)}/stop`);
  }

  // ---- orders ---------------------------------------------------------------------------------------------------

  listOrders(query: OrderListQuery): Promise<OrderList> {
    return this.call(OrderList, 'GET', `/api/studio/orders${orderQueryString(query)}`);
  }
  exportOrdersCsv(query: OrderListQuery, contact: 'masked' | 'full' = 'masked'): Promise<Blob> {
    const { cursor: _c, limit: _l, ...filter } = query;
    const qs = orderQueryString(filter);
    return this.download(`/api/studio/orders.csv${qs ? `${qs}&` : '?'}contact=${contact}`);
  }
  getOrder(orderId: string): Promise<OrderView> {
    return this.call(OrderView, 'GET', `/api/studio/orders/${encodeURIComponent(orderId)}`);
  }
  async shipOrder(orderId: string, body: ShipRequest): Promise<OrderView> {
    const req = checked(ShipRequest, body, 'shipment');
    return this.call(OrderView, 'POST', `/api/studio/orders/${encodeURIComponent(orderId)}/ship`, { json: req });
  }
  completeOrder(orderId: string): Promise<OrderView> {
    return this.call(OrderView, 'POST', `/api/studio/orders/${encodeURIComponent(orderId)}/complete`, { json: {} });
  }
  cancelOrder(orderId: string): Promise<OrderView> {
    return this.call(OrderView, 'POST', `/api/studio/orders/${encodeURIComponent(orderId)}/cancel`, { json: {} });
  }
  async refundOrder(orderId: string, body: RefundRequest): Promise<OrderView> {
    const req = checked(RefundRequest, body, 'refund');
    return this.call(OrderView, 'POST', `/api/studio/orders/${encodeURIComponent(orderId)}/refund`, { json: req });
  }

  // ---- selling data ---------------------------------------------------------------------------------------------

  /** The live big screen of a show (metrics, per-minute trend, markers, per-product totals). */
  sellingScreen(showId: string): Promise<SellingScreen> {
    return this.call(SellingScreen, 'GET', `/api/analytics/shows/${encodeURIComponent(showId)}/screen`);
  }
}

/** `?status=…&q=…` for the order list filters (empty values left out). */
export function orderQueryString(query: OrderListQuery): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}
