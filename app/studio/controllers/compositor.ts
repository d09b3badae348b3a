/**
 * Program compositor (outside React). Draws the program canvas at the output resolution and frame rate:
 * camera (cover-fit) → text layer → logo layer → pinned product cards (image, name, price vs list price) →
 * optional timestamp strip.
 * Frames are paced by a Worker clock and pushed with `captureStream(0)` + `requestFrame()`, so the published
 * track carries exactly the frames drawn, even while the window is hidden.
 */
import { OUTPUT_PRESETS, type OutputPreset } from '../../../shared/protocol/host';
import type { PinnedTrigger } from '../../../shared/protocol/overlay';
import { formatMoney } from '../../ui/format';
import { drawMarker, markerStripHeight } from '../../ui/frame-marker';
import type { StudioStore } from '../store';

type Ctx2D = CanvasRenderingContext2D;

const FONT_STACK = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", sans-serif';

interface FrameWaiter {
  productId: string;
  resolve: (captureTime: number) => void;
}

function roundRect(ctx: Ctx2D, x: number, y: number, w: number, h: number, r: number | number[]): void {
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, r);
}

/** Shorten `text` with an ellipsis until it fits `maxWidth` at the current font. */
function fitText(ctx: Ctx2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 1 && ctx.measureText(`${chars.join('')}…`).width > maxWidth) chars.pop();
  return `${chars.join('')}…`;
}

export class Compositor {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: Ctx2D;
  private readonly video: HTMLVideoElement;
  private readonly stream: MediaStream;
  private readonly track: CanvasCaptureMediaStreamTrack;
  private readonly clock: Worker;
  private logo: HTMLImageElement | null = null;
  private logoUrl: string | null = null;
  private preset: OutputPreset;
  private frame = 0;
  private waiters: FrameWaiter[] = [];
  private unsubscribe: (() => void) | null = null;
  // frame-time measurement, published once per second
  private windowStart = performance.now();
  private windowFrames = 0;
  private drawSum = 0;
  private drawMax = 0;
  private gapMax = 0;
  private lastFrameAt = 0;
  /** Product card images by server path: null while loading or after a failure (the card is drawn without). */
  private readonly cardImages = new Map<string, HTMLImageElement | null>();

  constructor(
    private readonly store: StudioStore,
    private readonly locale: () => string,
    /** Same-origin (blob:) URL for a product image path; without it cards are drawn without images. */
    private readonly loadImage?: (path: string) => Promise<string>,
  ) {
    this.preset = store.getState().settings.output;
    const { width, height } = OUTPUT_PRESETS[this.preset];
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.className = 'program-canvas';
    const ctx = this.canvas.getContext('2d', { alpha: false, desynchronized: false });
    if (!ctx) throw new Error('2D canvas unavailable');
    this.ctx = ctx;
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.autoplay = true;
    this.stream = this.canvas.captureStream(0);
    const track = this.stream.getVideoTracks()[0];
    if (!track) throw new Error('canvas.captureStream produced no track');
    this.track = track as CanvasCaptureMediaStreamTrack;
    this.track.contentHint = 'motion';
    this.clock = new Worker(new URL('./frame-clock.worker.ts', import.meta.url), { type: 'module' });
    this.clock.onmessage = () => this.render();
  }

  /** The program video track (what the publisher sends). */
  get programTrack(): MediaStreamTrack {
    return this.track;
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((s, prev) => {
      if (s.settings.output !== prev.settings.output) this.setPreset(s.settings.output);
      if (s.settings.logoDataUrl !== prev.settings.logoDataUrl) this.loadLogo(s.settings.logoDataUrl);
    });
    this.loadLogo(this.store.getState().settings.logoDataUrl);
    this.setPreset(this.store.getState().settings.output, true);
  }

  stop(): void {
    this.unsubscribe?.();
    this.clock.postMessage({ type: 'stop' });
    this.clock.terminate();
    this.track.stop();
  }

  setCamera(stream: MediaStream | null): void {
    this.video.srcObject = stream;
    if (stream) void this.video.play().catch(() => {});
  }

  /**
   * Resolves with the capture time (wall-clock ms, the same clock as the timestamp strip) of the first program
   * frame that shows this product's card.
   */
  nextFrameWith(productId: string): Promise<number> {
    return new Promise((resolve) => this.waiters.push({ productId, resolve }));
  }

  private setPreset(preset: OutputPreset, force = false): void {
    if (preset === this.preset && !force) return;
    this.preset = preset;
    const { width, height, fps } = OUTPUT_PRESETS[preset];
    this.canvas.width = width;
    this.canvas.height = height;
    this.clock.postMessage({ type: 'start', fps });
    this.store.setState((s) => ({ program: { ...s.program, width, height } }));
  }

  private loadLogo(url: string | null): void {
    if (url === this.logoUrl) return;
    this.logoUrl = url;
    this.logo = null;
    if (!url) return;
    const img = new Image();
    img.onload = () => {
      if (this.logoUrl === url) this.logo = img;
    };
    img.src = url;
  }

  private render(): void {
    const t0 = performance.now();
    const { width: W, height: H } = this.canvas;
    const state = this.store.getState();
    const ctx = this.ctx;

    ctx.fillStyle = '#0b0d12';
    ctx.fillRect(0, 0, W, H);
    this.drawCamera(ctx, W, H);
    const strip = state.marker ? markerStripHeight(W) : 0;
    if (state.settings.overlayText.trim()) this.drawText(ctx, W, H, state.settings.overlayText.trim());
    if (this.logo) this.drawLogo(ctx, W, H, strip);
    this.drawCards(ctx, W, H, state.pinned);

    // Capture time of this frame: wall clock on the same scale as the strip and OverlayTrigger.mediaTime.
    const captureTime = performance.timeOrigin + performance.now();
    if (state.marker) drawMarker(ctx, W, captureTime, this.frame);
    this.frame++;
    this.track.requestFrame();

    if (this.waiters.length) {
      const shown = new Set(state.pinned.map((p) => p.product.productId));
      this.waiters = this.waiters.filter((w) => {
        if (!shown.has(w.productId)) return true;
        w.resolve(Math.round(captureTime));
        return false;
      });
    }
    this.measure(t0, performance.now());
  }

  private measure(t0: number, t1: number): void {
    const d = t1 - t0;
    this.windowFrames++;
    this.drawSum += d;
    this.drawMax = Math.max(this.drawMax, d);
    if (this.lastFrameAt) this.gapMax = Math.max(this.gapMax, t0 - this.lastFrameAt);
    this.lastFrameAt = t0;
    const elapsed = t1 - this.windowStart;
    if (elapsed >= 1000) {
      const frames = this.frame;
      const program = {
        width: this.canvas.width,
        height: this.canvas.height,
        fps: Math.round((this.windowFrames * 1000 * 10) / elapsed) / 10,
        drawMs: Math.round((this.drawSum / this.windowFrames) * 100) / 100,
        drawMaxMs: Math.round(this.drawMax * 100) / 100,
        gapMaxMs: Math.round(this.gapMax),
        frames,
      };
      this.store.setState({ program });
      this.windowStart = t1;
      this.windowFrames = 0;
      this.drawSum = 0;
      this.drawMax = 0;
      this.gapMax = 0;
    }
  }

  private drawCamera(ctx: Ctx2D, W: number, H: number): void {
    const v = this.video;
    if (v.readyState < 2 || !v.videoWidth || !v.videoHeight) {
      const g = ctx.createLinearGradient(0, 0, W, H);
      g.addColorStop(0, '#151a24');
      g.addColorStop(1, '#0b0d12');
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, W, H);
      return;
    }
    const scale = Math.max(W / v.videoWidth, H / v.videoHeight);
    const dw = v.videoWidth * scale;
    const dh = v.videoHeight * scale;
    ctx.drawImage(v, (W - dw) / 2, (H - dh) / 2, dw, dh);
  }

  private drawText(ctx: Ctx2D, W: number, H: number, text: string): void {
    const size = Math.round(H * 0.042);
    ctx.font = `600 ${size}px ${FONT_STACK}`;
    ctx.textBaseline = 'middle';
    const padX = size * 0.7;
    const boxH = size * 1.9;
    const maxW = W * 0.55;
    const shown = fitText(ctx, text, maxW - padX * 2);
    const boxW = ctx.measureText(shown).width + padX * 2;
    const x = W * 0.03;
    const y = H - H * 0.05 - boxH;
    ctx.fillStyle = 'rgba(8, 10, 16, 0.62)';
    roundRect(ctx, x, y, boxW, boxH, boxH * 0.2);
    ctx.fill();
    ctx.fillStyle = '#ff3b5c';
    ctx.fillRect(x, y + boxH * 0.2, size * 0.14, boxH * 0.6);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(shown, x + padX, y + boxH / 2);
  }

  private drawLogo(ctx: Ctx2D, W: number, H: number, strip: number): void {
    const img = this.logo!;
    if (!img.naturalWidth || !img.naturalHeight) return;
    const maxH = H * 0.12;
    const maxW = W * 0.18;
    const s = Math.min(maxW / img.naturalWidth, maxH / img.naturalHeight);
    const w = img.naturalWidth * s;
    const h = img.naturalHeight * s;
    const margin = W * 0.025;
    ctx.globalAlpha = 0.92;
    ctx.drawImage(img, W - margin - w, Math.max(margin, strip + margin / 2), w, h);
    ctx.globalAlpha = 1;
  }

  /** The decoded image for a card, starting the load on first use. */
  private cardImage(path: string | undefined): HTMLImageElement | null {
    if (!path || !this.loadImage) return null;
    if (this.cardImages.has(path)) return this.cardImages.get(path) ?? null;
    this.cardImages.set(path, null);
    this.loadImage(path)
      .then((url) => {
        const img = new Image();
        img.onload = () => this.cardImages.set(path, img);
        img.src = url;
      })
      .catch(() => {
        // drawn without an image; a later pin of the same product tries again
        setTimeout(() => this.cardImages.delete(path), 10_000);
      });
    return null;
  }

  private drawCards(ctx: Ctx2D, W: number, H: number, pinned: readonly PinnedTrigger[]): void {
    if (pinned.length === 0) return;
    const locale = this.locale();
    const cardW = W * 0.3;
    const cardH = H * 0.115;
    const gap = H * 0.018;
    const x = W - W * 0.03 - cardW;
    let y = H - H * 0.05 - cardH;
    const pad = cardH * 0.16;
    for (const [i, p] of pinned.entries()) {
      const prod = p.product;
      ctx.globalAlpha = i === 0 ? 1 : 0.9;
      ctx.fillStyle = 'rgba(255, 255, 255, 0.96)';
      roundRect(ctx, x, y, cardW, cardH, cardH * 0.14);
      ctx.fill();
      ctx.fillStyle = '#ff3b5c';
      roundRect(ctx, x, y, cardH * 0.09, cardH, [cardH * 0.14, 0, 0, cardH * 0.14]);
      ctx.fill();
      let left = x + cardH * 0.09 + pad;
      const img = this.cardImage(prod.imageUrl);
      if (img?.naturalWidth && img.naturalHeight) {
        const side = cardH - pad * 2;
        const s = Math.max(side / img.naturalWidth, side / img.naturalHeight);
        const sw = side / s;
        const sh = side / s;
        ctx.save();
        roundRect(ctx, left, y + pad, side, side, side * 0.12);
        ctx.clip();
        ctx.drawImage(img, (img.naturalWidth - sw) / 2, (img.naturalHeight - sh) / 2, sw, sh, left, y + pad, side, side);
        ctx.restore();
        left += side + pad;
      }
      const inner = cardW - (left - x) - pad;
      ctx.textBaseline = 'alphabetic';
      ctx.fillStyle = '#12151c';
      ctx.font = `600 ${Math.round(cardH * 0.26)}px ${FONT_STACK}`;
      ctx.fillText(fitText(ctx, prod.name, inner), left, y + pad + cardH * 0.22);
      ctx.font = `700 ${Math.round(cardH * 0.3)}px ${FONT_STACK}`;
      ctx.fillStyle = '#e8203f';
      const price = formatMoney(prod.priceMinor, prod.currency, locale);
      const baseY = y + cardH - pad;
      ctx.fillText(price, left, baseY);
      if (prod.listPriceMinor !== undefined && prod.listPriceMinor > prod.priceMinor) {
        const pw = ctx.measureText(price).width;
        ctx.font = `400 ${Math.round(cardH * 0.2)}px ${FONT_STACK}`;
        ctx.fillStyle = '#8a8f9c';
        const list = formatMoney(prod.listPriceMinor, prod.currency, locale);
        const lx = left + pw + cardH * 0.15;
        const lw = ctx.measureText(list).width;
        if (lx + lw <= x + cardW - pad) {
          ctx.fillText(list, lx, baseY);
          ctx.fillRect(lx, baseY - cardH * 0.07, lw, Math.max(1, cardH * 0.015));
        }
      }
      ctx.globalAlpha = 1;
      y -= cardH + gap;
    }
  }
}
