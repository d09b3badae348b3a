/** The starter scene collection a new studio opens with. */
import { DEFAULT_SETTINGS, type Locale, OUTPUT_PRESETS } from '../protocol/host';
import type { SimpleEdit } from './edits';
import { type Canvas, CURRENT_SCHEMA_VERSION, makeItem, type SceneCollection, SceneCollection as SceneCollectionSchema } from './model';

const FONT_STACK = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", sans-serif';

const STRINGS: Record<Locale, Record<string, string>> = {
  'zh-CN': {
    collection: '默认场景集',
    live: '直播',
    brb: '马上回来',
    camera: '摄像头',
    mic: '麦克风',
    lowerThird: '字幕条',
    lowerThirdTitle: '欢迎来到直播间',
    lowerThirdSubtitle: '点击关注，新品上架第一时间知道',
    productCard: '商品卡片',
    background: '背景',
    brbText: '马上回来',
    brbMessage: '提示文字',
  },
  en: {
    collection: 'Default',
    live: 'Live',
    brb: 'Be right back',
    camera: 'Camera',
    mic: 'Microphone',
    lowerThird: 'Lower third',
    lowerThirdTitle: 'Welcome to the show',
    lowerThirdSubtitle: 'Follow to hear about new drops first',
    productCard: 'Product card',
    background: 'Background',
    brbText: 'Be right back',
    brbMessage: 'Message',
  },
};

/**
 * "Live": camera filling the canvas (cover), microphone, a lower third bottom-left and a product-card slot
 * bottom-right that shows whichever product is pinned. "Be right back": gradient background + centred message,
 * no microphone. Layout is designed at 1920×1080 and scaled to `canvas`.
 */
export function defaultCollection(locale: Locale, canvas: Canvas = OUTPUT_PRESETS[DEFAULT_SETTINGS.output]): SceneCollection {
  const t = STRINGS[locale];
  const k = canvas.width / 1920;
  const margin = 64 * k;
  const raw = {
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: t.collection,
    canvas: { ...canvas },
    sources: [
      { id: 'src_camera', kind: 'camera', name: t.camera, settings: {} },
      { id: 'src_mic', kind: 'audio_input', name: t.mic, settings: {} },
      {
        id: 'src_lower_third',
        kind: 'lower_third',
        name: t.lowerThird,
        settings: { title: t.lowerThirdTitle, subtitle: t.lowerThirdSubtitle },
      },
      { id: 'src_product_card', kind: 'product_card', name: t.productCard, settings: {} },
      {
        id: 'src_brb_background',
        kind: 'color',
        name: t.background,
        settings: {
          fill: {
            type: 'linear',
            angle: 135,
            stops: [
              { offset: 0, color: '#1b1030' },
              { offset: 1, color: '#0d1b2a' },
            ],
          },
        },
      },
      {
        id: 'src_brb_text',
        kind: 'text',
        name: t.brbMessage,
        settings: { text: t.brbText, fontFamily: FONT_STACK, fontSize: 96, fontWeight: 700, align: 'center' },
      },
    ],
    scenes: [
      {
        id: 'scn_live',
        name: t.live,
        items: [
          makeItem('itm_camera', 'src_camera', {
            bounds: { type: 'scale_outer', width: canvas.width, height: canvas.height, alignment: 'center' },
          }),
          makeItem('itm_mic', 'src_mic'),
          makeItem('itm_lower_third', 'src_lower_third', {
            position: { x: margin, y: canvas.height - margin },
            scale: { x: k, y: k },
            alignment: 'bottom_left',
          }),
          makeItem('itm_product_card', 'src_product_card', {
            position: { x: canvas.width - margin, y: canvas.height - margin },
            scale: { x: k, y: k },
            alignment: 'bottom_right',
          }),
        ],
      },
      {
        id: 'scn_brb',
        name: t.brb,
        items: [
          makeItem('itm_brb_background', 'src_brb_background'),
          makeItem('itm_brb_text', 'src_brb_text', {
            position: { x: canvas.width / 2, y: canvas.height / 2 },
            scale: { x: k, y: k },
            alignment: 'center',
          }),
        ],
      },
    ],
    currentSceneId: 'scn_live',
    previewSceneId: null,
    transition: { kind: 'fade', durationMs: 300 },
    hotkeys: [],
  };
  return SceneCollectionSchema.parse(raw);
}

/** Starter names and texts by id (source / scene id → STRINGS key; settings field → STRINGS key). */
const STARTER_SOURCE_NAMES: Record<string, string> = {
  src_camera: 'camera',
  src_mic: 'mic',
  src_lower_third: 'lowerThird',
  src_product_card: 'productCard',
  src_brb_background: 'background',
  src_brb_text: 'brbMessage',
};
const STARTER_SCENE_NAMES: Record<string, string> = { scn_live: 'live', scn_brb: 'brb' };
const STARTER_TEXTS: Record<string, Record<string, string>> = {
  src_lower_third: { title: 'lowerThirdTitle', subtitle: 'lowerThirdSubtitle' },
  src_brb_text: { text: 'brbText' },
};

/**
 * Edits that carry the starter collection's untouched names and texts from one language to another (a language
 * switch). Only values still equal to the starter's text in `from` change: whatever the streamer renamed or rewrote
 * is left alone. Empty when nothing applies.
 */
export function relocalizeStarter(c: SceneCollection, from: Locale, to: Locale): SimpleEdit[] {
  if (from === to) return [];
  const a = STRINGS[from];
  const b = STRINGS[to];
  const edits: SimpleEdit[] = [];
  for (const src of c.sources) {
    const key = STARTER_SOURCE_NAMES[src.id];
    if (key && src.name === a[key] && b[key]) edits.push({ type: 'rename_source', sourceId: src.id, name: b[key] });
    const texts = STARTER_TEXTS[src.id];
    if (!texts) continue;
    const settings = src.settings as Record<string, unknown>;
    const patch: Record<string, string> = {};
    for (const [field, k] of Object.entries(texts)) if (settings[field] === a[k] && b[k]) patch[field] = b[k];
    if (Object.keys(patch).length) edits.push({ type: 'update_source_settings', sourceId: src.id, settings: patch });
  }
  for (const scene of c.scenes) {
    const key = STARTER_SCENE_NAMES[scene.id];
    if (key && scene.name === a[key] && b[key]) edits.push({ type: 'rename_scene', sceneId: scene.id, name: b[key] });
  }
  return edits;
}
