/**
 * Scene-collection data model (libobs: sources, scenes, scene items, transition) as zod schemas.
 * Everything here is plain JSON data; transforms are computed from it (see transform.ts), never stored.
 */
import { z } from 'zod';
import { type SceneIssue, toIssues } from './errors';
import {
  AudioInputSettings,
  CameraSettings,
  ChatOverlaySettings,
  ColorSettings,
  FlashSaleCountdownSettings,
  ImageSettings,
  ImageSlideshowSettings,
  LowerThirdSettings,
  MediaFileSettings,
  ProductCardSettings,
  QrCodeSettings,
  SceneSourceSettings,
  ScreenCaptureSettings,
  TextSettings,
} from './kinds';
import { Alignment, DisplayName, EntityId } from './primitives';

export const CURRENT_SCHEMA_VERSION = 2;

// ---------------------------------------------------------------------------------------------------------------
// Sources

const sourceCommon = {
  id: EntityId,
  name: DisplayName,
  /** Mixer state (meaningful for kinds with audio; kept for every source like OBS does). */
  muted: z.boolean().default(false),
  volumeDb: z.number().min(-100).max(26).default(0),
  /** Audio sync offset in ms (positive = delay audio). */
  syncOffsetMs: z.number().int().min(-20_000).max(20_000).default(0),
};

function sourceOf<K extends string, S extends z.ZodType>(kind: K, settings: S) {
  return z.strictObject({ ...sourceCommon, kind: z.literal(kind), settings: settings });
}

export const Source = z.discriminatedUnion('kind', [
  sourceOf('camera', CameraSettings),
  sourceOf('audio_input', AudioInputSettings),
  sourceOf('screen_capture', ScreenCaptureSettings),
  sourceOf('image', ImageSettings),
  sourceOf('image_slideshow', ImageSlideshowSettings),
  sourceOf('text', TextSettings),
  sourceOf('color', ColorSettings),
  sourceOf('media_file', MediaFileSettings),
  sourceOf('product_card', ProductCardSettings),
  sourceOf('flash_sale_countdown', FlashSaleCountdownSettings),
  sourceOf('chat_overlay', ChatOverlaySettings),
  sourceOf('qr_code', QrCodeSettings),
  sourceOf('lower_third', LowerThirdSettings),
  sourceOf('scene', SceneSourceSettings),
]);
export type Source = z.infer<typeof Source>;
export type SourceOfKind<K extends Source['kind']> = Extract<Source, { kind: K }>;

// ---------------------------------------------------------------------------------------------------------------
// Scene items

/** Scale factor: finite, may be negative (flip), never (close to) zero. */
const ScaleFactor = z
  .number()
  .min(-100)
  .max(100)
  .refine((v) => Math.abs(v) >= 1e-4, 'scale must not be zero');

export const Vec2 = z.strictObject({ x: z.number().min(-100_000).max(100_000), y: z.number().min(-100_000).max(100_000) });

export const Crop = z.strictObject({
  left: z.number().int().min(0).max(16_384),
  top: z.number().int().min(0).max(16_384),
  right: z.number().int().min(0).max(16_384),
  bottom: z.number().int().min(0).max(16_384),
});
export type Crop = z.infer<typeof Crop>;

/** libobs `enum obs_bounds_type`. */
export const BoundsType = z.enum(['none', 'stretch', 'scale_inner', 'scale_outer', 'scale_to_width', 'scale_to_height', 'max_only']);
export type BoundsType = z.infer<typeof BoundsType>;

export const Bounds = z
  .strictObject({
    type: BoundsType,
    width: z.number().min(0).max(100_000),
    height: z.number().min(0).max(100_000),
    /** Where the content sits inside the bounds box when it does not fill it. */
    alignment: Alignment,
  })
  .refine((b) => b.type === 'none' || (b.width >= 1 && b.height >= 1), 'bounds need a width and height of at least 1');
export type Bounds = z.infer<typeof Bounds>;

export const SceneItem = z.strictObject({
  id: EntityId,
  sourceId: EntityId,
  /** Canvas position of the item's alignment point. */
  position: Vec2,
  scale: z.strictObject({ x: ScaleFactor, y: ScaleFactor }),
  /** Degrees, clockwise (y points down), about the alignment point. */
  rotation: z.number().min(-3600).max(3600),
  /** Source pixels removed from each edge before scaling. */
  crop: Crop,
  bounds: Bounds,
  alignment: Alignment,
  visible: z.boolean(),
  /** Locked items cannot be moved / scaled / rotated / cropped. */
  locked: z.boolean(),
});
export type SceneItem = z.infer<typeof SceneItem>;

/** The transform fields of an item (what `transform_item` edits may change). */
export const ItemTransformPatch = SceneItem.pick({
  position: true,
  scale: true,
  rotation: true,
  crop: true,
  bounds: true,
  alignment: true,
}).partial();
export type ItemTransformPatch = z.infer<typeof ItemTransformPatch>;

export const NO_CROP: Crop = { left: 0, top: 0, right: 0, bottom: 0 };

/** A new item with OBS' defaults (top-left aligned at `position`, scale 1, no crop, no bounds). */
export function makeItem(id: string, sourceId: string, overrides: Partial<Omit<SceneItem, 'id' | 'sourceId'>> = {}): SceneItem {
  return {
    id,
    sourceId,
    position: { x: 0, y: 0 },
    scale: { x: 1, y: 1 },
    rotation: 0,
    crop: { ...NO_CROP },
    bounds: { type: 'none', width: 0, height: 0, alignment: 'center' },
    alignment: 'top_left',
    visible: true,
    locked: false,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scenes, transitions, collection

export const Scene = z.strictObject({
  id: EntityId,
  name: DisplayName,
  /** Draw order: first item is drawn first (bottom), last item on top. */
  items: z.array(SceneItem).max(500),
});
export type Scene = z.infer<typeof Scene>;

export const Transition = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('cut'), durationMs: z.number().int().min(0).max(5000) }),
  z.strictObject({ kind: z.literal('fade'), durationMs: z.number().int().min(0).max(5000) }),
  z.strictObject({
    kind: z.literal('slide'),
    durationMs: z.number().int().min(0).max(5000),
    direction: z.enum(['left', 'right', 'up', 'down']),
  }),
]);
export type Transition = z.infer<typeof Transition>;

/** Keyboard accelerator in Electron syntax, e.g. `CommandOrControl+1`, `F5`. */
export const Accelerator = z
  .string()
  .regex(/^[A-Za-z0-9+\-=[\];',./`\\]+$/, 'invalid accelerator')
  .max(64);

export const HotkeyAction = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('switch_scene'), sceneId: EntityId }),
  z.strictObject({ type: z.literal('preview_scene'), sceneId: EntityId }),
  z.strictObject({ type: z.literal('transition') }),
  z.strictObject({ type: z.literal('toggle_item'), sceneId: EntityId, itemId: EntityId }),
  z.strictObject({ type: z.literal('toggle_mute'), sourceId: EntityId }),
]);
export type HotkeyAction = z.infer<typeof HotkeyAction>;

export const Hotkey = z.strictObject({ keys: Accelerator, action: HotkeyAction });
export type Hotkey = z.infer<typeof Hotkey>;

export const Canvas = z.strictObject({
  width: z.number().int().min(16).max(7680),
  height: z.number().int().min(16).max(4320),
  fps: z.number().int().min(1).max(120),
});
export type Canvas = z.infer<typeof Canvas>;

export const SceneCollection = z.strictObject({
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  name: DisplayName,
  canvas: Canvas,
  sources: z.array(Source).max(1000),
  scenes: z.array(Scene).min(1).max(200),
  /** Scene on program (what viewers see). */
  currentSceneId: EntityId,
  /** Studio-mode preview scene; null = studio mode off. */
  previewSceneId: EntityId.nullable().default(null),
  transition: Transition,
  hotkeys: z.array(Hotkey).max(200).default([]),
});
export type SceneCollection = z.infer<typeof SceneCollection>;

// ---------------------------------------------------------------------------------------------------------------
// Invariants

/** Scene ids a scene draws through nested-scene sources (directly). */
export function nestedSceneIds(c: Pick<SceneCollection, 'sources'>, scene: Scene): string[] {
  const out: string[] = [];
  for (const item of scene.items) {
    const src = c.sources.find((s) => s.id === item.sourceId);
    if (src?.kind === 'scene' && src.settings.sceneId) out.push(src.settings.sceneId);
  }
  return out;
}

/** True when `fromSceneId` can reach `toSceneId` through nested-scene sources (or they are the same scene). */
export function sceneReaches(c: Pick<SceneCollection, 'sources' | 'scenes'>, fromSceneId: string, toSceneId: string): boolean {
  const seen = new Set<string>();
  const stack = [fromSceneId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === toSceneId) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    const scene = c.scenes.find((s) => s.id === id);
    if (scene) stack.push(...nestedSceneIds(c, scene));
  }
  return false;
}

function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return [...dup];
}

/** Reference / uniqueness rules on an already shape-valid collection. Empty = valid. */
export function collectionInvariantIssues(c: SceneCollection): SceneIssue[] {
  const issues: SceneIssue[] = [];
  const sourceIds = new Set(c.sources.map((s) => s.id));
  const sceneIds = new Set(c.scenes.map((s) => s.id));
  for (const id of duplicates(c.sources.map((s) => s.id))) issues.push({ path: 'sources', message: `duplicate source id "${id}"` });
  for (const id of duplicates(c.scenes.map((s) => s.id))) issues.push({ path: 'scenes', message: `duplicate scene id "${id}"` });
  c.scenes.forEach((scene, si) => {
    for (const id of duplicates(scene.items.map((i) => i.id))) {
      issues.push({ path: `scenes.${si}.items`, message: `duplicate item id "${id}" in scene "${scene.id}"` });
    }
    scene.items.forEach((item, ii) => {
      if (!sourceIds.has(item.sourceId)) {
        issues.push({
          path: `scenes.${si}.items.${ii}.sourceId`,
          message: `item "${item.id}" references unknown source "${item.sourceId}"`,
        });
      }
    });
  });
  c.sources.forEach((src, i) => {
    if (src.kind === 'scene' && src.settings.sceneId !== null && !sceneIds.has(src.settings.sceneId)) {
      issues.push({ path: `sources.${i}.settings.sceneId`, message: `source "${src.id}" nests unknown scene "${src.settings.sceneId}"` });
    }
  });
  for (const scene of c.scenes) {
    if (nestedSceneIds(c, scene).some((n) => sceneReaches(c, n, scene.id))) {
      issues.push({ path: 'scenes', message: `scene "${scene.id}" contains itself through nested scenes` });
    }
  }
  if (!sceneIds.has(c.currentSceneId)) issues.push({ path: 'currentSceneId', message: `unknown current scene "${c.currentSceneId}"` });
  if (c.previewSceneId !== null && !sceneIds.has(c.previewSceneId)) {
    issues.push({ path: 'previewSceneId', message: `unknown preview scene "${c.previewSceneId}"` });
  }
  c.hotkeys.forEach((h, i) => {
    const a = h.action;
    const path = `hotkeys.${i}.action`;
    if ((a.type === 'switch_scene' || a.type === 'preview_scene') && !sceneIds.has(a.sceneId)) {
      issues.push({ path, message: `hotkey references unknown scene "${a.sceneId}"` });
    } else if (a.type === 'toggle_mute' && !sourceIds.has(a.sourceId)) {
      issues.push({ path, message: `hotkey references unknown source "${a.sourceId}"` });
    } else if (a.type === 'toggle_item' && !c.scenes.find((s) => s.id === a.sceneId)?.items.some((it) => it.id === a.itemId)) {
      issues.push({ path, message: `hotkey references unknown item "${a.sceneId}/${a.itemId}"` });
    }
  });
  return issues;
}

export type ValidationResult = { ok: true; collection: SceneCollection } | { ok: false; issues: SceneIssue[] };

/** Shape (zod, defaults filled) + invariants: ids unique, references resolve, no nested-scene cycles. */
export function validateCollection(raw: unknown): ValidationResult {
  const parsed = SceneCollection.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: toIssues(parsed.error.issues) };
  const issues = collectionInvariantIssues(parsed.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, collection: parsed.data };
}

// ---------------------------------------------------------------------------------------------------------------
// Lookups

export function findScene(c: SceneCollection, sceneId: string): Scene | undefined {
  return c.scenes.find((s) => s.id === sceneId);
}

export function findSource(c: SceneCollection, sourceId: string): Source | undefined {
  return c.sources.find((s) => s.id === sourceId);
}

export function findItem(c: SceneCollection, sceneId: string, itemId: string): SceneItem | undefined {
  return findScene(c, sceneId)?.items.find((i) => i.id === itemId);
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh id like `src_k3F9a0Qz` (callers pass a random source; defaults to Math.random). */
export function createId(prefix: 'src' | 'scn' | 'itm', random: () => number = Math.random): string {
  let s = `${prefix}_`;
  for (let i = 0; i < 12; i++) s += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
  return s;
}
