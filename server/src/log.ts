/**
 * Structured logging (pino). The same instance is fastify's logger (`loggerInstance`), so request logs and
 * SFU logs share one stream; rooms and peers use child loggers carrying `showId` / `peerId`.
 */
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable output (pino-pretty) — for an interactive terminal only. */
  pretty?: boolean;
}

export function createLogger({ level, pretty = false }: LoggerOptions): Logger {
  return pino({
    level,
    base: { app: 'storecast' },
    redact: {
      paths: ['token', '*.token', 'resumeKey', '*.resumeKey', 'req.headers.authorization', 'req.headers.cookie'],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' } } } : {}),
  });
}
