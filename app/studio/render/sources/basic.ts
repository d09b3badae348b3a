/** Runtimes of the drawn kinds: colour/gradient, text, image, image slideshow, QR code, lower third. */
import QRCode from 'qrcode';
import type { SettingsOf } from '../../../../shared/scene/kinds';
import type { MediaRef, Size } from '../../../../shared/scene/primitives';
import type { Drawable } from '../backend';
import {
  CachedCanvas,
  describeError,
  FONT_STACK,
  fitText,
  paintPlaceholder,
  type SourceEnv,
  type SourceFrame,
  SourceRuntime,
} from './runtime';
import { layoutText, paintText } from './text';

const PLACEHOLDER_SIZE: Size = { width: 640, height: 360 };

export class ColorRuntime extends SourceRuntime<SettingsOf<'color'>> {
  private readonly raster = new CachedCanvas();
  constructor(
    env: SourceEnv,
    settings: SettingsOf<'color'>,
    private readonly canvasSize: () => Size,
  ) {
    super(env, settings);
  }

  size(): Size {
    const c = this.canvasSize();
    return { width: this.settings.width ?? c.width, height: this.settings.height ?? c.height };
  }

  frame(): SourceFrame {
    const { width, height } = this.size();
    const fill = this.settings.fill;
    const drawable = this.raster.render(JSON.stringify(fill), width, height, (ctx, w, h) => {
      if (fill.type === 'solid') {
        ctx.fillStyle = fill.color;
      } else {
        // CSS angle: 0 = towards the top, 90 = towards the right; the line spans the box's projection.
        const rad = (fill.angle * Math.PI) / 180;
        const dx = Math.sin(rad);
        const dy = -Math.cos(rad);
        const half = (Math.abs(w * dx) + Math.abs(h * dy)) / 2;
        const g = ctx.createLinearGradient(w / 2 - dx * half, h / 2 - dy * half, w / 2 + dx * half, h / 2 + dy * half);
        for (const s of fill.stops) g.addColorStop(s.offset, s.color);
        ctx.fillStyle = g;
      }
      ctx.fillRect(0, 0, w, h);
    });
    return { drawable };
  }
}

export class TextRuntime extends SourceRuntime<SettingsOf<'text'>> {
  private readonly raster = new CachedCanvas();
  private readonly scroller = new CachedCanvas();
  private measured: Size | null = null;
  private scrollStart = performance.now();

  override update(settings: SettingsOf<'text'>): void {
    if (settings.scrollSpeed !== this.settings.scrollSpeed) this.scrollStart = performance.now();
    super.update(settings);
  }

  size(): Size | null {
    return this.measured;
  }

  frame(now: number): SourceFrame | null {
    const s = this.settings;
    const ctx = this.raster.ctx;
    const layout = layoutText(ctx, s);
    this.measured = { width: layout.width, height: layout.height };
    if (!s.text) return null;
    const text = this.raster.render(JSON.stringify(s), layout.width, layout.height, (c) => paintText(c, s, layout));
    if (s.scrollSpeed === 0) return { drawable: text };
    // Ticker: the content wraps around inside the source's own box.
    const w = layout.width;
    const offset = (((((now - this.scrollStart) / 1000) * s.scrollSpeed) % w) + w) % w;
    const scrolled: Drawable = this.scroller.render(`${text.version}:${offset.toFixed(1)}`, w, layout.height, (c) => {
      c.drawImage(this.raster.canvas, -offset, 0);
      c.drawImage(this.raster.canvas, w - offset, 0);
    });
    return { drawable: scrolled };
  }
}

/** Loads one media reference into an <img>. */
class ImageSlot {
  img: HTMLImageElement | null = null;
  error: string | null = null;
  version = 0;
  constructor(
    env: SourceEnv,
    readonly ref: MediaRef,
    onDone: () => void,
  ) {
    env
      .resolveMedia(ref)
      .then(
        (url) =>
          new Promise<HTMLImageElement>((resolve, reject) => {
            const img = new Image();
            img.onload = () => resolve(img);
            img.onerror = () => reject(new Error('image could not be decoded'));
            img.src = url;
          }),
      )
      .then(
        (img) => {
          this.img = img;
          this.version++;
          onDone();
        },
        (err: unknown) => {
          this.error = describeError(err);
          onDone();
        },
      );
  }

  drawable(): Drawable | null {
    const img = this.img;
    return img?.naturalWidth ? { image: img, width: img.naturalWidth, height: img.naturalHeight, version: this.version } : null;
  }
}

function refLabel(ref: MediaRef): string {
  const s = ref.type === 'url' ? ref.url : ref.path;
  return s.split(/[\\/]/).pop() || s;
}

export class ImageRuntime extends SourceRuntime<SettingsOf<'image'>> {
  private slot: ImageSlot | null = null;
  private readonly placeholder = new CachedCanvas();

  constructor(env: SourceEnv, settings: SettingsOf<'image'>) {
    super(env, settings);
    this.load();
  }

  override update(settings: SettingsOf<'image'>): void {
    const changed = JSON.stringify(settings.ref) !== JSON.stringify(this.settings.ref);
    super.update(settings);
    if (changed) this.load();
  }

  private load(): void {
    const ref = this.settings.ref;
    this.slot = null;
    if (!ref) {
      this.setStatus({ state: 'idle', messageKey: 'noFile' });
      return;
    }
    this.setStatus({ state: 'loading' });
    const slot = new ImageSlot(this.env, ref, () => {
      if (this.slot !== slot) return;
      if (slot.error) this.setStatus({ state: 'error', messageKey: 'fileMissing', detail: slot.error });
      else this.setStatus({ state: 'ok' });
    });
    this.slot = slot;
  }

  size(): Size {
    const d = this.slot?.drawable();
    return d ? { width: d.width, height: d.height } : PLACEHOLDER_SIZE;
  }

  frame(): SourceFrame | null {
    const d = this.slot?.drawable();
    if (d) return { drawable: d };
    if (this.status.state === 'loading') return null;
    const ref = this.settings.ref;
    const title = ref ? refLabel(ref) : this.env.t('sources.status.noFile');
    const message = this.env.t(`sources.status.${this.status.messageKey ?? 'noFile'}`);
    return {
      drawable: this.placeholder.render(`${title}|${message}`, PLACEHOLDER_SIZE.width, PLACEHOLDER_SIZE.height, (ctx, w, h) =>
        paintPlaceholder(ctx, w, h, title, message),
      ),
    };
  }
}

/** Contain / cover / fill / none of an image into a box. */
function fitRect(fit: SettingsOf<'image_slideshow'>['fit'], iw: number, ih: number, bw: number, bh: number) {
  let w = iw;
  let h = ih;
  if (fit === 'fill') [w, h] = [bw, bh];
  else if (fit !== 'none') {
    const s = fit === 'contain' ? Math.min(bw / iw, bh / ih) : Math.max(bw / iw, bh / ih);
    w = iw * s;
    h = ih * s;
  }
  return { x: (bw - w) / 2, y: (bh - h) / 2, w, h };
}

export class SlideshowRuntime extends SourceRuntime<SettingsOf<'image_slideshow'>> {
  private slots: ImageSlot[] = [];
  private order: number[] = [];
  private readonly out = new CachedCanvas();
  private readonly placeholder = new CachedCanvas();
  private start = performance.now();

  constructor(env: SourceEnv, settings: SettingsOf<'image_slideshow'>) {
    super(env, settings);
    this.load();
  }

  override update(settings: SettingsOf<'image_slideshow'>): void {
    const changed = JSON.stringify(settings.items) !== JSON.stringify(this.settings.items) || settings.shuffle !== this.settings.shuffle;
    super.update(settings);
    if (changed) this.load();
  }

  private load(): void {
    const items = this.settings.items;
    this.start = performance.now();
    this.slots = items.map((ref) => new ImageSlot(this.env, ref, () => this.refreshStatus()));
    this.order = items.map((_, i) => i);
    if (this.settings.shuffle) {
      for (let i = this.order.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [this.order[i], this.order[j]] = [this.order[j]!, this.order[i]!];
      }
    }
    this.refreshStatus();
  }

  private refreshStatus(): void {
    if (this.slots.length === 0) {
      this.setStatus({ state: 'idle', messageKey: 'noFile' });
      return;
    }
    const failed = this.slots.filter((s) => s.error);
    if (failed.length === this.slots.length) this.setStatus({ state: 'error', messageKey: 'fileMissing', detail: failed[0]!.error! });
    else if (failed.length > 0)
      this.setStatus({ state: 'error', messageKey: 'someFilesMissing', detail: `${failed.length}/${this.slots.length}` });
    else this.setStatus({ state: this.slots.some((s) => s.img) ? 'ok' : 'loading' });
  }

  size(): Size {
    const first = this.slots.map((s) => s.drawable()).find((d) => d);
    return first ? { width: first.width, height: first.height } : PLACEHOLDER_SIZE;
  }

  frame(now: number): SourceFrame | null {
    const usable = this.order.filter((i) => this.slots[i]?.drawable());
    const { width, height } = this.size();
    if (usable.length === 0) {
      if (this.status.state === 'loading') return null;
      const title = this.env.t('scene.kind.image_slideshow');
      const message = this.env.t(`sources.status.${this.status.messageKey ?? 'noFile'}`);
      return {
        drawable: this.placeholder.render(`${title}|${message}`, width, height, (ctx, w, h) => paintPlaceholder(ctx, w, h, title, message)),
      };
    }
    const s = this.settings;
    const elapsed = now - this.start;
    let index = Math.floor(elapsed / s.intervalMs);
    if (!s.loop) index = Math.min(index, usable.length - 1);
    const cur = usable[index % usable.length]!;
    const prev = usable[(index - 1 + usable.length) % usable.length]!;
    const into = elapsed - index * s.intervalMs;
    const p = index > 0 && s.transition !== 'cut' && s.transitionMs > 0 ? Math.min(1, into / s.transitionMs) : 1;
    const key = `${cur}:${prev}:${p.toFixed(3)}:${s.fit}:${s.transition}`;
    const drawable = this.out.render(key, width, height, (ctx, w, h) => {
      const paint = (i: number, alpha: number, dx: number) => {
        const d = this.slots[i]!.drawable()!;
        const r = fitRect(s.fit, d.width, d.height, w, h);
        ctx.globalAlpha = alpha;
        ctx.drawImage(d.image as CanvasImageSource, r.x + dx, r.y, r.w, r.h);
      };
      if (p < 1 && s.transition === 'fade') {
        paint(prev, 1, 0);
        paint(cur, p, 0);
      } else if (p < 1 && s.transition === 'slide') {
        paint(prev, 1, -p * w);
        paint(cur, 1, (1 - p) * w);
      } else paint(cur, 1, 0);
      ctx.globalAlpha = 1;
    });
    return { drawable };
  }
}

export class QrRuntime extends SourceRuntime<SettingsOf<'qr_code'>> {
  private readonly canvas = document.createElement('canvas');
  private readonly placeholder = new CachedCanvas();
  private key: string | null = null;
  private version = 0;
  private ready = false;

  size(): Size {
    return { width: this.settings.size, height: this.settings.size };
  }

  frame(): SourceFrame | null {
    const s = this.settings;
    const url = s.url || this.env.data().showUrl;
    if (!url) {
      this.setStatus({ state: 'idle', messageKey: 'noShowUrl' });
      const title = this.env.t('scene.kind.qr_code');
      const message = this.env.t('sources.status.noShowUrl');
      return {
        drawable: this.placeholder.render(`${title}|${message}|${s.size}`, s.size, s.size, (ctx, w, h) =>
          paintPlaceholder(ctx, w, h, title, message),
        ),
      };
    }
    const key = JSON.stringify([url, s.size, s.foreground, s.background, s.margin]);
    if (key !== this.key) {
      this.key = key;
      this.ready = false;
      QRCode.toCanvas(this.canvas, url, {
        width: s.size,
        margin: s.margin,
        errorCorrectionLevel: 'M',
        color: { dark: s.foreground, light: s.background },
      }).then(
        () => {
          if (this.key !== key) return;
          this.ready = true;
          this.version++;
          this.setStatus({ state: 'ok' });
        },
        (err: unknown) => this.setStatus({ state: 'error', messageKey: 'qrFailed', detail: describeError(err) }),
      );
    }
    if (!this.ready) return null;
    return { drawable: { image: this.canvas, width: this.canvas.width, height: this.canvas.height, version: this.version } };
  }
}

/** In-animation progress 0‥1 since the source was last (re)shown. */
export class ShowTracker {
  private lastTick = -10;
  private shownAt = 0;
  /** Call once per drawn frame; returns ms since the source became visible. */
  visibleFor(now: number, tick: number): number {
    if (tick !== this.lastTick && tick !== this.lastTick + 1) this.shownAt = now;
    this.lastTick = tick;
    return now - this.shownAt;
  }
}

export class LowerThirdRuntime extends SourceRuntime<SettingsOf<'lower_third'>> {
  private readonly raster = new CachedCanvas();
  private readonly shown = new ShowTracker();

  size(): Size {
    return { width: this.settings.width, height: 136 };
  }

  frame(now: number, tick: number): SourceFrame | null {
    const s = this.settings;
    if (!s.title && !s.subtitle) return null;
    const drawable = this.raster.render(JSON.stringify(s), s.width, 136, (ctx, w) => {
      ctx.fillStyle = s.primaryColor;
      ctx.fillRect(0, 0, 12, 136);
      ctx.font = `700 44px ${FONT_STACK}`;
      const title = fitText(ctx, s.title, w - 72);
      const titleW = Math.min(w - 12, ctx.measureText(title).width + 56);
      ctx.fillStyle = s.primaryColor;
      ctx.fillRect(12, 0, titleW, 72);
      ctx.fillStyle = s.textColor;
      ctx.textBaseline = 'middle';
      ctx.fillText(title, 36, 37);
      if (s.subtitle) {
        ctx.font = `500 28px ${FONT_STACK}`;
        const sub = fitText(ctx, s.subtitle, w - 72);
        const subW = Math.min(w - 12, ctx.measureText(sub).width + 56);
        ctx.fillStyle = s.secondaryColor;
        ctx.fillRect(12, 72, subW, 64);
        ctx.fillStyle = s.textColor;
        ctx.fillText(sub, 36, 105);
      }
    });
    const t = s.durationMs > 0 ? Math.min(1, this.shown.visibleFor(now, tick) / s.durationMs) : 1;
    const e = 1 - (1 - t) ** 3;
    if (s.animation === 'fade') return { drawable, alpha: e };
    if (s.animation === 'slide') return { drawable, dx: -(1 - e) * s.width * 0.4, alpha: e };
    if (s.animation === 'wipe') {
      return { drawable, reveal: e };
    }
    return { drawable };
  }
}
