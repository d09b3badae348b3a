import { describe, expect, it } from 'vitest';
import { defaultCollection } from './defaults';
import { applyEdit, type Edit, type ReorderTarget, type SimpleEdit, transitionEdit } from './edits';
import { SceneError } from './errors';
import { History } from './history';
import { listKinds } from './kinds';
import {
  type Hotkey,
  type ItemTransformPatch,
  makeItem,
  type SceneCollection,
  type SceneItem,
  type Source,
  validateCollection,
} from './model';
import { Alignment } from './primitives';

// ---------------------------------------------------------------------------------------------------------------
// helpers

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function refused(fn: () => unknown): SceneError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SceneError) return e;
    throw e;
  }
  throw new Error('expected a SceneError');
}

const start = (): SceneCollection => deepFreeze(defaultCollection('en'));

const source = (id: string, kind: Source['kind'] = 'text', settings: Record<string, unknown> = {}): Source =>
  ({ id, kind, name: id, settings, muted: false, volumeDb: 0, syncOffsetMs: 0 }) as Source;

/** Apply, check the result is valid and that the inverse restores the input exactly. */
function applyChecked(c: SceneCollection, edit: Edit): SceneCollection {
  const r = applyEdit(c, edit);
  deepFreeze(r.collection);
  const v = validateCollection(r.collection);
  expect(v.ok ? [] : v.issues).toEqual([]);
  expect(applyEdit(r.collection, r.inverse).collection).toStrictEqual(c);
  return r.collection;
}

const itemIds = (c: SceneCollection, sceneId = 'scn_live') => c.scenes.find((s) => s.id === sceneId)!.items.map((i) => i.id);

// ---------------------------------------------------------------------------------------------------------------

describe('applyEdit: sources', () => {
  it('add_source validates and fills settings defaults; inverse removes it', () => {
    const c0 = start();
    const c1 = applyChecked(c0, { type: 'add_source', source: source('src_new', 'qr_code', { size: 300 }), index: 1 });
    expect(c1.sources[1]).toMatchObject({ id: 'src_new', kind: 'qr_code', settings: { size: 300, url: '', margin: 2 } });
    expect(c0.sources.some((s) => s.id === 'src_new')).toBe(false); // input untouched
    expect(refused(() => applyEdit(c1, { type: 'add_source', source: source('src_new') })).code).toBe('duplicate_id');
    expect(refused(() => applyEdit(c0, { type: 'add_source', source: source('src_bad', 'qr_code', { size: 5 }) })).code).toBe(
      'invalid_edit',
    );
    expect(refused(() => applyEdit(c0, { type: 'add_source', source: source('src_n', 'scene', { sceneId: 'nope' }) })).code).toBe(
      'not_found',
    );
  });

  it('remove_source removes its items everywhere (and hotkeys); undo puts everything back in place', () => {
    let c = start();
    c = applyChecked(c, { type: 'add_item', sceneId: 'scn_brb', item: makeItem('itm_cam_brb', 'src_camera'), index: 1 });
    c = applyChecked(c, {
      type: 'set_hotkeys',
      hotkeys: [
        { keys: 'F1', action: { type: 'toggle_item', sceneId: 'scn_brb', itemId: 'itm_cam_brb' } },
        { keys: 'F2', action: { type: 'switch_scene', sceneId: 'scn_brb' } },
      ],
    });
    const r = applyEdit(c, { type: 'remove_source', sourceId: 'src_camera' });
    expect(r.collection.sources.some((s) => s.id === 'src_camera')).toBe(false);
    expect(itemIds(r.collection)).toEqual(['itm_mic', 'itm_lower_third', 'itm_product_card']);
    expect(itemIds(r.collection, 'scn_brb')).toEqual(['itm_brb_background', 'itm_brb_text']);
    expect(r.collection.hotkeys.map((h) => h.keys)).toEqual(['F2']);
    expect(applyEdit(r.collection, r.inverse).collection).toStrictEqual(c);
  });

  it('rename / settings / audio', () => {
    const c0 = start();
    const c1 = applyChecked(c0, { type: 'rename_source', sourceId: 'src_camera', name: 'Main cam' });
    expect(c1.sources[0]!.name).toBe('Main cam');
    const c2 = applyChecked(c1, { type: 'update_source_settings', sourceId: 'src_lower_third', settings: { title: 'Flash sale!' } });
    expect(c2.sources.find((s) => s.id === 'src_lower_third')!.settings).toMatchObject({
      title: 'Flash sale!',
      subtitle: expect.any(String),
    });
    const bad = refused(() => applyEdit(c2, { type: 'update_source_settings', sourceId: 'src_lower_third', settings: { width: 5 } }));
    expect(bad.code).toBe('invalid_settings');
    expect(bad.issues[0]!.path).toBe('width');
    const c3 = applyChecked(c2, { type: 'set_source_audio', sourceId: 'src_mic', muted: true, volumeDb: -6 });
    expect(c3.sources.find((s) => s.id === 'src_mic')).toMatchObject({ muted: true, volumeDb: -6, syncOffsetMs: 0 });
    expect(refused(() => applyEdit(c3, { type: 'rename_source', sourceId: 'nope', name: 'x' })).code).toBe('not_found');
    expect(refused(() => applyEdit(c3, { type: 'rename_source', sourceId: 'src_mic', name: '  ' })).code).toBe('invalid_edit');
  });

  it('replace settings resets unspecified fields to defaults', () => {
    const c1 = applyChecked(start(), {
      type: 'update_source_settings',
      sourceId: 'src_lower_third',
      settings: { title: 'Only' },
      replace: true,
    });
    expect(c1.sources.find((s) => s.id === 'src_lower_third')!.settings).toMatchObject({ title: 'Only', subtitle: '' });
  });

  it('no-op edits return the same collection', () => {
    const c0 = start();
    expect(applyEdit(c0, { type: 'rename_source', sourceId: 'src_camera', name: 'Camera' }).collection).toBe(c0);
    expect(applyEdit(c0, { type: 'update_source_settings', sourceId: 'src_camera', settings: { mirror: false } }).collection).toBe(c0);
    expect(applyEdit(c0, { type: 'set_item_visible', sceneId: 'scn_live', itemId: 'itm_camera', visible: true }).collection).toBe(c0);
    expect(applyEdit(c0, { type: 'transform_item', sceneId: 'scn_live', itemId: 'itm_camera', patch: { rotation: 0 } }).collection).toBe(
      c0,
    );
    expect(applyEdit(c0, { type: 'batch', edits: [] }).collection).toBe(c0);
  });
});

describe('applyEdit: scenes', () => {
  it('add / rename / remove scene', () => {
    const c0 = start();
    const scene = { id: 'scn_promo', name: 'Promo', items: [makeItem('itm_card', 'src_product_card')] };
    const c1 = applyChecked(c0, { type: 'add_scene', scene, index: 1 });
    expect(c1.scenes.map((s) => s.id)).toEqual(['scn_live', 'scn_promo', 'scn_brb']);
    const c2 = applyChecked(c1, { type: 'rename_scene', sceneId: 'scn_promo', name: 'Promo 2' });
    const c3 = applyChecked(c2, { type: 'remove_scene', sceneId: 'scn_promo' });
    expect(c3.scenes.map((s) => s.id)).toEqual(['scn_live', 'scn_brb']);
    const badScene = { id: 'scn_x', name: 'X', items: [makeItem('i', 'src_missing')] };
    expect(refused(() => applyEdit(c0, { type: 'add_scene', scene: badScene })).code).toBe('not_found');
    expect(refused(() => applyEdit(c0, { type: 'add_scene', scene: { ...scene, id: 'scn_live' } })).code).toBe('duplicate_id');
  });

  it('refuses to remove the program scene, the last scene, or a nested scene', () => {
    const c0 = start();
    expect(refused(() => applyEdit(c0, { type: 'remove_scene', sceneId: 'scn_live' })).code).toBe('in_use');
    let c = applyChecked(c0, { type: 'set_current_scene', sceneId: 'scn_brb' });
    c = applyChecked(c, { type: 'remove_scene', sceneId: 'scn_live' });
    expect(refused(() => applyEdit(c, { type: 'remove_scene', sceneId: 'scn_brb' })).code).toBe('in_use');
    const n = applyChecked(c0, { type: 'add_source', source: source('src_nest', 'scene', { sceneId: 'scn_brb' }) });
    expect(refused(() => applyEdit(n, { type: 'remove_scene', sceneId: 'scn_brb' })).message).toMatch(/nested/);
  });

  it('removing the preview scene clears preview; undo restores it', () => {
    const c1 = applyChecked(start(), { type: 'set_preview_scene', sceneId: 'scn_brb' });
    const r = applyEdit(c1, { type: 'remove_scene', sceneId: 'scn_brb' });
    expect(r.collection.previewSceneId).toBeNull();
    expect(applyEdit(r.collection, r.inverse).collection).toStrictEqual(c1);
  });

  it('nested scenes cannot form cycles', () => {
    let c = start();
    c = applyChecked(c, { type: 'add_source', source: source('src_nest_live', 'scene', { sceneId: 'scn_live' }) });
    c = applyChecked(c, { type: 'add_source', source: source('src_nest_brb', 'scene', { sceneId: 'scn_brb' }) });
    c = applyChecked(c, { type: 'add_item', sceneId: 'scn_live', item: makeItem('itm_nest', 'src_nest_brb') });
    expect(refused(() => applyEdit(c, { type: 'add_item', sceneId: 'scn_brb', item: makeItem('itm_n', 'src_nest_live') })).code).toBe(
      'cycle',
    );
    expect(refused(() => applyEdit(c, { type: 'add_item', sceneId: 'scn_live', item: makeItem('itm_n', 'src_nest_live') })).code).toBe(
      'cycle',
    );
    // re-pointing the nested source at the scene containing it is a cycle too
    expect(
      refused(() => applyEdit(c, { type: 'update_source_settings', sourceId: 'src_nest_brb', settings: { sceneId: 'scn_live' } })).code,
    ).toBe('cycle');
  });

  it('current / preview / transition, and the studio-mode transition swap', () => {
    let c = start();
    expect(transitionEdit(c)).toBeNull();
    c = applyChecked(c, { type: 'set_preview_scene', sceneId: 'scn_brb' });
    c = applyChecked(c, transitionEdit(c)!);
    expect([c.currentSceneId, c.previewSceneId]).toEqual(['scn_brb', 'scn_live']);
    c = applyChecked(c, { type: 'set_transition', transition: { kind: 'slide', durationMs: 700, direction: 'left' } });
    expect(c.transition).toEqual({ kind: 'slide', durationMs: 700, direction: 'left' });
    expect(refused(() => applyEdit(c, { type: 'set_transition', transition: { kind: 'fade', durationMs: 9000 } })).code).toBe(
      'invalid_edit',
    );
    expect(refused(() => applyEdit(c, { type: 'set_current_scene', sceneId: 'nope' })).code).toBe('not_found');
  });
});

describe('applyEdit: items', () => {
  it('add / remove item at an index', () => {
    const c0 = start();
    const c1 = applyChecked(c0, { type: 'add_item', sceneId: 'scn_live', item: makeItem('itm_new', 'src_brb_text'), index: 1 });
    expect(itemIds(c1)).toEqual(['itm_camera', 'itm_new', 'itm_mic', 'itm_lower_third', 'itm_product_card']);
    const c2 = applyChecked(c1, { type: 'add_item', sceneId: 'scn_live', item: makeItem('itm_top', 'src_brb_text') });
    expect(itemIds(c2).at(-1)).toBe('itm_top');
    const c3 = applyChecked(c2, { type: 'remove_item', sceneId: 'scn_live', itemId: 'itm_new' });
    expect(itemIds(c3)).toEqual(['itm_camera', 'itm_mic', 'itm_lower_third', 'itm_product_card', 'itm_top']);
    expect(refused(() => applyEdit(c3, { type: 'add_item', sceneId: 'scn_live', item: makeItem('itm_top', 'src_camera') })).code).toBe(
      'duplicate_id',
    );
    expect(refused(() => applyEdit(c3, { type: 'add_item', sceneId: 'scn_live', item: makeItem('itm_x', 'src_nope') })).code).toBe(
      'not_found',
    );
    expect(refused(() => applyEdit(c3, { type: 'remove_item', sceneId: 'scn_live', itemId: 'nope' })).code).toBe('not_found');
  });

  it.each<[ReorderTarget, string[]]>([
    ['up', ['itm_mic', 'itm_camera', 'itm_lower_third', 'itm_product_card']],
    ['top', ['itm_mic', 'itm_lower_third', 'itm_product_card', 'itm_camera']],
    [{ index: 2 }, ['itm_mic', 'itm_lower_third', 'itm_camera', 'itm_product_card']],
    [{ index: 99 }, ['itm_mic', 'itm_lower_third', 'itm_product_card', 'itm_camera']],
  ])('reorder the bottom item %o', (to, expected) => {
    const c = applyChecked(start(), { type: 'reorder_item', sceneId: 'scn_live', itemId: 'itm_camera', to });
    expect(itemIds(c)).toEqual(expected);
  });

  it('reorder down / bottom, and no-ops at the ends', () => {
    const c0 = start();
    expect(itemIds(applyChecked(c0, { type: 'reorder_item', sceneId: 'scn_live', itemId: 'itm_product_card', to: 'down' }))).toEqual([
      'itm_camera',
      'itm_mic',
      'itm_product_card',
      'itm_lower_third',
    ]);
    expect(itemIds(applyChecked(c0, { type: 'reorder_item', sceneId: 'scn_live', itemId: 'itm_product_card', to: 'bottom' }))).toEqual([
      'itm_product_card',
      'itm_camera',
      'itm_mic',
      'itm_lower_third',
    ]);
    expect(applyEdit(c0, { type: 'reorder_item', sceneId: 'scn_live', itemId: 'itm_product_card', to: 'up' }).collection).toBe(c0);
    expect(applyEdit(c0, { type: 'reorder_item', sceneId: 'scn_live', itemId: 'itm_camera', to: 'down' }).collection).toBe(c0);
  });

  it('transform is partial and validated', () => {
    const c1 = applyChecked(start(), {
      type: 'transform_item',
      sceneId: 'scn_live',
      itemId: 'itm_lower_third',
      patch: { position: { x: 10, y: 20 }, rotation: 15 },
    });
    const item = c1.scenes[0]!.items[2]!;
    expect(item.position).toEqual({ x: 10, y: 20 });
    expect(item.rotation).toBe(15);
    expect(item.alignment).toBe('bottom_left');
    const bad = refused(() =>
      applyEdit(c1, {
        type: 'transform_item',
        sceneId: 'scn_live',
        itemId: 'itm_lower_third',
        patch: { crop: { left: -1, top: 0, right: 0, bottom: 0 } },
      }),
    );
    expect(bad.code).toBe('invalid_edit');
    expect(bad.issues[0]!.path).toBe('patch.crop.left');
    expect(refused(() => applyEdit(c1, { type: 'transform_item', sceneId: 'scn_live', itemId: 'x', patch: { rotation: 1 } })).code).toBe(
      'not_found',
    );
  });

  it('locked items refuse transforms but can be hidden, reordered, unlocked', () => {
    const ref = { sceneId: 'scn_live', itemId: 'itm_lower_third' };
    const c1 = applyChecked(start(), { type: 'set_item_locked', ...ref, locked: true });
    const e = refused(() => applyEdit(c1, { type: 'transform_item', ...ref, patch: { position: { x: 1, y: 1 } } }));
    expect(e.code).toBe('locked');
    const c2 = applyChecked(c1, { type: 'set_item_visible', ...ref, visible: false });
    const c3 = applyChecked(c2, { type: 'reorder_item', ...ref, to: 'top' });
    const c4 = applyChecked(c3, { type: 'set_item_locked', ...ref, locked: false });
    applyChecked(c4, { type: 'transform_item', ...ref, patch: { position: { x: 1, y: 1 } } });
  });

  it('a batch is all or nothing', () => {
    const c0 = start();
    const edits: SimpleEdit[] = [
      { type: 'rename_scene', sceneId: 'scn_live', name: 'On air' },
      { type: 'remove_item', sceneId: 'scn_live', itemId: 'nope' },
    ];
    expect(refused(() => applyEdit(c0, { type: 'batch', edits })).code).toBe('not_found');
    expect(c0.scenes[0]!.name).toBe('Live');
    const ok = applyChecked(c0, { type: 'batch', edits: [edits[0]!, { type: 'remove_source', sourceId: 'src_mic' }] });
    expect(ok.scenes[0]!.name).toBe('On air');
  });

  it('rejects malformed edits', () => {
    const c0 = start();
    expect(refused(() => applyEdit(c0, { type: 'explode' } as unknown as Edit)).code).toBe('invalid_edit');
    expect(
      refused(() => applyEdit(c0, { type: 'set_item_visible', sceneId: 'scn_live', itemId: 'itm_camera' } as unknown as Edit)).code,
    ).toBe('invalid_edit');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property test: random edit sequences undo / redo exactly.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  private n = 0;
  constructor(readonly rand: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  num(lo: number, hi: number): number {
    return Math.round((lo + this.rand() * (hi - lo)) * 100) / 100;
  }
  bool(p = 0.5): boolean {
    return this.rand() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }
  id(prefix: string): string {
    this.n += 1;
    return `${prefix}_${this.n}`;
  }

  settingsPatch(kind: Source['kind']): Record<string, unknown> {
    switch (kind) {
      case 'text':
        return this.pick([
          { text: `t${this.int(0, 99)}` },
          { fontSize: this.int(10, 200) },
          { scrollSpeed: this.int(-300, 300), wrapWidth: this.int(0, 900) },
        ]);
      case 'color':
        return this.pick([
          { width: this.int(1, 2000) },
          { fill: { type: 'solid', color: '#123456' } },
          { width: null, height: this.int(1, 900) },
        ]);
      case 'camera':
        return this.pick([{ mirror: this.bool() }, { deviceId: `cam${this.int(0, 3)}` }, { resolution: { width: 640, height: 480 } }]);
      case 'qr_code':
        return { size: this.int(64, 600) };
      case 'product_card':
        return this.pick([
          { showStock: this.bool() },
          { productId: `p_${this.int(100000, 999999)}` },
          { theme: this.pick(['dark', 'light', 'brand']) },
        ]);
      case 'lower_third':
        return { title: `T${this.int(0, 9)}` };
      default:
        return this.bool(0.5) ? {} : { bogus: 1 }; // {} is a no-op; bogus is refused
    }
  }

  item(c: SceneCollection): SceneItem {
    return makeItem(this.id('itm'), this.pick(c.sources).id, {
      position: { x: this.num(-100, 1400), y: this.num(-100, 800) },
      scale: { x: this.pick([1, 0.5, 2, -1]), y: this.pick([1, 0.75]) },
      rotation: this.pick([0, 90, 12.5]),
      visible: this.bool(0.8),
      locked: this.bool(0.2),
    });
  }

  transformPatch(): ItemTransformPatch {
    const patch: Record<string, unknown> = {};
    if (this.bool()) patch.position = { x: this.num(-50, 1300), y: this.num(-50, 700) };
    if (this.bool()) patch.scale = { x: this.pick([0.5, 1, 1.5, -1]), y: this.pick([0.5, 1, 2]) };
    if (this.bool(0.3)) patch.rotation = this.pick([0, 45, -30, 180]);
    if (this.bool(0.3)) patch.crop = { left: this.int(0, 20), top: 0, right: this.int(0, 20), bottom: 5 };
    if (this.bool(0.3)) patch.alignment = this.pick(Alignment.options);
    if (this.bool(0.3)) {
      patch.bounds = this.bool()
        ? { type: 'none', width: 0, height: 0, alignment: 'center' }
        : {
            type: this.pick(['stretch', 'scale_inner', 'scale_outer', 'max_only']),
            width: this.int(10, 900),
            height: this.int(10, 600),
            alignment: 'top',
          };
    }
    if (Object.keys(patch).length === 0) patch.rotation = this.num(-90, 90);
    return patch as ItemTransformPatch;
  }

  simple(c: SceneCollection): SimpleEdit {
    const scene = this.pick(c.scenes);
    const item = scene.items.length > 0 ? this.pick(scene.items) : null;
    const src = c.sources.length > 0 ? this.pick(c.sources) : null;
    const kinds = listKinds().map((k) => k.id);
    const type = this.pick([
      'add_source',
      'remove_source',
      'rename_source',
      'update_source_settings',
      'set_source_audio',
      'add_scene',
      'remove_scene',
      'rename_scene',
      'add_item',
      'add_item',
      'remove_item',
      'transform_item',
      'transform_item',
      'transform_item',
      'set_item_visible',
      'set_item_locked',
      'reorder_item',
      'reorder_item',
      'set_current_scene',
      'set_preview_scene',
      'set_transition',
      'set_hotkeys',
    ] as const);
    const ref = { sceneId: scene.id, itemId: item?.id ?? 'missing' };
    switch (type) {
      case 'add_source': {
        const kind = this.pick(kinds);
        const settings = kind === 'scene' ? { sceneId: this.pick(c.scenes).id } : kind === 'text' ? { text: 'hello' } : {};
        return { type, source: source(this.id('src'), kind, settings), index: this.bool() ? this.int(0, c.sources.length) : undefined };
      }
      case 'remove_source':
        return { type, sourceId: src?.id ?? 'missing' };
      case 'rename_source':
        return { type, sourceId: src?.id ?? 'missing', name: `Source ${this.int(0, 9)}` };
      case 'update_source_settings':
        return { type, sourceId: src?.id ?? 'missing', settings: src ? this.settingsPatch(src.kind) : {} };
      case 'set_source_audio':
        return {
          type,
          sourceId: src?.id ?? 'missing',
          muted: this.bool(),
          volumeDb: this.pick([0, -6, -20]),
          syncOffsetMs: this.bool() ? 120 : undefined,
        };
      case 'add_scene':
        return {
          type,
          scene: { id: this.id('scn'), name: `Scene ${this.int(0, 9)}`, items: c.sources.length > 0 && this.bool() ? [this.item(c)] : [] },
          index: this.bool() ? this.int(0, c.scenes.length) : undefined,
        };
      case 'remove_scene':
        return { type, sceneId: scene.id };
      case 'rename_scene':
        return { type, sceneId: scene.id, name: `Scene ${this.int(0, 9)}` };
      case 'add_item':
        return c.sources.length > 0
          ? { type, sceneId: scene.id, item: this.item(c), index: this.bool() ? this.int(0, scene.items.length + 2) : undefined }
          : { type: 'rename_scene', sceneId: scene.id, name: 'Empty' };
      case 'remove_item':
        return { type, ...ref };
      case 'transform_item':
        return { type, ...ref, patch: this.transformPatch() };
      case 'set_item_visible':
        return { type, ...ref, visible: this.bool() };
      case 'set_item_locked':
        return { type, ...ref, locked: this.bool(0.4) };
      case 'reorder_item':
        return { type, ...ref, to: this.pick(['up', 'down', 'top', 'bottom', { index: this.int(0, 6) }] as const) };
      case 'set_current_scene':
        return { type, sceneId: scene.id };
      case 'set_preview_scene':
        return { type, sceneId: this.bool(0.3) ? null : scene.id };
      case 'set_transition':
        return {
          type,
          transition: this.pick([
            { kind: 'cut', durationMs: 0 },
            { kind: 'fade', durationMs: this.int(0, 5000) },
            { kind: 'slide', durationMs: 600, direction: this.pick(['left', 'right', 'up', 'down'] as const) },
          ] as const),
        };
      case 'set_hotkeys':
        return {
          type,
          hotkeys: (
            [
              { keys: `F${this.int(1, 12)}`, action: { type: 'switch_scene', sceneId: scene.id } },
              ...(item ? [{ keys: 'CommandOrControl+H', action: { type: 'toggle_item', ...ref } }] : []),
              ...(src ? [{ keys: 'M', action: { type: 'toggle_mute', sourceId: src.id } }] : []),
            ] as Hotkey[]
          ).slice(0, this.int(0, 3)),
        };
    }
  }

  edit(c: SceneCollection): Edit {
    if (!this.bool(0.1)) return this.simple(c);
    // batches: generate each step against the state the previous steps produce
    const edits: SimpleEdit[] = [];
    let cur = c;
    for (let i = 0; i < this.int(2, 4); i++) {
      const e = this.simple(cur);
      try {
        cur = applyEdit(cur, e).collection;
        edits.push(e);
      } catch {
        // skip refused steps so most batches succeed
      }
    }
    return { type: 'batch', edits };
  }
}

describe('property: random edits undo and redo exactly', () => {
  const STEPS = 300;
  const applied = new Map<string, number>();

  it.each([1, 2, 3, 42, 2024, 31337])('seed %i', (seed) => {
    const gen = new Gen(mulberry32(seed));
    const c0 = start();
    let c = c0;
    const done: { edit: Edit; inverse: Edit }[] = [];
    const snapshots: SceneCollection[] = [c0];
    let refusals = 0;
    for (let i = 0; i < STEPS; i++) {
      const edit = gen.edit(c);
      const before = JSON.stringify(c);
      let r: ReturnType<typeof applyEdit>;
      try {
        r = applyEdit(c, edit);
      } catch (e) {
        expect(e).toBeInstanceOf(SceneError);
        expect(JSON.stringify(c)).toBe(before); // a refused edit changes nothing
        refusals += 1;
        continue;
      }
      deepFreeze(r.collection); // later edits must not mutate earlier states
      const v = validateCollection(r.collection);
      expect(v.ok ? [] : v.issues, `step ${i}: ${JSON.stringify(edit)}`).toEqual([]);
      if (r.collection === c) continue;
      applied.set(edit.type, (applied.get(edit.type) ?? 0) + 1);
      done.push({ edit, inverse: r.inverse });
      c = r.collection;
      snapshots.push(c);
    }
    expect(done.length).toBeGreaterThan(STEPS * 0.4);
    expect(refusals).toBeGreaterThan(0);
    const end = c;

    // undo everything with the inverses, checking every intermediate state
    for (let i = done.length - 1; i >= 0; i--) {
      c = applyEdit(c, done[i]!.inverse).collection;
      expect(c).toStrictEqual(snapshots[i]);
    }
    expect(c).toStrictEqual(c0);
    // redo everything with the original edits
    for (const d of done) c = applyEdit(c, d.edit).collection;
    expect(c).toStrictEqual(end);

    // the same through History, without merging …
    let clock = 0;
    const h = new History(c0, { cap: 10_000, now: () => (clock += 1000) });
    for (const d of done) h.apply(d.edit);
    expect(h.collection).toStrictEqual(end);
    while (h.canUndo) h.undo();
    expect(h.collection).toStrictEqual(c0);
    while (h.canRedo) h.redo();
    expect(h.collection).toStrictEqual(end);

    // … and with every transform run merged (same instant)
    const m = new History(c0, { cap: 10_000, now: () => 0 });
    for (const d of done) m.apply(d.edit);
    expect(m.undoDepth).toBeLessThanOrEqual(done.length);
    expect(m.collection).toStrictEqual(end);
    while (m.canUndo) m.undo();
    expect(m.collection).toStrictEqual(c0);
    while (m.canRedo) m.redo();
    expect(m.collection).toStrictEqual(end);
  });

  it('exercised every edit type', () => {
    const expected = [
      'add_source',
      'remove_source',
      'rename_source',
      'update_source_settings',
      'set_source_audio',
      'add_scene',
      'remove_scene',
      'rename_scene',
      'add_item',
      'remove_item',
      'transform_item',
      'set_item_visible',
      'set_item_locked',
      'reorder_item',
      'set_current_scene',
      'set_preview_scene',
      'set_transition',
      'set_hotkeys',
      'batch',
    ];
    for (const t of expected) expect(applied.get(t) ?? 0, t).toBeGreaterThan(0);
  });
});
