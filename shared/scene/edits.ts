/**
 * Edits of a scene collection as data, applied by a pure reducer that also returns the exact inverse edit
 * (undo = apply the inverse). The input collection is never mutated; untouched parts are shared.
 * Every edit is validated (shape via zod, references and rules here); a refused edit throws a `SceneError`
 * and leaves nothing changed.
 */
import { z } from 'zod';
import { SceneError, toIssues } from './errors';
import { parseSettings } from './kinds';
import {
  Canvas,
  collectionInvariantIssues,
  findScene,
  findSource,
  Hotkey,
  ItemTransformPatch,
  nestedSceneIds,
  type Scene,
  Scene as SceneSchema,
  type SceneCollection,
  SceneItem,
  Source,
  sceneReaches,
  Transition,
} from './model';
import { DisplayName, EntityId } from './primitives';

const Index = z.number().int().min(0).max(10_000);
const ItemRef = { sceneId: EntityId, itemId: EntityId };

export const ReorderTarget = z.union([z.enum(['up', 'down', 'top', 'bottom']), z.strictObject({ index: Index })]);
export type ReorderTarget = z.infer<typeof ReorderTarget>;

export const SimpleEdit = z.discriminatedUnion('type', [
  /** Insert a source (at `index` in the source list, default last). */
  z.strictObject({ type: z.literal('add_source'), source: Source, index: Index.optional() }),
  /** Remove a source and every item showing it (like OBS). */
  z.strictObject({ type: z.literal('remove_source'), sourceId: EntityId }),
  z.strictObject({ type: z.literal('rename_source'), sourceId: EntityId, name: DisplayName }),
  /** Merge `settings` into the source's settings (or replace them all with `replace`); validated by the kind. */
  z.strictObject({
    type: z.literal('update_source_settings'),
    sourceId: EntityId,
    settings: z.record(z.string(), z.unknown()),
    replace: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('set_source_audio'),
    sourceId: EntityId,
    muted: z.boolean().optional(),
    volumeDb: z.number().min(-100).max(26).optional(),
    syncOffsetMs: z.number().int().min(-20_000).max(20_000).optional(),
  }),
  z.strictObject({ type: z.literal('add_scene'), scene: SceneSchema, index: Index.optional() }),
  /** Remove a scene (refused for the program scene, the last scene and a scene nested in another one). */
  z.strictObject({ type: z.literal('remove_scene'), sceneId: EntityId }),
  z.strictObject({ type: z.literal('rename_scene'), sceneId: EntityId, name: DisplayName }),
  /** Insert an item into a scene (at draw-order `index`, default on top). */
  z.strictObject({ type: z.literal('add_item'), sceneId: EntityId, item: SceneItem, index: Index.optional() }),
  z.strictObject({ type: z.literal('remove_item'), ...ItemRef }),
  /** Change transform fields of an item; refused for locked items. */
  z.strictObject({ type: z.literal('transform_item'), ...ItemRef, patch: ItemTransformPatch }),
  z.strictObject({ type: z.literal('set_item_visible'), ...ItemRef, visible: z.boolean() }),
  z.strictObject({ type: z.literal('set_item_locked'), ...ItemRef, locked: z.boolean() }),
  /** Move an item in draw order: up = one step towards the top, `{index}` = its final index. */
  z.strictObject({ type: z.literal('reorder_item'), ...ItemRef, to: ReorderTarget }),
  z.strictObject({ type: z.literal('set_current_scene'), sceneId: EntityId }),
  z.strictObject({ type: z.literal('set_preview_scene'), sceneId: EntityId.nullable() }),
  z.strictObject({ type: z.literal('set_transition'), transition: Transition }),
  z.strictObject({ type: z.literal('set_hotkeys'), hotkeys: z.array(Hotkey).max(200) }),
  /** Change the frame (output canvas). Items are not moved: adapting them is a separate edit (see frame.ts). */
  z.strictObject({ type: z.literal('set_canvas'), canvas: Canvas }),
]);
export type SimpleEdit = z.infer<typeof SimpleEdit>;

/** Several edits applied as one (one undo step); all or nothing. */
export const BatchEdit = z.strictObject({ type: z.literal('batch'), edits: z.array(SimpleEdit).max(1000) });
export type BatchEdit = z.infer<typeof BatchEdit>;

export const Edit = z.union([SimpleEdit, BatchEdit]);
export type Edit = z.infer<typeof Edit>;
export type EditType = Edit['type'];

export interface EditResult {
  collection: SceneCollection;
  /** Applying it to `collection` gives back the input collection exactly. */
  inverse: Edit;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function insertAt<T>(list: readonly T[], value: T, index: number | undefined): T[] {
  const i = index === undefined ? list.length : Math.min(index, list.length);
  return [...list.slice(0, i), value, ...list.slice(i)];
}

function batch(edits: Edit[]): Edit {
  const flat = edits.flatMap((e) => (e.type === 'batch' ? e.edits : [e]));
  return flat.length === 1 ? flat[0]! : { type: 'batch', edits: flat };
}

function requireSource(c: SceneCollection, sourceId: string) {
  const src = findSource(c, sourceId);
  if (!src) throw new SceneError('not_found', `unknown source "${sourceId}"`);
  return src;
}

function requireScene(c: SceneCollection, sceneId: string): Scene {
  const scene = findScene(c, sceneId);
  if (!scene) throw new SceneError('not_found', `unknown scene "${sceneId}"`);
  return scene;
}

function requireItem(c: SceneCollection, sceneId: string, itemId: string) {
  const scene = requireScene(c, sceneId);
  const index = scene.items.findIndex((i) => i.id === itemId);
  if (index < 0) throw new SceneError('not_found', `unknown item "${itemId}" in scene "${sceneId}"`);
  return { scene, index, item: scene.items[index]! };
}

function replaceScene(c: SceneCollection, scene: Scene): SceneCollection {
  return { ...c, scenes: c.scenes.map((s) => (s.id === scene.id ? scene : s)) };
}

function replaceSource(c: SceneCollection, source: Source): SceneCollection {
  return { ...c, sources: c.sources.map((s) => (s.id === source.id ? source : s)) };
}

function updateItem(c: SceneCollection, sceneId: string, itemId: string, patch: Partial<SceneItem>): SceneCollection {
  const { scene, index, item } = requireItem(c, sceneId, itemId);
  const items = scene.items.slice();
  items[index] = { ...item, ...patch };
  return replaceScene(c, { ...scene, items });
}

function assertNoCycles(c: SceneCollection): void {
  for (const scene of c.scenes) {
    if (nestedSceneIds(c, scene).some((n) => sceneReaches(c, n, scene.id))) {
      throw new SceneError('cycle', `scene "${scene.id}" would contain itself through nested scenes`);
    }
  }
}

/** Safety net after structural edits: the result must satisfy every collection invariant. */
function assertInvariants(c: SceneCollection): SceneCollection {
  const issues = collectionInvariantIssues(c);
  if (issues.length > 0) throw new SceneError('invalid_collection', issues[0]!.message, issues);
  return c;
}

function reorderIndex(to: ReorderTarget, from: number, count: number): number {
  if (to === 'up') return Math.min(from + 1, count - 1);
  if (to === 'down') return Math.max(from - 1, 0);
  if (to === 'top') return count - 1;
  if (to === 'bottom') return 0;
  return Math.min(to.index, count - 1);
}

function hotkeysWithout(c: SceneCollection, drop: (h: Hotkey) => boolean): { hotkeys: Hotkey[]; changed: boolean } {
  const hotkeys = c.hotkeys.filter((h) => !drop(h));
  return { hotkeys, changed: hotkeys.length !== c.hotkeys.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Reducer

function applySimple(c: SceneCollection, e: SimpleEdit): EditResult {
  switch (e.type) {
    case 'add_source': {
      if (findSource(c, e.source.id)) throw new SceneError('duplicate_id', `source id "${e.source.id}" is taken`);
      if (e.source.kind === 'scene' && e.source.settings.sceneId !== null) requireScene(c, e.source.settings.sceneId);
      const next = { ...c, sources: insertAt(c.sources, e.source, e.index) };
      return { collection: assertInvariants(next), inverse: { type: 'remove_source', sourceId: e.source.id } };
    }
    case 'remove_source': {
      const source = requireSource(c, e.sourceId);
      const index = c.sources.indexOf(source);
      const restore: Edit[] = [{ type: 'add_source', source, index }];
      const removedItems = new Set<string>();
      const scenes = c.scenes.map((scene) => {
        if (!scene.items.some((i) => i.sourceId === e.sourceId)) return scene;
        scene.items.forEach((item, i) => {
          if (item.sourceId !== e.sourceId) return;
          restore.push({ type: 'add_item', sceneId: scene.id, item, index: i });
          removedItems.add(`${scene.id}/${item.id}`);
        });
        return { ...scene, items: scene.items.filter((i) => i.sourceId !== e.sourceId) };
      });
      const hk = hotkeysWithout(
        c,
        (h) =>
          (h.action.type === 'toggle_mute' && h.action.sourceId === e.sourceId) ||
          (h.action.type === 'toggle_item' && removedItems.has(`${h.action.sceneId}/${h.action.itemId}`)),
      );
      if (hk.changed) restore.push({ type: 'set_hotkeys', hotkeys: c.hotkeys });
      const next: SceneCollection = { ...c, sources: c.sources.filter((s) => s.id !== e.sourceId), scenes, hotkeys: hk.hotkeys };
      return { collection: next, inverse: batch(restore) };
    }
    case 'rename_source': {
      const source = requireSource(c, e.sourceId);
      if (source.name === e.name) return { collection: c, inverse: e };
      return { collection: replaceSource(c, { ...source, name: e.name }), inverse: { ...e, name: source.name } };
    }
    case 'update_source_settings': {
      const source = requireSource(c, e.sourceId);
      const merged = e.replace ? e.settings : { ...source.settings, ...e.settings };
      const settings = parseSettings(source.kind, merged);
      if (sameJson(settings, source.settings)) return { collection: c, inverse: e };
      const next = replaceSource(c, { ...source, settings } as Source);
      if (source.kind === 'scene') {
        const sceneId = (settings as { sceneId: string | null }).sceneId;
        if (sceneId !== null) requireScene(c, sceneId);
        assertNoCycles(next);
      }
      return {
        collection: next,
        inverse: { type: 'update_source_settings', sourceId: e.sourceId, settings: source.settings, replace: true },
      };
    }
    case 'set_source_audio': {
      const source = requireSource(c, e.sourceId);
      const patch: Partial<Pick<Source, 'muted' | 'volumeDb' | 'syncOffsetMs'>> = {};
      const old: typeof patch = {};
      for (const key of ['muted', 'volumeDb', 'syncOffsetMs'] as const) {
        if (e[key] !== undefined && e[key] !== source[key]) {
          (patch as Record<string, unknown>)[key] = e[key];
          (old as Record<string, unknown>)[key] = source[key];
        }
      }
      if (Object.keys(patch).length === 0) return { collection: c, inverse: e };
      return {
        collection: replaceSource(c, { ...source, ...patch }),
        inverse: { type: 'set_source_audio', sourceId: e.sourceId, ...old },
      };
    }
    case 'add_scene': {
      if (findScene(c, e.scene.id)) throw new SceneError('duplicate_id', `scene id "${e.scene.id}" is taken`);
      for (const item of e.scene.items) requireSource(c, item.sourceId);
      const next = { ...c, scenes: insertAt(c.scenes, e.scene, e.index) };
      assertNoCycles(next);
      return { collection: assertInvariants(next), inverse: { type: 'remove_scene', sceneId: e.scene.id } };
    }
    case 'remove_scene': {
      const scene = requireScene(c, e.sceneId);
      if (c.currentSceneId === e.sceneId) throw new SceneError('in_use', 'the scene on program cannot be removed');
      if (c.scenes.length === 1) throw new SceneError('in_use', 'the last scene cannot be removed');
      const nesting = c.sources.find((s) => s.kind === 'scene' && s.settings.sceneId === e.sceneId);
      if (nesting) throw new SceneError('in_use', `the scene is nested in source "${nesting.name}"; remove that source first`);
      const restore: Edit[] = [{ type: 'add_scene', scene, index: c.scenes.indexOf(scene) }];
      const hk = hotkeysWithout(c, (h) => 'sceneId' in h.action && h.action.sceneId === e.sceneId);
      if (hk.changed) restore.push({ type: 'set_hotkeys', hotkeys: c.hotkeys });
      let previewSceneId = c.previewSceneId;
      if (previewSceneId === e.sceneId) {
        restore.push({ type: 'set_preview_scene', sceneId: e.sceneId });
        previewSceneId = null;
      }
      const next: SceneCollection = { ...c, scenes: c.scenes.filter((s) => s.id !== e.sceneId), previewSceneId, hotkeys: hk.hotkeys };
      return { collection: next, inverse: batch(restore) };
    }
    case 'rename_scene': {
      const scene = requireScene(c, e.sceneId);
      if (scene.name === e.name) return { collection: c, inverse: e };
      return { collection: replaceScene(c, { ...scene, name: e.name }), inverse: { ...e, name: scene.name } };
    }
    case 'add_item': {
      const scene = requireScene(c, e.sceneId);
      const source = requireSource(c, e.item.sourceId);
      if (scene.items.some((i) => i.id === e.item.id))
        throw new SceneError('duplicate_id', `item id "${e.item.id}" is taken in this scene`);
      if (source.kind === 'scene' && source.settings.sceneId !== null && sceneReaches(c, source.settings.sceneId, scene.id)) {
        throw new SceneError('cycle', `scene "${scene.id}" cannot contain itself`);
      }
      const next = replaceScene(c, { ...scene, items: insertAt(scene.items, e.item, e.index) });
      return { collection: next, inverse: { type: 'remove_item', sceneId: e.sceneId, itemId: e.item.id } };
    }
    case 'remove_item': {
      const { scene, index, item } = requireItem(c, e.sceneId, e.itemId);
      const restore: Edit[] = [{ type: 'add_item', sceneId: e.sceneId, item, index }];
      const hk = hotkeysWithout(
        c,
        (h) => h.action.type === 'toggle_item' && h.action.sceneId === e.sceneId && h.action.itemId === e.itemId,
      );
      if (hk.changed) restore.push({ type: 'set_hotkeys', hotkeys: c.hotkeys });
      const next = replaceScene({ ...c, hotkeys: hk.hotkeys }, { ...scene, items: scene.items.filter((i) => i.id !== e.itemId) });
      return { collection: next, inverse: batch(restore) };
    }
    case 'transform_item': {
      const { item } = requireItem(c, e.sceneId, e.itemId);
      if (item.locked) throw new SceneError('locked', `item "${e.itemId}" is locked`);
      const patch: ItemTransformPatch = {};
      const old: ItemTransformPatch = {};
      for (const key of Object.keys(e.patch) as (keyof ItemTransformPatch)[]) {
        if (e.patch[key] === undefined || sameJson(e.patch[key], item[key])) continue;
        (patch as Record<string, unknown>)[key] = e.patch[key];
        (old as Record<string, unknown>)[key] = item[key];
      }
      if (Object.keys(patch).length === 0) return { collection: c, inverse: e };
      return {
        collection: updateItem(c, e.sceneId, e.itemId, patch),
        inverse: { type: 'transform_item', sceneId: e.sceneId, itemId: e.itemId, patch: old },
      };
    }
    case 'set_item_visible': {
      const { item } = requireItem(c, e.sceneId, e.itemId);
      if (item.visible === e.visible) return { collection: c, inverse: e };
      return { collection: updateItem(c, e.sceneId, e.itemId, { visible: e.visible }), inverse: { ...e, visible: item.visible } };
    }
    case 'set_item_locked': {
      const { item } = requireItem(c, e.sceneId, e.itemId);
      if (item.locked === e.locked) return { collection: c, inverse: e };
      return { collection: updateItem(c, e.sceneId, e.itemId, { locked: e.locked }), inverse: { ...e, locked: item.locked } };
    }
    case 'reorder_item': {
      const { scene, index, item } = requireItem(c, e.sceneId, e.itemId);
      const to = reorderIndex(e.to, index, scene.items.length);
      if (to === index) return { collection: c, inverse: { ...e, to: { index } } };
      const items = scene.items.filter((i) => i.id !== e.itemId);
      items.splice(to, 0, item);
      return { collection: replaceScene(c, { ...scene, items }), inverse: { ...e, to: { index } } };
    }
    case 'set_current_scene': {
      requireScene(c, e.sceneId);
      if (c.currentSceneId === e.sceneId) return { collection: c, inverse: e };
      return { collection: { ...c, currentSceneId: e.sceneId }, inverse: { type: 'set_current_scene', sceneId: c.currentSceneId } };
    }
    case 'set_preview_scene': {
      if (e.sceneId !== null) requireScene(c, e.sceneId);
      if (c.previewSceneId === e.sceneId) return { collection: c, inverse: e };
      return { collection: { ...c, previewSceneId: e.sceneId }, inverse: { type: 'set_preview_scene', sceneId: c.previewSceneId } };
    }
    case 'set_transition': {
      if (sameJson(c.transition, e.transition)) return { collection: c, inverse: e };
      return { collection: { ...c, transition: e.transition }, inverse: { type: 'set_transition', transition: c.transition } };
    }
    case 'set_hotkeys': {
      if (sameJson(c.hotkeys, e.hotkeys)) return { collection: c, inverse: e };
      const next = assertInvariants({ ...c, hotkeys: e.hotkeys });
      return { collection: next, inverse: { type: 'set_hotkeys', hotkeys: c.hotkeys } };
    }
    case 'set_canvas': {
      if (sameJson(c.canvas, e.canvas)) return { collection: c, inverse: e };
      return { collection: { ...c, canvas: { ...e.canvas } }, inverse: { type: 'set_canvas', canvas: c.canvas } };
    }
  }
}

/**
 * Apply one edit. Returns the new collection (the same object when the edit changes nothing) and the edit that
 * undoes it. Throws `SceneError` (nothing changed) when the edit is malformed or refused.
 */
export function applyEdit(collection: SceneCollection, edit: Edit): EditResult {
  const parsed = Edit.safeParse(edit);
  if (!parsed.success) {
    throw new SceneError('invalid_edit', `invalid edit: ${parsed.error.issues[0]?.message ?? 'invalid'}`, toIssues(parsed.error.issues));
  }
  const e = parsed.data;
  if (e.type !== 'batch') return applySimple(collection, e);
  let c = collection;
  const inverses: Edit[] = [];
  for (const step of e.edits) {
    const r = applySimple(c, step);
    c = r.collection;
    inverses.unshift(r.inverse);
  }
  if (c === collection) return { collection, inverse: { type: 'batch', edits: [] } };
  return { collection: c, inverse: { type: 'batch', edits: inverses.flatMap((i) => (i.type === 'batch' ? i.edits : [i])) } };
}

/** Studio-mode "Transition": the preview scene goes to program and the program scene to preview. */
export function transitionEdit(c: SceneCollection): Edit | null {
  if (c.previewSceneId === null || c.previewSceneId === c.currentSceneId) return null;
  return {
    type: 'batch',
    edits: [
      { type: 'set_current_scene', sceneId: c.previewSceneId },
      { type: 'set_preview_scene', sceneId: c.currentSceneId },
    ],
  };
}
