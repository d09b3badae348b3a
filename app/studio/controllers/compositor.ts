/**
 * Program compositor (outside React): renders the scene collection in the store (shared/scene) at the output
 * resolution and frame rate — program canvas always, preview canvas in studio mode — with WebGL2 (Canvas2D when
 * WebGL2 is unavailable or slower, see `chooseBackend`). Frames are paced by a Worker clock and pushed into the
 * program track by a `ProgramSink` (a track generator fed `VideoFrame`s, or `captureStream(0)` + `requestFrame()`),
 * so the published track carries exactly the frames drawn, even while the window is hidden. Frame times (mean, p50,
 * p95, max gap) are published to the store once per second.
 */
import { programFrame } from '../../../shared/protocol/host';
import type { SceneCollection } from '../../../shared/scene/model';
import { Canvas2DBackend } from '../render/backend-2d';
import { createBackend, WebGL2Backend } from '../render/backend-gl';
import type { RenderBackend } from '../render/backend';
import { MediaResolver } from '../render/media';
import { createProgramSink, type ProgramSink, type ProgramSinkKind } from '../render/program-sink';
import { ProgramOutput, SceneGraph } from '../render/renderer';
import type { ChatLine, SourceEnv, SourceRuntime } from '../render/sources/runtime';
import { summarize } from '../render/stats';
import { selectViewerLink, type StudioStore } from '../store';

interface FrameWaiter {
  productId: string;
  resolve: (captureTime: number) => void;
}

export type BackendPreference = 'webgl2' | 'canvas2d' | 'auto';

export interface CompositorOptions {
  locale: () => string;
  t: (key: string, params?: Record<string, string | number>) => string;
  /** Same-origin (blob:) URL for a product image path. */
  loadImage?: (path: string) => Promise<string>;
  /** Chat feed seam (the studio has no chat connection yet: empty). */
  chat?: () => readonly ChatLine[];
  backend?: BackendPreference;
  media?: MediaResolver;
  /** Tell the host which screen / window the next getDisplayMedia captures (Electron; web mode ignores it). */
  selectDisplay?: (sourceId: string | null) => Promise<void>;
}

/**
 * 'auto' takes WebGL2 unless it runs on a software rasteriser (SwiftShader / llvmpipe: no GPU), where Chromium's
 * Canvas2D (Skia, multi-threaded raster) draws the same program faster.
 */
/** The program frame: the chosen quality in the orientation of the scene collection's canvas. */
function compositorFrame(s: ReturnType<StudioStore['getState']>): { width: number; height: number; fps: number } {
  return programFrame(s.settings.output, s.scene.collection.canvas);
}

function chooseBackend(width: number, height: number, pref: BackendPreference): RenderBackend {
  const b = createBackend(width, height, pref, (c) => new Canvas2DBackend(c));
  if (pref === 'auto' && b instanceof WebGL2Backend && /swiftshader|llvmpipe|software/i.test(b.renderer)) {
    b.dispose();
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    return new Canvas2DBackend(c);
  }
  return b;
}

export class Compositor {
  readonly graph: SceneGraph;
  readonly media: MediaResolver;
  private readonly program: ProgramOutput;
  private preview: ProgramOutput | null = null;
  private readonly sink: ProgramSink;
  private readonly clock: Worker;
  private camera: MediaStream | null = null;
  private mic: MediaStreamTrack | null = null;
  private frame = 0;
  private tick = 0;
  private waiters: FrameWaiter[] = [];
  private unsubscribe: (() => void) | null = null;
  private outputKey = '';
  private interval = 1000 / 30;
  /** Ticks skipped in the current stats window (see the clock handler). */
  private lateTicks = 0;
  private shedTicks = 0;
  private lastDuration = 0;
  private skippedLast = false;
  // frame-time measurement, published once per second
  private windowStart = performance.now();
  private durations: number[] = [];
  private starts: number[] = [];
  private sizesKey = '';

  constructor(
    private readonly store: StudioStore,
    opts: CompositorOptions,
  ) {
    this.media = opts.media ?? new MediaResolver();
    const env: SourceEnv = {
      data: () => {
        const s = this.store.getState();
        return { locale: opts.locale(), products: s.catalog.products, pinned: s.pinned, sales: s.sales, showUrl: selectViewerLink(s) };
      },
      chat: () => opts.chat?.() ?? [],
      resolveMedia: (ref) => this.media.resolve(ref),
      productImage: (path) => (opts.loadImage ? opts.loadImage(path) : Promise.reject(new Error('no image loader'))),
      studioCamera: () => this.camera,
      studioMic: () => this.mic,
      openDevice: (kind, constraints) =>
        navigator.mediaDevices.getUserMedia(kind === 'camera' ? { video: constraints } : { audio: constraints }),
      captureDisplay: async ({ sourceId, cursor }) => {
        await opts.selectDisplay?.(sourceId);
        return navigator.mediaDevices.getDisplayMedia({
          video: { cursor: cursor ? 'always' : 'never' } as MediaTrackConstraints,
          audio: false,
        });
      },
      t: opts.t,
    };
    this.graph = new SceneGraph(env);
    this.graph.onStatus = (id, status) =>
      queueMicrotask(() => this.store.setState((s) => ({ scene: { ...s.scene, status: { ...s.scene.status, [id]: status } } })));
    const { width, height } = compositorFrame(store.getState());
    const params = typeof location === 'undefined' ? null : new URLSearchParams(location.search);
    const pref = (params?.get('renderer') as BackendPreference | null) ?? opts.backend ?? 'auto';
    this.program = new ProgramOutput(chooseBackend(width, height, pref), this.graph);
    this.canvas.className = 'program-canvas';
    // ?capture=capture|generator compares the two ways into the track (see program-sink.ts)
    const capture = params?.get('capture');
    this.sink = createProgramSink(this.canvas, capture === 'capture' || capture === 'generator' ? (capture as ProgramSinkKind) : 'auto');
    this.clock = new Worker(new URL('./frame-clock.worker.ts', import.meta.url), { type: 'module' });
    this.clock.onmessage = (ev: MessageEvent<{ t: number }>) => {
      // Back-pressure: a tick that waited in the queue for longer than two intervals sits in a burst behind a stall
      // (the next ticks are already queued), so it is dropped and a slow stretch never snowballs into a backlog that
      // starves the UI. (Dropping at one interval cost ~5 fps: GC, React or the display compositor delay single ticks
      // by more than a frame several times a second on 2 cores.)
      if (performance.timeOrigin + performance.now() - ev.data.t > 2 * this.interval) {
        this.lateTicks++;
        return;
      }
      // Overload: a frame that took longer than the whole interval leaves the UI no time; skip every other tick until
      // it recovers. (A frame that fits the interval keeps the full rate: halving at a lower bar cost 30 → 15 fps on
      // 2 cores, where one 720p camera upload alone takes ~15 ms in software.)
      if (this.lastDuration > this.interval && !this.skippedLast) {
        this.skippedLast = true;
        this.shedTicks++;
        return;
      }
      this.skippedLast = false;
      this.render();
    };
  }

  /** The program canvas (what viewers get). */
  get canvas(): HTMLCanvasElement {
    return this.program.backend.canvas;
  }

  /** The studio-mode preview canvas (created on first use). */
  get previewCanvas(): HTMLCanvasElement {
    if (!this.preview) {
      const c = document.createElement('canvas');
      c.width = Math.round(this.canvas.width / 2);
      c.height = Math.round(this.canvas.height / 2);
      c.className = 'program-canvas';
      this.preview = new ProgramOutput(new Canvas2DBackend(c), this.graph);
    }
    return this.preview.backend.canvas;
  }

  get backendKind(): RenderBackend['kind'] {
    return this.program.backend.kind;
  }

  /** The program video track (what the publisher sends). */
  get programTrack(): MediaStreamTrack {
    return this.sink.track;
  }

  runtime(sourceId: string): SourceRuntime | null {
    return this.graph.runtime(sourceId);
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((s, prev) => {
      if (s.settings.output !== prev.settings.output || s.scene.collection.canvas !== prev.scene.collection.canvas) this.applyOutput();
    });
    this.applyOutput(true);
  }

  stop(): void {
    this.unsubscribe?.();
    this.clock.postMessage({ type: 'stop' });
    this.clock.terminate();
    this.sink.stop();
    this.graph.dispose();
  }

  setCamera(stream: MediaStream | null): void {
    this.camera = stream;
  }

  setMic(track: MediaStreamTrack | null): void {
    this.mic = track;
  }

  /** Show `sceneId` on program at the next frame without a transition (T-bar completion). */
  cutTo(sceneId: string): void {
    this.program.jumpTo(sceneId);
  }

  /**
   * Resolves with the capture time (wall-clock ms, the same clock as the timestamp strip) of the first program
   * frame whose product card shows this product.
   */
  nextFrameWith(productId: string): Promise<number> {
    return new Promise((resolve) => this.waiters.push({ productId, resolve }));
  }

  private applyOutput(force = false): void {
    const { width, height, fps } = compositorFrame(this.store.getState());
    const key = `${width}x${height}@${fps}`;
    if (key === this.outputKey && !force) return;
    this.outputKey = key;
    this.program.backend.resize(width, height);
    this.preview?.backend.resize(Math.round(width / 2), Math.round(height / 2));
    this.interval = 1000 / fps;
    this.clock.postMessage({ type: 'start', fps });
    this.store.setState((s) => ({ program: { ...s.program, width, height, backend: this.program.backend.kind } }));
  }

  /** Render one program frame (and the preview in studio mode) now. */
  render(): void {
    const t0 = performance.now();
    const state = this.store.getState();
    const c: SceneCollection = state.scene.collection;
    this.graph.sync(c);
    const tick = ++this.tick;
    const manual = state.scene.tbar !== null && c.previewSceneId !== null ? { to: c.previewSceneId, p: state.scene.tbar } : null;
    const info = this.program.render(c, c.currentSceneId, t0, tick, {
      manual,
      marker: state.marker ? { frame: this.frame } : null,
      collectShown: this.waiters.length > 0,
    });
    this.frame++;
    this.sink.push(t0);

    if (this.waiters.length) {
      this.waiters = this.waiters.filter((w) => {
        if (!info.shownProducts.has(w.productId)) return true;
        w.resolve(Math.round(info.capturedAt));
        return false;
      });
    }
    if (this.preview && c.previewSceneId !== null && tick % 2 === 0) {
      this.preview.jumpTo(c.previewSceneId);
      this.preview.render(c, c.previewSceneId, t0, tick);
    }
    if (tick % 10 === 0) this.refreshSizes();
    this.measure(t0, performance.now());
  }

  private measure(t0: number, t1: number): void {
    this.lastDuration = t1 - t0;
    this.durations.push(t1 - t0);
    this.starts.push(t0);
    const elapsed = t1 - this.windowStart;
    if (elapsed < 1000) return;
    const w = summarize(this.durations, this.starts, elapsed);
    this.store.setState(() => ({
      program: {
        width: this.canvas.width,
        height: this.canvas.height,
        fps: w.fps,
        drawMs: w.meanMs,
        drawMaxMs: w.maxMs,
        gapMaxMs: w.gapMaxMs,
        frames: this.frame,
        p50Ms: w.p50Ms,
        p95Ms: w.p95Ms,
        backend: this.program.backend.kind,
        lateTicks: this.lateTicks,
        shedTicks: this.shedTicks,
      },
    }));
    this.lateTicks = 0;
    this.shedTicks = 0;
    this.windowStart = t1;
    this.durations = [];
    this.starts = [];
  }

  /** Source layout sizes for the editor (published with the stats, only when they changed). */
  private sizesPatch(s: ReturnType<StudioStore['getState']>, c: SceneCollection): Partial<ReturnType<StudioStore['getState']>> {
    const sizes = this.graph.sizes(c);
    const key = JSON.stringify(sizes);
    if (key === this.sizesKey) return {};
    this.sizesKey = key;
    return { scene: { ...s.scene, sizes } };
  }

  /** Publish sizes now (after an edit the editor wants fresh boxes). */
  refreshSizes(): void {
    const s = this.store.getState();
    const patch = this.sizesPatch(s, s.scene.collection);
    if (patch.scene) this.store.setState(patch);
  }
}
