/**
 * The collection's frame (its canvas) changing shape: portrait ↔ landscape. Changing the canvas never moves an item
 * by itself (`set_canvas` edits only the canvas); adapting the items to the new frame is a separate, undoable batch
 * of transform edits computed here, offered to the streamer as "fit" or "fill".
 *
 * - Picture items that filled the old frame (camera, background, media: their box covers the whole old frame) take
 *   the whole new frame: `fit` shows all of the picture (letterboxed), `fill` covers the frame (edges cropped). Items
 *   bound to exactly the old frame keep their bounds, re-set to the new frame with scale_inner / scale_outer.
 * - Every other item (overlays: lower third, product card, QR, countdown, text…) keeps its size relative to the
 *   frame's short side, shrunk only when it would not fit, and keeps its place: the free space left and right of it
 *   (and above / below) is shared out in the same proportion, so a bottom-left item stays bottom-left, a centred one
 *   centred, and every overlay ends inside the frame.
 */
import type { Edit, SimpleEdit } from './edits';
import type { Canvas, ItemTransformPatch, SceneCollection, SceneItem } from './model';
import { alignmentFactors, type Size } from './primitives';
import { itemBoundingBox, type Rect, type SourceSizes, sourceSizes } from './transform';

export type FrameOrientation = 'landscape' | 'portrait';
export type AdaptMode = 'fit' | 'fill';

/** The canvas of collections saved without one (they were all 16:9). */
export const LEGACY_CANVAS: Canvas = { width: 1280, height: 720, fps: 30 };

export function orientationOf(size: Size): FrameOrientation {
  return size.height > size.width ? 'portrait' : 'landscape';
}

/** A box that covers at least this share of the old frame on both axes counts as "filling" it. */
const FILL_SHARE = 0.98;
const EPS = 0.5;

function sameSize(a: Size, b: Size): boolean {
  return Math.abs(a.width - b.width) <= EPS && Math.abs(a.height - b.height) <= EPS;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Item scaled by `f` about its alignment point (scale, or bounds when it has them), then moved by (dx, dy). */
function scaledItem(item: SceneItem, f: number, dx: number, dy: number): Pick<SceneItem, 'position' | 'scale' | 'bounds'> {
  const hasBounds = item.bounds.type !== 'none';
  return {
    position: { x: round(item.position.x + dx), y: round(item.position.y + dy) },
    scale: hasBounds ? item.scale : { x: item.scale.x * f, y: item.scale.y * f },
    bounds: hasBounds ? { ...item.bounds, width: round(item.bounds.width * f), height: round(item.bounds.height * f) } : item.bounds,
  };
}

/** Where one axis of a box of length `len` (after scaling) starts: the old free space before/after it, shared out. */
function placeAxis(start: number, oldLen: number, oldFrame: number, newLen: number, newFrame: number): number {
  const before = Math.max(0, start);
  const after = Math.max(0, oldFrame - (start + oldLen));
  const free = newFrame - newLen;
  if (free <= 0) return free / 2;
  return before + after > 0 ? (free * before) / (before + after) : free / 2;
}

/** The transform patch that adapts one item from frame `from` to frame `to` (null = nothing to change). */
export function adaptItem(
  item: SceneItem,
  size: Size | undefined,
  from: Size,
  to: Size,
  mode: AdaptMode,
  /** The source's size in the new frame when it follows the canvas (a colour fill, a nested scene). */
  sizeInNewFrame: Size | undefined = size,
): ItemTransformPatch | null {
  const quarterTurn = Math.abs(item.rotation % 180) === 90;
  // Bound to exactly the old frame (the starter camera): re-bind to the new frame.
  if (item.bounds.type !== 'none' && item.rotation % 180 === 0 && sameSize(item.bounds, from)) {
    const { fx, fy } = alignmentFactors(item.alignment);
    return {
      position: { x: round(to.width * fx), y: round(to.height * fy) },
      bounds: { ...item.bounds, type: mode === 'fit' ? 'scale_inner' : 'scale_outer', width: to.width, height: to.height },
    };
  }
  if (!size && item.bounds.type === 'none') {
    // Unknown size (a device not opened yet): keep its place relative to the frame.
    const { x, y } = item.position;
    return { position: { x: round((x / from.width) * to.width), y: round((y / from.height) * to.height) } };
  }
  const old: Rect = itemBoundingBox(item, size ?? { width: 0, height: 0 });
  if (old.width <= 0 || old.height <= 0) return null;
  const fills = old.width >= from.width * FILL_SHARE && old.height >= from.height * FILL_SHARE && !quarterTurn;
  // The box the item has as it stands in the new frame (differs only for sources that follow the canvas).
  const box: Rect = fills ? itemBoundingBox(item, sizeInNewFrame ?? size ?? { width: 0, height: 0 }) : old;
  if (box.width <= 0 || box.height <= 0) return null;
  let f: number;
  let x: number;
  let y: number;
  if (fills) {
    f = mode === 'fit' ? Math.min(to.width / box.width, to.height / box.height) : Math.max(to.width / box.width, to.height / box.height);
    x = (to.width - box.width * f) / 2;
    y = (to.height - box.height * f) / 2;
  } else {
    const k = Math.min(to.width, to.height) / Math.min(from.width, from.height);
    f = Math.min(k, to.width / box.width, to.height / box.height);
    x = placeAxis(box.x, box.width, from.width, box.width * f, to.width);
    y = placeAxis(box.y, box.height, from.height, box.height * f, to.height);
  }
  // Scaling about the alignment point scales the box about it too: the box's new corner, then the move that puts it at (x, y).
  const nx = item.position.x + (box.x - item.position.x) * f;
  const ny = item.position.y + (box.y - item.position.y) * f;
  return scaledItem(item, f, x - nx, y - ny);
}

/**
 * Edits (one batch, one undo step) that adapt every item of every scene from frame `from` to the collection's
 * current canvas. Locked items are adapted too (unlocked and locked again inside the batch). `runtime` gives the
 * running sizes of device sources (the camera's picture size), as the stage uses them.
 */
export function adaptItemsEdit(c: SceneCollection, from: Size, mode: AdaptMode, runtime: SourceSizes = {}): Edit {
  const to = c.canvas;
  const sizesFrom = sourceSizes({ ...c, canvas: { ...c.canvas, width: from.width, height: from.height } }, runtime);
  const sizesTo = sourceSizes(c, runtime);
  const edits: SimpleEdit[] = [];
  for (const scene of c.scenes) {
    for (const item of scene.items) {
      const patch = adaptItem(item, sizesFrom.get(item.sourceId), from, to, mode, sizesTo.get(item.sourceId));
      if (!patch) continue;
      const ref = { sceneId: scene.id, itemId: item.id };
      if (item.locked) edits.push({ type: 'set_item_locked', ...ref, locked: false });
      edits.push({ type: 'transform_item', ...ref, patch });
      if (item.locked) edits.push({ type: 'set_item_locked', ...ref, locked: true });
    }
  }
  return { type: 'batch', edits };
}

/** Still as it was added: OBS' defaults of `makeItem`, nothing moved, scaled, bound, cropped or turned by the user. */
function untouched(item: SceneItem): boolean {
  const { crop } = item;
  return (
    item.scale.x === 1 &&
    item.scale.y === 1 &&
    item.rotation === 0 &&
    item.bounds.type === 'none' &&
    crop.left + crop.top + crop.right + crop.bottom === 0
  );
}

/**
 * The items of `sourceIds` still as they were added whose source turned out larger than the frame on either side (a
 * 6000×4000 photo in a 720×1280 frame covers it many times over, its handles far off screen): fitted inside the frame,
 * centred — what "Fit to screen" does. Items the streamer has already placed or locked are left alone. Null: nothing to do.
 */
export function fitOversizedEdit(c: SceneCollection, sourceIds: ReadonlySet<string>, runtime: SourceSizes = {}): Edit | null {
  const { width, height } = c.canvas;
  const sizes = sourceSizes(c, runtime);
  const edits: SimpleEdit[] = [];
  for (const scene of c.scenes) {
    for (const item of scene.items) {
      if (!sourceIds.has(item.sourceId) || item.locked || !untouched(item)) continue;
      const size = sizes.get(item.sourceId);
      if (!size || (size.width <= width && size.height <= height)) continue;
      edits.push({
        type: 'transform_item',
        sceneId: scene.id,
        itemId: item.id,
        patch: {
          position: { x: width / 2, y: height / 2 },
          alignment: 'center',
          bounds: { type: 'scale_inner', width, height, alignment: 'center' },
        },
      });
    }
  }
  return edits.length ? { type: 'batch', edits } : null;
}
