/**
 * Source-kind registry (the Storecast counterpart of libobs' `obs_source_info` table).
 * Each kind declares its settings schema (every field has a default, so `{}` parses to the kind's defaults),
 * what it produces (video / audio / async frames) and, when the settings alone determine it, its natural size.
 * Sizes of runtime sources (camera, screen, image, media) are reported by the renderer once frames arrive.
 */
import { z } from 'zod';
import { SceneError, toIssues } from './errors';
import { Color, EntityId, MediaRef, type Size } from './primitives';

export interface KindFlags {
  /** Produces pictures. */
  video: boolean;
  /** Produces sound (shows in the mixer). */
  audio: boolean;
  /** Frames arrive on their own clock (devices, media files) instead of being drawn on demand. */
  async: boolean;
}

export interface SizeContext {
  canvas: Size;
}

export interface SourceKindDef<
  Id extends string = string,
  S extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>,
> {
  id: Id;
  /** i18next key of the kind's display name, e.g. `scene.kind.camera`. */
  labelKey: string;
  settings: S;
  defaults: z.output<S>;
  flags: KindFlags;
  /** Size implied by the settings, or null when only the running source knows it. */
  naturalSize(settings: z.output<S>, ctx: SizeContext): Size | null;
}

function defineKind<Id extends string, S extends z.ZodType<Record<string, unknown>>>(
  id: Id,
  settings: S,
  flags: KindFlags,
  naturalSize: (settings: z.output<S>, ctx: SizeContext) => Size | null = () => null,
): SourceKindDef<Id, S> {
  return { id, labelKey: `scene.kind.${id}`, settings, defaults: settings.parse({}), flags, naturalSize };
}

const VIDEO = { video: true, audio: false, async: false };
const VIDEO_ASYNC = { video: true, audio: false, async: true };
const DeviceId = z.string().max(256).nullable().default(null);
const Millis = (max: number) => z.number().int().min(0).max(max);

// ---------------------------------------------------------------------------------------------------------------
// Settings schemas

export const CameraSettings = z.strictObject({
  /** MediaDeviceInfo.deviceId; null = the system default camera. */
  deviceId: DeviceId,
  /** Requested capture resolution (the device may deliver another; the running size wins). */
  resolution: z
    .strictObject({ width: z.number().int().min(16).max(7680), height: z.number().int().min(16).max(4320) })
    .default({ width: 1280, height: 720 }),
  frameRate: z.number().int().min(1).max(120).default(30),
  mirror: z.boolean().default(false),
});

export const AudioInputSettings = z.strictObject({
  deviceId: DeviceId,
  echoCancellation: z.boolean().default(true),
  noiseSuppression: z.boolean().default(true),
});

export const ScreenCaptureSettings = z.strictObject({
  target: z.enum(['screen', 'window']).default('screen'),
  /** desktopCapturer source id; null = ask the user when the source starts. */
  sourceId: z.string().max(256).nullable().default(null),
  captureCursor: z.boolean().default(true),
});

export const ImageFit = z.enum(['contain', 'cover', 'fill', 'none']);

export const ImageSettings = z.strictObject({
  ref: MediaRef.nullable().default(null),
  fit: ImageFit.default('contain'),
});

export const SlideTransition = z.enum(['cut', 'fade', 'slide']);

export const ImageSlideshowSettings = z.strictObject({
  items: z.array(MediaRef).max(500).default([]),
  intervalMs: z.number().int().min(500).max(3_600_000).default(5000),
  transition: SlideTransition.default('fade'),
  transitionMs: Millis(5000).default(500),
  loop: z.boolean().default(true),
  shuffle: z.boolean().default(false),
  fit: ImageFit.default('contain'),
});

export const TextSettings = z.strictObject({
  text: z.string().max(10_000).default(''),
  fontFamily: z.string().min(1).max(200).default('system-ui'),
  fontSize: z.number().min(6).max(512).default(48),
  fontWeight: z.number().int().min(100).max(900).multipleOf(100).default(600),
  italic: z.boolean().default(false),
  color: Color.default('#ffffff'),
  outlineColor: Color.default('#000000'),
  outlineWidth: z.number().min(0).max(50).default(0),
  /** Box behind the text; null = transparent. */
  background: Color.nullable().default(null),
  backgroundPadding: z.number().min(0).max(200).default(12),
  align: z.enum(['left', 'center', 'right']).default('left'),
  lineHeight: z.number().min(0.8).max(3).default(1.25),
  /** Horizontal scrolling (ticker) in px/s; 0 = static, negative scrolls right. */
  scrollSpeed: z.number().min(-5000).max(5000).default(0),
  /** Wrap lines at this width in px; 0 = no wrapping. */
  wrapWidth: z.number().int().min(0).max(8192).default(0),
});

export const GradientStop = z.strictObject({ offset: z.number().min(0).max(1), color: Color });

export const ColorFill = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('solid'), color: Color }),
  z.strictObject({
    type: z.literal('linear'),
    /** CSS convention: 0 = bottom → top, 90 = left → right. */
    angle: z.number().min(0).max(360),
    stops: z
      .array(GradientStop)
      .min(2)
      .max(16)
      .refine((s) => s.every((stop, i) => i === 0 || stop.offset >= s[i - 1]!.offset), 'stops must be sorted by offset'),
  }),
]);
export type ColorFill = z.infer<typeof ColorFill>;

export const ColorSettings = z.strictObject({
  fill: ColorFill.default({ type: 'solid', color: '#16161dff' }),
  /** null = the canvas size (like OBS' colour source default). */
  width: z.number().int().min(1).max(8192).nullable().default(null),
  height: z.number().int().min(1).max(8192).nullable().default(null),
});

export const MediaFileSettings = z.strictObject({
  ref: MediaRef.nullable().default(null),
  loop: z.boolean().default(true),
  /** Linear gain 0‥1 of the file itself (the source's `volumeDb` applies on top, in the mixer). */
  volume: z.number().min(0).max(1).default(1),
  muted: z.boolean().default(false),
  restartOnActivate: z.boolean().default(true),
});

export const OverlayAnimation = z.strictObject({
  type: z.enum(['none', 'fade', 'slide_left', 'slide_right', 'slide_up', 'slide_down', 'pop']),
  durationMs: Millis(3000),
});
export type OverlayAnimation = z.infer<typeof OverlayAnimation>;

export const ProductCardSettings = z.strictObject({
  /** The product to show; null = a slot that shows whichever product is pinned live. */
  productId: z.string().min(1).max(64).nullable().default(null),
  showPrice: z.boolean().default(true),
  showStock: z.boolean().default(true),
  showCountdown: z.boolean().default(true),
  theme: z.enum(['dark', 'light', 'brand']).default('dark'),
  animationIn: OverlayAnimation.default({ type: 'slide_left', durationMs: 400 }),
  animationOut: OverlayAnimation.default({ type: 'fade', durationMs: 300 }),
});

export const CountdownStyle = z.enum(['pill', 'banner', 'digital']);

export const FlashSaleCountdownSettings = z.strictObject({
  /** The flash-sale SKU; null = the sale currently running in the show. */
  skuId: z.string().min(1).max(64).nullable().default(null),
  style: CountdownStyle.default('pill'),
});

export const ChatOverlaySettings = z.strictObject({
  maxLines: z.number().int().min(1).max(50).default(8),
  fontSize: z.number().min(10).max(96).default(24),
  /** Messages fade out after this long; 0 = never. */
  fadeAfterMs: Millis(600_000).default(30_000),
  width: z.number().int().min(160).max(3840).default(480),
});

export const QrCodeSettings = z.strictObject({
  /** '' = the viewer page of the current show. */
  url: z.union([z.literal(''), z.url({ protocol: /^https?$/ }).max(2048)]).default(''),
  size: z.number().int().min(64).max(2048).default(240),
  foreground: Color.default('#000000'),
  background: Color.default('#ffffff'),
  /** Quiet zone in modules. */
  margin: z.number().int().min(0).max(16).default(2),
});

export const LowerThirdSettings = z.strictObject({
  title: z.string().max(120).default(''),
  subtitle: z.string().max(200).default(''),
  primaryColor: Color.default('#ff3d57'),
  secondaryColor: Color.default('#16161de6'),
  textColor: Color.default('#ffffff'),
  animation: z.enum(['none', 'fade', 'slide', 'wipe']).default('slide'),
  durationMs: Millis(3000).default(500),
  width: z.number().int().min(200).max(3840).default(960),
});

export const SceneSourceSettings = z.strictObject({
  /** The nested scene; null = nothing chosen yet (draws nothing). */
  sceneId: EntityId.nullable().default(null),
});

// ---------------------------------------------------------------------------------------------------------------
// Natural sizes

const WIDE_CHAR =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]|\p{Extended_Pictographic}/u;

/** Advance of one character in em: CJK / full-width / emoji are square, Latin averages ~0.56 em. */
function charAdvance(ch: string): number {
  if (WIDE_CHAR.test(ch)) return 1;
  if (ch === ' ' || /[iIl.,:;'!|]/.test(ch)) return 0.3;
  if (/[A-Z0-9mwMW@%&]/.test(ch)) return 0.64;
  return 0.54;
}

/**
 * Layout estimate of a text source (the renderer replaces it with the measured size): greedy per-character
 * wrapping at `wrapWidth`, `lineHeight` × size per line, plus outline and background padding.
 */
export function estimateTextSize(s: z.output<typeof TextSettings>): Size {
  const maxLine = s.wrapWidth > 0 ? s.wrapWidth : Number.POSITIVE_INFINITY;
  let lines = 0;
  let widest = 0;
  for (const paragraph of s.text.split('\n')) {
    let line = 0;
    lines += 1;
    for (const ch of paragraph) {
      const w = charAdvance(ch) * s.fontSize;
      if (line > 0 && line + w > maxLine) {
        widest = Math.max(widest, line);
        lines += 1;
        line = 0;
      }
      line += w;
    }
    widest = Math.max(widest, line);
  }
  const pad = (s.background ? s.backgroundPadding : 0) + s.outlineWidth;
  const width = (s.wrapWidth > 0 ? s.wrapWidth : Math.max(1, widest)) + pad * 2;
  const height = lines * s.fontSize * s.lineHeight + pad * 2;
  return { width: Math.ceil(width), height: Math.ceil(height) };
}

const COUNTDOWN_SIZES: Record<z.infer<typeof CountdownStyle>, Size> = {
  pill: { width: 320, height: 72 },
  banner: { width: 960, height: 96 },
  digital: { width: 400, height: 140 },
};

// ---------------------------------------------------------------------------------------------------------------
// Registry

export const SOURCE_KINDS = {
  camera: defineKind('camera', CameraSettings, VIDEO_ASYNC),
  audio_input: defineKind('audio_input', AudioInputSettings, { video: false, audio: true, async: true }),
  screen_capture: defineKind('screen_capture', ScreenCaptureSettings, VIDEO_ASYNC),
  image: defineKind('image', ImageSettings, VIDEO),
  image_slideshow: defineKind('image_slideshow', ImageSlideshowSettings, VIDEO),
  text: defineKind('text', TextSettings, VIDEO, estimateTextSize),
  color: defineKind('color', ColorSettings, VIDEO, (s, { canvas }) => ({
    width: s.width ?? canvas.width,
    height: s.height ?? canvas.height,
  })),
  media_file: defineKind('media_file', MediaFileSettings, { video: true, audio: true, async: true }),
  product_card: defineKind('product_card', ProductCardSettings, VIDEO, (s) => ({ width: 520, height: s.showCountdown ? 168 : 124 })),
  flash_sale_countdown: defineKind('flash_sale_countdown', FlashSaleCountdownSettings, VIDEO, (s) => ({ ...COUNTDOWN_SIZES[s.style] })),
  chat_overlay: defineKind('chat_overlay', ChatOverlaySettings, VIDEO, (s) => ({
    width: s.width,
    height: Math.ceil(s.maxLines * s.fontSize * 1.5 + 24),
  })),
  qr_code: defineKind('qr_code', QrCodeSettings, VIDEO, (s) => ({ width: s.size, height: s.size })),
  lower_third: defineKind('lower_third', LowerThirdSettings, VIDEO, (s) => ({ width: s.width, height: 136 })),
  /** A scene used as a source (OBS "nested scene"): canvas-sized. */
  scene: defineKind('scene', SceneSourceSettings, VIDEO, (_s, { canvas }) => ({ ...canvas })),
} as const;

export type SourceKindId = keyof typeof SOURCE_KINDS;
export const SourceKindId = z.enum(Object.keys(SOURCE_KINDS) as [SourceKindId, ...SourceKindId[]]);
export type SettingsOf<K extends SourceKindId> = z.output<(typeof SOURCE_KINDS)[K]['settings']>;
export type AnySourceKind = (typeof SOURCE_KINDS)[SourceKindId];

export function isSourceKindId(id: string): id is SourceKindId {
  return Object.hasOwn(SOURCE_KINDS, id);
}

/** The kind with this id; `SceneError('unknown_kind')` otherwise. */
export function getKind<K extends SourceKindId>(id: K): (typeof SOURCE_KINDS)[K];
export function getKind(id: string): AnySourceKind;
export function getKind(id: string): AnySourceKind {
  if (!isSourceKindId(id)) throw new SceneError('unknown_kind', `unknown source kind "${id}"`);
  return SOURCE_KINDS[id];
}

/** All kinds, in registry order (the order the "add source" menu shows them). */
export function listKinds(): AnySourceKind[] {
  return Object.values(SOURCE_KINDS);
}

/** Validate raw settings for a kind, filling defaults. Unknown kind / bad settings → `SceneError`. */
export function parseSettings<K extends SourceKindId>(kind: K, raw: unknown): SettingsOf<K>;
export function parseSettings(kind: string, raw: unknown): Record<string, unknown>;
export function parseSettings(kind: string, raw: unknown): Record<string, unknown> {
  const def = getKind(kind);
  const r = def.settings.safeParse(raw ?? {});
  if (!r.success) {
    throw new SceneError(
      'invalid_settings',
      `invalid ${kind} settings: ${r.error.issues[0]?.message ?? 'invalid'}`,
      toIssues(r.error.issues),
    );
  }
  return r.data;
}

/** Natural size of a source from its kind and settings (null = only known at run time). */
export function naturalSize(source: { kind: string; settings: unknown }, ctx: SizeContext): Size | null {
  const def = getKind(source.kind) as SourceKindDef;
  return def.naturalSize(parseSettings(source.kind, source.settings), ctx);
}
