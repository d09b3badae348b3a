/**
 * Staff accounts on the server, from the studio's main process: first-run state and the one-click owner claim
 * (`staff.setupState`, `staff.claimOwner` of the host contract). Main holds the studio token and presents it to the
 * server's `POST /api/setup` as the operator's proof; the renderer gets the new account, never the token or the
 * owner's session.
 */
import { z } from 'zod';
import type { HostMethods } from '../../shared/protocol/host';
import { ErrorCode, type ReqOf, type ResOf, RpcError } from '../../shared/protocol/rpc';
import { LoginResult, SetupState } from '../../shared/realtime/accounts';

export interface StaffConnection {
  serverUrl: string;
  studioToken: string | null;
}

const REQUEST_TIMEOUT_MS = 10_000;
const ErrorReply = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

function moderatorUrl(serverUrl: string): string {
  return new URL('/moderator', serverUrl).toString();
}

/** One JSON request to the server: the reply validated with `schema`; a typed error reply is kept as an RpcError. */
async function requestJson<S extends z.ZodType>(
  schema: S,
  serverUrl: string,
  path: string,
  init: { method: 'GET' | 'POST'; token?: string; body?: unknown },
): Promise<z.output<S>> {
  let res: Response;
  try {
    res = await fetch(new URL(path, serverUrl), {
      method: init.method,
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw new RpcError('DISCONNECTED', `cannot reach the server at ${serverUrl}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = ErrorReply.safeParse(json);
    const code = ErrorCode.safeParse(e.success ? e.data.error.code : null);
    throw new RpcError(code.success ? code.data : 'INTERNAL', e.success ? e.data.error.message : `${path}: HTTP ${res.status}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new RpcError('INTERNAL', `${path}: unexpected reply from the server`);
  return parsed.data;
}

export async function staffSetupState(conn: StaffConnection): Promise<ResOf<HostMethods, 'staff.setupState'>> {
  const state = await requestJson(SetupState, conn.serverUrl, '/api/setup', { method: 'GET' });
  return { needed: state.needed, moderatorUrl: moderatorUrl(conn.serverUrl) };
}

/**
 * Create the owner with the studio token. Only while the server needs one: the token may add owners at any time
 * (password recovery), but this one-click path is the first-run claim.
 */
export async function claimOwner(
  conn: StaffConnection,
  req: ReqOf<HostMethods, 'staff.claimOwner'>,
): Promise<ResOf<HostMethods, 'staff.claimOwner'>> {
  if (!conn.studioToken) throw new RpcError('BAD_STATE', 'no studio token is configured for this server');
  const state = await staffSetupState(conn);
  if (!state.needed) throw new RpcError('CONFLICT', 'the server already has an owner account; sign in at the moderator pane');
  const result = await requestJson(LoginResult, conn.serverUrl, '/api/setup', {
    method: 'POST',
    token: conn.studioToken,
    body: { name: req.name, password: req.password },
  });
  return { account: result.account, moderatorUrl: state.moderatorUrl };
}
