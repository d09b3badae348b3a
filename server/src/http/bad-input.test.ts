/**
 * Every HTTP route of the real server against malformed bodies — broken JSON, multipart without a boundary or cut
 * short, the wrong content type — sent with the studio token and a same-origin header so the request reaches the
 * body parsing. A client's mistake is answered 4xx and is never logged as a server error.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness';

let server: TestServer;
const routes: { method: string; url: string }[] = [];
const logLines: { level: number; msg: string; req?: { url?: string } }[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  server = await startTestServer(
    {},
    {
      logger,
      onRoute: (r) => {
        for (const method of [r.method].flat()) routes.push({ method, url: r.url });
      },
    },
  );
});
afterAll(async () => {
  await server?.close();
});

const BODIES: { name: string; contentType: string; body: string }[] = [
  { name: 'broken JSON', contentType: 'application/json', body: '{"name":' },
  { name: 'JSON null', contentType: 'application/json', body: 'null' },
  { name: 'multipart without a boundary', contentType: 'multipart/form-data', body: 'not a form' },
  {
    name: 'multipart cut short',
    contentType: 'multipart/form-data; boundary=zz',
    body: '--zz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG',
  },
  {
    name: 'multipart with a broken part header',
    contentType: 'multipart/form-data; boundary=zz',
    body: '--zz\r\nbroken\r\n\r\nx\r\n--zz--',
  },
  { name: 'urlencoded junk', contentType: 'application/x-www-form-urlencoded', body: '%%%=&&=%zz' },
  { name: 'plain text', contentType: 'text/plain', body: 'hello' },
  { name: 'CSV junk', contentType: 'text/csv', body: '"unterminated,\n\u0000' },
];

describe('malformed request bodies on every route', () => {
  it('are answered 4xx (or handled), never 5xx, and never logged as errors', async () => {
    const withBody = routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
    expect(withBody.length).toBeGreaterThan(20);
    // Real ids where the catalog has them, so a handler that reads its body lazily (multipart) gets that far.
    const { products } = (await (await fetch(`${server.url}/api/products`)).json()) as {
      products: { id: string; skus: { id: string }[] }[];
    };
    const show = server.shows.create('Bad input');
    const params: Record<string, string[]> = {
      productId: [products[0]!.id],
      skuId: [products[0]!.skus[0]!.id],
      showId: [show.id],
      orderId: ['o_000000000000'],
      saleId: ['fs_000000000000'],
      ref: ['pay_000000000000'],
      provider: ['sandbox', 'stripe', 'alipay', 'wechatpay'],
    };
    const urls = (pattern: string): string[] => {
      const m = /:([A-Za-z]+)/.exec(pattern);
      if (!m) return [pattern];
      return (params[m[1]!] ?? ['x1']).flatMap((v) => urls(pattern.replace(m[0], v)));
    };
    const failures: string[] = [];
    for (const r of withBody.flatMap((r) => urls(r.url).map((url) => ({ method: r.method, url: server.url + url })))) {
      const url = r.url;
      for (const b of BODIES) {
        const res = await fetch(url, {
          method: r.method,
          headers: { 'content-type': b.contentType, authorization: `Bearer ${server.studioToken}`, origin: server.url },
          body: b.body,
        });
        await res.arrayBuffer();
        if (res.status >= 500) failures.push(`${r.method} ${url} with ${b.name}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    const errors = logLines.filter((l) => l.level >= 50).map((l) => `${l.msg} ${l.req?.url ?? ''}`);
    expect(errors).toEqual([]);
  });
});
