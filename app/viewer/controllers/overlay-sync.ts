/**
 * Frame-synced overlays at the viewer: a `product.pin` trigger that carries `mediaTime` (the studio's capture time of
 * the first program frame with the burned-in card) is held until the <video> presents that frame, so the clickable
 * card appears together with the card in the picture instead of when the DataChannel message happens to arrive
 * (usually a few frames early: the message skips the encoder and the jitter buffer).
 *
 * Which presented frame is it? From requestVideoFrameCallback metadata:
 * 1. `captureTime` when the browser reports it for the frame (capture clock of the sender, via RTCP / abs-capture-time):
 *    the frame with captureTime ≥ mediaTime.
 * 2. Otherwise `receiveTime` (when the frame's last packet arrived here): the trigger left the studio
 *    `at − mediaTime` ms after the card frame was drawn (both on the studio's clock, so clock offsets cancel) and
 *    crossed the same network, so the card frame arrives about `arrival − (at − mediaTime)`; the first frame received
 *    from then on is the card frame (error: the encoder's delay, typically well under a frame).
 * A trigger whose frame has already been presented is applied at once; none is held longer than `maxHoldMs`.
 * Triggers without `mediaTime` (older studios, no frame seen) and unpins are applied at once, after any held pin of
 * the same product is dropped, so order is kept.
 */
import type { OverlayTrigger, PinnedTrigger } from '../../../shared/protocol/overlay';

export interface SyncFrame {
  /** performance.now()-based ms (rVFC metadata). */
  captureTime?: number;
  receiveTime?: number;
}

interface Held {
  trigger: PinnedTrigger;
  /** Local (performance.now) time from which a received frame is the card frame. */
  dueReceive: number;
  /** Studio wall-clock capture time of the card frame. */
  mediaTime: number;
  heldAt: number;
}

export interface OverlaySyncOptions {
  /** Allowance for the studio's encoder delay (ms) when matching by receive time. */
  encodeAllowanceMs?: number;
  maxHoldMs?: number;
  now?: () => number;
  timeOrigin?: number;
}

export class OverlaySync {
  private held: Held[] = [];
  private lastFrame: SyncFrame | null = null;
  private readonly allowance: number;
  private readonly maxHoldMs: number;
  private readonly now: () => number;
  private readonly timeOrigin: number;

  constructor(
    private readonly apply: (t: OverlayTrigger) => void,
    opts: OverlaySyncOptions = {},
  ) {
    this.allowance = opts.encodeAllowanceMs ?? 0;
    this.maxHoldMs = opts.maxHoldMs ?? 1500;
    this.now = opts.now ?? (() => performance.now());
    this.timeOrigin = opts.timeOrigin ?? performance.timeOrigin;
  }

  /** Pins waiting for their frame. */
  get pending(): number {
    return this.held.length;
  }

  /** A trigger arrived from the DataChannel (`arrivedAt`: performance.now() of arrival). */
  push(t: OverlayTrigger, arrivedAt = this.now()): void {
    const productId = t.type === 'product.pin' ? t.product.productId : t.productId;
    this.held = this.held.filter((h) => h.trigger.product.productId !== productId);
    if (t.type !== 'product.pin' || t.mediaTime === undefined) {
      this.apply(t);
      return;
    }
    const lag = Math.max(0, t.at - t.mediaTime);
    const h: Held = { trigger: t, dueReceive: arrivedAt - lag + this.allowance, mediaTime: t.mediaTime, heldAt: arrivedAt };
    // Its frame may already be on screen (the message was slower than the video): apply now.
    if (this.lastFrame && this.matches(h, this.lastFrame)) {
      this.apply(t);
      return;
    }
    this.held.push(h);
  }

  private matches(h: Held, f: SyncFrame): boolean {
    if (f.captureTime !== undefined) return this.timeOrigin + f.captureTime >= h.mediaTime - 1;
    if (f.receiveTime !== undefined) return f.receiveTime >= h.dueReceive;
    return true; // nothing to match on: do not hold
  }

  /** A frame is being presented (rVFC). Applies the pins whose frame this is. */
  frame(f: SyncFrame): void {
    this.lastFrame = f;
    if (this.held.length === 0) return;
    const now = this.now();
    const ready = this.held.filter((h) => this.matches(h, f) || now - h.heldAt > this.maxHoldMs);
    if (ready.length === 0) return;
    this.held = this.held.filter((h) => !ready.includes(h));
    for (const h of ready) this.apply(h.trigger);
  }

  /** No frames (video paused / missing): release what has waited too long. */
  sweep(): void {
    const now = this.now();
    const late = this.held.filter((h) => now - h.heldAt > this.maxHoldMs);
    if (late.length === 0) return;
    this.held = this.held.filter((h) => !late.includes(h));
    for (const h of late) this.apply(h.trigger);
  }

  clear(): void {
    this.held = [];
    this.lastFrame = null;
  }
}
