/**
 * The one Redis connection module of a node (cluster mode). Every cluster part — the node registry, the show → origin
 * map, the pipe RPC, later app events — uses `commands` for commands and `subscriber()` for pub/sub (a subscribed
 * ioredis connection cannot run commands). Commands fail fast while Redis is away (no offline queue), so a caller
 * answers UNAVAILABLE at once instead of hanging; ioredis reconnects by itself and `ready` tells whether it is back.
 */
import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log';

/** Key prefix of everything Storecast keeps in Redis (several clusters may share one Redis with another prefix). */
export const KEY_PREFIX = 'storecast:';

const RETRY_MAX_MS = 2000;

export interface RedisConnectionEvents {
  ready: [];
  down: [];
}

export class RedisConnection extends EventEmitter<RedisConnectionEvents> {
  readonly commands: Redis;
  private readonly subscribers: Redis[] = [];
  private _ready = false;
  private closed = false;
  private lastError = '';

  constructor(
    readonly url: string,
    private readonly log: Logger,
  ) {
    super();
    this.commands = this.open('commands');
  }

  /** Redis answered and is usable. */
  get ready(): boolean {
    return this._ready;
  }

  /** A dedicated connection for SUBSCRIBE (closed with this one). */
  subscriber(): Redis {
    const sub = this.open('subscriber');
    this.subscribers.push(sub);
    return sub;
  }

  /** Resolves once Redis answers, or rejects after `timeoutMs` with the last connection error. */
  async waitReady(timeoutMs: number): Promise<void> {
    if (this._ready) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('ready', done);
        reject(
          new Error(`Redis at ${redactUrl(this.url)} did not answer within ${timeoutMs} ms${this.lastError ? `: ${this.lastError}` : ''}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('ready', done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of [...this.subscribers, this.commands]) c.disconnect(false);
    this._ready = false;
  }

  private open(role: 'commands' | 'subscriber'): Redis {
    const options: RedisOptions = {
      // Fail commands at once while disconnected: callers answer UNAVAILABLE rather than wait.
      enableOfflineQueue: role === 'subscriber',
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * times, RETRY_MAX_MS),
      lazyConnect: false,
    };
    const client = new Redis(this.url, options);
    if (role === 'commands') {
      client.on('ready', () => {
        if (this._ready) return;
        this._ready = true;
        this.log.info({ redis: redactUrl(this.url) }, 'redis connected');
        this.emit('ready');
      });
      client.on('close', () => {
        if (!this._ready || this.closed) return;
        this._ready = false;
        this.log.warn({ redis: redactUrl(this.url) }, 'redis connection lost; retrying');
        this.emit('down');
      });
    }
    // ioredis reports every failed reconnect; one line per distinct reason is enough.
    client.on('error', (err: Error) => {
      if (this.closed || err.message === this.lastError) return;
      this.lastError = err.message;
      this.log.warn({ role, err: err.message }, 'redis error');
    });
    client.on('ready', () => {
      this.lastError = '';
    });
    return client;
  }
}

/** The URL without its password (for logs and messages). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
