/**
 * One JSON request against the server's REST API, for the browser apps' typed clients (viewer shop, moderator):
 * same-origin cookies, no cache, the reply validated with a shared zod schema. Every failure is described once
 * (`JsonFailure`) and turned into the client's own error type by its `fail` function.
 */
import type { z } from 'zod';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export type JsonFailure =
  /** No answer (network down, aborted): the outcome is unknown. */
  | { kind: 'network'; message: string }
  /** An answer that is not JSON. */
  | { kind: 'unreadable'; status: number; ok: boolean }
  /** A non-2xx answer; `body` is its (unvalidated) JSON. */
  | { kind: 'http'; status: number; body: unknown }
  /** A 2xx answer whose JSON does not match the schema. */
  | { kind: 'schema'; status: number };

export interface JsonRequest<S extends z.ZodType> {
  schema: S;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
}

export async function requestJson<S extends z.ZodType>(
  doFetch: FetchLike,
  req: JsonRequest<S>,
  fail: (failure: JsonFailure) => Error,
  /** Sees every response that arrived (e.g. its Date header), before its body is read. */
  onResponse?: (res: Response) => void,
): Promise<z.output<S>> {
  const { schema, method, path, body } = req;
  let res: Response;
  try {
    res = await doFetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw fail({ kind: 'network', message: err instanceof Error ? err.message : String(err) });
  }
  onResponse?.(res);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw fail({ kind: 'unreadable', status: res.status, ok: res.ok });
  }
  if (!res.ok) throw fail({ kind: 'http', status: res.status, body: json });
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw fail({ kind: 'schema', status: res.status });
  return parsed.data;
}

/** What the clients report for a failure: HTTP status (0: no answer), error code, message, and the API's error body. */
export interface FailureDetails<E> {
  status: number;
  code: string;
  message: string;
  /** The API's own error body of a non-2xx answer, when it had that shape. */
  error: E | null;
}

/**
 * The status / code / message every client gives a failure; `readError` recognises the API's error body of a non-2xx
 * answer (null: not that shape, reported as INTERNAL).
 */
export function describeFailure<E extends { code: string; message: string }>(
  path: string,
  f: JsonFailure,
  readError: (body: unknown) => E | null,
): FailureDetails<E> {
  switch (f.kind) {
    case 'network':
      return { status: 0, code: 'DISCONNECTED', message: f.message, error: null };
    case 'unreadable':
      return { status: f.ok ? 502 : f.status, code: 'INTERNAL', message: `unreadable reply (${f.status})`, error: null };
    case 'http': {
      const error = readError(f.body);
      return error
        ? { status: f.status, code: error.code, message: error.message, error }
        : { status: f.status, code: 'INTERNAL', message: `request failed (${f.status})`, error: null };
    }
    case 'schema':
      return { status: 502, code: 'INTERNAL', message: `unexpected reply from ${path}`, error: null };
  }
}
