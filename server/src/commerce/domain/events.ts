import { EventEmitter } from 'node:events';
import type { CommerceEvent } from '../../../../shared/commerce/events';

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/**
 * Typed event hub. Events are emitted only after the transaction that caused them committed;
 * a throwing listener is logged and never affects the operation.
 */
export class CommerceEvents {
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly log: Logger,
    private readonly onEvent?: (evt: CommerceEvent) => void,
  ) {
    this.emitter.setMaxListeners(100);
  }

  on<T extends CommerceEvent['type']>(type: T | '*', fn: (evt: Extract<CommerceEvent, { type: T }>) => void): () => void {
    const cb = fn as (evt: CommerceEvent) => void;
    this.emitter.on(type, cb);
    return () => this.emitter.off(type, cb);
  }

  emit(evt: CommerceEvent): void {
    try {
      this.onEvent?.(evt);
      if (this.emitter.listenerCount(evt.type)) this.emitter.emit(evt.type, evt);
      if (this.emitter.listenerCount('*')) this.emitter.emit('*', evt);
    } catch (err) {
      this.log.error({ err, type: evt.type }, 'commerce event listener failed');
    }
  }

  emitAll(evts: readonly CommerceEvent[]): void {
    for (const e of evts) this.emit(e);
  }
}
