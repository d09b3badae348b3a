/**
 * Scene-collection files: versioned JSON with step-by-step migrations to the current schema.
 * A file from a newer Storecast is refused (never loaded partially), a damaged one is reported as corrupt.
 *
 * Schema history
 * - v1 (Storecast 0.1 studio prototype): flat OBS-like items — `x`/`y`, `scaleX`/`scaleY`, `rotation` in **radians**,
 *   `crop` as `[left, top, right, bottom]`, alignment and bounds type as libobs integers, no `locked`; sources carry
 *   a `type` from the prototype's own list and a linear `volume`; `version`, `width`/`height`/`fps` at top level,
 *   `active` scene, transition `{ type, ms }`.
 * - v2: this package's model (`SceneCollection`). The canvas (the frame: 16:9 or 9:16) belongs to the collection; a
 *   file written without one (v1 without `width`/`height`, v2 without `canvas`) keeps the 16:9 frame every collection
 *   had before portrait output (`LEGACY_CANVAS`).
 */
import { z } from 'zod';
import { SceneError } from './errors';
import { CURRENT_SCHEMA_VERSION, type SceneCollection, validateCollection } from './model';
import { LEGACY_CANVAS } from './frame';
import { alignmentFromObs } from './primitives';

export type MigrationResult =
  | {
      ok: true;
      collection: SceneCollection /** Version the input was written in (equals the current one when nothing migrated). */;
      migratedFrom: number;
    }
  | { ok: false; error: 'future_version' | 'corrupt'; message: string };

/** Longest collection text accepted, in UTF-16 code units (a real one is a few hundred KB at most). */
export const MAX_COLLECTION_CHARS = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// v1 → v2

const V1Obj = z.record(z.string(), z.unknown());
const V1Settings = {
  video_capture: z.object({
    device: z.string().nullable().optional(),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
  }),
  audio_capture: z.object({ device: z.string().nullable().optional() }),
  text: z.object({
    text: z.string().optional(),
    font: z.object({ face: z.string().optional(), size: z.number().optional(), bold: z.boolean().optional() }).optional(),
    color: z.string().optional(),
  }),
  image: z.object({ file: z.string().optional(), url: z.string().optional() }),
  color: z.object({ color: z.string().optional(), width: z.number().int().optional(), height: z.number().int().optional() }),
  product: z.object({ productId: z.string().nullable().optional() }),
} as const;

const V1Source = z.object({
  id: z.string(),
  type: z.enum(Object.keys(V1Settings) as [keyof typeof V1Settings, ...(keyof typeof V1Settings)[]]),
  name: z.string(),
  settings: V1Obj.default({}),
  volume: z.number().min(0).max(1).optional(),
  muted: z.boolean().optional(),
});

const V1Item = z.object({
  id: z.string(),
  source: z.string(),
  x: z.number(),
  y: z.number(),
  scaleX: z.number().default(1),
  scaleY: z.number().default(1),
  /** radians */
  rotation: z.number().default(0),
  crop: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  align: z.number().int().default(5),
  bounds: z
    .object({ type: z.number().int().min(0).max(6), width: z.number(), height: z.number(), align: z.number().int().default(0) })
    .optional(),
  visible: z.boolean().default(true),
});

export const CollectionV1 = z.object({
  version: z.literal(1),
  name: z.string(),
  /** Prototype files without a size were 16:9 (LEGACY_CANVAS). */
  width: z.number().int().default(LEGACY_CANVAS.width),
  height: z.number().int().default(LEGACY_CANVAS.height),
  fps: z.number().int().default(LEGACY_CANVAS.fps),
  sources: z.array(V1Source),
  scenes: z.array(z.object({ id: z.string(), name: z.string(), items: z.array(V1Item) })),
  active: z.string(),
  transition: z.object({ type: z.enum(['cut', 'fade']), ms: z.number().int() }).default({ type: 'fade', ms: 300 }),
});
export type CollectionV1 = z.infer<typeof CollectionV1>;

const OBS_BOUNDS = ['none', 'stretch', 'scale_inner', 'scale_outer', 'scale_to_width', 'scale_to_height', 'max_only'] as const;

/** Round away float noise from unit conversions (π/2 rad → 90°, not 89.99999999999999°). */
const tidy = (v: number) => Math.round(v * 1e6) / 1e6;

function v1SourceToV2(s: z.infer<typeof V1Source>): Record<string, unknown> {
  const common = {
    id: s.id,
    name: s.name,
    muted: s.muted ?? false,
    volumeDb: s.volume === undefined ? 0 : s.volume <= 0 ? -100 : Math.max(-100, tidy(20 * Math.log10(s.volume))),
    syncOffsetMs: 0,
  };
  switch (s.type) {
    case 'video_capture': {
      const o = V1Settings.video_capture.parse(s.settings);
      const resolution = o.width && o.height ? { width: o.width, height: o.height } : undefined;
      return { ...common, kind: 'camera', settings: { deviceId: o.device ?? null, ...(resolution ? { resolution } : {}) } };
    }
    case 'audio_capture': {
      const o = V1Settings.audio_capture.parse(s.settings);
      return { ...common, kind: 'audio_input', settings: { deviceId: o.device ?? null } };
    }
    case 'text': {
      const o = V1Settings.text.parse(s.settings);
      return {
        ...common,
        kind: 'text',
        settings: {
          text: o.text ?? '',
          ...(o.font?.face ? { fontFamily: o.font.face } : {}),
          ...(o.font?.size ? { fontSize: o.font.size } : {}),
          fontWeight: o.font?.bold ? 700 : 400,
          ...(o.color ? { color: o.color } : {}),
        },
      };
    }
    case 'image': {
      const o = V1Settings.image.parse(s.settings);
      const ref = o.file ? { type: 'file', path: o.file } : o.url ? { type: 'url', url: o.url } : null;
      return { ...common, kind: 'image', settings: { ref } };
    }
    case 'color': {
      const o = V1Settings.color.parse(s.settings);
      return {
        ...common,
        kind: 'color',
        settings: { fill: { type: 'solid', color: o.color ?? '#000000' }, width: o.width ?? null, height: o.height ?? null },
      };
    }
    case 'product': {
      const o = V1Settings.product.parse(s.settings);
      return { ...common, kind: 'product_card', settings: { productId: o.productId ?? null } };
    }
  }
}

function v1ItemToV2(i: z.infer<typeof V1Item>): Record<string, unknown> {
  const [left, top, right, bottom] = i.crop ?? [0, 0, 0, 0];
  return {
    id: i.id,
    sourceId: i.source,
    position: { x: i.x, y: i.y },
    scale: { x: i.scaleX, y: i.scaleY },
    rotation: tidy((i.rotation * 180) / Math.PI),
    crop: { left, top, right, bottom },
    bounds: i.bounds
      ? { type: OBS_BOUNDS[i.bounds.type], width: i.bounds.width, height: i.bounds.height, alignment: alignmentFromObs(i.bounds.align) }
      : { type: 'none', width: 0, height: 0, alignment: 'center' },
    alignment: alignmentFromObs(i.align),
    visible: i.visible,
    locked: false,
  };
}

function migrateV1(raw: unknown): unknown {
  const v1 = CollectionV1.parse(raw);
  return {
    schemaVersion: 2,
    name: v1.name,
    canvas: { width: v1.width, height: v1.height, fps: v1.fps },
    sources: v1.sources.map(v1SourceToV2),
    scenes: v1.scenes.map((s) => ({ id: s.id, name: s.name, items: s.items.map(v1ItemToV2) })),
    currentSceneId: v1.active,
    previewSceneId: null,
    transition: v1.transition.type === 'cut' ? { kind: 'cut', durationMs: 0 } : { kind: 'fade', durationMs: v1.transition.ms },
    hotkeys: [],
  };
}

/** `MIGRATIONS[n]` turns a version-n document into a version-(n+1) document (throws when the input is not a valid v-n). */
const MIGRATIONS: Record<number, (raw: unknown) => unknown> = {
  1: migrateV1,
};

// ---------------------------------------------------------------------------------------------------------------

function versionOf(raw: Record<string, unknown>): number | null {
  const v = raw.schemaVersion ?? raw.version;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : null;
}

function describe(e: unknown): string {
  if (e instanceof z.ZodError) {
    const i = e.issues[0];
    return i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid';
  }
  return e instanceof Error ? e.message : String(e);
}

/** Bring a parsed collection document of any known version up to the current schema and validate it. */
export function migrateCollection(raw: unknown): MigrationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: 'corrupt', message: 'not a scene collection (expected a JSON object)' };
  }
  const from = versionOf(raw as Record<string, unknown>);
  if (from === null) return { ok: false, error: 'corrupt', message: 'not a scene collection (no schema version)' };
  if (from > CURRENT_SCHEMA_VERSION) {
    return {
      ok: false,
      error: 'future_version',
      message: `this scene collection was saved by a newer Storecast (schema v${from}); this version reads up to v${CURRENT_SCHEMA_VERSION}. Update Storecast to open it.`,
    };
  }
  let doc: unknown = raw;
  if (from === CURRENT_SCHEMA_VERSION && (raw as Record<string, unknown>).canvas === undefined)
    doc = { ...raw, canvas: { ...LEGACY_CANVAS } };
  for (let v = from; v < CURRENT_SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) return { ok: false, error: 'corrupt', message: `no migration from schema v${v}` };
    try {
      doc = step(doc);
    } catch (e) {
      return { ok: false, error: 'corrupt', message: `invalid v${v} scene collection — ${describe(e)}` };
    }
  }
  const result = validateCollection(doc);
  if (!result.ok) {
    const i = result.issues[0]!;
    return { ok: false, error: 'corrupt', message: `invalid scene collection — ${i.path || '(root)'}: ${i.message}` };
  }
  return { ok: true, collection: result.collection, migratedFrom: from };
}

/** Parse a collection file's text (any known version). */
export function parseCollection(text: string): MigrationResult {
  if (text.length > MAX_COLLECTION_CHARS) return { ok: false, error: 'corrupt', message: 'scene collection file is too large' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: 'corrupt', message: `scene collection is not valid JSON — ${describe(e)}` };
  }
  return migrateCollection(raw);
}

/** The file text of a collection (current schema). Refuses a collection that breaks the model's rules. */
export function serializeCollection(c: SceneCollection): string {
  const result = validateCollection(c);
  if (!result.ok) throw new SceneError('invalid_collection', `invalid scene collection — ${result.issues[0]!.message}`, result.issues);
  return `${JSON.stringify(result.collection, null, 2)}\n`;
}
