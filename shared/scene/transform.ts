/**
 * Scene-item geometry, computed from the stored item (never stored): the same construction as libobs'
 * `update_item_transform` / `calculate_bounds_data` (obs-scene.c), in exact floats instead of OBS' integer
 * half-sizes. Matrices use the canvas-2D layout (a b c d e f): x' = a·x + c·y + e, y' = b·x + d·y + f, y down,
 * positive rotation turns clockwise on screen. `setTransform(a, b, c, d, e, f)` + `drawImage` of the source's crop
 * rectangle draws an item exactly where these functions say it is.
 */
import type { Canvas, SceneCollection, Scene, SceneItem } from './model';
import { naturalSize } from './kinds';
import { alignmentFactors, type Point, type Size } from './primitives';

export interface Matrix {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const IDENTITY: Readonly<Matrix> = Object.freeze({ a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 });

/** `outer · inner`: the result applies `inner` first, then `outer` (like `DOMMatrix.multiply`). */
export function multiply(outer: Matrix, inner: Matrix): Matrix {
  return {
    a: outer.a * inner.a + outer.c * inner.b,
    b: outer.b * inner.a + outer.d * inner.b,
    c: outer.a * inner.c + outer.c * inner.d,
    d: outer.b * inner.c + outer.d * inner.d,
    e: outer.a * inner.e + outer.c * inner.f + outer.e,
    f: outer.b * inner.e + outer.d * inner.f + outer.f,
  };
}

/** Compose left to right in application order: `compose(A, B, C)` applies A, then B, then C. */
export function compose(...steps: Matrix[]): Matrix {
  return steps.reduce((acc, m) => multiply(m, acc), { ...IDENTITY });
}

export function translation(x: number, y: number): Matrix {
  return { a: 1, b: 0, c: 0, d: 1, e: x, f: y };
}

export function scaling(x: number, y: number): Matrix {
  return { a: x, b: 0, c: 0, d: y, e: 0, f: 0 };
}

/** Clockwise (on a y-down canvas) rotation by `deg`; quarter turns are exact. */
export function rotation(deg: number): Matrix {
  const n = ((deg % 360) + 360) % 360;
  let cos: number;
  let sin: number;
  if (n === 0) [cos, sin] = [1, 0];
  else if (n === 90) [cos, sin] = [0, 1];
  else if (n === 180) [cos, sin] = [-1, 0];
  else if (n === 270) [cos, sin] = [0, -1];
  else {
    const r = (n * Math.PI) / 180;
    [cos, sin] = [Math.cos(r), Math.sin(r)];
  }
  return { a: cos, b: sin, c: sin === 0 ? 0 : -sin, d: cos, e: 0, f: 0 };
}

/** Inverse matrix, or null when `m` is singular (collapses an axis). */
export function invert(m: Matrix): Matrix | null {
  const det = m.a * m.d - m.b * m.c;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  return {
    a: m.d / det,
    b: -m.b / det,
    c: -m.c / det,
    d: m.a / det,
    e: (m.c * m.f - m.d * m.e) / det,
    f: (m.b * m.e - m.a * m.f) / det,
  };
}

export function applyToPoint(m: Matrix, p: Point): Point {
  return { x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f };
}

/** Axis-aligned box around points. */
export function boundsOfPoints(points: readonly Point[]): Rect {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

// ---------------------------------------------------------------------------------------------------------------
// Scene-item geometry

export interface ItemGeometry {
  /** Source pixel coordinates (of the uncropped source) → canvas. Draw `sourceRect` of the source with it. */
  draw: Matrix;
  /** The part of the source that is drawn (crop applied), in source pixels. */
  sourceRect: Rect;
  /** Effective scale of the source after bounds (sign = flip). */
  scale: Point;
  /** Unit square → canvas: the item's box (its bounds box, or the scaled cropped source). Selection, hit test, snapping. */
  box: Matrix;
  /** Box size in canvas pixels before rotation (negative = flipped). */
  boxSize: Size;
}

/** libobs' bounds maths: the scale that fits `content` (cropped size) into the bounds, and the content's offset in the box. */
function boundsFit(item: SceneItem, cw: number, ch: number): { sx: number; sy: number; ox: number; oy: number } {
  let sx = item.scale.x;
  let sy = item.scale.y;
  const { width: bw, height: bh, alignment } = item.bounds;
  if (cw <= 0 || ch <= 0) return { sx, sy, ox: 0, oy: 0 };
  const w = cw * Math.abs(sx);
  const h = ch * Math.abs(sy);
  let type = item.bounds.type;
  if (type === 'max_only') type = w > bw || h > bh ? 'scale_inner' : 'none';
  if (type === 'scale_inner' || type === 'scale_outer') {
    let useWidth = bw / bh < w / h;
    if (type === 'scale_outer') useWidth = !useWidth;
    const mul = useWidth ? bw / w : bh / h;
    sx *= mul;
    sy *= mul;
  } else if (type === 'scale_to_width') {
    sx *= bw / w;
    sy *= bw / w;
  } else if (type === 'scale_to_height') {
    sx *= bh / h;
    sy *= bh / h;
  } else if (type === 'stretch') {
    sx = Math.sign(sx) * (bw / cw);
    sy = Math.sign(sy) * (bh / ch);
  }
  const dw = cw * sx;
  const dh = ch * sy;
  const { fx, fy } = alignmentFactors(alignment);
  // Content offset inside the box (bounds alignment); a flipped item stays in place inside its box.
  let ox = -(bw - Math.abs(dw)) * fx;
  let oy = -(bh - Math.abs(dh)) * fy;
  if (sx < 0) ox += dw;
  if (sy < 0) oy += dh;
  return { sx, sy, ox, oy };
}

/** Full geometry of an item whose source is `sourceSize` (natural / running size, before crop). */
export function itemGeometry(item: SceneItem, sourceSize: Size): ItemGeometry {
  const { crop } = item;
  const cw = Math.max(0, sourceSize.width - crop.left - crop.right);
  const ch = Math.max(0, sourceSize.height - crop.top - crop.bottom);
  let sx = item.scale.x;
  let sy = item.scale.y;
  let ox = 0;
  let oy = 0;
  let boxW: number;
  let boxH: number;
  if (item.bounds.type !== 'none') {
    const fit = boundsFit(item, cw, ch);
    ({ sx, sy, ox, oy } = fit);
    boxW = item.bounds.width;
    boxH = item.bounds.height;
  } else {
    boxW = cw * sx;
    boxH = ch * sy;
  }
  const { fx, fy } = alignmentFactors(item.alignment);
  const place = [rotation(item.rotation), translation(item.position.x, item.position.y)];
  const draw = compose(translation(-crop.left, -crop.top), scaling(sx, sy), translation(-(ox + fx * boxW), -(oy + fy * boxH)), ...place);
  const box = compose(scaling(boxW, boxH), translation(-fx * boxW, -fy * boxH), ...place);
  return {
    draw,
    sourceRect: { x: crop.left, y: crop.top, width: cw, height: ch },
    scale: { x: sx, y: sy },
    box,
    boxSize: { width: boxW, height: boxH },
  };
}

/** Source pixels → canvas (like `obs_sceneitem_get_draw_transform`, plus the crop offset). */
export function itemMatrix(item: SceneItem, sourceSize: Size): Matrix {
  return itemGeometry(item, sourceSize).draw;
}

const UNIT_CORNERS: Point[] = [
  { x: 0, y: 0 },
  { x: 1, y: 0 },
  { x: 1, y: 1 },
  { x: 0, y: 1 },
];

/** Canvas corners of the item's box, in the order box-local top-left, top-right, bottom-right, bottom-left. */
export function itemBoxCorners(item: SceneItem, sourceSize: Size): Point[] {
  const { box } = itemGeometry(item, sourceSize);
  return UNIT_CORNERS.map((p) => applyToPoint(box, p));
}

/** Canvas corners of the drawn (cropped) content — differs from the box when bounds do not fill it or overflow it. */
export function itemContentCorners(item: SceneItem, sourceSize: Size): Point[] {
  const { draw, sourceRect: r } = itemGeometry(item, sourceSize);
  return [
    { x: r.x, y: r.y },
    { x: r.x + r.width, y: r.y },
    { x: r.x + r.width, y: r.y + r.height },
    { x: r.x, y: r.y + r.height },
  ].map((p) => applyToPoint(draw, p));
}

/** Axis-aligned canvas box around the item's (rotated) box. */
export function itemBoundingBox(item: SceneItem, sourceSize: Size): Rect {
  return boundsOfPoints(itemBoxCorners(item, sourceSize));
}

// ---------------------------------------------------------------------------------------------------------------
// Sizes and hit testing

/** Source sizes by source id. */
export type SourceSizes = ReadonlyMap<string, Size> | Readonly<Record<string, Size | undefined>>;

function sizeOf(sizes: SourceSizes, sourceId: string): Size | undefined {
  return sizes instanceof Map ? sizes.get(sourceId) : (sizes as Readonly<Record<string, Size | undefined>>)[sourceId];
}

/**
 * Every source's size: the running size the renderer reports (`runtime`) when present, else the natural size from
 * the settings; sources with neither are absent (not drawn, not hittable).
 */
export function sourceSizes(c: SceneCollection, runtime: SourceSizes = {}): Map<string, Size> {
  const out = new Map<string, Size>();
  for (const src of c.sources) {
    const size = sizeOf(runtime, src.id) ?? naturalSize(src, { canvas: c.canvas });
    if (size) out.set(src.id, size);
  }
  return out;
}

/** Is `point` (canvas) inside the item's box? */
export function itemContainsPoint(item: SceneItem, sourceSize: Size, point: Point): boolean {
  const inv = invert(itemGeometry(item, sourceSize).box);
  if (!inv) return false;
  const u = applyToPoint(inv, point);
  const eps = 1e-9;
  return u.x >= -eps && u.x <= 1 + eps && u.y >= -eps && u.y <= 1 + eps;
}

export interface HitTestOptions {
  /** Include locked items (default true: OBS selects locked items, it only refuses to move them). */
  includeLocked?: boolean;
}

/** The topmost visible item of `scene` whose box contains `point`, or null. */
export function hitTest(scene: Scene, sizes: SourceSizes, point: Point, options: HitTestOptions = {}): string | null {
  const includeLocked = options.includeLocked ?? true;
  for (let i = scene.items.length - 1; i >= 0; i--) {
    const item = scene.items[i]!;
    if (!item.visible || (!includeLocked && item.locked)) continue;
    const size = sizeOf(sizes, item.sourceId);
    if (size && itemContainsPoint(item, size, point)) return item.id;
  }
  return null;
}

/** Convenience: `hitTest` on a collection's scene with sizes resolved by `sourceSizes`. */
export function hitTestCollection(c: SceneCollection, sceneId: string, point: Point, runtime: SourceSizes = {}): string | null {
  const scene = c.scenes.find((s) => s.id === sceneId);
  if (!scene) return null;
  return hitTest(scene, sourceSizes(c, runtime), point);
}

// ---------------------------------------------------------------------------------------------------------------
// Snapping

export interface Guide {
  /** vertical = a line x = position; horizontal = a line y = position. */
  orientation: 'vertical' | 'horizontal';
  position: number;
  /** Extent of the line along its direction (canvas coordinates). */
  start: number;
  end: number;
  target: 'canvas' | 'item';
}

export interface SnapResult {
  dx: number;
  dy: number;
  guides: Guide[];
}

interface Candidate {
  value: number;
  target: 'canvas' | 'item';
  other?: Rect;
}

function snapAxis(edges: number[], candidates: Candidate[], threshold: number): { delta: number; hits: Candidate[] } {
  let best: number | null = null;
  for (const m of edges) {
    for (const c of candidates) {
      const d = c.value - m;
      if (Math.abs(d) <= threshold && (best === null || Math.abs(d) < Math.abs(best))) best = d;
    }
  }
  if (best === null) return { delta: 0, hits: [] };
  const delta = best;
  const hits = candidates.filter((c) => edges.some((m) => Math.abs(c.value - m - delta) < 1e-6));
  return { delta, hits };
}

/**
 * Snap a moving box (its proposed axis-aligned box) to the canvas edges and centre lines and to the edges and
 * centres of `others`, within `threshold` canvas pixels per axis. Returns the delta to add to the item position
 * and the guide lines to draw.
 */
export function snapPosition(box: Rect, canvas: Pick<Canvas, 'width' | 'height'>, others: readonly Rect[], threshold: number): SnapResult {
  const xEdges = [box.x, box.x + box.width / 2, box.x + box.width];
  const yEdges = [box.y, box.y + box.height / 2, box.y + box.height];
  const xCands: Candidate[] = [0, canvas.width / 2, canvas.width].map((value) => ({ value, target: 'canvas' }));
  const yCands: Candidate[] = [0, canvas.height / 2, canvas.height].map((value) => ({ value, target: 'canvas' }));
  for (const o of others) {
    for (const value of [o.x, o.x + o.width / 2, o.x + o.width]) xCands.push({ value, target: 'item', other: o });
    for (const value of [o.y, o.y + o.height / 2, o.y + o.height]) yCands.push({ value, target: 'item', other: o });
  }
  const sx = snapAxis(xEdges, xCands, threshold);
  const sy = snapAxis(yEdges, yCands, threshold);
  const moved = { x: box.x + sx.delta, y: box.y + sy.delta, width: box.width, height: box.height };
  const guides: Guide[] = [];
  const seen = new Set<string>();
  const push = (g: Guide) => {
    const key = `${g.orientation}:${g.position}:${g.start}:${g.end}`;
    if (!seen.has(key)) {
      seen.add(key);
      guides.push(g);
    }
  };
  for (const c of sx.hits) {
    const [start, end] = c.other
      ? [Math.min(moved.y, c.other.y), Math.max(moved.y + moved.height, c.other.y + c.other.height)]
      : [0, canvas.height];
    push({ orientation: 'vertical', position: c.value, start, end, target: c.target });
  }
  for (const c of sy.hits) {
    const [start, end] = c.other
      ? [Math.min(moved.x, c.other.x), Math.max(moved.x + moved.width, c.other.x + c.other.width)]
      : [0, canvas.width];
    push({ orientation: 'horizontal', position: c.value, start, end, target: c.target });
  }
  return { dx: sx.delta, dy: sy.delta, guides };
}
