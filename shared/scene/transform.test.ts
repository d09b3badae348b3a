import { describe, expect, it } from 'vitest';
import { makeItem, type Scene, type SceneItem } from './model';
import type { Alignment, Point } from './primitives';
import {
  applyToPoint,
  compose,
  hitTest,
  IDENTITY,
  invert,
  itemBoundingBox,
  itemBoxCorners,
  itemContentCorners,
  itemGeometry,
  itemMatrix,
  multiply,
  rotation,
  scaling,
  snapPosition,
  translation,
} from './transform';

function expectPoints(actual: Point[], expected: [number, number][]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((p, i) => {
    expect(p.x, `x of corner ${i}`).toBeCloseTo(expected[i]![0], 9);
    expect(p.y, `y of corner ${i}`).toBeCloseTo(expected[i]![1], 9);
  });
}

function expectPoint(p: Point, x: number, y: number): void {
  expect(p.x).toBeCloseTo(x, 9);
  expect(p.y).toBeCloseTo(y, 9);
}

const item = (overrides: Partial<SceneItem> = {}) => makeItem('i', 's', overrides);

describe('matrix helpers', () => {
  it('multiply applies the inner matrix first', () => {
    const m = multiply(translation(10, 0), scaling(2, 3)); // scale, then move
    expectPoint(applyToPoint(m, { x: 1, y: 1 }), 12, 3);
    const n = multiply(scaling(2, 3), translation(10, 0)); // move, then scale
    expectPoint(applyToPoint(n, { x: 1, y: 1 }), 22, 3);
    expect(compose(scaling(2, 3), translation(10, 0))).toEqual(m);
  });

  it('invert undoes a transform and refuses singular matrices', () => {
    const m = compose(scaling(2, -0.5), rotation(33), translation(7, -4));
    const inv = invert(m)!;
    const p = { x: 12.5, y: -3 };
    const back = applyToPoint(inv, applyToPoint(m, p));
    expect(back.x).toBeCloseTo(p.x, 12);
    expect(back.y).toBeCloseTo(p.y, 12);
    const id = multiply(m, inv);
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f'] as const) expect(id[k]).toBeCloseTo(IDENTITY[k], 12);
    expect(invert(scaling(0, 1))).toBeNull();
  });

  it('rotation is clockwise on a y-down canvas and exact for quarter turns', () => {
    expectPoint(applyToPoint(rotation(90), { x: 1, y: 0 }), 0, 1);
    expectPoint(applyToPoint(rotation(-90), { x: 1, y: 0 }), 0, -1);
    expectPoint(applyToPoint(rotation(450), { x: 1, y: 0 }), 0, 1);
    const p = applyToPoint(rotation(30), { x: 1, y: 0 });
    expect(p.x).toBeCloseTo(Math.sqrt(3) / 2, 12);
    expect(p.y).toBeCloseTo(0.5, 12);
  });
});

describe('itemMatrix / corners', () => {
  const size = { width: 100, height: 50 };

  it('identity item draws the source as-is', () => {
    const m = itemMatrix(item(), size);
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f'] as const) expect(m[k]).toBeCloseTo(IDENTITY[k], 12);
    expectPoints(itemBoxCorners(item(), size), [
      [0, 0],
      [100, 0],
      [100, 50],
      [0, 50],
    ]);
  });

  it('position and scale', () => {
    const it1 = item({ position: { x: 10, y: 20 }, scale: { x: 2, y: 0.5 } });
    expectPoints(itemBoxCorners(it1, size), [
      [10, 20],
      [210, 20],
      [210, 45],
      [10, 45],
    ]);
    expectPoint(applyToPoint(itemMatrix(it1, size), { x: 50, y: 50 }), 110, 45);
  });

  it.each<[Alignment, number, number]>([
    ['top_left', 0, 0],
    ['top', 50, 0],
    ['top_right', 100, 0],
    ['left', 0, 25],
    ['center', 50, 25],
    ['right', 100, 25],
    ['bottom_left', 0, 50],
    ['bottom', 50, 50],
    ['bottom_right', 100, 50],
  ])('alignment %s puts that point of the item at the position', (alignment, ax, ay) => {
    const it1 = item({ position: { x: 300, y: 200 }, alignment });
    const [tl] = itemBoxCorners(it1, size);
    expect(tl!.x).toBeCloseTo(300 - ax, 9);
    expect(tl!.y).toBeCloseTo(200 - ay, 9);
    // the source point under the alignment point is exactly at `position`
    expectPoint(applyToPoint(itemMatrix(it1, size), { x: ax, y: ay }), 300, 200);
  });

  it('rotates about the top-left alignment point', () => {
    const it1 = item({ position: { x: 100, y: 100 }, rotation: 90 });
    expectPoints(itemBoxCorners(it1, size), [
      [100, 100],
      [100, 200],
      [50, 200],
      [50, 100],
    ]);
  });

  it('rotates about the centre alignment point', () => {
    const it1 = item({ position: { x: 100, y: 100 }, rotation: 90, alignment: 'center' });
    expectPoints(itemBoxCorners(it1, size), [
      [125, 50],
      [125, 150],
      [75, 150],
      [75, 50],
    ]);
    // the centre stays put
    expectPoint(applyToPoint(itemMatrix(it1, size), { x: 50, y: 25 }), 100, 100);
  });

  it('rotates about the bottom-right alignment point with scale', () => {
    const it1 = item({ position: { x: 0, y: 0 }, rotation: 180, alignment: 'bottom_right', scale: { x: 2, y: 2 } });
    expectPoints(itemBoxCorners(it1, size), [
      [200, 100],
      [0, 100],
      [0, 0],
      [200, 0],
    ]);
  });

  it('45° rotation: axis-aligned bounding box of the rotated corners', () => {
    const square = { width: 100, height: 100 };
    const it1 = item({ position: { x: 500, y: 500 }, rotation: 45, alignment: 'center' });
    const bb = itemBoundingBox(it1, square);
    const half = 50 * Math.SQRT2;
    expect(bb.x).toBeCloseTo(500 - half, 9);
    expect(bb.y).toBeCloseTo(500 - half, 9);
    expect(bb.width).toBeCloseTo(2 * half, 9);
    expect(bb.height).toBeCloseTo(2 * half, 9);
  });

  it('crop removes source pixels before scaling; the matrix maps the crop origin to the item origin', () => {
    const src = { width: 200, height: 100 };
    const it1 = item({ position: { x: 10, y: 10 }, scale: { x: 2, y: 2 }, crop: { left: 20, top: 10, right: 30, bottom: 40 } });
    const g = itemGeometry(it1, src);
    expect(g.sourceRect).toEqual({ x: 20, y: 10, width: 150, height: 50 });
    expect(g.boxSize).toEqual({ width: 300, height: 100 });
    expectPoints(itemBoxCorners(it1, src), [
      [10, 10],
      [310, 10],
      [310, 110],
      [10, 110],
    ]);
    expectPoint(applyToPoint(g.draw, { x: 20, y: 10 }), 10, 10);
    expectPoint(applyToPoint(g.draw, { x: 170, y: 60 }), 310, 110);
  });

  it('crop with centre alignment centres the cropped area', () => {
    const src = { width: 200, height: 100 };
    const it1 = item({ position: { x: 0, y: 0 }, alignment: 'center', crop: { left: 100, top: 0, right: 0, bottom: 0 } });
    expectPoints(itemBoxCorners(it1, src), [
      [-50, -50],
      [50, -50],
      [50, 50],
      [-50, 50],
    ]);
  });

  it('negative scale flips around the alignment point (no bounds)', () => {
    const it1 = item({ position: { x: 100, y: 0 }, scale: { x: -1, y: 1 } });
    const m = itemMatrix(it1, size);
    expectPoint(applyToPoint(m, { x: 0, y: 0 }), 100, 0);
    expectPoint(applyToPoint(m, { x: 100, y: 0 }), 0, 0);
    expect(itemBoundingBox(it1, size)).toEqual({ x: 0, y: 0, width: 100, height: 50 });
  });
});

describe('bounds', () => {
  const wide = { width: 200, height: 100 };
  const bounded = (
    type: SceneItem['bounds']['type'],
    width: number,
    height: number,
    alignment: Alignment = 'center',
    extra: Partial<SceneItem> = {},
  ) => item({ bounds: { type, width, height, alignment }, ...extra });

  it('stretch fills the bounds, ignoring aspect', () => {
    const it1 = bounded('stretch', 300, 300);
    expect(itemGeometry(it1, wide).scale).toEqual({ x: 1.5, y: 3 });
    expectPoints(itemContentCorners(it1, wide), [
      [0, 0],
      [300, 0],
      [300, 300],
      [0, 300],
    ]);
  });

  it('scale_inner fits inside, centred by the bounds alignment', () => {
    const it1 = bounded('scale_inner', 300, 300);
    expect(itemGeometry(it1, wide).scale).toEqual({ x: 1.5, y: 1.5 });
    expectPoints(itemContentCorners(it1, wide), [
      [0, 75],
      [300, 75],
      [300, 225],
      [0, 225],
    ]);
    // the item box is the bounds box
    expectPoints(itemBoxCorners(it1, wide), [
      [0, 0],
      [300, 0],
      [300, 300],
      [0, 300],
    ]);
  });

  it('bounds alignment places the content inside the box', () => {
    expectPoints(itemContentCorners(bounded('scale_inner', 300, 300, 'top_left'), wide), [
      [0, 0],
      [300, 0],
      [300, 150],
      [0, 150],
    ]);
    expectPoints(itemContentCorners(bounded('scale_inner', 300, 300, 'bottom_right'), wide), [
      [0, 150],
      [300, 150],
      [300, 300],
      [0, 300],
    ]);
    // tall bounds, content on the right
    expectPoints(itemContentCorners(bounded('scale_inner', 400, 100, 'right'), wide), [
      [200, 0],
      [400, 0],
      [400, 100],
      [200, 100],
    ]);
  });

  it('scale_outer covers the box (content overflows it)', () => {
    const it1 = bounded('scale_outer', 300, 300);
    expect(itemGeometry(it1, wide).scale).toEqual({ x: 3, y: 3 });
    expectPoints(itemContentCorners(it1, wide), [
      [-150, 0],
      [450, 0],
      [450, 300],
      [-150, 300],
    ]);
  });

  it('scale_to_width and scale_to_height', () => {
    expectPoints(itemContentCorners(bounded('scale_to_width', 400, 100), wide), [
      [0, -50],
      [400, -50],
      [400, 150],
      [0, 150],
    ]);
    expectPoints(itemContentCorners(bounded('scale_to_height', 400, 50), wide), [
      [150, 0],
      [250, 0],
      [250, 50],
      [150, 50],
    ]);
  });

  it('max_only only shrinks', () => {
    expectPoints(itemContentCorners(bounded('max_only', 300, 300), { width: 100, height: 50 }), [
      [100, 125],
      [200, 125],
      [200, 175],
      [100, 175],
    ]);
    expectPoints(itemContentCorners(bounded('max_only', 300, 300), { width: 600, height: 300 }), [
      [0, 75],
      [300, 75],
      [300, 225],
      [0, 225],
    ]);
  });

  it('the item scale only sets aspect/flip under bounds; the item alignment applies to the bounds box', () => {
    const it1 = bounded('scale_inner', 300, 300, 'center', { scale: { x: 5, y: 5 }, position: { x: 640, y: 360 }, alignment: 'center' });
    expectPoints(itemBoxCorners(it1, wide), [
      [490, 210],
      [790, 210],
      [790, 510],
      [490, 510],
    ]);
    expectPoints(itemContentCorners(it1, wide), [
      [490, 285],
      [790, 285],
      [790, 435],
      [490, 435],
    ]);
  });

  it('a flipped item stays in place inside its bounds', () => {
    const it1 = bounded('scale_inner', 300, 300, 'center', { scale: { x: -1, y: 1 } });
    const m = itemMatrix(it1, wide);
    expectPoint(applyToPoint(m, { x: 0, y: 0 }), 300, 75);
    expectPoint(applyToPoint(m, { x: 200, y: 100 }), 0, 225);
  });

  it('bounds rotate with the item about the alignment point', () => {
    const it1 = bounded('stretch', 200, 100, 'center', { position: { x: 0, y: 0 }, rotation: 90 });
    expectPoints(itemBoxCorners(it1, { width: 10, height: 10 }), [
      [0, 0],
      [0, 200],
      [-100, 200],
      [-100, 0],
    ]);
  });
});

describe('hitTest', () => {
  const sizes = { big: { width: 1000, height: 500 }, small: { width: 100, height: 100 }, rot: { width: 200, height: 20 } };
  const scene: Scene = {
    id: 'scene',
    name: 'Scene',
    items: [
      makeItem('bottom', 'big'),
      makeItem('top', 'small', { position: { x: 50, y: 50 } }),
      makeItem('rotated', 'rot', { position: { x: 600, y: 300 }, alignment: 'center', rotation: 45 }),
      makeItem('unsized', 'nosize', { position: { x: 0, y: 0 } }),
    ],
  };

  it('returns the topmost item under the point', () => {
    expect(hitTest(scene, sizes, { x: 60, y: 60 })).toBe('top');
    expect(hitTest(scene, sizes, { x: 400, y: 400 })).toBe('bottom');
    expect(hitTest(scene, sizes, { x: 1200, y: 10 })).toBeNull();
  });

  it('skips hidden items', () => {
    const hidden: Scene = { ...scene, items: scene.items.map((i) => (i.id === 'top' ? { ...i, visible: false } : i)) };
    expect(hitTest(hidden, sizes, { x: 60, y: 60 })).toBe('bottom');
  });

  it('uses the rotated box, not its axis-aligned bounds', () => {
    expect(hitTest(scene, new Map(Object.entries(sizes)), { x: 600, y: 300 })).toBe('rotated');
    expect(hitTest(scene, sizes, { x: 660, y: 360 })).toBe('rotated'); // along the 45° diagonal
    // inside the rotated item's AABB corner but outside the item: falls through to the item below
    expect(hitTest(scene, sizes, { x: 670, y: 240 })).toBe('bottom');
  });

  it('can skip locked items', () => {
    const locked: Scene = { ...scene, items: scene.items.map((i) => (i.id === 'top' ? { ...i, locked: true } : i)) };
    expect(hitTest(locked, sizes, { x: 60, y: 60 })).toBe('top');
    expect(hitTest(locked, sizes, { x: 60, y: 60 }, { includeLocked: false })).toBe('bottom');
  });

  it('reorder changes the winner', () => {
    const reordered: Scene = { ...scene, items: [scene.items[1]!, scene.items[0]!] };
    expect(hitTest(reordered, sizes, { x: 60, y: 60 })).toBe('bottom');
  });
});

describe('snapPosition', () => {
  const canvas = { width: 1280, height: 720 };

  it('snaps to the canvas edges', () => {
    const r = snapPosition({ x: 5, y: 300, width: 100, height: 50 }, canvas, [], 8);
    expect(r.dx).toBe(-5);
    expect(r.dy).toBe(0);
    expect(r.guides).toEqual([{ orientation: 'vertical', position: 0, start: 0, end: 720, target: 'canvas' }]);
    const br = snapPosition({ x: 1175, y: 666, width: 100, height: 50 }, canvas, [], 8);
    expect(br.dx).toBe(5);
    expect(br.dy).toBe(4);
    expect(br.guides.map((g) => [g.orientation, g.position])).toEqual([
      ['vertical', 1280],
      ['horizontal', 720],
    ]);
  });

  it('snaps the centre to the canvas centre lines', () => {
    const r = snapPosition({ x: 588, y: 337, width: 100, height: 50 }, canvas, [], 8);
    expect(r.dx).toBe(2); // centre 638 → 640
    expect(r.dy).toBe(-2); // centre 362 → 360
    expect(r.guides.map((g) => [g.orientation, g.position])).toEqual([
      ['vertical', 640],
      ['horizontal', 360],
    ]);
  });

  it('snaps to other items and reports a guide spanning both boxes', () => {
    const other = { x: 300, y: 100, width: 200, height: 100 };
    const r = snapPosition({ x: 503, y: 400, width: 50, height: 50 }, canvas, [other], 8);
    expect(r.dx).toBe(-3); // left edge to the other's right edge
    expect(r.dy).toBe(0);
    expect(r.guides).toEqual([{ orientation: 'vertical', position: 500, start: 100, end: 450, target: 'item' }]);
  });

  it('picks the nearest candidate and does nothing beyond the threshold', () => {
    const r = snapPosition(
      { x: 206, y: 400, width: 50, height: 50 },
      canvas,
      [
        { x: 0, y: 0, width: 200, height: 10 },
        { x: 0, y: 0, width: 210, height: 10 },
      ],
      8,
    );
    expect(r.dx).toBe(4); // 210 is 4 away, 200 is 6 away
    const none = snapPosition({ x: 100, y: 100, width: 50, height: 50 }, canvas, [], 8);
    expect(none).toEqual({ dx: 0, dy: 0, guides: [] });
  });
});
