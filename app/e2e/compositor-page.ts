/**
 * Browser entry for the compositor pixel tests and `npm run bench:compositor` (bundled with esbuild by the driver,
 * served with its media from a local HTTP server). Runs the real scene-graph renderer (app/studio/render) on a
 * collection the driver passes in, with the chosen backend, and exposes `window.__compositor` to the driver.
 */
import type { SceneCollection } from '../../shared/scene/model';
import { validateCollection } from '../../shared/scene/model';
import type { RenderBackend } from '../studio/render/backend';
import { Canvas2DBackend } from '../studio/render/backend-2d';
import { WebGL2Backend } from '../studio/render/backend-gl';
import { MediaResolver } from '../studio/render/media';
import { createProgramSink } from '../studio/render/program-sink';
import { ProgramOutput, SceneGraph } from '../studio/render/renderer';
import { CameraRuntime, MediaFileRuntime } from '../studio/render/sources/media';
import type { SourceEnv, StudioData } from '../studio/render/sources/runtime';
import { summarize } from '../studio/render/stats';

export interface SetupOptions {
  collection: unknown;
  backend: 'webgl2' | 'canvas2d';
  width: number;
  height: number;
  data?: Partial<StudioData>;
}

export interface BenchResult {
  frames: number;
  fps: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  maxMs: number;
  gapMaxMs: number;
  backend: string;
  /** How frames entered the track (see program-sink.ts) and how many it dropped as backed up. */
  sink: string;
  dropped: number;
  renderer: string;
}

const CLOCK = `let timer=null,gen=0;onmessage=(e)=>{gen++;if(timer)clearTimeout(timer);const g=gen,fps=e.data.fps;if(!fps)return;
const iv=1000/fps,t0=performance.now();let n=0;const step=()=>{if(g!==gen)return;const now=performance.now();const due=Math.floor((now-t0)/iv);
if(due>n+2)n=due;n++;postMessage(n);timer=setTimeout(step,Math.max(0,t0+n*iv-performance.now()));};step();};`;

export class CompositorHarness {
  private graph: SceneGraph | null = null;
  private output: ProgramOutput | null = null;
  private collection: SceneCollection | null = null;
  private data: StudioData = { locale: 'en', products: [], pinned: [], sales: [], showUrl: null };
  private tick = 0;
  private camera: MediaStream | null = null;

  async setup(o: SetupOptions): Promise<{ backend: string; renderer: string }> {
    this.dispose();
    const v = validateCollection(o.collection);
    if (!v.ok) throw new Error(`bad collection: ${JSON.stringify(v.issues)}`);
    this.collection = v.collection;
    this.data = { ...this.data, ...o.data };
    const env: SourceEnv = {
      data: () => this.data,
      chat: () => [],
      resolveMedia: (ref) => media.resolve(ref),
      productImage: (path) => media.resolve({ type: 'url', url: new URL(path, location.href).href }),
      studioCamera: () => this.camera,
      studioMic: () => null,
      openDevice: (kind, c) => navigator.mediaDevices.getUserMedia(kind === 'camera' ? { video: c } : { audio: c }),
      captureDisplay: () => Promise.reject(new DOMException('no display capture in tests', 'NotAllowedError')),
      t: (key, params) => (params ? `${key} ${JSON.stringify(params)}` : key),
    };
    const media = new MediaResolver();
    if (this.collection.sources.some((s) => s.kind === 'camera' && s.settings.deviceId === null)) {
      this.camera = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 } });
    }
    const canvas = document.createElement('canvas');
    canvas.width = o.width;
    canvas.height = o.height;
    const backend: RenderBackend = o.backend === 'webgl2' ? new WebGL2Backend(canvas) : new Canvas2DBackend(canvas);
    this.graph = new SceneGraph(env);
    this.graph.sync(this.collection);
    this.output = new ProgramOutput(backend, this.graph);
    // On screen, scaled down, as the studio's stage shows the program (a page that renders nothing gets no video frame
    // callbacks and pays no display compositing: neither is the studio's case).
    canvas.style.width = '960px';
    document.body.replaceChildren(canvas);
    return { backend: backend.kind, renderer: backend instanceof WebGL2Backend ? backend.renderer : 'skia' };
  }

  /** Wait until every source is past loading (or `timeoutMs`). Returns the statuses. */
  async ready(timeoutMs = 10_000): Promise<Record<string, string>> {
    const t0 = performance.now();
    for (;;) {
      this.render();
      const st = Object.fromEntries(this.graph!.runtimes().map(([id, r]) => [id, r.status.state]));
      const videos = this.graph!.runtimes().filter(([, r]) => 'video' in r);
      const playing = videos.every(
        ([, r]) => ((r as unknown as { video: HTMLVideoElement }).video.readyState ?? 0) >= 2 || r.status.state === 'error',
      );
      if ((!Object.values(st).includes('loading') && playing) || performance.now() - t0 > timeoutMs) return st;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  setData(d: Partial<StudioData>): void {
    this.data = { ...this.data, ...d };
  }

  /** Render one frame; `manual` holds a T-bar blend towards another scene. */
  render(sceneId?: string, manual?: { to: string; p: number }): string[] {
    const c = this.collection!;
    if (sceneId && !manual) this.output!.jumpTo(sceneId); // a cut: no timed transition between test frames
    const info = this.output!.render(c, sceneId ?? c.currentSceneId, performance.now(), ++this.tick, {
      manual: manual ?? null,
      collectShown: true,
    });
    return [...info.shownProducts];
  }

  /** Mean render time (ms) of the current scene with only `itemId` visible, over `n` frames (profiling aid). */
  async profileItem(itemId: string | null, n: number): Promise<number> {
    const c = this.collection!;
    const scene = c.scenes.find((s) => s.id === c.currentSceneId)!;
    const saved = this.collection;
    this.collection = {
      ...c,
      scenes: c.scenes.map((s) =>
        s === scene ? { ...s, items: s.items.map((i) => ({ ...i, visible: itemId === null || i.id === itemId })) } : s,
      ),
    };
    let total = 0;
    for (let k = 0; k < n; k++) {
      await new Promise((r) => setTimeout(r, 33));
      const t0 = performance.now();
      this.render();
      total += performance.now() - t0;
    }
    this.collection = saved;
    return total / n;
  }

  /** How each video source converts its frames ('draw' / 'copy'; null while still timing both). */
  conversions(): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const [id, rt] of this.graph!.runtimes()) {
      if (rt instanceof MediaFileRuntime || rt instanceof CameraRuntime) out[id] = rt.surface.conversion;
    }
    return out;
  }

  pixel(x: number, y: number): number[] {
    return [...this.output!.backend.readPixels(x, y, 1, 1)];
  }

  sizes(): Record<string, { width: number; height: number }> {
    return this.graph!.sizes(this.collection!);
  }

  /**
   * Render at `fps` for `seconds` paced by a Worker clock, pushing each frame into the program track the way the
   * studio does (`createProgramSink`): with the track generator, taking the frame rasterizes the Canvas2D recording,
   * so the frame time includes the raster.
   */
  bench(fps: number, seconds: number): Promise<BenchResult> {
    const out = this.output!;
    const sink = createProgramSink(out.backend.canvas);
    const clock = new Worker(URL.createObjectURL(new Blob([CLOCK], { type: 'text/javascript' })));
    const durations: number[] = [];
    const starts: number[] = [];
    return new Promise((resolve) => {
      const begin = performance.now();
      clock.onmessage = () => {
        const t0 = performance.now();
        this.render();
        sink.push(t0);
        const t1 = performance.now();
        durations.push(t1 - t0);
        starts.push(t0);
        if (t1 - begin >= seconds * 1000) {
          clock.postMessage({ fps: 0 });
          clock.terminate();
          sink.stop();
          const w = summarize(durations, starts, t1 - begin);
          resolve({
            frames: w.frames,
            fps: w.fps,
            p50Ms: w.p50Ms,
            p95Ms: w.p95Ms,
            meanMs: w.meanMs,
            maxMs: w.maxMs,
            gapMaxMs: w.gapMaxMs,
            backend: out.backend.kind,
            sink: sink.kind,
            dropped: sink.dropped,
            renderer: out.backend instanceof WebGL2Backend ? out.backend.renderer : 'skia',
          });
        }
      };
      clock.postMessage({ fps });
    });
  }

  dispose(): void {
    this.graph?.dispose();
    this.output?.backend.dispose();
    this.output?.backend.canvas.remove();
    for (const t of this.camera?.getTracks() ?? []) t.stop();
    this.camera = null;
    this.graph = null;
    this.output = null;
  }
}

(window as unknown as { __compositor: CompositorHarness }).__compositor = new CompositorHarness();
