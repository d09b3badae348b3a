import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../../../shared/protocol/rpc';
import { CommerceError } from '../errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** onRequest hook: `Authorization: Bearer <studio token>`, compared in constant time. */
export function studioAuth(token: string) {
  const want = digest(token);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (!m || !timingSafeEqual(digest(m[1]!), want)) {
      reply.header('www-authenticate', 'Bearer');
      throw new CommerceError('UNAUTHORIZED', 'studio token required');
    }
  };
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  406: 'BAD_REQUEST',
  409: 'CONFLICT',
  413: 'TOO_LARGE',
  415: 'BAD_REQUEST',
  429: 'RATE_LIMITED',
};

/** Every failure becomes `{ error: { code, message, reason?, issues? } }` with a matching status. */
export function errorHandler(err: FastifyError | CommerceError, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof CommerceError) {
    if (err.status >= 500) req.log.warn({ err }, 'commerce request failed');
    reply.code(err.status).send(err.body());
    return;
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    reply.code(status).send({ error: { code: CODE_BY_STATUS[status] ?? 'BAD_REQUEST', message: err.message } });
    return;
  }
  req.log.error({ err }, 'commerce request failed');
  reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
}
