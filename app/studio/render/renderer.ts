/**
 * Scene-graph renderer: keeps one runtime per source of the collection, and draws a scene (items bottom to top,
 * nested scenes recursively) with each item's matrix from shared/scene/transform.ts. `ProgramOutput` adds what a
 * program needs on top: output scaling (collection canvas → output size), transitions (cut / fade / slide, timed or
 * held by the T-bar) and the test marker strip.
 */
import { findScene, type SceneCollection, type Source, type Transition } from '../../../shared/scene/model';
import type { Size } from '../../../shared/scene/primitives';
import { compose, itemGeometry, type Matrix, multiply, scaling, translation } from '../../../shared/scene/transform';
import { drawMarker, MARKER_CELLS } from '../../ui/frame-marker';
import type { Drawable, RenderBackend } from './backend';
import { ColorRuntime, ImageRuntime, LowerThirdRuntime, QrRuntime, SlideshowRuntime, TextRuntime } from './sources/basic';
import { ChatOverlayRuntime, FlashCountdownRuntime, ProductCardRuntime } from './sources/commerce';
import { AudioInputRuntime, CameraRuntime, MediaFileRuntime, ScreenCaptureRuntime } from './sources/media';
import type { SourceEnv, SourceFrame, SourceRuntime, SourceStatus } from './sources/runtime';

const MAX_NESTING = 8;

export function createRuntime(source: Source, env: SourceEnv, canvas: () => Size): SourceRuntime | null {
  switch (source.kind) {
    case 'camera':
      return new CameraRuntime(env, source.settings);
    case 'audio_input':
      return new AudioInputRuntime(env, source.settings);
    case 'screen_capture':
      return new ScreenCaptureRuntime(env, source.settings);
    case 'image':
      return new ImageRuntime(env, source.settings);
    case 'image_slideshow':
      return new SlideshowRuntime(env, source.settings);
    case 'text':
      return new TextRuntime(env, source.settings);
    case 'color':
      return new ColorRuntime(env, source.settings, canvas);
    case 'media_file':
      return new MediaFileRuntime(env, source.settings);
    case 'product_card':
      return new ProductCardRuntime(env, source.settings);
    case 'flash_sale_countdown':
      return new FlashCountdownRuntime(env, source.settings);
    case 'chat_overlay':
      return new ChatOverlayRuntime(env, source.settings);
    case 'qr_code':
      return new QrRuntime(env, source.settings);
    case 'lower_third':
      return new LowerThirdRuntime(env, source.settings);
    case 'scene':
      return null; // drawn by the renderer itself
  }
}

interface Entry {
  kind: string;
  settingsJson: string;
  runtime: SourceRuntime | null;
}

export class SceneGraph {
  private readonly entries = new Map<string, Entry>();
  private readonly frames = new Map<string, SourceFrame | null>();
  private frameTick = -1;
  private collection: SceneCollection | null = null;
  /** Called when a source's status changes. */
  onStatus: ((sourceId: string, status: SourceStatus) => void) | null = null;
  /** Called when a source is created (with its runtime) or removed (null). */
  onRuntime: ((sourceId: string, runtime: SourceRuntime | null) => void) | null = null;

  constructor(private readonly env: SourceEnv) {}

  /** Create / update / dispose runtimes to match the collection's sources. */
  sync(c: SceneCollection): void {
    if (c === this.collection) return;
    const prevCanvas = this.collection?.canvas;
    this.collection = c;
    const seen = new Set<string>();
    for (const src of c.sources) {
      seen.add(src.id);
      const json = JSON.stringify(src.settings);
      const e = this.entries.get(src.id);
      if (e && e.kind === src.kind) {
        if (e.settingsJson !== json) {
          e.settingsJson = json;
          e.runtime?.update(src.settings);
        }
        continue;
      }
      if (e) this.remove(src.id);
      const runtime = createRuntime(src, this.env, () => this.collection?.canvas ?? { width: 1280, height: 720 });
      if (runtime) {
        runtime.onStatus = (s) => this.onStatus?.(src.id, s);
        this.onStatus?.(src.id, runtime.status);
      }
      this.entries.set(src.id, { kind: src.kind, settingsJson: json, runtime });
      this.onRuntime?.(src.id, runtime);
    }
    for (const id of [...this.entries.keys()]) if (!seen.has(id)) this.remove(id);
    if (prevCanvas && (prevCanvas.width !== c.canvas.width || prevCanvas.height !== c.canvas.height)) this.frames.clear();
  }

  private remove(id: string): void {
    const e = this.entries.get(id);
    this.entries.delete(id);
    e?.runtime?.dispose();
    this.onRuntime?.(id, null);
  }

  runtime(sourceId: string): SourceRuntime | null {
    return this.entries.get(sourceId)?.runtime ?? null;
  }

  runtimes(): [string, SourceRuntime][] {
    return [...this.entries].flatMap(([id, e]) => (e.runtime ? [[id, e.runtime] as [string, SourceRuntime]] : []));
  }

  /** A source's frame for this tick (each source rasterises once per tick, however often it is drawn). */
  private frameOf(sourceId: string, now: number, tick: number): SourceFrame | null {
    if (tick !== this.frameTick) {
      this.frames.clear();
      this.frameTick = tick;
    }
    if (this.frames.has(sourceId)) return this.frames.get(sourceId) ?? null;
    const f = this.entries.get(sourceId)?.runtime?.frame(now, tick) ?? null;
    this.frames.set(sourceId, f);
    return f;
  }

  /** Layout size of every source with a runtime that knows it (for hit tests and the editor). */
  sizes(c: SceneCollection): Record<string, Size> {
    const out: Record<string, Size> = {};
    for (const src of c.sources) {
      if (src.kind === 'scene') {
        out[src.id] = { ...c.canvas };
        continue;
      }
      const s = this.entries.get(src.id)?.runtime?.size();
      if (s) out[src.id] = s;
    }
    return out;
  }

  /**
   * Draw a scene's visible items with `root` (collection canvas → target) applied. Product ids shown by product
   * cards are added to `shown` (frame-synced overlays).
   */
  drawScene(
    backend: RenderBackend,
    c: SceneCollection,
    sceneId: string,
    root: Matrix,
    now: number,
    tick: number,
    shown: Set<string> | null,
    alpha = 1,
    depth = 0,
  ): void {
    const scene = findScene(c, sceneId);
    if (!scene || depth > MAX_NESTING) return;
    for (const item of scene.items) {
      if (!item.visible) continue;
      const src = c.sources.find((s) => s.id === item.sourceId);
      if (!src) continue;
      if (src.kind === 'scene') {
        if (!src.settings.sceneId) continue;
        const g = itemGeometry(item, c.canvas);
        this.drawScene(backend, c, src.settings.sceneId, multiply(root, g.draw), now, tick, shown, alpha, depth + 1);
        continue;
      }
      const f = this.frameOf(src.id, now, tick);
      if (!f) continue;
      const rt = this.entries.get(src.id)?.runtime;
      if (shown && rt?.shownProductId) shown.add(rt.shownProductId);
      const layout = rt?.size() ?? { width: f.drawable.width, height: f.drawable.height };
      drawFrame(backend, f, item, layout, root, alpha);
    }
  }

  dispose(): void {
    for (const id of [...this.entries.keys()]) this.remove(id);
  }
}

/** Draw one source frame for an item (crop, bounds, flip, animation). */
function drawFrame(
  backend: RenderBackend,
  f: SourceFrame,
  item: Parameters<typeof itemGeometry>[0],
  layout: Size,
  root: Matrix,
  alpha: number,
): void {
  const d: Drawable = f.drawable;
  // The drawable may be rasterised at another resolution than the layout size (e.g. a video whose size changed):
  // map drawable pixels onto layout pixels.
  const kx = layout.width / d.width;
  const ky = layout.height / d.height;
  const g = itemGeometry(item, layout);
  let m = multiply(root, g.draw);
  if (f.dx || f.dy || (f.scale !== undefined && f.scale !== 1)) {
    const s = f.scale ?? 1;
    const cx = layout.width / 2;
    const cy = layout.height / 2;
    m = multiply(m, compose(translation(-cx, -cy), scaling(s, s), translation(cx + (f.dx ?? 0), cy + (f.dy ?? 0))));
  }
  if (kx !== 1 || ky !== 1) m = multiply(m, scaling(kx, ky));
  let src = { x: g.sourceRect.x / kx, y: g.sourceRect.y / ky, width: g.sourceRect.width / kx, height: g.sourceRect.height / ky };
  if (f.reveal !== undefined && f.reveal < 1) src = { ...src, width: src.width * Math.max(0, f.reveal) };
  if (f.flipX) {
    // mirrored picture: logical x ↦ image x = width - x
    m = multiply(m, { a: -1, b: 0, c: 0, d: 1, e: d.width, f: 0 });
    src = { ...src, x: d.width - src.x - src.width };
  }
  backend.draw(d, src, m, alpha * (f.alpha ?? 1));
}

export interface TransitionState {
  from: string;
  to: string;
  transition: Transition;
  startedAt: number;
}

/** Blend of two rendered scenes at progress p (0 = all `from`, 1 = all `to`). */
export function transitionLayers(
  t: Transition,
  p: number,
  w: number,
  h: number,
): { from: [number, number, number]; to: [number, number, number] } {
  const q = Math.max(0, Math.min(1, p));
  if (t.kind === 'fade') return { from: [1, 0, 0], to: [q, 0, 0] };
  if (t.kind === 'slide') {
    const [ux, uy] = t.direction === 'left' ? [-1, 0] : t.direction === 'right' ? [1, 0] : t.direction === 'up' ? [0, -1] : [0, 1];
    return { from: [1, ux * q * w, uy * q * h], to: [1, -ux * (1 - q) * w, -uy * (1 - q) * h] };
  }
  return q < 1 ? { from: [1, 0, 0], to: [0, 0, 0] } : { from: [0, 0, 0], to: [1, 0, 0] };
}

export interface ProgramFrameInfo {
  /** Product ids drawn by product cards in this frame. */
  shownProducts: Set<string>;
  /**
   * Capture time of the frame (wall-clock ms, `performance.timeOrigin + now()`): taken once the scene is drawn, just
   * before the frame is handed to capture, so it is the time the picture was complete — what the timestamp strip
   * carries and what frame-synced overlay triggers are stamped with.
   */
  capturedAt: number;
}

/** Draws the program (or the preview) of a collection into a backend. */
export class ProgramOutput {
  private shownSceneId: string | null = null;
  private transition: TransitionState | null = null;
  private readonly marker = document.createElement('canvas');
  private markerVersion = 0;
  background = '#000000';

  constructor(
    readonly backend: RenderBackend,
    private readonly graph: SceneGraph,
  ) {
    this.marker.width = MARKER_CELLS;
    this.marker.height = 1;
  }

  /** Scene on screen now (the transition's target while one runs). */
  get sceneId(): string | null {
    return this.shownSceneId;
  }

  get transitioning(): boolean {
    return this.transition !== null;
  }

  /** Switch scenes without a transition (studio-mode T-bar completion, first frame). */
  jumpTo(sceneId: string): void {
    this.shownSceneId = sceneId;
    this.transition = null;
  }

  /**
   * Render one frame of `sceneId`. When the scene differs from the one on screen, `transition` animates the change;
   * `manual` (T-bar) shows a fixed blend towards `manual.to` instead.
   */
  render(
    c: SceneCollection,
    sceneId: string,
    now: number,
    tick: number,
    opts: { manual?: { to: string; p: number } | null; marker?: { frame: number } | null; collectShown?: boolean } = {},
  ): ProgramFrameInfo {
    const b = this.backend;
    const W = b.canvas.width;
    const H = b.canvas.height;
    const root = scaling(W / c.canvas.width, H / c.canvas.height);
    const shown = opts.collectShown ? new Set<string>() : null;

    if (this.shownSceneId === null || !findScene(c, this.shownSceneId)) this.shownSceneId = sceneId;
    if (sceneId !== this.shownSceneId && (!this.transition || this.transition.to !== sceneId)) {
      const t = c.transition;
      this.transition =
        t.kind === 'cut' || t.durationMs === 0 ? null : { from: this.shownSceneId, to: sceneId, transition: t, startedAt: now };
      this.shownSceneId = sceneId;
    }
    let blend: { from: string; to: string; t: Transition; p: number } | null = null;
    if (opts.manual && opts.manual.to !== this.shownSceneId) {
      blend = {
        from: this.shownSceneId,
        to: opts.manual.to,
        t: c.transition.kind === 'cut' ? { kind: 'fade', durationMs: 0 } : c.transition,
        p: opts.manual.p,
      };
    } else if (this.transition) {
      const p = (now - this.transition.startedAt) / Math.max(1, this.transition.transition.durationMs);
      if (p >= 1 || !findScene(c, this.transition.from)) this.transition = null;
      else blend = { from: this.transition.from, to: this.transition.to, t: this.transition.transition, p };
    }

    if (blend) {
      const l = transitionLayers(blend.t, blend.p, W, H);
      b.begin(0, this.background);
      this.graph.drawScene(b, c, blend.from, root, now, tick, l.from[0] > 0 ? shown : null);
      b.begin(1, this.background);
      this.graph.drawScene(b, c, blend.to, root, now, tick, l.to[0] > 0 ? shown : null);
      b.begin(null, this.background);
      b.drawLayer(0, l.from[0], l.from[1], l.from[2]);
      b.drawLayer(1, l.to[0], l.to[1], l.to[2]);
    } else {
      b.begin(null, this.background);
      this.graph.drawScene(b, c, this.shownSceneId, root, now, tick, shown);
    }
    const capturedAt = performance.timeOrigin + performance.now();
    if (opts.marker) this.drawMarkerStrip(capturedAt, opts.marker.frame, W);
    b.end();
    return { shownProducts: shown ?? new Set(), capturedAt };
  }

  private drawMarkerStrip(timeMs: number, frame: number, W: number): void {
    const ctx = this.marker.getContext('2d')!;
    drawMarker(ctx, MARKER_CELLS, timeMs, frame);
    this.markerVersion++;
    const cell = Math.floor(W / MARKER_CELLS);
    if (cell < 1) return;
    this.backend.draw(
      { image: this.marker, width: MARKER_CELLS, height: 1, version: this.markerVersion, nearest: true },
      { x: 0, y: 0, width: MARKER_CELLS, height: 1 },
      scaling(cell, cell),
      1,
    );
  }
}
