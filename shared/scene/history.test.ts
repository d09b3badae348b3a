import { describe, expect, it } from 'vitest';
import { defaultCollection } from './defaults';
import type { Edit } from './edits';
import { SceneError } from './errors';
import { History } from './history';
import type { SceneCollection } from './model';

const ref = { sceneId: 'scn_live', itemId: 'itm_lower_third' } as const;
const move = (x: number, y: number): Edit => ({ type: 'transform_item', ...ref, patch: { position: { x, y } } });
const lowerThird = (c: SceneCollection) => c.scenes[0]!.items.find((i) => i.id === ref.itemId)!;

function setup(options: { cap?: number; mergeWindowMs?: number } = {}) {
  let now = 1_000;
  const c0 = defaultCollection('en');
  const h = new History(c0, { ...options, now: () => now });
  return { h, c0, tick: (ms: number) => (now += ms) };
}

describe('History', () => {
  it('undo / redo / canUndo / canRedo', () => {
    const { h, c0 } = setup();
    expect([h.canUndo, h.canRedo]).toEqual([false, false]);
    expect(h.undo()).toBe(false);
    h.apply({ type: 'rename_scene', sceneId: 'scn_live', name: 'On air' });
    const c1 = h.collection;
    h.apply({ type: 'set_item_visible', ...ref, visible: false });
    const c2 = h.collection;
    expect([h.canUndo, h.canRedo, h.undoDepth]).toEqual([true, false, 2]);
    expect(h.peekUndo()).toEqual({ type: 'set_item_visible', ...ref, visible: false });
    h.undo();
    expect(h.collection).toStrictEqual(c1);
    expect(h.canRedo).toBe(true);
    h.undo();
    expect(h.collection).toStrictEqual(c0);
    expect(h.canUndo).toBe(false);
    h.redo();
    h.redo();
    expect(h.collection).toStrictEqual(c2);
    expect(h.redo()).toBe(false);
  });

  it('a drag (transforms of one item inside the window) is one undo step', () => {
    const { h, c0, tick } = setup({ mergeWindowMs: 500 });
    const original = lowerThird(c0).position;
    for (let i = 1; i <= 30; i++) {
      tick(16);
      h.apply(move(100 + i, 200 + i));
    }
    expect(h.undoDepth).toBe(1);
    expect(lowerThird(h.collection).position).toEqual({ x: 130, y: 230 });
    h.undo();
    expect(lowerThird(h.collection).position).toEqual(original);
    expect(h.collection).toStrictEqual(c0);
    h.redo();
    expect(lowerThird(h.collection).position).toEqual({ x: 130, y: 230 });
  });

  it('merged steps restore every field any of them touched', () => {
    const { h, c0, tick } = setup();
    h.apply(move(10, 10));
    tick(100);
    h.apply({ type: 'transform_item', ...ref, patch: { scale: { x: 2, y: 2 } } });
    tick(100);
    h.apply({ type: 'transform_item', ...ref, patch: { position: { x: 20, y: 20 }, rotation: 30 } });
    expect(h.undoDepth).toBe(1);
    expect(lowerThird(h.collection)).toMatchObject({ position: { x: 20, y: 20 }, scale: { x: 2, y: 2 }, rotation: 30 });
    h.undo();
    expect(h.collection).toStrictEqual(c0);
  });

  it('does not merge across the window, other items, other edits, or a seal', () => {
    const { h, tick } = setup({ mergeWindowMs: 500 });
    h.apply(move(1, 1));
    tick(501);
    h.apply(move(2, 2)); // window passed
    tick(10);
    h.apply({ type: 'transform_item', sceneId: 'scn_live', itemId: 'itm_product_card', patch: { rotation: 5 } }); // other item
    tick(10);
    h.apply(move(3, 3)); // previous step was another item
    tick(10);
    h.apply({ type: 'set_item_visible', ...ref, visible: false }); // not a transform
    tick(10);
    h.apply(move(4, 4));
    h.seal(); // pointer-up
    tick(10);
    h.apply(move(5, 5));
    h.apply(move(6, 6), { merge: false });
    expect(h.undoDepth).toBe(8);
    h.undo();
    expect(lowerThird(h.collection).position).toEqual({ x: 5, y: 5 });
    h.undo();
    expect(lowerThird(h.collection).position).toEqual({ x: 4, y: 4 });
  });

  it('steps created by redo do not absorb new transforms', () => {
    const { h, tick } = setup();
    h.apply(move(1, 1));
    h.undo();
    h.redo();
    tick(10);
    h.apply(move(2, 2));
    expect(h.undoDepth).toBe(2);
  });

  it('keeps at most `cap` steps, dropping the oldest', () => {
    const { h } = setup({ cap: 5 });
    for (let i = 1; i <= 8; i++) h.apply({ type: 'rename_scene', sceneId: 'scn_brb', name: `BRB ${i}` });
    expect(h.undoDepth).toBe(5);
    while (h.undo());
    expect(h.collection.scenes[1]!.name).toBe('BRB 3');
  });

  it('a new edit clears redo; a no-op edit neither adds a step nor clears redo', () => {
    const { h } = setup();
    h.apply({ type: 'rename_scene', sceneId: 'scn_brb', name: 'A' });
    h.apply({ type: 'rename_scene', sceneId: 'scn_brb', name: 'B' });
    h.undo();
    const before = h.collection;
    expect(h.apply({ type: 'rename_scene', sceneId: 'scn_brb', name: 'A' })).toBe(before);
    expect([h.undoDepth, h.redoDepth]).toEqual([1, 1]);
    h.apply({ type: 'rename_scene', sceneId: 'scn_brb', name: 'C' });
    expect([h.undoDepth, h.redoDepth]).toEqual([2, 0]);
  });

  it('a refused edit throws and leaves history untouched; locked items refuse transforms', () => {
    const { h } = setup();
    h.apply({ type: 'set_item_locked', ...ref, locked: true });
    const before = h.collection;
    let err: unknown;
    try {
      h.apply(move(9, 9));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SceneError);
    expect((err as SceneError).code).toBe('locked');
    expect(h.collection).toBe(before);
    expect(h.undoDepth).toBe(1);
    h.undo(); // unlock
    h.apply(move(9, 9));
    expect(lowerThird(h.collection).position).toEqual({ x: 9, y: 9 });
  });

  it('reset starts over from a collection', () => {
    const { h, c0 } = setup();
    h.apply(move(1, 1));
    h.reset(c0);
    expect([h.canUndo, h.canRedo]).toEqual([false, false]);
    expect(h.collection).toBe(c0);
  });
});
