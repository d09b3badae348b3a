/**
 * Scene-collection persistence for the renderer: load on start, debounced autosave of every edit (latest wins, one
 * save in flight at a time), import from a file the user picks and export as a download. The main process validates,
 * migrates and writes atomically (app/main/scenes.ts, host methods `scenes.*`); this class only schedules and reports.
 * The scene controller owns the collection and calls `schedule()` after each change.
 */
import type { HostMethods } from '../../../shared/protocol/host';
import type { ResOf } from '../../../shared/protocol/rpc';
import type { SceneCollection } from '../../../shared/scene/model';
import type { HostBridge } from '../host-bridge';
import type { ScenePersistence } from './scenes';

export type SceneSaveState = 'idle' | 'pending' | 'saving' | 'saved' | 'error';
export interface SceneSaveStatus {
  state: SceneSaveState;
  /** Wall-clock ms of the last successful save. */
  savedAt: number | null;
  /** Why the last save failed (the edit stays pending and is retried with the next change or flush). */
  error: string | null;
}

export class SceneAutosave {
  private pending: SceneCollection | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private saving: Promise<void> | null = null;
  private status: SceneSaveStatus = { state: 'idle', savedAt: null, error: null };

  constructor(
    private readonly host: HostBridge,
    private readonly opts: { debounceMs?: number; onStatus?: (s: SceneSaveStatus) => void } = {},
  ) {}

  private set(patch: Partial<SceneSaveStatus>): void {
    this.status = { ...this.status, ...patch };
    this.opts.onStatus?.(this.status);
  }

  get current(): SceneSaveStatus {
    return this.status;
  }

  /** The saved collection (migrated), null when none yet; `problem` when a bad file was moved aside. */
  load(): Promise<ResOf<HostMethods, 'scenes.load'>> {
    return this.host.call('scenes.load', {});
  }

  /** Remember the latest collection and save it after the debounce (edits in a burst are written once). */
  schedule(collection: SceneCollection): void {
    this.pending = collection;
    this.set({ state: this.saving ? 'saving' : 'pending' });
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.opts.debounceMs ?? 800);
  }

  /** Write what is pending now (also before export / unload). Resolves when nothing is pending or a save failed. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.saving) await this.saving;
    const collection = this.pending;
    if (!collection) return;
    this.pending = null;
    this.set({ state: 'saving' });
    this.saving = (async () => {
      try {
        const { savedAt } = await this.host.call('scenes.save', { collection });
        this.set({ state: this.pending ? 'pending' : 'saved', savedAt, error: null });
      } catch (err) {
        // keep the edit: a newer one replaces it, otherwise the next flush retries it
        this.pending ??= collection;
        this.set({ state: 'error', error: err instanceof Error ? err.message : String(err) });
      }
    })();
    try {
      await this.saving;
    } finally {
      this.saving = null;
    }
    if (this.pending && this.status.state !== 'error') await this.flush();
  }

  /** Import a collection file's text: validated and migrated by main, then saved; rejects (BAD_REQUEST) and changes nothing otherwise. */
  async importText(text: string): Promise<ResOf<HostMethods, 'scenes.import'>> {
    await this.flush();
    return this.host.call('scenes.import', { text });
  }

  /** The saved collection as file text + suggested name (after writing pending edits). */
  async exportText(): Promise<ResOf<HostMethods, 'scenes.export'>> {
    await this.flush();
    return this.host.call('scenes.export', {});
  }

  /** Offer the export as a download (Electron shows its save dialog; a browser saves to Downloads). */
  async exportDownload(): Promise<void> {
    const { text, fileName } = await this.exportText();
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    try {
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.click();
    } finally {
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }
  }
}

/** The scene controller's persistence seam backed by the host's `scenes.*` methods (validated, migrated, atomic). */
export class HostScenePersistence implements ScenePersistence {
  constructor(private readonly host: HostBridge) {}

  async load(): Promise<unknown | null> {
    // A corrupt or future-version file was moved aside by the host (`problem`): start from the fallback collection.
    return (await this.host.call('scenes.load', {})).collection;
  }

  async save(collection: SceneCollection): Promise<void> {
    await this.host.call('scenes.save', { collection });
  }
}
