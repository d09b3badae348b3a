import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeFailure, type JsonFailure, requestJson } from './json-fetch';

const Item = z.object({ id: z.string() });

/** Answers every request with `reply` (or throws it) and records what was asked. */
function network(reply: Response | Error) {
  const asked: { url: string; init: RequestInit | undefined }[] = [];
  const fetchImpl = async (url: string, init?: RequestInit) => {
    asked.push({ url, init });
    if (reply instanceof Error) throw reply;
    return reply;
  };
  return { asked, fetchImpl };
}

class Failed extends Error {
  constructor(readonly failure: JsonFailure) {
    super(failure.kind);
  }
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', date: 'Fri, 04 Dec 2026 10:00:00 GMT' } });

async function failureOf(p: Promise<unknown>): Promise<JsonFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof Failed)) throw new Error(`expected a Failed, got ${String(err)}`);
  return err.failure;
}

describe('requestJson', () => {
  it('sends JSON with same-origin credentials and returns the validated reply', async () => {
    const { asked, fetchImpl } = network(json(200, { id: 'a', extra: 1 }));
    const seen: string[] = [];
    const out = await requestJson(
      fetchImpl,
      { schema: Item, method: 'POST', path: '/api/x', body: { q: 1 } },
      (f) => new Failed(f),
      (res) => seen.push(res.headers.get('date') ?? ''),
    );
    expect(out).toEqual({ id: 'a' });
    expect(asked[0]!.url).toBe('/api/x');
    expect(asked[0]!.init).toMatchObject({ method: 'POST', credentials: 'same-origin', cache: 'no-store', body: '{"q":1}' });
    expect(new Headers(asked[0]!.init!.headers).get('content-type')).toBe('application/json');
    expect(seen).toEqual(['Fri, 04 Dec 2026 10:00:00 GMT']);
  });

  it('describes each way a request fails', async () => {
    const get = (reply: Response | Error) =>
      requestJson(network(reply).fetchImpl, { schema: Item, method: 'GET', path: '/api/x' }, (f) => new Failed(f));
    expect(await failureOf(get(new TypeError('Failed to fetch')))).toEqual({ kind: 'network', message: 'Failed to fetch' });
    expect(await failureOf(get(new Response('<html>', { status: 502 })))).toEqual({ kind: 'unreadable', status: 502, ok: false });
    expect(await failureOf(get(json(409, { error: { code: 'CONFLICT' } })))).toEqual({
      kind: 'http',
      status: 409,
      body: { error: { code: 'CONFLICT' } },
    });
    expect(await failureOf(get(json(200, { id: 7 })))).toEqual({ kind: 'schema', status: 200 });
  });

  it('gives each failure the status, code and message the clients report', () => {
    const readError = (body: unknown) => {
      const e = z.object({ error: z.object({ code: z.string(), message: z.string(), reason: z.string().optional() }) }).safeParse(body);
      return e.success ? e.data.error : null;
    };
    expect(describeFailure('/api/x', { kind: 'network', message: 'offline' }, readError)).toEqual({
      status: 0,
      code: 'DISCONNECTED',
      message: 'offline',
      error: null,
    });
    expect(describeFailure('/api/x', { kind: 'unreadable', status: 200, ok: true }, readError)).toMatchObject({
      status: 502,
      code: 'INTERNAL',
    });
    expect(describeFailure('/api/x', { kind: 'unreadable', status: 503, ok: false }, readError)).toMatchObject({
      status: 503,
      code: 'INTERNAL',
    });
    const body = { error: { code: 'CONFLICT', message: 'sold out', reason: 'SOLD_OUT' } };
    expect(describeFailure('/api/x', { kind: 'http', status: 409, body }, readError)).toEqual({
      status: 409,
      code: 'CONFLICT',
      message: 'sold out',
      error: body.error,
    });
    expect(describeFailure('/api/x', { kind: 'http', status: 500, body: 'oops' }, readError)).toEqual({
      status: 500,
      code: 'INTERNAL',
      message: 'request failed (500)',
      error: null,
    });
    expect(describeFailure('/api/x', { kind: 'schema', status: 200 }, readError)).toEqual({
      status: 502,
      code: 'INTERNAL',
      message: 'unexpected reply from /api/x',
      error: null,
    });
  });
});
