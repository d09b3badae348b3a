/**
 * Accounts HTTP API (contract: shared/realtime/accounts.ts). Every body is validated with the shared zod schemas;
 * failures are `{ error: { code, message } }` with the matching status. Cookie-authenticated state changes also
 * require a same-origin `Origin` header when the browser sends one (defence in depth next to SameSite=Lax).
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { type ErrorCode, RpcError } from '../../../shared/protocol/rpc';
import {
  AcceptBody,
  AccountId,
  InviteBody,
  LoginBody,
  type LoginResult,
  type Me,
  SetupBody,
  STAFF_COOKIE,
} from '../../../shared/realtime/accounts';
import { type Accounts, type Principal, SESSION_TTL_MS, type SetupProof } from './accounts';

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
};

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const msg = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    throw new RpcError('BAD_REQUEST', msg);
  }
  return r.data;
}

export function bearerOf(req: FastifyRequest): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

/** True when the request carries no Origin header (non-browser) or one whose host matches the Host header. */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The staff principal of a request: bearer token (session or studio token) first, then the `sc_staff` cookie. */
export async function principalOf(
  accounts: Accounts,
  req: FastifyRequest,
): Promise<{ principal: Principal; via: 'bearer' | 'cookie'; token: string } | null> {
  const bearer = bearerOf(req);
  if (bearer) {
    const p = await accounts.resolveToken(bearer);
    return p ? { principal: p, via: 'bearer', token: bearer } : null;
  }
  const cookie = req.cookies?.[STAFF_COOKIE];
  if (cookie) {
    const p = await accounts.resolveToken(cookie);
    return p ? { principal: p, via: 'cookie', token: cookie } : null;
  }
  return null;
}

export interface AccountRoutesOptions {
  accounts: Accounts;
  /** Mark the session cookie Secure (served over https). */
  secureCookies: boolean;
}

export async function accountRoutes(app: FastifyInstance, opts: AccountRoutesOptions): Promise<void> {
  const { accounts } = opts;
  if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie);

  app.setErrorHandler((err: FastifyError | RpcError, req, reply) => {
    if (err instanceof RpcError) {
      reply.code(STATUS[err.code] ?? 400).send({ error: err.toBody() });
      return;
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      reply.code(status).send({ error: { code: status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST', message: err.message } });
      return;
    }
    req.log.error({ err }, 'accounts request failed');
    reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });

  const setCookie = (reply: FastifyReply, result: LoginResult) => {
    reply.setCookie(STAFF_COOKIE, result.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.secureCookies,
      path: '/',
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
  };
  const requireStaff = async (req: FastifyRequest) => {
    const auth = await principalOf(accounts, req);
    if (!auth) throw new RpcError('UNAUTHORIZED', 'sign in first');
    if (auth.via === 'cookie' && req.method !== 'GET' && !sameOrigin(req)) throw new RpcError('FORBIDDEN', 'cross-origin request');
    return auth;
  };
  const requireOwner = async (req: FastifyRequest) => {
    const auth = await requireStaff(req);
    if (auth.principal.role !== 'owner') throw new RpcError('FORBIDDEN', 'owner only');
    return auth.principal;
  };

  app.get('/api/setup', async () => ({ needed: await accounts.needsSetup() }));

  // Creating the owner needs the studio token or the one-time setup code (see Accounts.setup).
  app.post('/api/setup', async (req, reply) => {
    const body = parse(SetupBody, req.body);
    const viaStudio = accounts.isStudioToken(bearerOf(req));
    if (!viaStudio && !sameOrigin(req)) throw new RpcError('FORBIDDEN', 'cross-origin request');
    const proof: SetupProof = viaStudio ? { kind: 'studio' } : { kind: 'code', code: body.setupCode, clientKey: req.ip };
    let result: LoginResult;
    try {
      result = await accounts.setup(body.name, body.password, proof);
    } catch (err) {
      // A wrong code may be someone guessing: worth a warning, never an error (the client's mistake).
      if (err instanceof RpcError && err.code === 'UNAUTHORIZED' && body.setupCode)
        req.log.warn({ ip: req.ip }, 'owner setup refused: wrong setup code');
      throw err;
    }
    setCookie(reply, result);
    reply.code(201);
    return result;
  });

  app.post('/api/auth/login', async (req, reply) => {
    if (!sameOrigin(req)) throw new RpcError('FORBIDDEN', 'cross-origin request');
    const body = parse(LoginBody, req.body);
    const result = await accounts.login(body.name, body.password, req.ip);
    setCookie(reply, result);
    return result;
  });

  app.post('/api/auth/logout', async (req, reply) => {
    const auth = await principalOf(accounts, req);
    if (auth && auth.principal.kind === 'account') {
      if (auth.via === 'cookie' && !sameOrigin(req)) throw new RpcError('FORBIDDEN', 'cross-origin request');
      await accounts.logout(auth.token);
    }
    reply.clearCookie(STAFF_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/auth/me', async (req): Promise<Me> => {
    const { principal } = await requireStaff(req);
    if (principal.kind === 'studio') return { kind: 'studio', role: 'owner' };
    const account = await accounts.account(principal.id);
    if (!account) throw new RpcError('UNAUTHORIZED', 'sign in first');
    return { kind: 'account', account };
  });

  app.post('/api/accounts/invites', async (req, reply) => {
    const principal = await requireOwner(req);
    const body = parse(InviteBody, req.body);
    reply.code(201);
    return accounts.createInvite(principal, body.ttlHours);
  });

  app.post('/api/accounts/accept', async (req, reply) => {
    if (!sameOrigin(req)) throw new RpcError('FORBIDDEN', 'cross-origin request');
    const body = parse(AcceptBody, req.body);
    const result = await accounts.accept(body.code, body.name, body.password);
    setCookie(reply, result);
    reply.code(201);
    return result;
  });

  app.get('/api/accounts', async (req) => {
    await requireOwner(req);
    return { accounts: await accounts.list() };
  });

  app.delete('/api/accounts/:accountId', async (req) => {
    const principal = await requireOwner(req);
    const id = parse(AccountId, (req.params as { accountId?: unknown }).accountId);
    await accounts.disable(principal, id);
    return { ok: true };
  });
}
