/**
 * Source runtimes: the live half of a source (the scene model holds only its settings). Each runtime rasterises its
 * source to a `Drawable` once per program frame; devices and media files play in elements owned by the runtime.
 * A runtime that cannot produce its picture (file missing, camera unplugged, capture refused) shows a placeholder
 * with the reason and reports a status; the rest of the program keeps rendering.
 */
import type { ProductView } from '../../../../shared/commerce/catalog';
import type { FlashSaleView } from '../../../../shared/commerce/sales';
import type { PinnedTrigger } from '../../../../shared/protocol/overlay';
import type { MediaRef, Size } from '../../../../shared/scene/primitives';
import type { Drawable } from '../backend';
import { percentile } from '../stats';

export type SourceState = 'ok' | 'loading' | 'idle' | 'error';

export interface SourceStatus {
  state: SourceState;
  /** i18n key (studio `sources.status.*`) explaining a non-ok state. */
  messageKey?: string;
  detail?: string;
}

/** Shop data product cards, countdowns and QR codes read (the studio store's shop slice). */
export interface StudioData {
  locale: string;
  products: readonly ProductView[];
  pinned: readonly PinnedTrigger[];
  sales: readonly FlashSaleView[];
  /** Viewer page of the current show (QR code default), null when no show is open. */
  showUrl: string | null;
}

export interface ChatLine {
  id: string;
  name: string;
  text: string;
  ts: number;
}

/**
 * What runtimes need from the studio. Every external dependency goes through here, so the same runtimes run in
 * the studio, the pixel tests and the benchmark.
 */
export interface SourceEnv {
  data(): StudioData;
  /** Chat feed seam: the newest chat lines (oldest first). Empty when the studio has no chat connection. */
  chat(): readonly ChatLine[];
  /** A same-origin URL (blob:) for a media reference; rejects when the file / URL cannot be read. */
  resolveMedia(ref: MediaRef): Promise<string>;
  /** blob: URL for a shop image path (server-rooted). */
  productImage(path: string): Promise<string>;
  /** The studio's selected camera (DevicesController), for camera sources without their own device. */
  studioCamera(): MediaStream | null;
  /** The studio's selected microphone track, for audio sources without their own device. */
  studioMic(): MediaStreamTrack | null;
  /** Open a camera / microphone by device id (getUserMedia). */
  openDevice(kind: 'camera' | 'mic', constraints: MediaTrackConstraints): Promise<MediaStream>;
  /**
   * Screen / window capture seam: getDisplayMedia (needs a user gesture, so runtimes start it from the properties
   * panel). Web: the browser's picker. Electron: the studio first tells the host `sourceId` (`display.select`) and
   * the host's display-media handler answers with that desktopCapturer source.
   */
  captureDisplay(opts: { target: 'screen' | 'window'; sourceId: string | null; cursor: boolean }): Promise<MediaStream>;
  t(key: string, params?: Record<string, string | number>): string;
}

/** One source's contribution to a frame. */
export interface SourceFrame {
  drawable: Drawable;
  /** Mirror horizontally (camera mirror). */
  flipX?: boolean;
  /** Animation (in / out): opacity, offset in source pixels, scale about the centre. */
  alpha?: number;
  dx?: number;
  dy?: number;
  scale?: number;
  /** Wipe: fraction 0‥1 of the width shown, from the left. */
  reveal?: number;
}

export abstract class SourceRuntime<S = unknown> {
  status: SourceStatus = { state: 'ok' };
  /** Called when `status` changes (the compositor publishes it to the store). */
  onStatus: ((s: SourceStatus) => void) | null = null;
  /** Product shown by the last frame (product cards; frame-synced overlays). */
  shownProductId: string | null = null;

  constructor(
    protected readonly env: SourceEnv,
    protected settings: S,
  ) {}

  /** New settings (already validated by the kind's schema). */
  update(settings: S): void {
    this.settings = settings;
  }

  /** The picture for the frame at `now` (performance.now ms); null = draws nothing. `tick` counts program frames. */
  abstract frame(now: number, tick: number): SourceFrame | null;

  /** Size the renderer lays the source out with (null = not known yet). */
  abstract size(): Size | null;

  /** Audio this source feeds into the mixer (null = none). */
  audio(): MediaStream | HTMLMediaElement | null {
    return null;
  }

  dispose(): void {}

  protected setStatus(s: SourceStatus): void {
    if (s.state === this.status.state && s.messageKey === this.status.messageKey && s.detail === this.status.detail) return;
    this.status = s;
    this.onStatus?.(s);
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Canvas that re-rasterises only when its key changes. */
export class CachedCanvas {
  readonly canvas = document.createElement('canvas');
  readonly ctx: CanvasRenderingContext2D;
  version = 0;
  private key: string | null = null;

  constructor() {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('2D canvas unavailable');
    this.ctx = ctx;
  }

  /** Re-draw with `paint` when `key` differs from the last one; returns the drawable. */
  render(key: string, width: number, height: number, paint: (ctx: CanvasRenderingContext2D, w: number, h: number) => void): Drawable {
    const w = Math.max(1, Math.ceil(width));
    const h = Math.max(1, Math.ceil(height));
    if (key !== this.key || this.canvas.width !== w || this.canvas.height !== h) {
      this.key = key;
      if (this.canvas.width !== w || this.canvas.height !== h) {
        this.canvas.width = w;
        this.canvas.height = h;
      } else {
        this.ctx.setTransform(1, 0, 0, 1, 0, 0);
        this.ctx.clearRect(0, 0, w, h);
      }
      paint(this.ctx, w, h);
      this.version++;
    }
    return { image: this.canvas, width: w, height: h, version: this.version };
  }
}

export const FONT_STACK = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", sans-serif';

/** A striped box with an icon-like glyph and a message: what a source shows when its media is missing. */
export function paintPlaceholder(ctx: CanvasRenderingContext2D, w: number, h: number, title: string, message: string): void {
  ctx.fillStyle = '#1a1d26';
  ctx.fillRect(0, 0, w, h);
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, 0, w, h);
  ctx.clip();
  ctx.strokeStyle = 'rgba(255,255,255,0.05)';
  ctx.lineWidth = Math.max(4, w / 60);
  const step = Math.max(16, w / 20);
  for (let x = -h; x < w; x += step) {
    ctx.beginPath();
    ctx.moveTo(x, h);
    ctx.lineTo(x + h, 0);
    ctx.stroke();
  }
  ctx.restore();
  ctx.strokeStyle = '#ff9f43';
  ctx.lineWidth = Math.max(2, Math.min(w, h) / 120);
  ctx.strokeRect(ctx.lineWidth / 2, ctx.lineWidth / 2, w - ctx.lineWidth, h - ctx.lineWidth);
  const size = Math.max(12, Math.min(h / 9, w / 18));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = '#ff9f43';
  ctx.font = `700 ${size * 1.6}px ${FONT_STACK}`;
  ctx.fillText('⚠', w / 2, h / 2 - size * 1.6);
  ctx.fillStyle = '#ffffff';
  ctx.font = `600 ${size}px ${FONT_STACK}`;
  ctx.fillText(fitText(ctx, title, w * 0.9), w / 2, h / 2);
  ctx.fillStyle = '#aab0bf';
  ctx.font = `400 ${size * 0.75}px ${FONT_STACK}`;
  ctx.fillText(fitText(ctx, message, w * 0.9), w / 2, h / 2 + size * 1.3);
}

/** Shorten `text` with an ellipsis until it fits `maxWidth` at the current font. */
export function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 1 && ctx.measureText(`${chars.join('')}…`).width > maxWidth) chars.pop();
  return `${chars.join('')}…`;
}

/** Conversions timed per method before a VideoSurface settles (the first WARMUP_FRAMES of each are not counted). */
const TRIAL_FRAMES = 12;
const WARMUP_FRAMES = 4;

const median = (xs: readonly number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/**
 * A playing <video> as a drawable, converted once per new video frame into an unattached canvas that the program
 * draws (a camera at 30 fps on a 30 fps program would otherwise be converted again for every draw: program, preview,
 * nested scenes). Two ways to convert, timed on the first frames and the cheaper kept:
 *  - `draw`: `drawImage(video)` into the canvas, in the render tick. Fast where Chromium has a GPU.
 *  - `copy`: `new VideoFrame(video)` → `copyTo(RGBA)` (libyuv) → `putImageData` into the canvas, as soon as
 *    requestVideoFrameCallback tells a new frame. Without a GPU this is several times cheaper. Measured here for 720p,
 *    including the program's raster: 1.4 ms, against 12 ms for `drawImage(video)` or `drawImage(VideoFrame)` (Skia's
 *    YUV conversion) and 13 ms when the RGBA went through `createImageBitmap(ImageData)` (this path's earlier form).
 * Where callbacks stop (no support, or a page that does not render, such as a hidden window) every draw converts —
 * `copy` a frame late, `draw` at once — so the picture never freezes; a frame `copy` cannot handle (rotated,
 * cross-origin) switches the surface to `draw`. The trial compares main-thread time only; on a GPU, where `copy` means
 * a read-back, it has not been measured here.
 */
export class VideoSurface {
  private readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D;
  private presented = 0;
  private converted = -1;
  private version = 0;
  private handle: number | null = null;
  private lastCallbackAt = Number.NEGATIVE_INFINITY;
  private lastUsedAt = Number.NEGATIVE_INFINITY;
  private method: 'draw' | 'copy' | null = null;
  private samples = { draw: [] as number[], copy: [] as number[] };
  private copyBroken = typeof VideoFrame === 'undefined';
  private copying = false;
  private image: ImageData | null = null;
  /** Bumped when the video's source changes: a copy started before must not land. */
  private epoch = 0;

  constructor(private readonly video: HTMLVideoElement) {
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('2D canvas unavailable');
    this.ctx = ctx;
    if (typeof video.requestVideoFrameCallback === 'function') this.watch();
    // a new source restarts the frame count (never keep the old source's picture) and may convert differently
    video.addEventListener('emptied', () => {
      this.epoch++;
      this.converted = -1;
      this.method = null;
      this.samples = { draw: [], copy: [] };
    });
  }

  /** Conversion in use ('draw' / 'copy'; null while both are being timed). */
  get conversion(): 'draw' | 'copy' | null {
    return this.method;
  }

  private watch(): void {
    this.handle = this.video.requestVideoFrameCallback((now, meta) => {
      this.lastCallbackAt = now;
      this.presented = meta.presentedFrames;
      if (now - this.lastUsedAt < 500 && this.wantsCopy()) void this.copyConvert(meta.presentedFrames);
      this.watch();
    });
  }

  private wantsCopy(): boolean {
    if (this.copyBroken) return false;
    return this.method === 'copy' || (this.method === null && this.samples.draw.length >= TRIAL_FRAMES);
  }

  private settle(): void {
    if (this.method !== null || this.samples.draw.length < TRIAL_FRAMES) return;
    if (this.copyBroken) this.method = 'draw';
    else if (this.samples.copy.length >= TRIAL_FRAMES) {
      // first calls pay one-off costs (allocation, code paths warming up); `draw` must win clearly, since its
      // deferred raster work is not in its timing
      const copy = median(this.samples.copy.slice(WARMUP_FRAMES));
      const draw = median(this.samples.draw.slice(WARMUP_FRAMES));
      this.method = draw < 0.75 * copy ? 'draw' : 'copy';
    }
  }

  /** Convert the current frame now (the caller checked the video has one). */
  private drawConvert(): void {
    const v = this.video;
    const t0 = performance.now();
    if (this.canvas.width !== v.videoWidth || this.canvas.height !== v.videoHeight) {
      this.canvas.width = v.videoWidth;
      this.canvas.height = v.videoHeight;
    }
    this.ctx.drawImage(v, 0, 0);
    this.converted = this.presented;
    this.version++;
    if (this.method === null && this.samples.draw.length < TRIAL_FRAMES) {
      this.samples.draw.push(performance.now() - t0);
      this.settle();
    }
  }

  private async copyConvert(presented: number): Promise<void> {
    if (this.copying || this.video.readyState < 2) return;
    this.copying = true;
    let frame: VideoFrame | null = null;
    // main-thread time only (the awaits may also wait behind unrelated tasks): what the trial compares
    let t0 = performance.now();
    let busy = 0;
    const epoch = this.epoch;
    try {
      frame = new VideoFrame(this.video);
      const { width: w, height: h } = frame.visibleRect ?? { width: frame.displayWidth, height: frame.displayHeight };
      const oriented = frame as VideoFrame & { rotation?: number; flip?: boolean };
      if (w !== frame.displayWidth || h !== frame.displayHeight || oriented.rotation || oriented.flip) {
        throw new Error('frame needs scaling or rotation');
      }
      if (!this.image || this.image.width !== w || this.image.height !== h) this.image = new ImageData(w, h);
      if (frame.allocationSize({ format: 'RGBA' }) !== this.image.data.byteLength) throw new Error('unexpected RGBA layout');
      const copied = frame.copyTo(this.image.data, { format: 'RGBA' });
      busy += performance.now() - t0;
      await copied;
      if (epoch !== this.epoch) return; // the source changed meanwhile: never show the old source's picture
      t0 = performance.now();
      if (this.canvas.width !== w || this.canvas.height !== h) {
        this.canvas.width = w;
        this.canvas.height = h;
      }
      this.ctx.putImageData(this.image, 0, 0);
      busy += performance.now() - t0;
      this.converted = presented;
      this.version++;
      if (this.method === null) this.samples.copy.push(busy);
    } catch {
      this.copyBroken = true; // this video's frames go through drawImage from now on
      if (this.method === 'copy') this.method = 'draw';
    } finally {
      frame?.close();
      this.copying = false;
      this.settle();
    }
  }

  /** The current frame (null until the video has one). */
  drawable(): Drawable | null {
    const v = this.video;
    if (v.readyState < 2 || !v.videoWidth || !v.videoHeight) return null;
    const now = performance.now();
    this.lastUsedAt = now;
    // callbacks alive: a playing video reports every frame; a paused one reports seeks
    const told = now - this.lastCallbackAt < 250 || (v.paused && this.converted >= 0);
    const stale = !told || this.presented !== this.converted || this.converted < 0;
    if (stale) {
      if (this.wantsCopy() && this.converted >= 0) {
        // `copy` converts from the frame callback. Without callbacks (a page that does not render: hidden window,
        // headless) every tick starts a copy and shows the previous one: a frame late, but cheap.
        if (!told) void this.copyConvert(this.presented);
      } else this.drawConvert();
    }
    return { image: this.canvas, width: this.canvas.width, height: this.canvas.height, version: this.version };
  }

  dispose(): void {
    if (this.handle !== null) this.video.cancelVideoFrameCallback(this.handle);
    this.handle = null;
    this.canvas.width = 1;
    this.canvas.height = 1;
    this.image = null;
  }
}

export function makeVideo(): HTMLVideoElement {
  const v = document.createElement('video');
  v.muted = true;
  v.playsInline = true;
  v.autoplay = true;
  return v;
}
