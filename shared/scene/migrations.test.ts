import { describe, expect, it } from 'vitest';
import { defaultCollection } from './defaults';
import { SceneError } from './errors';
import v1Fixture from './fixtures/collection-v1.json';
import { migrateCollection, type MigrationResult, parseCollection, serializeCollection } from './migrations';
import { CURRENT_SCHEMA_VERSION, type SceneCollection } from './model';
import { itemBoxCorners } from './transform';

function ok(r: MigrationResult): { collection: SceneCollection; migratedFrom: number } {
  if (!r.ok) throw new Error(`expected ok, got ${r.error}: ${r.message}`);
  return r;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('v1 → v2', () => {
  const { collection: c, migratedFrom } = ok(parseCollection(JSON.stringify(v1Fixture)));

  it('reports the source version and produces the current schema', () => {
    expect(CURRENT_SCHEMA_VERSION).toBe(2);
    expect(migratedFrom).toBe(1);
    expect(c.schemaVersion).toBe(2);
    expect(c.name).toBe('春季上新专场');
    expect(c.canvas).toEqual({ width: 1280, height: 720, fps: 30 });
    expect(c.currentSceneId).toBe('live');
    expect(c.previewSceneId).toBeNull();
    expect(c.transition).toEqual({ kind: 'fade', durationMs: 450 });
    expect(c.hotkeys).toEqual([]);
  });

  it('maps source types and settings to kinds', () => {
    expect(c.sources.map((s) => [s.id, s.kind])).toEqual([
      ['cam1', 'camera'],
      ['mic1', 'audio_input'],
      ['title', 'text'],
      ['logo', 'image'],
      ['bg', 'color'],
      ['card', 'product_card'],
    ]);
    const [cam, mic, title, logo, bg, card] = c.sources;
    expect(cam!.settings).toMatchObject({ deviceId: 'a1b2c3', resolution: { width: 1920, height: 1080 }, frameRate: 30 });
    expect(title!.settings).toMatchObject({ text: '限时秒杀', fontFamily: 'PingFang SC', fontSize: 64, fontWeight: 700, color: '#ffcc00' });
    expect(logo!.settings).toEqual({ ref: { type: 'file', path: '/Users/shop/logo.png' }, fit: 'contain' });
    expect(bg!.settings).toEqual({ fill: { type: 'solid', color: '#101820' }, width: null, height: null });
    expect(card!.settings).toMatchObject({ productId: null, showPrice: true });
    // linear volume → dB; silence → the floor; mute kept
    expect(mic!.volumeDb).toBeCloseTo(-6.0206, 4);
    expect(cam!.volumeDb).toBe(0);
    expect(card).toMatchObject({ volumeDb: -100, muted: true });
  });

  it('converts items: radians → degrees, OBS bits → alignment, crop tuple, bounds enum, adds locked', () => {
    const [camera, mic, title, logo, card] = c.scenes[0]!.items;
    expect(camera).toMatchObject({
      sourceId: 'cam1',
      alignment: 'top_left',
      bounds: { type: 'scale_outer', width: 1280, height: 720, alignment: 'center' },
      locked: false,
    });
    expect(mic).toMatchObject({ scale: { x: 1, y: 1 }, rotation: 0, alignment: 'top_left', visible: true, locked: false });
    expect(title).toMatchObject({ rotation: 90, alignment: 'center', scale: { x: 0.5, y: 0.5 }, position: { x: 640, y: 60 } });
    expect(logo).toMatchObject({ alignment: 'top_right', crop: { left: 10, top: 0, right: 10, bottom: 4 }, visible: false });
    expect(card).toMatchObject({
      alignment: 'bottom_right',
      bounds: { type: 'scale_inner', width: 400, height: 150, alignment: 'bottom_right' },
    });
    expect(c.scenes[1]!.items[1]!.rotation).toBe(-15);
    for (const item of [...c.scenes[0]!.items, ...c.scenes[1]!.items]) expect(item.locked).toBe(false);
  });

  it('keeps the picture: a v1 item lands where v1 drew it', () => {
    // v1 drew the title (64 px text scaled ½, rotated π/2 about its centre) centred on (640, 60)
    const title = c.scenes[0]!.items[2]!;
    const corners = itemBoxCorners(title, { width: 200, height: 80 });
    const cx = corners.reduce((s, p) => s + p.x, 0) / 4;
    const cy = corners.reduce((s, p) => s + p.y, 0) / 4;
    expect(cx).toBeCloseTo(640, 9);
    expect(cy).toBeCloseTo(60, 9);
    expect(corners[0]!.x).toBeCloseTo(660, 9); // rotated 90° clockwise: the top-left corner is now top-right
    expect(corners[0]!.y).toBeCloseTo(10, 9);
  });

  it('the migrated collection serializes as v2 and reads back unchanged', () => {
    const again = ok(parseCollection(serializeCollection(c)));
    expect(again.migratedFrom).toBe(2);
    expect(again.collection).toStrictEqual(c);
  });
});

describe('refusals', () => {
  it('a newer schema version is refused with a clear message', () => {
    const future = { ...clone(defaultCollection('en')), schemaVersion: 3, somethingNew: { a: 1 } };
    const r = parseCollection(JSON.stringify(future));
    expect(r).toEqual({ ok: false, error: 'future_version', message: expect.stringContaining('newer Storecast (schema v3)') });
    expect(migrateCollection({ version: 7 })).toMatchObject({ ok: false, error: 'future_version' });
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{"schemaVersion": 2,', /not valid JSON/],
    ['an array', '[]', /expected a JSON object/],
    ['null', 'null', /expected a JSON object/],
    ['no version', '{"name":"x"}', /no schema version/],
    ['a version that is not a positive integer', '{"schemaVersion":"2"}', /no schema version/],
    [
      'v1 with an unknown source type',
      JSON.stringify({ ...v1Fixture, sources: [{ id: 'x', type: 'browser', name: 'x' }] }),
      /invalid v1.*sources\.0\.type/,
    ],
    ['v1 without scenes', JSON.stringify({ ...v1Fixture, scenes: undefined }), /invalid v1.*scenes/],
    [
      'v1 whose item points at a missing source',
      JSON.stringify({ ...v1Fixture, scenes: [{ id: 's', name: 'S', items: [{ id: 'i', source: 'gone', x: 0, y: 0 }] }], active: 's' }),
      /unknown source "gone"/,
    ],
    [
      'v1 with an invalid text colour',
      JSON.stringify({
        ...v1Fixture,
        sources: [{ id: 't', type: 'text', name: 'T', settings: { color: 'red' } }],
        scenes: [{ id: 's', name: 'S', items: [] }],
        active: 's',
      }),
      /sources\.0\.settings\.color/,
    ],
    [
      'v2 with a bad field',
      JSON.stringify({ ...clone(defaultCollection('en')), canvas: { width: 0, height: 720, fps: 30 } }),
      /canvas\.width/,
    ],
    [
      'v2 with a dangling current scene',
      JSON.stringify({ ...clone(defaultCollection('en')), currentSceneId: 'nope' }),
      /unknown current scene/,
    ],
  ])('%s is corrupt', (_label, text, message) => {
    const r = parseCollection(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBe('corrupt');
    expect(r.message).toMatch(message);
  });

  it('serializeCollection refuses a collection that breaks the rules', () => {
    const bad = { ...defaultCollection('en'), currentSceneId: 'nope' };
    expect(() => serializeCollection(bad)).toThrow(SceneError);
  });

  it('the current version round-trips', () => {
    const c = defaultCollection('zh-CN');
    const text = serializeCollection(c);
    expect(JSON.parse(text).schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
    const r = ok(parseCollection(text));
    expect(r.migratedFrom).toBe(CURRENT_SCHEMA_VERSION);
    expect(r.collection).toStrictEqual(c);
  });
});
