import { describe, expect, it } from 'vitest';
import { defaultCollection } from './defaults';
import { createId, makeItem, type SceneCollection, validateCollection } from './model';
import { alignmentFromObs, alignmentToObs, Alignment, OBS_ALIGN } from './primitives';
import { hitTestCollection, itemBoundingBox, sourceSizes } from './transform';

function messages(c: unknown): string[] {
  const r = validateCollection(c);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('defaultCollection', () => {
  it.each(['zh-CN', 'en'] as const)('%s starter is valid', (locale) => {
    const c = defaultCollection(locale);
    expect(messages(c)).toEqual([]);
    expect(c.scenes.map((s) => s.id)).toEqual(['scn_live', 'scn_brb']);
    expect(c.currentSceneId).toBe('scn_live');
    const kinds = c.scenes[0]!.items.map((i) => c.sources.find((s) => s.id === i.sourceId)!.kind);
    expect(kinds).toEqual(['camera', 'audio_input', 'lower_third', 'product_card']);
  });

  it('is localized', () => {
    expect(defaultCollection('zh-CN').scenes.map((s) => s.name)).toEqual(['直播', '马上回来']);
    expect(defaultCollection('en').scenes.map((s) => s.name)).toEqual(['Live', 'Be right back']);
  });

  it('lays the overlays out inside the canvas at any resolution', () => {
    for (const canvas of [
      { width: 1280, height: 720, fps: 30 },
      { width: 1920, height: 1080, fps: 30 },
    ]) {
      const c = defaultCollection('en', canvas);
      const sizes = sourceSizes(c, { src_camera: { width: 640, height: 480 } });
      for (const item of c.scenes[0]!.items) {
        const size = sizes.get(item.sourceId);
        if (!size) continue; // the microphone has no picture
        const box = itemBoundingBox(item, size);
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(canvas.width + 1e-9);
        expect(box.y + box.height).toBeLessThanOrEqual(canvas.height + 1e-9);
      }
      // the product card sits on top of the camera in the bottom-right corner
      expect(
        hitTestCollection(c, 'scn_live', { x: canvas.width - 80, y: canvas.height - 80 }, { src_camera: { width: 640, height: 480 } }),
      ).toBe('itm_product_card');
    }
  });
});

describe('validateCollection', () => {
  const base = (): SceneCollection => JSON.parse(JSON.stringify(defaultCollection('en'))) as SceneCollection;

  it('catches duplicate ids', () => {
    const c = base();
    c.sources.push({ ...c.sources[0]! });
    c.scenes[0]!.items.push(makeItem('itm_camera', 'src_camera'));
    expect(messages(c)).toEqual([
      'sources: duplicate source id "src_camera"',
      'scenes.0.items: duplicate item id "itm_camera" in scene "scn_live"',
    ]);
  });

  it('catches dangling references', () => {
    const c = base();
    c.scenes[1]!.items.push(makeItem('itm_x', 'src_missing'));
    c.currentSceneId = 'scn_missing';
    c.previewSceneId = 'scn_gone';
    c.hotkeys = [
      { keys: 'F1', action: { type: 'switch_scene', sceneId: 'nope' } },
      { keys: 'F2', action: { type: 'toggle_item', sceneId: 'scn_live', itemId: 'nope' } },
      { keys: 'F3', action: { type: 'toggle_mute', sourceId: 'src_mic' } },
    ];
    expect(messages(c)).toEqual([
      'scenes.1.items.2.sourceId: item "itm_x" references unknown source "src_missing"',
      'currentSceneId: unknown current scene "scn_missing"',
      'previewSceneId: unknown preview scene "scn_gone"',
      'hotkeys.0.action: hotkey references unknown scene "nope"',
      'hotkeys.1.action: hotkey references unknown item "scn_live/nope"',
    ]);
  });

  it('catches nested-scene cycles', () => {
    const c = base();
    c.sources.push({
      id: 'src_nest_brb',
      kind: 'scene',
      name: 'BRB',
      settings: { sceneId: 'scn_brb' },
      muted: false,
      volumeDb: 0,
      syncOffsetMs: 0,
    });
    c.sources.push({
      id: 'src_nest_live',
      kind: 'scene',
      name: 'Live',
      settings: { sceneId: 'scn_live' },
      muted: false,
      volumeDb: 0,
      syncOffsetMs: 0,
    });
    c.scenes[0]!.items.push(makeItem('itm_nest', 'src_nest_brb'));
    expect(messages(c)).toEqual([]); // live contains brb: fine
    c.scenes[1]!.items.push(makeItem('itm_nest', 'src_nest_live'));
    expect(messages(c)).toEqual([
      'scenes: scene "scn_live" contains itself through nested scenes',
      'scenes: scene "scn_brb" contains itself through nested scenes',
    ]);
  });

  it('checks shapes and per-kind settings', () => {
    const c = base() as unknown as { sources: { settings: Record<string, unknown> }[]; scenes: { items: Record<string, unknown>[] }[] };
    c.sources[0]!.settings.frameRate = 1000;
    c.scenes[0]!.items[0]!.bounds = { type: 'scale_inner', width: 0, height: 0, alignment: 'center' };
    c.scenes[0]!.items[1]!.scale = { x: 0, y: 1 };
    expect(messages(c)).toEqual([
      'sources.0.settings.frameRate: Too big: expected number to be <=120',
      'scenes.0.items.0.bounds: bounds need a width and height of at least 1',
      'scenes.0.items.1.scale.x: scale must not be zero',
    ]);
    expect(messages({ schemaVersion: 2 })[0]).toMatch(/^name: /);
  });
});

describe('helpers', () => {
  it('alignment ↔ OBS bits round-trip', () => {
    for (const a of Alignment.options) expect(alignmentFromObs(alignmentToObs(a))).toBe(a);
    expect(alignmentToObs('center')).toBe(OBS_ALIGN.CENTER);
    expect(alignmentToObs('top_left')).toBe(OBS_ALIGN.TOP | OBS_ALIGN.LEFT);
    expect(alignmentToObs('bottom')).toBe(OBS_ALIGN.BOTTOM);
    expect(alignmentFromObs(OBS_ALIGN.LEFT | OBS_ALIGN.RIGHT)).toBe('right');
  });

  it('createId makes valid, distinct ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => createId('itm')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^itm_[A-Za-z0-9]{12}$/);
  });
});
