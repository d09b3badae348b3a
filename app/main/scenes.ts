/**
 * Scene-collection persistence (main process): `<dir>/scene-collection.json`, written atomically (temp + fsync +
 * rename) with the previous version kept as `.bak`. Files of any known schema version are migrated on load; a corrupt
 * or newer-version file is never overwritten: it is moved aside (`scene-collection.<reason>-<time>.json`) and
 * reported, so nothing is lost. Import validates and migrates before anything changes.
 */
import { copyFile, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SceneFileProblem } from '../../shared/protocol/host';
import { RpcError } from '../../shared/protocol/rpc';
import { parseCollection, serializeCollection } from '../../shared/scene/migrations';
import { type SceneCollection, validateCollection } from '../../shared/scene/model';
import { writeFileAtomic } from './atomic';

export interface SceneLoadResult {
  collection: SceneCollection | null;
  migratedFrom: number | null;
  problem: SceneFileProblem | null;
}

export interface SceneStoreLogger {
  warn(msg: string): void;
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/** A file name for an exported collection: its name with unsafe characters replaced. */
export function exportFileName(c: SceneCollection): string {
  const safe =
    [...c.name]
      .map((ch) => (ch.charCodeAt(0) < 0x20 || '\\/:*?"<>|'.includes(ch) ? '_' : ch))
      .join('')
      .trim() || 'scenes';
  return `${safe}.storecast-scenes.json`;
}

export class SceneStore {
  private chain: Promise<unknown> = Promise.resolve();
  /** The file on disk was checked (loaded or moved aside) in this run: saves may replace it. */
  private checked = false;

  constructor(
    readonly file: string,
    private readonly log: SceneStoreLogger,
  ) {}

  /** Run one operation at a time (a load never sees a half-done save, two saves never race). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  load(): Promise<SceneLoadResult> {
    return this.serial(() => this.loadNow());
  }

  private async loadNow(): Promise<SceneLoadResult> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.checked = true;
        return { collection: null, migratedFrom: null, problem: null };
      }
      throw err;
    }
    const result = parseCollection(text);
    if (result.ok) {
      this.checked = true;
      return { collection: result.collection, migratedFrom: result.migratedFrom, problem: null };
    }
    const aside = join(
      dirname(this.file),
      `${basename(this.file, '.json')}.${result.error === 'future_version' ? 'newer' : 'corrupt'}-${stamp()}.json`,
    );
    await rename(this.file, aside);
    this.checked = true;
    this.log.warn(`scene collection ${this.file} could not be loaded (${result.error}: ${result.message}); kept as ${aside}`);
    return { collection: null, migratedFrom: null, problem: { code: result.error, message: result.message, keptAs: aside } };
  }

  save(collection: SceneCollection): Promise<{ savedAt: number }> {
    return this.serial(async () => {
      const valid = validateCollection(collection);
      if (!valid.ok) {
        const i = valid.issues[0]!;
        throw new RpcError('BAD_REQUEST', `invalid scene collection — ${i.path || '(root)'}: ${i.message}`);
      }
      await this.writeNow(valid.collection);
      return { savedAt: Date.now() };
    });
  }

  private async writeNow(c: SceneCollection): Promise<void> {
    // Never replace a file this run has not looked at (it may be from a newer Storecast): check it first.
    if (!this.checked) await this.loadNow();
    try {
      await copyFile(this.file, `${this.file}.bak`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await writeFileAtomic(this.file, serializeCollection(c));
  }

  import(text: string): Promise<{ collection: SceneCollection; migratedFrom: number }> {
    return this.serial(async () => {
      const result = parseCollection(text);
      if (!result.ok) {
        throw new RpcError('BAD_REQUEST', result.error === 'future_version' ? result.message : `cannot import: ${result.message}`);
      }
      await this.writeNow(result.collection);
      return { collection: result.collection, migratedFrom: result.migratedFrom };
    });
  }

  export(): Promise<{ text: string; fileName: string }> {
    return this.serial(async () => {
      const loaded = await this.loadNow();
      if (!loaded.collection) {
        throw new RpcError('NOT_FOUND', loaded.problem ? loaded.problem.message : 'no scene collection has been saved yet');
      }
      return { text: serializeCollection(loaded.collection), fileName: exportFileName(loaded.collection) };
    });
  }

  /** Wait for pending writes. */
  flush(): Promise<void> {
    return this.chain.then(() => {});
  }
}
