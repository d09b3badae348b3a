import type { z } from 'zod';
import type { CommerceErrorBody, CommerceReason } from '../../../shared/commerce/common';
import { type ErrorCode, RpcError } from '../../../shared/protocol/rpc';

const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNKNOWN_METHOD: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  BAD_STATE: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  DISCONNECTED: 503,
  INTERNAL: 500,
};

export interface Issue {
  path: string;
  message: string;
}

/** A typed, expected failure of a commerce operation (maps to an HTTP status + CommerceErrorBody). */
export class CommerceError extends RpcError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly reason?: CommerceReason,
    readonly issues?: Issue[],
    readonly status: number = STATUS[code],
  ) {
    super(code, message);
    this.name = 'CommerceError';
  }

  body(): CommerceErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.reason ? { reason: this.reason } : {}),
        ...(this.issues ? { issues: this.issues } : {}),
      },
    };
  }
}

export const notFound = (what: string) => new CommerceError('NOT_FOUND', `${what} not found`);
export const badRequest = (message: string, reason?: CommerceReason, issues?: Issue[]) =>
  new CommerceError('BAD_REQUEST', message, reason, issues);
export const conflict = (message: string, reason?: CommerceReason) => new CommerceError('CONFLICT', message, reason);
export const badState = (message: string, reason?: CommerceReason) => new CommerceError('BAD_STATE', message, reason);

export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
}

/** Validate external input; a failure is a BAD_REQUEST carrying the field issues and changes nothing. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = issuesOf(r.error);
  const first = issues[0];
  throw badRequest(`invalid ${what}${first ? `: ${first.path}: ${first.message}` : ''}`, undefined, issues);
}
