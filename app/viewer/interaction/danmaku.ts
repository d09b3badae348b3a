/**
 * Danmaku: chat messages flying right-to-left over the video in lanes.
 *
 * `DanmakuLanes` is the pure scheduler: every item crosses the stage in the same time, so a long item moves faster
 * than a short one. A lane takes a new item only when (1) the previous item's tail has fully entered the stage plus a
 * gap, and (2) the new item cannot catch up with the previous one before that one leaves on the left. When no lane
 * is free the item is dropped (danmaku is lossy by design: the chat panel keeps every message).
 *
 * `DanmakuController` (outside React) watches the feed's chat messages and writes the items on screen to the store;
 * the Danmaku component only renders them with a CSS animation and reports the stage width.
 */
import type { ChatMessage } from '../../../shared/protocol/realtime';
import type { ViewerStore } from '../store';
import type { DanmakuDensity } from './slice';

export const DANMAKU_LANES: Record<DanmakuDensity, number> = { low: 3, normal: 5, high: 8 };
/** Items on screen at most (beyond it new ones are dropped even when a lane is free). */
export const DANMAKU_MAX_ON_SCREEN: Record<DanmakuDensity, number> = { low: 8, normal: 18, high: 36 };
export const DANMAKU_DURATION_MS = 8000;
export const DANMAKU_FONT_PX = 15;
/** Horizontal padding inside an item plus the gap kept to the next item in the same lane. */
const ITEM_PADDING_PX = 20;
const LANE_GAP_PX = 24;
/** Longest text shown as danmaku (characters); longer messages are cut with an ellipsis. */
export const DANMAKU_MAX_CHARS = 40;

/** Width estimate without layout: CJK/fullwidth and emoji ≈ 1em, everything else ≈ 0.55em. */
export function estimateWidth(text: string, fontPx = DANMAKU_FONT_PX): number {
  let em = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    em += cp >= 0x1100 && (cp <= 0x115f || cp >= 0x2e80) ? 1 : 0.55;
  }
  return Math.ceil(em * fontPx) + ITEM_PADDING_PX;
}

export function danmakuText(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > DANMAKU_MAX_CHARS ? `${chars.slice(0, DANMAKU_MAX_CHARS - 1).join('')}…` : chars.join('');
}

interface LaneTail {
  start: number;
  width: number;
}

export class DanmakuLanes {
  private lanes: (LaneTail | null)[];

  constructor(
    lanes: number,
    private readonly durationMs = DANMAKU_DURATION_MS,
  ) {
    this.lanes = Array.from({ length: lanes }, () => null);
  }

  get count(): number {
    return this.lanes.length;
  }

  /** Change the lane count (density); items already flying keep their lanes. */
  resize(lanes: number): void {
    this.lanes = Array.from({ length: lanes }, (_, i) => this.lanes[i] ?? null);
  }

  /** Earliest time an item of `width` may start in a lane whose last item is `tail` on a stage `stageWidth` wide. */
  freeAt(tail: LaneTail | null, width: number, stageWidth: number): number {
    if (!tail) return Number.NEGATIVE_INFINITY;
    const D = this.durationMs;
    const vPrev = (stageWidth + tail.width) / D;
    // (1) the previous tail has entered, plus the gap
    const entered = tail.start + (tail.width + LANE_GAP_PX) / vPrev;
    // (2) our head reaches the left edge no earlier than the previous tail does (at tail.start + D)
    const noCatchUp = tail.start + D - (D * stageWidth) / (stageWidth + width);
    return Math.max(entered, noCatchUp);
  }

  /** Pick the lane (topmost free one) for an item starting at `now`, or null to drop it. */
  place(now: number, width: number, stageWidth: number): number | null {
    if (stageWidth <= 0) return null;
    for (let i = 0; i < this.lanes.length; i++) {
      if (this.freeAt(this.lanes[i] ?? null, width, stageWidth) <= now) {
        this.lanes[i] = { start: now, width };
        return i;
      }
    }
    return null;
  }
}

export interface DanmakuControllerOptions {
  store: ViewerStore;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export class DanmakuController {
  private readonly store: ViewerStore;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;
  private lanes: DanmakuLanes;
  private stageWidth = 0;
  private readonly timers = new Map<string, unknown>();
  private unsubscribe: (() => void) | null = null;
  /** Messages already considered (by id), so a reconnect's history does not fly again. */
  private readonly seen = new Set<string>();
  dropped = 0;

  constructor(opts: DanmakuControllerOptions) {
    this.store = opts.store;
    this.now = opts.now ?? (() => performance.now());
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
    this.lanes = new DanmakuLanes(DANMAKU_LANES[this.store.getState().danmaku.density]);
  }

  start(): void {
    if (this.unsubscribe) return;
    // History present at start (hello's recent window) is not replayed as danmaku.
    for (const m of this.store.getState().messages) this.seen.add(m.id);
    this.unsubscribe = this.store.subscribe((s, prev) => {
      if (s.danmaku.density !== prev.danmaku.density) this.lanes.resize(DANMAKU_LANES[s.danmaku.density]);
      if (s.danmaku.enabled !== prev.danmaku.enabled && !s.danmaku.enabled) this.clearAll();
      if (s.messages !== prev.messages) this.onMessages(s.messages, s.danmaku.enabled);
    });
  }

  /** Messages that are history, not news (a hello's recent window): never flown. Call before the store gets them. */
  markSeen(messages: readonly ChatMessage[]): void {
    for (const m of messages) this.seen.add(m.id);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.clearAll();
  }

  /** The danmaku layer's width in CSS px (the component measures it). */
  setStageWidth(px: number): void {
    this.stageWidth = px;
  }

  private onMessages(messages: readonly ChatMessage[], fly: boolean): void {
    const onScreen = new Set(messages.map((m) => m.id));
    // Deleted by moderation: take them off the screen too.
    for (const item of this.store.getState().danmakuItems) if (!onScreen.has(item.id)) this.remove(item.id);
    const me = this.store.getState().you?.userId ?? null;
    for (const m of messages) {
      if (this.seen.has(m.id)) continue;
      this.seen.add(m.id);
      if (fly) this.add(m, m.userId === me);
    }
    if (this.seen.size > 2000) {
      const keep = new Set(messages.map((m) => m.id));
      for (const id of this.seen) if (!keep.has(id)) this.seen.delete(id);
    }
  }

  private add(m: ChatMessage, own: boolean): void {
    const s = this.store.getState();
    if (s.danmakuItems.length >= DANMAKU_MAX_ON_SCREEN[s.danmaku.density]) {
      this.dropped++;
      return;
    }
    const text = danmakuText(m.text);
    if (!text) return;
    const lane = this.lanes.place(this.now(), estimateWidth(text), this.stageWidth);
    if (lane === null) {
      this.dropped++;
      return;
    }
    s.danmakuAdd({ id: m.id, text, lane, durationMs: DANMAKU_DURATION_MS, own });
    this.timers.set(
      m.id,
      this.setTimer(() => this.remove(m.id), DANMAKU_DURATION_MS + 100),
    );
  }

  private remove(id: string): void {
    const t = this.timers.get(id);
    if (t !== undefined) this.clearTimer(t);
    this.timers.delete(id);
    this.store.getState().danmakuRemove(id);
  }

  private clearAll(): void {
    for (const t of this.timers.values()) this.clearTimer(t);
    this.timers.clear();
    this.store.getState().danmakuClear();
  }
}
