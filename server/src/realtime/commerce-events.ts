/**
 * Commerce events on the realtime plane (recipients in shared/protocol/realtime.ts's header): they ride the rooms'
 * batches, so they are serialized once per room, coalesced (stock: the latest value per SKU per window) and shed with
 * everything else when a socket cannot keep up (a lagging socket still gets them in its sampled batches; one that
 * stays behind is closed). An order's status also goes to its buyer's own sockets, wherever they are.
 */
import type { CommerceEvent } from '../../../shared/commerce/events';
import type { BatchItem, Notice } from '../../../shared/protocol/realtime';
import { type HubContext, notificationFrame } from './hub-context';

/** Whose order it is (the commerce wiring looks it up for `order.status`). */
export interface OrderRoute {
  buyerId: string;
}

/** The guest identity key of a buyer (the realtime key of a socket opened with that buyer's cookie). */
export const buyerKeyOf = (buyerId: string): string => `b:${buyerId}`;

/** The room notice a paid order implies ("someone just bought X"; the buyer is masked by commerce). */
export function purchaseNotice(evt: CommerceEvent): Notice | null {
  if (evt.type !== 'order.paid' || !evt.showId || !evt.items.length) return null;
  const first = evt.items[0]!;
  return { type: 'purchase', buyer: evt.buyer.slice(0, 40), title: first.title.slice(0, 200), qty: first.qty };
}

export class CommerceEvents {
  constructor(private readonly ctx: HubContext) {}

  publish(event: CommerceEvent, route: OrderRoute | null = null): void {
    const item: BatchItem = { k: 'commerce', event };
    const rooms = [...this.ctx.everyRoom()];
    switch (event.type) {
      case 'stock.changed':
        for (const room of rooms) room.pushLatest(`stock:${event.skuId}`, item);
        return;
      case 'sale.started':
      case 'sale.ended':
      case 'product.changed':
        for (const room of rooms) room.pushAfterLatest(item);
        return;
      case 'order.paid': {
        const notice = purchaseNotice(event);
        const now = this.ctx.o.clock();
        for (const room of rooms) {
          if (room.showId !== event.showId) {
            room.pushStaff(item);
            continue;
          }
          room.push(item);
          if (notice) room.push({ k: 'notice', notice, ts: now });
        }
        return;
      }
      case 'order.status': {
        for (const room of rooms) room.pushStaff(item);
        if (route) {
          const frame = notificationFrame('order.status', { orderId: event.orderId, status: event.status, at: event.at });
          this.ctx.identities.sendTo(buyerKeyOf(route.buyerId), frame);
        }
        return;
      }
    }
  }
}
