import { describe, expect, it } from 'vitest';
import { SceneError } from './errors';
import { estimateTextSize, getKind, listKinds, naturalSize, parseSettings, SOURCE_KINDS, type SourceKindId, TextSettings } from './kinds';

function refused(fn: () => unknown): SceneError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SceneError) return e;
    throw e;
  }
  throw new Error('expected a SceneError');
}

const canvas = { width: 1280, height: 720 };

describe('registry', () => {
  it('lists every kind with label key, flags and complete defaults', () => {
    expect(listKinds().map((k) => k.id)).toEqual([
      'camera',
      'audio_input',
      'screen_capture',
      'image',
      'image_slideshow',
      'text',
      'color',
      'media_file',
      'product_card',
      'flash_sale_countdown',
      'chat_overlay',
      'qr_code',
      'lower_third',
      'scene',
    ]);
    for (const kind of listKinds()) {
      expect(kind.labelKey).toBe(`scene.kind.${kind.id}`);
      expect(getKind(kind.id)).toBe(kind);
      // defaults are a complete, valid settings object
      expect(parseSettings(kind.id, {})).toStrictEqual(kind.defaults);
      expect(parseSettings(kind.id, kind.defaults)).toStrictEqual(kind.defaults);
      expect(kind.flags.video || kind.flags.audio).toBe(true);
    }
  });

  it('flags describe what a kind produces', () => {
    expect(SOURCE_KINDS.camera.flags).toEqual({ video: true, audio: false, async: true });
    expect(SOURCE_KINDS.audio_input.flags).toEqual({ video: false, audio: true, async: true });
    expect(SOURCE_KINDS.media_file.flags).toEqual({ video: true, audio: true, async: true });
    expect(SOURCE_KINDS.text.flags).toEqual({ video: true, audio: false, async: false });
  });

  it('unknown kinds are a typed error', () => {
    expect(refused(() => getKind('browser')).code).toBe('unknown_kind');
    expect(refused(() => parseSettings('browser', {})).code).toBe('unknown_kind');
    expect(refused(() => getKind('toString')).code).toBe('unknown_kind');
  });
});

describe('parseSettings per kind', () => {
  const good: [SourceKindId, Record<string, unknown>, Record<string, unknown>][] = [
    ['camera', { deviceId: 'cam-1', resolution: { width: 1920, height: 1080 } }, { frameRate: 30, mirror: false }],
    ['audio_input', { deviceId: 'mic' }, { echoCancellation: true }],
    ['screen_capture', { target: 'window', sourceId: 'window:42:0' }, { captureCursor: true }],
    ['image', { ref: { type: 'url', url: 'https://cdn.example.com/a.png' }, fit: 'cover' }, {}],
    ['image_slideshow', { items: [{ type: 'file', path: '/tmp/a.jpg' }], intervalMs: 2000, transition: 'slide' }, { loop: true }],
    ['text', { text: '秒杀中', fontSize: 72, outlineWidth: 4, scrollSpeed: 120, wrapWidth: 600 }, { color: '#ffffff' }],
    [
      'color',
      {
        fill: {
          type: 'linear',
          angle: 90,
          stops: [
            { offset: 0, color: '#000000' },
            { offset: 1, color: '#ffffff80' },
          ],
        },
      },
      { width: null },
    ],
    ['media_file', { ref: { type: 'file', path: '/v/intro.mp4' }, loop: false, volume: 0.4 }, { muted: false }],
    ['product_card', { productId: 'p_abc123', showStock: false, animationIn: { type: 'pop', durationMs: 250 } }, { theme: 'dark' }],
    ['flash_sale_countdown', { skuId: 's_abc123', style: 'banner' }, {}],
    ['chat_overlay', { maxLines: 5, fontSize: 20, fadeAfterMs: 0 }, { width: 480 }],
    ['qr_code', { url: 'https://shop.example.com/live/abc', size: 300 }, { margin: 2 }],
    ['lower_third', { title: '主播小美', subtitle: '今晚 8 点开抢', animation: 'wipe' }, { width: 960 }],
    ['scene', { sceneId: 'scn_brb' }, {}],
  ];

  it.each(good)('%s: valid settings parse, defaults filled', (kind, raw, filled) => {
    const s = parseSettings(kind, raw);
    expect(s).toMatchObject(raw);
    expect(s).toMatchObject(filled);
    expect(Object.keys(s).sort()).toEqual(Object.keys(getKind(kind).defaults).sort());
  });

  const bad: [SourceKindId, Record<string, unknown>, string][] = [
    ['camera', { resolution: { width: 8, height: 720 } }, 'resolution.width'],
    ['audio_input', { deviceId: 42 }, 'deviceId'],
    ['screen_capture', { target: 'tab' }, 'target'],
    ['image', { ref: { type: 'url', url: 'javascript:alert(1)' } }, 'ref.url'],
    ['image', { fit: 'tile' }, 'fit'],
    ['image_slideshow', { intervalMs: 10 }, 'intervalMs'],
    ['text', { fontSize: 2 }, 'fontSize'],
    ['text', { color: 'red' }, 'color'],
    ['text', { fontWeight: 450 }, 'fontWeight'],
    ['color', { fill: { type: 'linear', angle: 0, stops: [{ offset: 0, color: '#000000' }] } }, 'fill.stops'],
    [
      'color',
      {
        fill: {
          type: 'linear',
          angle: 0,
          stops: [
            { offset: 1, color: '#000000' },
            { offset: 0, color: '#ffffff' },
          ],
        },
      },
      'fill.stops',
    ],
    ['media_file', { volume: 1.5 }, 'volume'],
    ['product_card', { animationIn: { type: 'spin', durationMs: 100 } }, 'animationIn.type'],
    ['flash_sale_countdown', { style: 'huge' }, 'style'],
    ['chat_overlay', { maxLines: 0 }, 'maxLines'],
    ['qr_code', { url: 'ftp://x.example.com' }, 'url'],
    ['lower_third', { title: 'x'.repeat(121) }, 'title'],
    ['scene', { sceneId: 'bad id!' }, 'sceneId'],
    ['camera', { deviceid: 'typo' }, ''],
  ];

  it.each(bad)('%s: invalid settings are refused (%o)', (kind, raw, path) => {
    const e = refused(() => parseSettings(kind, raw));
    expect(e.code).toBe('invalid_settings');
    expect(e.issues.length).toBeGreaterThan(0);
    expect(e.issues[0]!.path).toBe(path);
  });
});

describe('natural sizes', () => {
  it('settings-sized kinds report a size, runtime-sized kinds do not', () => {
    expect(naturalSize({ kind: 'color', settings: {} }, { canvas })).toEqual(canvas);
    expect(naturalSize({ kind: 'color', settings: { width: 200, height: 100 } }, { canvas })).toEqual({ width: 200, height: 100 });
    expect(naturalSize({ kind: 'qr_code', settings: { size: 300 } }, { canvas })).toEqual({ width: 300, height: 300 });
    expect(naturalSize({ kind: 'product_card', settings: {} }, { canvas })).toEqual({ width: 520, height: 168 });
    expect(naturalSize({ kind: 'product_card', settings: { showCountdown: false } }, { canvas })).toEqual({ width: 520, height: 124 });
    expect(naturalSize({ kind: 'flash_sale_countdown', settings: { style: 'banner' } }, { canvas })).toEqual({ width: 960, height: 96 });
    expect(naturalSize({ kind: 'chat_overlay', settings: { maxLines: 4, fontSize: 20, width: 400 } }, { canvas })).toEqual({
      width: 400,
      height: 144,
    });
    expect(naturalSize({ kind: 'lower_third', settings: { width: 800 } }, { canvas })).toEqual({ width: 800, height: 136 });
    expect(naturalSize({ kind: 'scene', settings: {} }, { canvas })).toEqual(canvas);
    for (const kind of ['camera', 'audio_input', 'screen_capture', 'image', 'image_slideshow', 'media_file'] as const) {
      expect(naturalSize({ kind, settings: {} }, { canvas })).toBeNull();
    }
  });

  it('text size estimate: CJK glyphs are square, lines stack, wrapping follows wrapWidth', () => {
    const base = TextSettings.parse({ fontSize: 50, lineHeight: 1.2 });
    expect(estimateTextSize({ ...base, text: '马上回来' })).toEqual({ width: 200, height: 60 });
    expect(estimateTextSize({ ...base, text: '马上\n回来吧' })).toEqual({ width: 150, height: 120 });
    // 10 CJK glyphs (500 px) wrapped at 220 px → 3 lines of at most 4 glyphs; the box is the wrap width
    expect(estimateTextSize({ ...base, text: '一二三四五六七八九十', wrapWidth: 220 })).toEqual({ width: 220, height: 180 });
    // background padding and outline grow the box on every side
    expect(estimateTextSize({ ...base, text: '马上回来', background: '#000000', backgroundPadding: 10, outlineWidth: 2 })).toEqual({
      width: 224,
      height: 84,
    });
    // Latin text is narrower than CJK text of the same length
    expect(estimateTextSize({ ...base, text: 'abcd' }).width).toBeLessThan(200);
  });
});
