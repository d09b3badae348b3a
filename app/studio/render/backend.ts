/**
 * Drawing backends of the compositor. A backend draws rasterised sources (`Drawable`s) with the canvas-2D affine
 * matrices computed by shared/scene/transform.ts, into the output canvas or into off-screen layers that are then
 * composited (transitions). Two implementations with the same results: WebGL2 (textures, one quad per item) and
 * Canvas2D (drawImage with setTransform).
 */
import type { Matrix, Rect } from '../../../shared/scene/transform';

/** Pixel sources a backend accepts (what sources rasterise to). */
export type PixelSource = HTMLCanvasElement | HTMLVideoElement | HTMLImageElement | ImageBitmap | OffscreenCanvas;

export interface Drawable {
  image: PixelSource;
  /** Pixel size of `image` (video: its intrinsic size). */
  width: number;
  height: number;
  /**
   * Changes whenever the pixels change (textures are re-uploaded only then). Video frames pass a fresh number per
   * presented frame (or `-1`: upload every time).
   */
  version: number;
  /** Nearest-neighbour sampling (pixel-exact strips such as the test marker). */
  nearest?: boolean;
}

export type BackendKind = 'webgl2' | 'canvas2d';

export interface RenderBackend {
  readonly kind: BackendKind;
  readonly canvas: HTMLCanvasElement;
  resize(width: number, height: number): void;
  /**
   * Start a pass into `layer` (0 or 1, off-screen, same size as the canvas) or into the canvas (null). The target is
   * cleared to opaque `background`.
   */
  begin(layer: 0 | 1 | null, background: string): void;
  /** Draw `src` (source pixels) of `d` with `m` (source pixels → target pixels) at `alpha`. */
  draw(d: Drawable, src: Rect, m: Matrix, alpha: number): void;
  /** Draw a finished layer onto the canvas at `alpha`, shifted by (dx, dy) target pixels. */
  drawLayer(layer: 0 | 1, alpha: number, dx: number, dy: number): void;
  /** Flush (WebGL: submit the commands). */
  end(): void;
  /** Read back RGBA pixels of the canvas (tests). */
  readPixels(x: number, y: number, w: number, h: number): Uint8ClampedArray;
  dispose(): void;
}

/** `#rrggbb[aa]` → premultiplied-ready floats 0‥1. */
export function parseColor(hex: string): [number, number, number, number] {
  const h = hex.startsWith('#') ? hex.slice(1) : hex;
  const n = (i: number) => Number.parseInt(h.slice(i, i + 2), 16) / 255;
  if (h.length !== 6 && h.length !== 8) return [0, 0, 0, 1];
  return [n(0), n(2), n(4), h.length === 8 ? n(6) : 1];
}
