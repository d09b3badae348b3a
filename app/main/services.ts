/**
 * Studio host services: the main-process side of the host contract (shared/protocol/host.ts).
 * Plain Node (no Electron imports): Electron's main process serves them over IPC, the web host over
 * its authenticated WebSocket. Settings are a JSON file written atomically (tmp + rename).
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_SETTINGS, type DisplaySource, type HostMethods, type Locale, localeFor, StudioSettings } from '../../shared/protocol/host';
import { type Handlers, RpcError } from '../../shared/protocol/rpc';
import { writeJsonAtomic } from './atomic';
import { type OutputServiceOptions, OutputService } from './output/service';
import { SceneStore } from './scenes';
import { claimOwner, type StaffConnection, staffSetupState } from './staff';

export { writeJsonAtomic };

/** Who is calling (for logs): the Electron IPC bridge or the web host socket. */
export interface HostCtx {
  via: 'ipc' | 'ws';
}

/** Screen / window capture of the host (Electron's desktopCapturer); absent in web mode. */
export interface DisplayCapture {
  list(kinds: readonly ('screen' | 'window')[]): Promise<DisplaySource[]>;
  /** The source the studio's next getDisplayMedia gets (null: the first screen). */
  select(sourceId: string | null): void;
}

export interface HostLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface HostServicesOptions {
  mode: 'electron' | 'web';
  version: string;
  /** Full path of the settings JSON file (Electron: <userData>/studio-settings.json; web: <dataDir>/studio-settings.json). */
  settingsFile: string;
  /** Data dir of the local server (holds `studio-token`), or null when there is no local server. */
  serverDataDir: string | null;
  /** http base URL of the local server started with the studio, or null. */
  localServerUrl: string | null;
  /** Opens an http(s) URL in the system browser; resolves false when no opener is available. */
  openExternal: (url: string) => Promise<boolean>;
  /** Opens a local folder in the file manager; resolves false when no opener is available. */
  openPath?: (path: string) => Promise<boolean>;
  /** Recordings folder (default `<settings dir>/recordings`). */
  recordingsDir?: string;
  /** Restream targets + stream keys (default `<settings dir>/output-settings.json`). */
  outputSettingsFile?: string;
  /** The scene collection (default `<settings dir>/scene-collection.json`). */
  scenesFile?: string;
  /** Screen / window capture (Electron); web mode has none and the browser's own picker is used. */
  display?: DisplayCapture;
  /** Output service overrides (tests: ffmpeg resolution, retry timing). */
  output?: Partial<Pick<OutputServiceOptions, 'ffmpeg' | 'retry' | 'idleTimeoutMs' | 'maxQueuedBytes' | 'encode'>>;
  log?: HostLogger;
  /** The studio's language on first run, before the streamer picks one (default: the system's, systemLocale()). */
  systemLocale?: Locale;
}

export interface HostServices {
  readonly handlers: Handlers<HostMethods, HostCtx>;
  /** Current settings (a copy). */
  settings(): StudioSettings;
  /** Recording + restream (also fed by the program-stream channel). */
  readonly output: OutputService;
  readonly scenes: SceneStore;
  /** Wait for pending writes. */
  flush(): Promise<void>;
  /** Stop outputs (the recording is finalized) and wait for pending writes. */
  close(): Promise<void>;
}

const consoleLogger: HostLogger = {
  info: (m) => console.log(`[host] ${m}`),
  warn: (m) => console.warn(`[host] ${m}`),
};

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Load settings. Missing file → defaults. Unreadable JSON or invalid content → defaults, the bad file is moved
 * to `<file>.bak` and a warning is logged. Keys missing from an older file take their default.
 */
/**
 * The operating system's language for a first run: LC_ALL / LC_MESSAGES / LANG where set (POSIX), else the locale
 * Node's ICU took from the system (Windows and macOS report the user's language there).
 */
export function systemLocale(env: NodeJS.ProcessEnv = process.env): Locale {
  const posix = [env.LC_ALL, env.LC_MESSAGES, env.LANG].filter((v): v is string => !!v && v !== 'C' && v !== 'POSIX');
  return localeFor([...posix, Intl.DateTimeFormat().resolvedOptions().locale]);
}

export async function loadSettings(
  file: string,
  log: HostLogger = consoleLogger,
  defaults: StudioSettings = DEFAULT_SETTINGS,
): Promise<StudioSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return { ...defaults };
    throw err;
  }
  let problem: string;
  try {
    const raw: unknown = JSON.parse(text);
    const merged = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? { ...defaults, ...raw } : raw;
    const parsed = StudioSettings.safeParse(merged);
    if (parsed.success) return parsed.data;
    problem = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
  } catch {
    problem = 'not valid JSON';
  }
  const bak = `${file}.bak`;
  await rename(file, bak);
  log.warn(`settings file ${file} is invalid (${problem}); using defaults, the old file was kept as ${bak}`);
  return { ...defaults };
}

/** Read the local server's studio token (`<dataDir>/studio-token`), or null if it does not exist yet. */
export async function readStudioToken(serverDataDir: string): Promise<string | null> {
  try {
    const token = (await readFile(join(serverDataDir, 'studio-token'), 'utf8')).trim();
    return token.length > 0 ? token : null;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export async function createHostServices(opts: HostServicesOptions): Promise<HostServices> {
  const log = opts.log ?? consoleLogger;
  // A first run (no settings file yet) speaks the system's language; the streamer's choice is saved from then on.
  let current = await loadSettings(opts.settingsFile, log, { ...DEFAULT_SETTINGS, locale: opts.systemLocale ?? systemLocale() });
  const dir = dirname(opts.settingsFile);
  const output = await OutputService.create({
    recordingsDir: opts.recordingsDir ?? join(dir, 'recordings'),
    settingsFile: opts.outputSettingsFile ?? join(dir, 'output-settings.json'),
    log,
    ...opts.output,
  });
  const scenes = new SceneStore(opts.scenesFile ?? join(dir, 'scene-collection.json'), log);
  // Saves are serialized so two quick edits cannot race each other's rename.
  let writeChain: Promise<void> = Promise.resolve();

  /** The server to talk to and the studio token it accepts (configured remote server, else the local one). */
  const connection = async (): Promise<StaffConnection> => {
    if (current.serverUrl) return { serverUrl: current.serverUrl, studioToken: current.studioToken };
    if (!opts.localServerUrl) {
      throw new RpcError('BAD_STATE', 'no server configured: set a server URL in the settings or start the local server');
    }
    const fileToken = opts.serverDataDir ? await readStudioToken(opts.serverDataDir) : null;
    return { serverUrl: opts.localServerUrl, studioToken: fileToken ?? current.studioToken };
  };

  const handlers: Handlers<HostMethods, HostCtx> = {
    'host.getInfo': () => ({ version: opts.version, mode: opts.mode, platform: process.platform }),

    'host.getConnection': () => connection(),

    'host.getSettings': () => current,

    'host.saveSettings': async ({ settings }) => {
      const next = StudioSettings.safeParse({ ...current, ...settings });
      if (!next.success) throw new RpcError('BAD_REQUEST', `invalid settings: ${next.error.issues[0]?.message ?? 'unknown'}`);
      const value = next.data;
      const write = writeChain.then(() => writeJsonAtomic(opts.settingsFile, value));
      writeChain = write.catch(() => {});
      await write; // a failed write leaves `current` untouched and rejects (→ INTERNAL)
      current = value;
      return current;
    },

    'host.openExternal': async ({ url }) => ({ opened: await opts.openExternal(url) }),
    'display.listSources': async ({ kinds }) =>
      opts.display ? { supported: true, sources: await opts.display.list(kinds) } : { supported: false, sources: [] },
    'display.select': ({ sourceId }) => {
      opts.display?.select(sourceId);
      return { supported: opts.display !== undefined };
    },

    'output.getState': () => output.state(),
    'output.begin': ({ mimeType }) => output.begin(mimeType),
    'output.end': ({ sessionId }) => output.end(sessionId),
    'output.startRecording': ({ sessionId }) => output.startRecording(sessionId),
    'output.stopRecording': () => output.stopRecording(),
    'output.startRestream': ({ sessionId }) => output.startRestream(sessionId),
    'output.stopRestream': () => output.stopRestream(),
    'output.saveTarget': ({ target }) => output.saveTarget(target),
    'output.removeTarget': ({ id }) => output.removeTarget(id),
    'output.openFolder': async () => {
      const folder = output.state().recordingsDir;
      if (!opts.openPath) return { opened: false };
      await mkdir(folder, { recursive: true }).catch(() => {});
      return { opened: await opts.openPath(folder) };
    },

    'scenes.load': () => scenes.load(),
    'scenes.save': ({ collection }) => scenes.save(collection),
    'scenes.import': ({ text }) => scenes.import(text),
    'scenes.export': () => scenes.export(),

    'staff.setupState': async () => staffSetupState(await connection()),
    'staff.claimOwner': async (req, ctx) => {
      const result = await claimOwner(await connection(), req);
      log.info(`owner account "${result.account.name}" created from the studio (${ctx.via})`);
      return result;
    },
  };

  return {
    handlers,
    output,
    scenes,
    settings: () => ({ ...current }),
    flush: async () => {
      await writeChain;
      await scenes.flush();
    },
    close: async () => {
      await output.close();
      await writeChain;
      await scenes.flush();
    },
  };
}
