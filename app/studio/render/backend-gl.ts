/**
 * WebGL2 backend: every drawable is a texture (uploaded only when its `version` changes), every item one textured
 * quad placed by the item's matrix; premultiplied alpha throughout. Layers are framebuffer textures.
 */
import type { Matrix, Rect } from '../../../shared/scene/transform';
import { type Drawable, type PixelSource, parseColor, type RenderBackend } from './backend';

const VS = `#version 300 es
in vec2 a_unit;
uniform mat3 u_pos;   // unit quad -> clip space
uniform vec4 u_uv;    // x, y, w, h in texture coordinates
out vec2 v_uv;
void main() {
  vec3 p = u_pos * vec3(a_unit, 1.0);
  gl_Position = vec4(p.xy, 0.0, 1.0);
  v_uv = u_uv.xy + a_unit * u_uv.zw;
}`;

const FS = `#version 300 es
precision mediump float;
in vec2 v_uv;
uniform sampler2D u_tex;
uniform float u_alpha;
out vec4 o;
void main() { o = texture(u_tex, v_uv) * u_alpha; }`;

interface TexEntry {
  tex: WebGLTexture;
  version: number;
  width: number;
  height: number;
  nearest: boolean;
}

interface Layer {
  tex: WebGLTexture;
  fbo: WebGLFramebuffer;
  width: number;
  height: number;
}

function compile(gl: WebGL2RenderingContext, type: number, src: string): WebGLShader {
  const s = gl.createShader(type);
  if (!s) throw new Error('createShader failed');
  gl.shaderSource(s, src);
  gl.compileShader(s);
  if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(s) ?? 'compile failed'}`);
  return s;
}

/** The GL renderer string (to tell a software rasteriser like SwiftShader from a GPU). */
export function glRendererName(gl: WebGL2RenderingContext): string {
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
}

export class WebGL2Backend implements RenderBackend {
  readonly kind = 'webgl2' as const;
  readonly gl: WebGL2RenderingContext;
  private readonly prog: WebGLProgram;
  private readonly uPos: WebGLUniformLocation;
  private readonly uUv: WebGLUniformLocation;
  private readonly uAlpha: WebGLUniformLocation;
  private readonly textures = new WeakMap<PixelSource, TexEntry>();
  private readonly owned = new Set<WebGLTexture>();
  private layers: [Layer | null, Layer | null] = [null, null];

  constructor(readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl2', {
      alpha: false,
      antialias: false,
      depth: false,
      stencil: false,
      premultipliedAlpha: true,
      // captureStream / readPixels may read the canvas after the frame's task: keep the buffer.
      preserveDrawingBuffer: true,
    });
    if (!gl) throw new Error('WebGL2 unavailable');
    this.gl = gl;
    const prog = gl.createProgram();
    gl.attachShader(prog, compile(gl, gl.VERTEX_SHADER, VS));
    gl.attachShader(prog, compile(gl, gl.FRAGMENT_SHADER, FS));
    gl.bindAttribLocation(prog, 0, 'a_unit');
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(prog) ?? 'link failed'}`);
    this.prog = prog;
    this.uPos = gl.getUniformLocation(prog, 'u_pos')!;
    this.uUv = gl.getUniformLocation(prog, 'u_uv')!;
    this.uAlpha = gl.getUniformLocation(prog, 'u_alpha')!;
    const vao = gl.createVertexArray();
    gl.bindVertexArray(vao);
    const buf = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    // biome-ignore lint/correctness/useHookAtTopLevel: WebGL's useProgram, not a React hook
    gl.useProgram(prog);
    gl.uniform1i(gl.getUniformLocation(prog, 'u_tex'), 0);
    gl.activeTexture(gl.TEXTURE0);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, true);
  }

  get renderer(): string {
    return glRendererName(this.gl);
  }

  resize(width: number, height: number): void {
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
  }

  private layer(i: 0 | 1): Layer {
    const gl = this.gl;
    const { width, height } = this.canvas;
    let l = this.layers[i];
    if (l && l.width === width && l.height === height) return l;
    if (l) {
      gl.deleteTexture(l.tex);
      gl.deleteFramebuffer(l.fbo);
    }
    const tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA8, width, height);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    const fbo = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fbo);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    l = { tex, fbo, width, height };
    this.layers[i] = l;
    return l;
  }

  begin(layer: 0 | 1 | null, background: string): void {
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, layer === null ? null : this.layer(layer).fbo);
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    const [r, g, b] = parseColor(background);
    gl.clearColor(r, g, b, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  private texture(d: Drawable): TexEntry {
    const gl = this.gl;
    let e = this.textures.get(d.image);
    const nearest = d.nearest ?? false;
    if (!e) {
      const tex = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, tex);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      e = { tex, version: Number.NaN, width: 0, height: 0, nearest: !nearest };
      this.textures.set(d.image, e);
      this.owned.add(tex);
    }
    gl.bindTexture(gl.TEXTURE_2D, e.tex);
    if (e.nearest !== nearest) {
      const f = nearest ? gl.NEAREST : gl.LINEAR;
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, f);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, f);
      e.nearest = nearest;
    }
    if (d.version === -1 || d.version !== e.version || d.width !== e.width || d.height !== e.height) {
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, d.image);
      e.version = d.version;
      e.width = d.width;
      e.height = d.height;
    }
    return e;
  }

  /** Draw the unit quad placed by `m` (unit → target pixels) sampling `uv`. */
  private quad(m: Matrix, uv: [number, number, number, number], alpha: number): void {
    const gl = this.gl;
    const W = this.canvas.width;
    const H = this.canvas.height;
    // pixels → clip: x' = 2x/W - 1, y' = 1 - 2y/H (y down on the canvas)
    const sx = 2 / W;
    const sy = -2 / H;
    // column-major mat3 of clip ∘ m
    gl.uniformMatrix3fv(this.uPos, false, [m.a * sx, m.b * sy, 0, m.c * sx, m.d * sy, 0, m.e * sx - 1, m.f * sy + 1, 1]);
    gl.uniform4f(this.uUv, uv[0], uv[1], uv[2], uv[3]);
    gl.uniform1f(this.uAlpha, Math.min(1, alpha));
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  draw(d: Drawable, src: Rect, m: Matrix, alpha: number): void {
    if (src.width <= 0 || src.height <= 0 || alpha <= 0 || d.width <= 0 || d.height <= 0) return;
    this.texture(d);
    // unit quad → source rect → target
    const u: Matrix = {
      a: m.a * src.width,
      b: m.b * src.width,
      c: m.c * src.height,
      d: m.d * src.height,
      e: m.a * src.x + m.c * src.y + m.e,
      f: m.b * src.x + m.d * src.y + m.f,
    };
    this.quad(u, [src.x / d.width, src.y / d.height, src.width / d.width, src.height / d.height], alpha);
  }

  drawLayer(layer: 0 | 1, alpha: number, dx: number, dy: number): void {
    if (alpha <= 0) return;
    const gl = this.gl;
    const l = this.layer(layer);
    gl.bindTexture(gl.TEXTURE_2D, l.tex);
    // A layer was rendered with the canvas' top at texture row height-1 (GL's origin is bottom-left): flip v.
    this.quad({ a: l.width, b: 0, c: 0, d: l.height, e: dx, f: dy }, [0, 1, 1, -1], alpha);
  }

  end(): void {
    this.gl.flush();
  }

  readPixels(x: number, y: number, w: number, h: number): Uint8ClampedArray {
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    const out = new Uint8Array(w * h * 4);
    gl.readPixels(x, this.canvas.height - y - h, w, h, gl.RGBA, gl.UNSIGNED_BYTE, out);
    // GL rows are bottom-up: flip to top-down like getImageData.
    const flipped = new Uint8ClampedArray(out.length);
    const row = w * 4;
    for (let r = 0; r < h; r++) flipped.set(out.subarray((h - 1 - r) * row, (h - r) * row), r * row);
    return flipped;
  }

  dispose(): void {
    const gl = this.gl;
    for (const t of this.owned) gl.deleteTexture(t);
    this.owned.clear();
    for (const l of this.layers) {
      if (!l) continue;
      gl.deleteTexture(l.tex);
      gl.deleteFramebuffer(l.fbo);
    }
    this.layers = [null, null];
    gl.deleteProgram(this.prog);
    // Release the context now rather than at garbage collection: a live WebGL context keeps the page on the GPU
    // (SwiftShader without one) path, which made the Canvas2D fallback's video draws ~30 % slower.
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/**
 * A backend on a new canvas of this size: WebGL2 when available and `prefer` allows it, else Canvas2D (a canvas
 * whose WebGL setup failed cannot get a 2D context, so the fallback gets its own canvas).
 */
export function createBackend(
  width: number,
  height: number,
  prefer: 'webgl2' | 'canvas2d' | 'auto',
  make2d: (c: HTMLCanvasElement) => RenderBackend,
): RenderBackend {
  const make = () => {
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    return c;
  };
  if (prefer !== 'canvas2d') {
    try {
      return new WebGL2Backend(make());
    } catch {
      // fall through: no WebGL2 (blocked GPU, old driver)
    }
  }
  return make2d(make());
}
