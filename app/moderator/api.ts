/**
 * Typed client of the staff HTTP API (contract: shared/realtime/accounts.ts): first-run setup, login, invites,
 * accounts and the show list. The page authenticates with the HttpOnly `sc_staff` cookie the server sets; every reply
 * is validated with the shared schemas and every failure becomes a `StaffApiError` (status 0: no answer).
 */
import { z } from 'zod';
import { ProductList } from '../../shared/commerce/catalog';
import { RpcErrorBody } from '../../shared/protocol/rpc';
import { AccountList, InviteView, LoginResult, Me, SetupState, StaffShowList } from '../../shared/realtime/accounts';

export class StaffApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StaffApiError';
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

const Ok = z.object({ ok: z.literal(true) });
const ErrorReply = z.object({ error: RpcErrorBody.extend({ code: z.string() }) });

export type StaffApi = ReturnType<typeof createStaffApi>;

export function createStaffApi(doFetch: FetchLike = (input, init) => fetch(input, init)) {
  async function call<S extends z.ZodType>(
    schema: S,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<z.output<S>> {
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
      throw new StaffApiError(0, 'DISCONNECTED', err instanceof Error ? err.message : String(err));
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new StaffApiError(res.ok ? 502 : res.status, 'INTERNAL', `unreadable reply (${res.status})`);
    }
    if (!res.ok) {
      const e = ErrorReply.safeParse(json);
      if (!e.success) throw new StaffApiError(res.status, 'INTERNAL', `request failed (${res.status})`);
      throw new StaffApiError(res.status, e.data.error.code, e.data.error.message);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new StaffApiError(502, 'INTERNAL', `unexpected reply from ${path}`);
    return parsed.data;
  }

  return {
    setupState: () => call(SetupState, 'GET', '/api/setup'),
    setup: (name: string, password: string) => call(LoginResult, 'POST', '/api/setup', { name, password }),
    login: (name: string, password: string) => call(LoginResult, 'POST', '/api/auth/login', { name, password }),
    logout: () => call(Ok, 'POST', '/api/auth/logout', {}),
    me: () => call(Me, 'GET', '/api/auth/me'),
    invite: (ttlHours = 72) => call(InviteView, 'POST', '/api/accounts/invites', { role: 'moderator', ttlHours }),
    accept: (code: string, name: string, password: string) => call(LoginResult, 'POST', '/api/accounts/accept', { code, name, password }),
    accounts: () => call(AccountList, 'GET', '/api/accounts'),
    disableAccount: (accountId: string) => call(Ok, 'DELETE', `/api/accounts/${encodeURIComponent(accountId)}`),
    shows: () => call(StaffShowList, 'GET', '/api/staff/shows'),
    /** The public catalog (titles and thumbnails for the questions' product context). */
    products: () => call(ProductList, 'GET', '/api/products'),
  };
}
