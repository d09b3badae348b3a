/**
 * Typed client of the staff HTTP API (contract: shared/realtime/accounts.ts): first-run setup, login, invites,
 * accounts, the show list and a show's selling data (post-show report). The page authenticates with the HttpOnly `sc_staff` cookie the server sets; every reply
 * is validated with the shared schemas and every failure becomes a `StaffApiError` (status 0: no answer).
 */
import { z } from 'zod';
import { SellingScreen } from '../../shared/analytics/screen';
import { SegmentRow } from '../../shared/analytics/segments';
import { ProductList } from '../../shared/commerce/catalog';
import { ShowInfo } from '../../shared/domain/show';
import { RpcErrorBody } from '../../shared/protocol/rpc';
import { AccountList, InviteView, LoginResult, Me, SetupState, StaffShowList } from '../../shared/realtime/accounts';
import { describeFailure, type FetchLike, type JsonFailure, requestJson } from '../ui/json-fetch';

export type { FetchLike };

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

const Ok = z.object({ ok: z.literal(true) });
const SegmentList = z.object({ segments: z.array(SegmentRow) });
const ErrorReply = z.object({ error: RpcErrorBody.extend({ code: z.string() }) });

function staffError(path: string, f: JsonFailure): StaffApiError {
  const d = describeFailure(path, f, (body) => {
    const e = ErrorReply.safeParse(body);
    return e.success ? e.data.error : null;
  });
  return new StaffApiError(d.status, d.code, d.message);
}

export type StaffApi = ReturnType<typeof createStaffApi>;

export function createStaffApi(doFetch: FetchLike = (input, init) => fetch(input, init)) {
  const call = <S extends z.ZodType>(schema: S, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<z.output<S>> =>
    requestJson(doFetch, { schema, method, path, body }, (f) => staffError(path, f));

  return {
    setupState: () => call(SetupState, 'GET', '/api/setup'),
    setup: (name: string, password: string, setupCode: string) => call(LoginResult, 'POST', '/api/setup', { name, password, setupCode }),
    login: (name: string, password: string) => call(LoginResult, 'POST', '/api/auth/login', { name, password }),
    logout: () => call(Ok, 'POST', '/api/auth/logout', {}),
    me: () => call(Me, 'GET', '/api/auth/me'),
    invite: (ttlHours = 72) => call(InviteView, 'POST', '/api/accounts/invites', { role: 'moderator', ttlHours }),
    accept: (code: string, name: string, password: string) => call(LoginResult, 'POST', '/api/accounts/accept', { code, name, password }),
    accounts: () => call(AccountList, 'GET', '/api/accounts'),
    disableAccount: (accountId: string) => call(Ok, 'DELETE', `/api/accounts/${encodeURIComponent(accountId)}`),
    shows: () => call(StaffShowList, 'GET', '/api/staff/shows'),
    show: (showId: string) => call(ShowInfo, 'GET', `/api/shows/${encodeURIComponent(showId)}`),
    /** The public catalog (titles and thumbnails for the questions' product context). */
    products: () => call(ProductList, 'GET', '/api/products'),
    /** Selling data of one show (the post-show report): metrics, trend, markers, per-product totals; explanation rows. */
    screen: (showId: string) => call(SellingScreen, 'GET', `/api/analytics/shows/${encodeURIComponent(showId)}/screen`),
    segments: (showId: string) => call(SegmentList, 'GET', `/api/analytics/shows/${encodeURIComponent(showId)}/segments`),
  };
}
