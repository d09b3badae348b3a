/**
 * Errors on accepted WebSockets. A frame over the size limit, a text frame that is not UTF-8, a bad opcode or a
 * connection reset is the client's doing: `ws` has already closed that socket with the matching close code (1009,
 * 1007, 1002…), so it is logged as a warning without a stack, at most once per kind every few seconds with the
 * number of repeats, so a client repeating it cannot fill the log. Anything else is a server fault: an error.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

const CLIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function isClientSocketError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('WS_ERR_') || CLIENT_CODES.has(code));
}

/** One warning per key per `everyMs`, carrying how many were suppressed since the last one. */
export class RateLimitedWarn {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly everyMs = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const now = this.clock();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.everyMs) {
      seen.suppressed++;
      return;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    this.log.warn({ ...fields, ...(seen?.suppressed ? { repeated: seen.suppressed } : {}) }, msg);
  }
}

/** `@fastify/websocket`'s errorHandler: client mistakes as rate-limited warnings, the rest as errors. */
export function webSocketErrorHandler(log: FastifyBaseLogger) {
  const warnings = new RateLimitedWarn(log);
  return (err: Error, socket: WebSocket, req: FastifyRequest): void => {
    if (isClientSocketError(err)) {
      const code = (err as { code?: string }).code!;
      warnings.warn(code, { code, reason: err.message, url: req.url.split('?')[0], remote: req.ip }, 'websocket client error');
      return;
    }
    req.log.error({ err }, 'websocket handler failed');
    socket.terminate();
  };
}
