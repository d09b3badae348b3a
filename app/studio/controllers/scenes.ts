/**
 * Scene editing (outside React): every change to the scene collection is an `Edit` applied through
 * shared/scene/history.ts (undo/redo), written to the store's scene slice and saved through the persistence seam.
 * Refused edits (locked item, program scene removal…) become a notice; nothing changes.
 */
import type { Locale } from '../../../shared/protocol/host';
import { portraitStarterEdits, relocalizeStarter } from '../../../shared/scene/defaults';
import { type Edit, transitionEdit } from '../../../shared/scene/edits';
import { SceneError } from '../../../shared/scene/errors';
import { type AdaptMode, adaptItemsEdit, fitOversizedEdit, orientationOf } from '../../../shared/scene/frame';
import { History } from '../../../shared/scene/history';
import { migrateCollection, serializeCollection } from '../../../shared/scene/migrations';
import { parseSettings, type SourceKindId } from '../../../shared/scene/kinds';
import { type Canvas, createId, findScene, makeItem, type SceneCollection, type Source } from '../../../shared/scene/model';
import type { Size } from '../../../shared/scene/primitives';
import type { StudioStore } from '../store';

/**
 * Where the scene collection is kept. The host is getting scene-collection methods (another branch); until they are
 * merged the studio uses `LocalStoragePersistence` (per studio origin). Both sides go through this interface.
 */
export interface ScenePersistence {
  /** The stored collection as raw JSON (validated and migrated by the caller), or null when there is none. */
  load(): Promise<unknown | null>;
  save(collection: SceneCollection): Promise<void>;
}

export class LocalStoragePersistence implements ScenePersistence {
  constructor(
    private readonly key = 'storecast.scenes.v2',
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null = typeof localStorage === 'undefined' ? null : localStorage,
  ) {}

  async load(): Promise<unknown | null> {
    const text = this.storage?.getItem(this.key);
    if (!text) return null;
    return JSON.parse(text) as unknown;
  }

  async save(collection: SceneCollection): Promise<void> {
    this.storage?.setItem(this.key, serializeCollection(collection));
  }
}

const SAVE_DELAY_MS = 500;

export class SceneController {
  private history: History;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  /** Told when the program scene should change without an animated transition (T-bar completion). */
  onCut: ((sceneId: string) => void) | null = null;
  /**
   * Sources added or re-pointed (new file, new device) whose picture has not been measured yet, with the size the
   * compositor reported for them then: once a new size arrives, an item of theirs larger than the frame is fitted.
   */
  private readonly awaitingSize = new Map<string, string>();

  constructor(
    private readonly store: StudioStore,
    private readonly persistence: ScenePersistence,
  ) {
    this.history = new History(store.getState().scene.collection);
    store.subscribe((s, prev) => {
      if (s.scene.sizes !== prev.scene.sizes) this.measured(s.scene.sizes);
    });
  }

  get collection(): SceneCollection {
    return this.history.collection;
  }

  /** Load the saved collection (migrating older files); keeps the starter collection when there is none or it is unreadable. */
  async load(fallback: () => SceneCollection): Promise<void> {
    let collection: SceneCollection | null = null;
    try {
      const raw = await this.persistence.load();
      if (raw !== null) {
        const r = migrateCollection(raw);
        if (r.ok) collection = r.collection;
        else this.store.getState().notify({ key: 'scenes.loadFailed', tone: 'warn', detail: r.message });
      }
    } catch (err) {
      this.store.getState().notify({ key: 'scenes.loadFailed', tone: 'warn', detail: err instanceof Error ? err.message : String(err) });
    }
    this.history.reset(collection ?? fallback());
    this.publish({ loaded: true, selectedItemId: null });
  }

  /** Apply an edit as one undo step (transforms of one item merge while `merge` allows). Returns false if refused. */
  apply(edit: Edit, opts: { merge?: boolean } = {}): boolean {
    try {
      const before = this.history.collection;
      const after = this.history.apply(edit, opts);
      if (after !== before) this.changed();
      for (const e of edit.type === 'batch' ? edit.edits : [edit]) {
        if (e.type === 'add_source' || e.type === 'update_source_settings') {
          this.awaitSize(e.type === 'add_source' ? e.source.id : e.sourceId);
        }
      }
      return true;
    } catch (err) {
      this.refused(err);
      return false;
    }
  }

  /** Language switch: carry the starter collection's untouched names and texts along (one undo step). */
  relocalize(from: Locale, to: Locale): void {
    const edits = relocalizeStarter(this.history.collection, from, to);
    if (edits.length) this.apply({ type: 'batch', edits });
  }

  /**
   * The output changed to `frame`: when its orientation differs from the collection's canvas, the canvas takes the
   * new frame (one undo step) and the stage offers to adapt the items; nothing moves until the streamer chooses.
   */
  reframe(frame: Canvas): void {
    const from = this.history.collection.canvas;
    if (orientationOf(from) === orientationOf(frame)) return;
    const to: Canvas = { width: frame.width, height: frame.height, fps: from.fps };
    if (this.apply({ type: 'set_canvas', canvas: to })) {
      this.setReframe({ from: { width: from.width, height: from.height }, to: { width: to.width, height: to.height }, adapted: false });
    }
  }

  /** Adapt every item to the new frame (one undo step): `fit` keeps whole pictures in frame, `fill` covers it. */
  adaptItems(mode: AdaptMode): void {
    const r = this.store.getState().scene.reframe;
    if (!r) return;
    const c = this.history.collection;
    if (this.apply(adaptItemsEdit(c, r.from, mode, this.store.getState().scene.sizes))) this.setReframe({ ...r, adapted: true });
  }

  /** Add the portrait starter scene (reusing the collection's sources) and show it. */
  addPortraitStarter(locale: Locale): void {
    const r = this.store.getState().scene.reframe;
    const { sceneId, edits } = portraitStarterEdits(this.history.collection, locale);
    if (this.apply({ type: 'batch', edits })) {
      this.chooseScene(sceneId);
      if (r) this.setReframe({ ...r, adapted: true });
    }
  }

  /** Undo what the prompt did (the items go back where they were; the prompt offers its choices again). */
  undoAdapt(): void {
    const r = this.store.getState().scene.reframe;
    this.undo();
    if (r) this.setReframe({ ...r, adapted: false });
  }

  dismissReframe(): void {
    this.setReframe(null);
  }

  private setReframe(reframe: ReturnType<StudioStore['getState']>['scene']['reframe']): void {
    this.store.setState((s) => ({ scene: { ...s.scene, reframe } }));
  }

  /** End a drag: the next transform starts a new undo step. */
  seal(): void {
    this.history.seal();
  }

  undo(): void {
    try {
      if (this.history.undo()) this.changed();
    } catch (err) {
      this.refused(err);
    }
  }

  redo(): void {
    try {
      if (this.history.redo()) this.changed();
    } catch (err) {
      this.refused(err);
    }
  }

  /** The scene the editor works on (preview in studio mode, else program). */
  get editSceneId(): string {
    const c = this.history.collection;
    return c.previewSceneId ?? c.currentSceneId;
  }

  /** New source of `kind` (default settings) as a new item centred in the edited scene; selects it. */
  addSource(kind: SourceKindId, name: string): void {
    const c = this.history.collection;
    const sourceId = createId('src');
    const itemId = createId('itm');
    const source = { id: sourceId, kind, name, muted: false, volumeDb: 0, syncOffsetMs: 0, settings: parseSettings(kind, {}) } as Source;
    const item = makeItem(itemId, sourceId, { position: { x: c.canvas.width / 2, y: c.canvas.height / 2 }, alignment: 'center' });
    if (
      this.apply({
        type: 'batch',
        edits: [
          { type: 'add_source', source },
          { type: 'add_item', sceneId: this.editSceneId, item },
        ],
      })
    ) {
      this.select(itemId);
    }
  }

  /** Remove an item; its source goes too when no other item shows it. */
  removeItem(itemId: string): void {
    const c = this.history.collection;
    const sceneId = this.editSceneId;
    const item = findScene(c, sceneId)?.items.find((i) => i.id === itemId);
    if (!item) return;
    const usedElsewhere = c.scenes.some((s) => s.items.some((i) => i.sourceId === item.sourceId && !(s.id === sceneId && i.id === itemId)));
    this.apply(usedElsewhere ? { type: 'remove_item', sceneId, itemId } : { type: 'remove_source', sourceId: item.sourceId });
  }

  addScene(name: string): void {
    const id = createId('scn');
    if (this.apply({ type: 'add_scene', scene: { id, name, items: [] } })) this.chooseScene(id);
  }

  select(itemId: string | null): void {
    this.store.setState((s) => ({ scene: { ...s.scene, selectedItemId: itemId } }));
  }

  /** Studio mode on: the preview starts as a copy of the program scene. */
  setStudioMode(on: boolean): void {
    const c = this.history.collection;
    this.apply({ type: 'set_preview_scene', sceneId: on ? c.currentSceneId : null });
  }

  /** Click on a scene in the scenes dock: preview it in studio mode, else put it on program. */
  chooseScene(sceneId: string): void {
    const c = this.history.collection;
    this.apply(c.previewSceneId !== null ? { type: 'set_preview_scene', sceneId } : { type: 'set_current_scene', sceneId });
    this.select(null);
  }

  /** Studio mode "Transition": preview ↔ program with the collection's transition. */
  transition(): void {
    const e = transitionEdit(this.history.collection);
    if (e) this.apply(e);
  }

  /** T-bar dragged to `p` (0‥1). */
  holdTbar(p: number): void {
    this.store.setState((s) => ({ scene: { ...s.scene, tbar: Math.max(0, Math.min(1, p)) } }));
  }

  /** T-bar released: at the end the preview goes to program (no second animation), elsewhere it springs back. */
  releaseTbar(): void {
    const p = this.store.getState().scene.tbar;
    this.store.setState((s) => ({ scene: { ...s.scene, tbar: null } }));
    if (p === null || p < 0.98) return;
    const c = this.history.collection;
    const e = transitionEdit(c);
    if (!e || c.previewSceneId === null) return;
    this.onCut?.(c.previewSceneId);
    this.apply(e);
  }

  private refused(err: unknown): void {
    if (err instanceof SceneError) {
      this.store.getState().notify({ key: `scenes.errors.${err.code}`, tone: 'warn', detail: err.message });
    } else {
      this.store
        .getState()
        .notify({ key: 'scenes.errors.unknown', tone: 'error', detail: err instanceof Error ? err.message : String(err) });
    }
  }

  private awaitSize(sourceId: string): void {
    this.awaitingSize.set(sourceId, JSON.stringify(this.store.getState().scene.sizes[sourceId] ?? null));
  }

  /** New source sizes from the compositor: fit the items of freshly measured sources that came out larger than the frame. */
  private measured(sizes: Record<string, Size>): void {
    const ready = new Set<string>();
    for (const [sourceId, was] of this.awaitingSize) {
      const size = sizes[sourceId];
      if (!size || JSON.stringify(size) === was) continue;
      ready.add(sourceId);
      this.awaitingSize.delete(sourceId);
    }
    if (!ready.size) return;
    // Its own undo step: undo shows the picture at its natural size again.
    const edit = fitOversizedEdit(this.history.collection, ready, sizes);
    if (edit) this.apply(edit);
  }

  private changed(): void {
    const c = this.history.collection;
    const selected = this.store.getState().scene.selectedItemId;
    const editScene = findScene(c, c.previewSceneId ?? c.currentSceneId);
    this.publish({ selectedItemId: selected && editScene?.items.some((i) => i.id === selected) ? selected : null });
    this.scheduleSave();
  }

  private publish(extra: Partial<ReturnType<StudioStore['getState']>['scene']> = {}): void {
    const h = this.history;
    this.store.setState((s) => ({ scene: { ...s.scene, collection: h.collection, canUndo: h.canUndo, canRedo: h.canRedo, ...extra } }));
  }

  private scheduleSave(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
  }

  async flush(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    try {
      await this.persistence.save(this.history.collection);
    } catch (err) {
      this.store.getState().pushError('scenesSaveFailed', err instanceof Error ? err.message : String(err));
    }
  }
}
