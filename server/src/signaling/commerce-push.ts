/**
 * Forwards commerce events to connected pages over their signaling sockets. Stock changes are coalesced per SKU
 * (a flash sale can change stock thousands of times a second; viewers need the latest value a few times a second),
 * and each notification is serialised once for all recipients.
 */
import type { CommerceEvent } from '../../../shared/commerce/events';
import { notification } from '../../../shared/protocol/rpc';
import { signalingNotifications } from '../../../shared/protocol/signaling';
import type { Session } from './session';

type StockChanged = Extract<CommerceEvent, { type: 'stock.changed' }>;

export class CommercePush {
  private readonly pendingStock = new Map<string, StockChanged>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly sessions: () => Iterable<Session>,
    private readonly stockIntervalMs = 200,
  ) {}

  push = (event: CommerceEvent): void => {
    if (this.stopped) return;
    if (event.type === 'stock.changed') {
      this.pendingStock.set(event.skuId, event);
      this.timer ??= setTimeout(() => this.flushStock(), this.stockIntervalMs);
      return;
    }
    // A sale starting/ending or a product change must not overtake the stock values that preceded it
    // (order events carry no stock and do not force a flush, or every order would defeat the coalescing).
    if (this.pendingStock.size > 0 && (event.type.startsWith('sale.') || event.type === 'product.changed')) this.flushStock();
    this.broadcast(event);
  };

  flushStock(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const events = [...this.pendingStock.values()];
    this.pendingStock.clear();
    for (const e of events) this.broadcast(e);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pendingStock.clear();
  }

  private broadcast(event: CommerceEvent): void {
    const text = notification(signalingNotifications, 'commerce.event', event);
    const toViewers = event.type !== 'order.status';
    for (const s of this.sessions()) {
      if (s.closed) continue;
      if (s.role === 'studio' || (toViewers && s.role === 'viewer')) s.send(text);
    }
  }
}
