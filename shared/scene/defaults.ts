/** The starter scene collection a new studio opens with. */
import { DEFAULT_SETTINGS, type Locale, OUTPUT_PRESETS } from '../protocol/host';
import type { SimpleEdit } from './edits';
import {
  type Canvas,
  CURRENT_SCHEMA_VERSION,
  createId,
  makeItem,
  type SceneCollection,
  SceneCollection as SceneCollectionSchema,
  Source,
} from './model';

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
    livePortrait: '竖屏直播',
    qrCode: '直播间二维码',
    countdown: '秒杀倒计时',
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
    livePortrait: 'Live (portrait)',
    qrCode: 'Show QR code',
    countdown: 'Flash-sale countdown',
  },
};

/** Sources of the portrait starter scene that the landscape collection does not have. */
function portraitExtraSources(t: Record<string, string>) {
  return [
    { id: 'src_qr', kind: 'qr_code', name: t.qrCode, settings: {} },
    { id: 'src_countdown', kind: 'flash_sale_countdown', name: t.countdown, settings: {} },
  ];
}

interface PortraitIds {
  camera: string;
  mic: string | null;
  lowerThird: string;
  productCard: string;
  qr: string;
  countdown: string;
}

/**
 * The portrait "Live" layout for a tall frame (designed at 1080×1920, scaled to `canvas`): camera full-bleed (cover),
 * flash-sale countdown top-left and the show's QR code top-right below the viewer page's title bar and controls, the
 * lower-third text and, under it, the product card in the lower third, above the bottom fifth where the viewer page
 * puts its own product card, chat input and buttons. Everything stays inside the middle 80 % of the width: a phone
 * taller than 9:16 fills its screen by cropping the sides (cover).
 */
function portraitLiveItems(canvas: Canvas, ids: PortraitIds, itemPrefix = 'itm') {
  const k = canvas.width / 1080;
  const m = 120 * k;
  const y = (v: number) => (v / 1920) * canvas.height;
  return [
    makeItem(`${itemPrefix}_camera`, ids.camera, {
      bounds: { type: 'scale_outer', width: canvas.width, height: canvas.height, alignment: 'center' },
    }),
    ...(ids.mic ? [makeItem(`${itemPrefix}_mic`, ids.mic)] : []),
    makeItem(`${itemPrefix}_countdown`, ids.countdown, { position: { x: m, y: y(330) }, scale: { x: 1.25 * k, y: 1.25 * k } }),
    makeItem(`${itemPrefix}_qr`, ids.qr, {
      position: { x: canvas.width - m, y: y(330) },
      scale: { x: 0.8 * k, y: 0.8 * k },
      alignment: 'top_right',
    }),
    makeItem(`${itemPrefix}_lower_third`, ids.lowerThird, {
      position: { x: m, y: y(1270) },
      scale: { x: 0.8 * k, y: 0.8 * k },
      alignment: 'bottom_left',
    }),
    makeItem(`${itemPrefix}_product_card`, ids.productCard, {
      position: { x: m, y: y(1500) },
      scale: { x: 1.2 * k, y: 1.2 * k },
      alignment: 'bottom_left',
    }),
  ];
}

/**
 * "Live": camera filling the canvas (cover), microphone, a lower third bottom-left and a product-card slot
 * bottom-right that shows whichever product is pinned; on a portrait canvas the portrait layout above, with the
 * show's QR code and the flash-sale countdown. "Be right back": gradient background + centred message, no
 * microphone. The landscape layout is designed at 1920×1080 and scaled to `canvas`.
 */
export function defaultCollection(locale: Locale, canvas: Canvas = OUTPUT_PRESETS[DEFAULT_SETTINGS.output]): SceneCollection {
  const t = STRINGS[locale];
  const portrait = canvas.height > canvas.width;
  const k = portrait ? canvas.width / 1080 : canvas.width / 1920;
  const margin = 64 * k;
  const liveItems = portrait
    ? portraitLiveItems(canvas, {
        camera: 'src_camera',
        mic: 'src_mic',
        lowerThird: 'src_lower_third',
        productCard: 'src_product_card',
        qr: 'src_qr',
        countdown: 'src_countdown',
      })
    : [
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
      ];
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
      ...(portrait ? portraitExtraSources(t) : []),
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
      { id: 'scn_live', name: t.live, items: liveItems },
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

/**
 * Edits (one undo step) that add the portrait starter scene to a collection whose canvas is portrait, reusing its
 * camera, microphone, lower third, product-card slot, QR code and countdown sources when it has them (so texts the
 * streamer wrote carry over) and adding the missing ones. Returns the new scene's id with the edits.
 */
export function portraitStarterEdits(
  c: SceneCollection,
  locale: Locale,
  random: () => number = Math.random,
): { sceneId: string; edits: SimpleEdit[] } {
  const say = (key: string): string => STRINGS[locale][key] ?? key;
  const edits: SimpleEdit[] = [];
  const taken = new Set(c.sources.map((s) => s.id));
  const reuse = (kind: Source['kind'], pick: (s: Source) => boolean = () => true) => c.sources.find((s) => s.kind === kind && pick(s))?.id;
  const add = (id: string, kind: Source['kind'], name: string, settings: Record<string, unknown>): string => {
    const sourceId = taken.has(id) ? createId('src', random) : id;
    taken.add(sourceId);
    edits.push({ type: 'add_source', source: Source.parse({ id: sourceId, kind, name, settings }) });
    return sourceId;
  };
  const ids: PortraitIds = {
    camera: reuse('camera') ?? add('src_camera', 'camera', say('camera'), {}),
    mic: reuse('audio_input') ?? null,
    lowerThird:
      reuse('lower_third') ??
      add('src_lower_third', 'lower_third', say('lowerThird'), { title: say('lowerThirdTitle'), subtitle: say('lowerThirdSubtitle') }),
    productCard:
      reuse('product_card', (s) => s.kind === 'product_card' && s.settings.productId === null) ??
      add('src_product_card', 'product_card', say('productCard'), {}),
    qr: reuse('qr_code') ?? add('src_qr', 'qr_code', say('qrCode'), {}),
    countdown: reuse('flash_sale_countdown') ?? add('src_countdown', 'flash_sale_countdown', say('countdown'), {}),
  };
  const sceneId = c.scenes.some((s) => s.id === 'scn_live_portrait') ? createId('scn', random) : 'scn_live_portrait';
  edits.push({ type: 'add_scene', scene: { id: sceneId, name: say('livePortrait'), items: portraitLiveItems(c.canvas, ids) } });
  return { sceneId, edits };
}

/** Starter names and texts by id (source / scene id → STRINGS key; settings field → STRINGS key). */
const STARTER_SOURCE_NAMES: Record<string, string> = {
  src_camera: 'camera',
  src_mic: 'mic',
  src_lower_third: 'lowerThird',
  src_product_card: 'productCard',
  src_brb_background: 'background',
  src_brb_text: 'brbMessage',
  src_qr: 'qrCode',
  src_countdown: 'countdown',
};
const STARTER_SCENE_NAMES: Record<string, string> = { scn_live: 'live', scn_brb: 'brb', scn_live_portrait: 'livePortrait' };
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
