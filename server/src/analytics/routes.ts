/**
 * Analytics HTTP: `POST /api/events` (public, from the viewer page: size-limited, rate-limited per client address,
 * text/plain bodies accepted for `navigator.sendBeacon`) and the staff / studio reads
 * `GET /api/analytics/shows/:showId/metrics`, `…/segments`, `…/screen` (the studio's big screen) and `…/log` (the `sc_staff` cookie, a login token or the studio token).
 */
import { createHmac } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ANALYTICS_LIMITS, ViewerEventBatch, ViewerId } from '../../../shared/analytics/events';
import { ShowId } from '../../../shared/domain/show';
import type { Accounts } from '../accounts/accounts';
import { principalOf } from '../accounts/routes';
import type { BuyerSessions } from '../commerce/session';
import type { ShowLookup } from '../db/shows';
import { sendError } from '../http/routes';
import { AnalyticsError } from './ingest';
import type { AnalyticsService } from './service';

export const VIEWER_COOKIE = 'sc_viewer';
const YEAR_S = 365 * 24 * 3600;
const ShowParams = z.object({ showId: ShowId });

export interface AnalyticsRouteDeps {
  analytics: AnalyticsService;
  accounts: Accounts;
  buyers: BuyerSessions;
  sessionSecret: Buffer;
  secureCookies: boolean;
  /** Cluster mode: finds a show another node owns (and keeps its copy here) before its viewer events are checked. */
  shows?: ShowLookup;
  /** Batches one address may post a minute (0 = unlimited). */
  batchesPerIpPerMinute?: number;
}

export async function registerAnalyticsRoutes(app: FastifyInstance, deps: AnalyticsRouteDeps): Promise<void> {
  const signer = fastifyCookie.signerFactory(createHmac('sha256', deps.sessionSecret).update('analytics-viewer-id').digest(), 'sha256');
  const viewerOf = (req: FastifyRequest): string | null => {
    const raw = req.cookies?.[VIEWER_COOKIE];
    if (!raw) return null;
    const r = signer.unsign(raw);
    return r.valid && r.value !== null && ViewerId.safeParse(r.value).success ? r.value : null;
  };
  await app.register(async (scope) => {
    if (!scope.hasRequestDecorator('cookies')) await scope.register(fastifyCookie);
    if (!scope.hasDecorator('createRateLimit')) await scope.register(fastifyRateLimit, { global: false });
    const max = deps.batchesPerIpPerMinute ?? ANALYTICS_LIMITS.batchesPerIpPerMinute;
    const limit = max > 0 ? scope.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (req) => req.ip }) : null;

    scope.post('/api/events', { bodyLimit: ANALYTICS_LIMITS.maxBodyBytes }, async (req, reply) => {
      if (limit) {
        const r = await limit(req);
        if (!r.isAllowed && r.isExceeded) {
          reply.header('retry-after', String(Math.max(1, r.ttlInSeconds)));
          return sendError(reply, 429, 'RATE_LIMITED', 'too many event batches from your network');
        }
      }
      const parsed = ViewerEventBatch.safeParse(bodyJson(req.body));
      if (!parsed.success)
        return sendError(reply, 400, 'BAD_REQUEST', `invalid event batch: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
      const cookieViewerId = viewerOf(req);
      // Behind a balancer a page's events may reach a node that has not met its show yet.
      await deps.shows?.resolve(parsed.data.showId);
      try {
        const result = await deps.analytics.ingest.accept(parsed.data, { cookieViewerId, buyerId: deps.buyers.read(req) });
        if (cookieViewerId === null) setViewerCookie(reply, signer.sign(parsed.data.viewerId), deps.secureCookies);
        return reply.header('Cache-Control', 'no-store').send(result);
      } catch (err) {
        if (err instanceof AnalyticsError) return sendError(reply, err.status, err.code, err.message);
        throw err;
      }
    });

    // Staff / studio reads of one show: 401 without a principal, 404 for an unknown show.
    const read = (path: string, answer: (showId: string) => object | null | Promise<object | null>) =>
      scope.get(`/api/analytics/shows/:showId/${path}`, async (req, reply) => {
        if (!(await principalOf(deps.accounts, req))) return sendError(reply, 401, 'UNAUTHORIZED', 'sign in first');
        const p = ShowParams.safeParse(req.params);
        const body = p.success ? await answer(p.data.showId) : null;
        if (!body) return sendError(reply, 404, 'NOT_FOUND', 'no such show');
        return reply.header('Cache-Control', 'no-store').send(body);
      });
    read('metrics', (id) => deps.analytics.metrics(id));
    read('segments', async (id) => {
      const segments = await deps.analytics.segments(id);
      return segments && { segments };
    });
    // The studio's page is served by the studio host, not by this server: its big screen reads cross-origin with the
    // bearer token, as it reads /api/studio/* (no cookies: `*` never goes with credentials, so the staff cookie is not sent).
    scope.options('/api/analytics/shows/:showId/screen', async (_req, reply) =>
      reply
        .code(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', 'GET')
        .header('access-control-allow-headers', 'authorization')
        .header('access-control-max-age', '600')
        .send(),
    );
    scope.addHook('onSend', async (req, reply, payload) => {
      if (req.routeOptions.url === '/api/analytics/shows/:showId/screen') reply.header('access-control-allow-origin', '*');
      return payload;
    });
    read('screen', (id) => deps.analytics.screen(id));
    read('log', async (id) => {
      const entries = await deps.analytics.log(id);
      return entries && { entries };
    });
  });
}

/** sendBeacon posts text/plain; fetch posts application/json (already parsed). */
function bodyJson(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function setViewerCookie(reply: FastifyReply, value: string, secure: boolean): void {
  reply.setCookie(VIEWER_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure, path: '/api/events', maxAge: YEAR_S });
}
