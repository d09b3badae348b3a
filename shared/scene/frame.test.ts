import { describe, expect, it } from 'vitest';
import { defaultCollection, portraitStarterEdits } from './defaults';
import { applyEdit } from './edits';
import { adaptItem, adaptItemsEdit, LEGACY_CANVAS, orientationOf } from './frame';
import { parseCollection } from './migrations';
import { findItem, makeItem, type SceneCollection } from './model';
import { itemBoundingBox, type Rect, sourceSizes } from './transform';

const LANDSCAPE = { width: 1280, height: 720 };
const PORTRAIT = { width: 720, height: 1280 };
/** Camera picture size as the renderer reports it (a 16:9 webcam). */
const RUNTIME = { src_camera: { width: 1280, height: 720 } };

function turned(c: SceneCollection, to: { width: number; height: number }): SceneCollection {
  return applyEdit(c, { type: 'set_canvas', canvas: { ...c.canvas, ...to } }).collection;
}

function box(c: SceneCollection, sceneId: string, itemId: string): Rect {
  const item = findItem(c, sceneId, itemId)!;
  return itemBoundingBox(item, sourceSizes(c, RUNTIME).get(item.sourceId)!);
}

function inside(r: Rect, frame: { width: number; height: number }): boolean {
  const e = 1e-6;
  return r.x >= -e && r.y >= -e && r.x + r.width <= frame.width + e && r.y + r.height <= frame.height + e;
}

describe('set_canvas', () => {
  it('changes only the canvas and undoes exactly', () => {
    const c = defaultCollection('en');
    const { collection: t, inverse } = applyEdit(c, { type: 'set_canvas', canvas: { width: 720, height: 1280, fps: 30 } });
    expect(t.canvas).toEqual({ width: 720, height: 1280, fps: 30 });
    expect(t.scenes).toBe(c.scenes); // nothing moved
    expect(applyEdit(t, inverse).collection).toEqual(c);
  });

  it('refuses a canvas outside the model limits and changes nothing', () => {
    const c = defaultCollection('en');
    expect(() => applyEdit(c, { type: 'set_canvas', canvas: { width: 0, height: 1280, fps: 30 } })).toThrow();
  });
});

describe('adapting items to a turned frame', () => {
  const landscape = defaultCollection('en', { ...LANDSCAPE, fps: 30 });
  const portrait = turned(landscape, PORTRAIT);

  it('fit: the frame-bound camera takes the new frame whole (contain), overlays keep their corners inside the frame', () => {
    const out = applyEdit(portrait, adaptItemsEdit(portrait, LANDSCAPE, 'fit', RUNTIME)).collection;
    const cam = findItem(out, 'scn_live', 'itm_camera')!;
    expect(cam.bounds).toEqual({ type: 'scale_inner', width: 720, height: 1280, alignment: 'center' });
    expect(cam.position).toEqual({ x: 0, y: 0 });
    const lower = box(out, 'scn_live', 'itm_lower_third');
    const card = box(out, 'scn_live', 'itm_product_card');
    for (const r of [lower, card]) expect(inside(r, PORTRAIT)).toBe(true);
    // bottom-left stays bottom-left, bottom-right stays bottom-right
    expect(lower.x).toBeLessThan(60);
    expect(lower.y + lower.height).toBeGreaterThan(1280 - 100);
    expect(card.x + card.width).toBeGreaterThan(720 - 60);
    expect(card.y + card.height).toBeGreaterThan(1280 - 100);
    // the BRB message stays centred
    const brb = box(out, 'scn_brb', 'itm_brb_text');
    expect(brb.x + brb.width / 2).toBeCloseTo(360, 0);
    expect(brb.y + brb.height / 2).toBeCloseTo(640, 0);
  });

  it('fill: the camera covers the new frame (scale_outer); the colour background already follows the canvas', () => {
    const out = applyEdit(portrait, adaptItemsEdit(portrait, LANDSCAPE, 'fill', RUNTIME)).collection;
    expect(findItem(out, 'scn_live', 'itm_camera')!.bounds.type).toBe('scale_outer');
    expect(box(out, 'scn_brb', 'itm_brb_background')).toEqual({ x: 0, y: 0, ...PORTRAIT });
  });

  it('is one undo step that puts every item back', () => {
    const { collection: out, inverse } = applyEdit(portrait, adaptItemsEdit(portrait, LANDSCAPE, 'fit', RUNTIME));
    expect(out).not.toEqual(portrait);
    expect(applyEdit(out, inverse).collection).toEqual(portrait);
  });

  it('adapts locked items and leaves them locked', () => {
    const locked = applyEdit(portrait, {
      type: 'set_item_locked',
      sceneId: 'scn_live',
      itemId: 'itm_product_card',
      locked: true,
    }).collection;
    const out = applyEdit(locked, adaptItemsEdit(locked, LANDSCAPE, 'fit', RUNTIME)).collection;
    const card = findItem(out, 'scn_live', 'itm_product_card')!;
    expect(card.locked).toBe(true);
    expect(inside(box(out, 'scn_live', 'itm_product_card'), PORTRAIT)).toBe(true);
  });

  it('a picture that covered the old frame without bounds is contained (fit) or covers (fill), centred', () => {
    const item = makeItem('i', 's', { position: { x: 0, y: 0 }, scale: { x: 1, y: 1 } });
    const size = { width: 1280, height: 720 };
    const fitPatch = adaptItem(item, size, LANDSCAPE, PORTRAIT, 'fit')!;
    const fit = itemBoundingBox({ ...item, ...fitPatch }, size);
    expect(fit.width).toBeCloseTo(720, 3);
    expect(fit.height).toBeCloseTo(405, 3);
    expect(fit.y).toBeCloseTo((1280 - 405) / 2, 3);
    const fill = itemBoundingBox({ ...item, ...adaptItem(item, size, LANDSCAPE, PORTRAIT, 'fill')! }, size);
    expect(fill.height).toBeCloseTo(1280, 3);
    expect(fill.x + fill.width / 2).toBeCloseTo(360, 3);
  });

  it('an overlay wider than the new frame is shrunk to fit it; a small one keeps its size when the short side stays', () => {
    const wide = makeItem('w', 's', { position: { x: 100, y: 600 }, alignment: 'top_left' });
    const r = itemBoundingBox(
      { ...wide, ...adaptItem(wide, { width: 1000, height: 60 }, LANDSCAPE, PORTRAIT, 'fit')! },
      { width: 1000, height: 60 },
    );
    expect(r.width).toBeCloseTo(720, 3);
    expect(inside(r, PORTRAIT)).toBe(true);
    const small = makeItem('q', 's', { position: { x: 1240, y: 40 }, alignment: 'top_right' });
    const q = itemBoundingBox(
      { ...small, ...adaptItem(small, { width: 200, height: 200 }, LANDSCAPE, PORTRAIT, 'fit')! },
      { width: 200, height: 200 },
    );
    expect(q.width).toBeCloseTo(200, 3);
    expect(q.x + q.width).toBeCloseTo(720 - 40 * ((720 - 200) / (1280 - 200)), 3);
  });

  it('portrait back to landscape works the same way round', () => {
    const p = defaultCollection('zh-CN', { ...PORTRAIT, fps: 30 });
    const l = turned(p, LANDSCAPE);
    const out = applyEdit(l, adaptItemsEdit(l, PORTRAIT, 'fill', RUNTIME)).collection;
    expect(findItem(out, 'scn_live', 'itm_camera')!.bounds).toMatchObject({ width: 1280, height: 720, type: 'scale_outer' });
    for (const id of ['itm_lower_third', 'itm_product_card', 'itm_qr', 'itm_countdown'])
      expect(inside(box(out, 'scn_live', id), LANDSCAPE)).toBe(true);
  });
});

describe('portrait starter', () => {
  it('a portrait canvas starts with the camera full-bleed and every overlay inside the tall frame', () => {
    for (const frame of [PORTRAIT, { width: 1080, height: 1920 }]) {
      const c = defaultCollection('zh-CN', { ...frame, fps: 30 });
      expect(orientationOf(c.canvas)).toBe('portrait');
      expect(findItem(c, 'scn_live', 'itm_camera')!.bounds).toEqual({ type: 'scale_outer', ...frame, alignment: 'center' });
      const boxes = ['itm_countdown', 'itm_qr', 'itm_product_card', 'itm_lower_third'].map((id) => box(c, 'scn_live', id));
      for (const r of boxes) expect(inside(r, frame)).toBe(true);
      const [countdown, qr, card, lower] = boxes as [Rect, Rect, Rect, Rect];
      expect(countdown.y + countdown.height).toBeLessThan(frame.height / 3); // top
      expect(qr.x).toBeGreaterThan(frame.width / 2); // top-right
      expect(card.y).toBeGreaterThan((frame.height * 2) / 3 - 1); // lower third
      expect(card.y + card.height).toBeLessThan(frame.height * 0.8); // clear of the viewer page's own bottom bar
      expect(lower.y + lower.height).toBeLessThanOrEqual(card.y + 1); // the text above the card, not over it
      // inside the middle 80 % of the width: a 19.5:9 phone crops the sides of a 9:16 picture (cover)
      for (const r of boxes) expect(r.x >= frame.width * 0.1 - 1e-6 && r.x + r.width <= frame.width * 0.9 + 1e-6).toBe(true);
    }
  });

  it('adds the portrait scene to an existing collection, reusing its sources', () => {
    const c = turned(defaultCollection('en'), PORTRAIT);
    const { sceneId, edits } = portraitStarterEdits(c, 'en');
    const out = applyEdit(c, { type: 'batch', edits }).collection;
    const scene = out.scenes.find((s) => s.id === sceneId)!;
    expect(scene.name).toBe('Live (portrait)');
    const used = new Set(scene.items.map((i) => i.sourceId));
    for (const reused of ['src_camera', 'src_mic', 'src_lower_third', 'src_product_card']) expect(used.has(reused)).toBe(true);
    expect(out.sources.filter((s) => s.kind === 'camera')).toHaveLength(1);
    expect(out.sources.some((s) => s.kind === 'qr_code')).toBe(true);
    // a second time gets its own ids
    const again = portraitStarterEdits(out, 'en', () => 0.5);
    expect(again.sceneId).not.toBe(sceneId);
    expect(() => applyEdit(out, { type: 'batch', edits: again.edits })).not.toThrow();
  });
});

describe('collections saved without a canvas keep 16:9', () => {
  it('v2 file without canvas', () => {
    const raw = JSON.parse(JSON.stringify(defaultCollection('en', { width: 1920, height: 1080, fps: 30 }))) as Record<string, unknown>;
    delete raw.canvas;
    const r = parseCollection(JSON.stringify(raw));
    expect(r.ok && r.collection.canvas).toEqual(LEGACY_CANVAS);
    expect(r.ok && r.migratedFrom).toBe(2);
  });

  it('v1 file without width / height', () => {
    const v1 = { version: 1, name: 'old', sources: [], scenes: [{ id: 'a', name: 'A', items: [] }], active: 'a' };
    const r = parseCollection(JSON.stringify(v1));
    expect(r.ok && r.collection.canvas).toEqual(LEGACY_CANVAS);
  });

  it('a saved portrait collection stays portrait', () => {
    const text = JSON.stringify(defaultCollection('en', { ...PORTRAIT, fps: 30 }));
    const r = parseCollection(text);
    expect(r.ok && r.collection.canvas).toEqual({ ...PORTRAIT, fps: 30 });
  });
});
