/** Canvas2D backend: `setTransform` + `drawImage` of the source rectangle, layers are off-screen canvases. */
import type { Matrix, Rect } from '../../../shared/scene/transform';
import type { Drawable, RenderBackend } from './backend';

type Ctx = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

export class Canvas2DBackend implements RenderBackend {
  readonly kind = 'canvas2d' as const;
  private readonly main: CanvasRenderingContext2D;
  private readonly layers: [OffscreenCanvas, OffscreenCanvas];
  private readonly layerCtx: [OffscreenCanvasRenderingContext2D, OffscreenCanvasRenderingContext2D];
  private ctx: Ctx;

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('2D canvas unavailable');
    this.main = ctx;
    this.ctx = ctx;
    this.layers = [new OffscreenCanvas(canvas.width, canvas.height), new OffscreenCanvas(canvas.width, canvas.height)];
    const l0 = this.layers[0].getContext('2d', { alpha: false });
    const l1 = this.layers[1].getContext('2d', { alpha: false });
    if (!l0 || !l1) throw new Error('2D canvas unavailable');
    this.layerCtx = [l0, l1];
  }

  resize(width: number, height: number): void {
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    for (const l of this.layers) {
      if (l.width !== width || l.height !== height) {
        l.width = width;
        l.height = height;
      }
    }
  }

  begin(layer: 0 | 1 | null, background: string): void {
    this.ctx = layer === null ? this.main : this.layerCtx[layer];
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  draw(d: Drawable, src: Rect, m: Matrix, alpha: number): void {
    if (src.width <= 0 || src.height <= 0 || alpha <= 0) return;
    const ctx = this.ctx;
    ctx.setTransform(m.a, m.b, m.c, m.d, m.e, m.f);
    ctx.globalAlpha = Math.min(1, alpha);
    ctx.imageSmoothingEnabled = !d.nearest;
    ctx.drawImage(d.image, src.x, src.y, src.width, src.height, src.x, src.y, src.width, src.height);
  }

  drawLayer(layer: 0 | 1, alpha: number, dx: number, dy: number): void {
    if (alpha <= 0) return;
    const ctx = this.main;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = Math.min(1, alpha);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.layers[layer], dx, dy);
  }

  end(): void {
    this.main.setTransform(1, 0, 0, 1, 0, 0);
    this.main.globalAlpha = 1;
    this.ctx = this.main;
  }

  readPixels(x: number, y: number, w: number, h: number): Uint8ClampedArray {
    return this.main.getImageData(x, y, w, h).data;
  }

  dispose(): void {
    for (const l of this.layers) {
      l.width = 1;
      l.height = 1;
    }
  }
}
