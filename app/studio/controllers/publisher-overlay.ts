/**
 * The publisher's overlay DataProducer: triggers go out while its channel is open; while it is down, pins are re-sent
 * from the store when it opens again and only unpins need remembering.
 */
import { OVERLAY_LABEL, OVERLAY_PROTOCOL, type OverlayTrigger } from '../../../shared/protocol/overlay';
import type { StudioStore } from '../store';
import type { Session } from './publisher-session';

export class OverlayChannel {
  /** Unpins made while the data channel was down: sent when it opens again. */
  private readonly pendingUnpins = new Map<string, OverlayTrigger>();

  constructor(private readonly store: StudioStore) {}

  send(session: Session | null, trigger: OverlayTrigger): void {
    const dp = session?.data;
    if (dp && !dp.closed && dp.readyState === 'open') {
      dp.send(JSON.stringify(trigger));
      return;
    }
    if (trigger.type === 'product.unpin') this.pendingUnpins.set(trigger.productId, trigger);
    else this.pendingUnpins.delete(trigger.product.productId);
  }

  /** Produce the session's overlay channel; each time it opens, send the missed unpins and the current pins. */
  async produce(session: Session): Promise<void> {
    if (!session.transport) return;
    const dp = await session.transport.produceData({ ordered: true, label: OVERLAY_LABEL, protocol: OVERLAY_PROTOCOL });
    session.data = dp;
    const resync = () => {
      if (session.closed || dp.readyState !== 'open') return;
      for (const t of this.pendingUnpins.values()) dp.send(JSON.stringify(t));
      this.pendingUnpins.clear();
      // Oldest first so the newest pin ends up first on the viewers' side too.
      for (const t of [...this.store.getState().pinned].reverse()) dp.send(JSON.stringify(t));
    };
    dp.on('open', resync);
    if (dp.readyState === 'open') resync();
  }
}
