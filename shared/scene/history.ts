/**
 * Undo/redo over `applyEdit`. Each step stores the edit and its inverse; consecutive `transform_item` edits of the
 * same item within the merge window collapse into one step, so a drag (dozens of moves) undoes in one go.
 * `seal()` ends a merge run explicitly (call it on pointer-up). No DOM, no timers: time comes from `now`.
 */
import { applyEdit, type Edit } from './edits';
import type { SceneCollection } from './model';

export interface HistoryEntry {
  edit: Edit;
  inverse: Edit;
  /** When this step last absorbed an edit (ms, from `now`). */
  at: number;
  /** `sceneId/itemId` for transform steps that may still absorb the next transform of the same item. */
  mergeKey: string | null;
}

export interface HistoryOptions {
  /** Most undo steps kept (oldest dropped first). Default 200. */
  cap?: number;
  /** Transforms of the same item closer than this merge into one step. Default 500 ms. */
  mergeWindowMs?: number;
  now?: () => number;
}

export interface ApplyOptions {
  /** Allow merging this edit into the previous step (default true). */
  merge?: boolean;
}

export const DEFAULT_HISTORY_CAP = 200;
export const DEFAULT_MERGE_WINDOW_MS = 500;

export class History {
  private current: SceneCollection;
  private past: HistoryEntry[] = [];
  private future: HistoryEntry[] = [];
  private readonly cap: number;
  private readonly mergeWindowMs: number;
  private readonly now: () => number;

  constructor(initial: SceneCollection, options: HistoryOptions = {}) {
    this.current = initial;
    this.cap = Math.max(1, options.cap ?? DEFAULT_HISTORY_CAP);
    this.mergeWindowMs = options.mergeWindowMs ?? DEFAULT_MERGE_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  get collection(): SceneCollection {
    return this.current;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }

  get undoDepth(): number {
    return this.past.length;
  }

  get redoDepth(): number {
    return this.future.length;
  }

  /** The edit the next `undo` reverts (for "Undo <action>" labels). */
  peekUndo(): Edit | null {
    return this.past.at(-1)?.edit ?? null;
  }

  peekRedo(): Edit | null {
    return this.future.at(-1)?.edit ?? null;
  }

  /** Apply an edit as a new step (or merged into the last one). Throws `SceneError`; then nothing changes. */
  apply(edit: Edit, options: ApplyOptions = {}): SceneCollection {
    const { collection, inverse } = applyEdit(this.current, edit);
    if (collection === this.current) return collection; // no-op: no undo step, redo stack kept
    const at = this.now();
    const mergeKey = edit.type === 'transform_item' ? `${edit.sceneId}/${edit.itemId}` : null;
    const last = this.past.at(-1);
    if (
      (options.merge ?? true) &&
      mergeKey !== null &&
      last?.mergeKey === mergeKey &&
      at - last.at <= this.mergeWindowMs &&
      last.edit.type === 'transform_item' &&
      last.inverse.type === 'transform_item' &&
      edit.type === 'transform_item' &&
      inverse.type === 'transform_item'
    ) {
      // Forward: later values win. Inverse: the values from before the first edit win (fields only the later edit touched come from it).
      this.past[this.past.length - 1] = {
        edit: { ...last.edit, patch: { ...last.edit.patch, ...edit.patch } },
        inverse: { ...last.inverse, patch: { ...inverse.patch, ...last.inverse.patch } },
        at,
        mergeKey,
      };
    } else {
      this.past.push({ edit, inverse, at, mergeKey });
      if (this.past.length > this.cap) this.past.splice(0, this.past.length - this.cap);
    }
    this.future = [];
    this.current = collection;
    return collection;
  }

  /** Stop the last step from absorbing further edits (end of a drag). */
  seal(): void {
    const last = this.past.at(-1);
    if (last) last.mergeKey = null;
  }

  undo(): boolean {
    const entry = this.past.at(-1);
    if (!entry) return false;
    const { collection, inverse } = applyEdit(this.current, entry.inverse); // throws before anything moves
    this.past.pop();
    this.future.push({ edit: inverse, inverse: entry.inverse, at: entry.at, mergeKey: null });
    this.current = collection;
    return true;
  }

  redo(): boolean {
    const entry = this.future.at(-1);
    if (!entry) return false;
    const { collection, inverse } = applyEdit(this.current, entry.edit);
    this.future.pop();
    this.past.push({ edit: entry.edit, inverse, at: entry.at, mergeKey: null });
    this.current = collection;
    return true;
  }

  /** Forget all steps (e.g. after loading another collection), keeping `collection` as the new start. */
  reset(collection: SceneCollection = this.current): void {
    this.current = collection;
    this.past = [];
    this.future = [];
  }
}
