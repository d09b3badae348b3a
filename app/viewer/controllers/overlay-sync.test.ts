import { describe, expect, it } from 'vitest';
import type { OverlayTrigger } from '../../../shared/protocol/overlay';
import { OverlaySync } from './overlay-sync';

const product = { productId: 'p1', name: 'Scarf', priceMinor: 100, currency: 'CNY' };
const pin = (over: Partial<Extract<OverlayTrigger, { type: 'product.pin' }>> = {}): OverlayTrigger => ({
  type: 'product.pin',
  id: 'trig0001',
  at: 10_020,
  mediaTime: 10_000,
  product,
  ...over,
});

function setup() {
  let now = 1000;
  const applied: OverlayTrigger[] = [];
  const sync = new OverlaySync((t) => applied.push(t), { now: () => now, timeOrigin: 9000, maxHoldMs: 1500 });
  return { sync, applied, setNow: (t: number) => (now = t) };
}

describe('OverlaySync', () => {
  it('holds a pin until a frame received after (arrival − send lag) is presented', () => {
    const { sync, applied } = setup();
    sync.push(pin(), 1000); // sent 20 ms after the card frame was drawn → that frame arrives from ~980
    sync.frame({ receiveTime: 950 });
    sync.frame({ receiveTime: 975 });
    expect(applied).toEqual([]);
    sync.frame({ receiveTime: 1010 });
    expect(applied).toHaveLength(1);
    expect(sync.pending).toBe(0);
  });

  it('prefers the frame capture time when the browser reports it', () => {
    const { sync, applied } = setup();
    sync.push(pin(), 1000);
    sync.frame({ captureTime: 990, receiveTime: 5000 }); // 9000 + 990 < 10000
    expect(applied).toEqual([]);
    sync.frame({ captureTime: 1000 });
    expect(applied).toHaveLength(1);
  });

  it('applies at once when the frame is already on screen, without mediaTime, and for unpins', () => {
    const { sync, applied } = setup();
    sync.frame({ receiveTime: 2000 });
    sync.push(pin(), 1000);
    expect(applied).toHaveLength(1);
    sync.push(pin({ mediaTime: undefined }), 3000);
    expect(applied).toHaveLength(2);
  });

  it('an unpin drops a held pin of the same product and keeps order', () => {
    const { sync, applied } = setup();
    sync.push(pin(), 1000);
    sync.push({ type: 'product.unpin', id: 'trig0002', at: 10_050, productId: 'p1' }, 1005);
    sync.frame({ receiveTime: 1100 });
    expect(applied.map((t) => t.type)).toEqual(['product.unpin']);
  });

  it('never holds a pin longer than maxHoldMs', () => {
    const { sync, applied, setNow } = setup();
    sync.push(pin(), 1000);
    setNow(2600);
    sync.sweep();
    expect(applied).toHaveLength(1);
  });
});
