/**
 * Card impressions: a product card (`[data-product-id]`, the pinned cards) counts once it has been at least half
 * visible for ANALYTICS_LIMITS.impressionMinMs while the page is visible; once per card element. Cards come and go
 * with pins, so a MutationObserver on the UI root hands new ones to one IntersectionObserver.
 */
import { ANALYTICS_LIMITS } from '../../../shared/analytics/events';

export interface ImpressionDeps {
  root: Element;
  onImpression(productId: string): void;
  /** Injected in tests. */
  IntersectionObserver?: typeof IntersectionObserver;
  MutationObserver?: typeof MutationObserver;
  isPageVisible?: () => boolean;
}

const CARD = '[data-product-id]';

export class ImpressionWatcher {
  private readonly timers = new Map<Element, ReturnType<typeof setTimeout>>();
  private readonly counted = new WeakSet<Element>();
  private readonly watched = new WeakSet<Element>();
  private io: IntersectionObserver | null = null;
  private mo: MutationObserver | null = null;

  constructor(private readonly d: ImpressionDeps) {}

  start(): void {
    const IO = this.d.IntersectionObserver ?? globalThis.IntersectionObserver;
    const MO = this.d.MutationObserver ?? globalThis.MutationObserver;
    if (!IO || !MO || this.io) return;
    this.io = new IO(
      (entries) => {
        for (const e of entries) this.visibility(e.target, e.isIntersecting && e.intersectionRatio >= 0.5);
      },
      { threshold: [0, 0.5] },
    );
    // Chat and danmaku add nodes all the time: look only at added subtrees that hold a card.
    this.mo = new MO((records) => {
      const cardAdded = records.some((r) =>
        Array.from(r.addedNodes).some((n) => n instanceof Element && (n.matches(CARD) || n.querySelector(CARD) !== null)),
      );
      if (cardAdded) this.scan();
    });
    this.mo.observe(this.d.root, { childList: true, subtree: true });
    this.scan();
  }

  stop(): void {
    this.io?.disconnect();
    this.mo?.disconnect();
    this.io = null;
    this.mo = null;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private scan(): void {
    for (const el of this.d.root.querySelectorAll(CARD)) {
      if (this.watched.has(el)) continue;
      this.watched.add(el);
      this.io?.observe(el);
    }
  }

  private visibility(el: Element, visible: boolean): void {
    const pending = this.timers.get(el);
    if (!visible) {
      if (pending) clearTimeout(pending);
      this.timers.delete(el);
      return;
    }
    if (pending || this.counted.has(el)) return;
    this.timers.set(
      el,
      setTimeout(() => {
        this.timers.delete(el);
        const id = el.getAttribute('data-product-id');
        if (!id || !el.isConnected) return;
        // A hidden page sees nothing: look again in a moment (the card may still be there when it comes back).
        if (!(this.d.isPageVisible?.() ?? document.visibilityState === 'visible')) return this.visibility(el, true);
        this.counted.add(el);
        this.io?.unobserve(el);
        this.d.onImpression(id);
      }, ANALYTICS_LIMITS.impressionMinMs),
    );
  }
}
