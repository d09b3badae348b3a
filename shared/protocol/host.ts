/**
 * Studio host contract: what the studio renderer asks of the main-process services.
 * In Electron it travels over IPC (one preload method per message, channel = `host:<method>`);
 * in web mode over the authenticated local WebSocket HOST_WS_PATH served by the web host.
 * The same handler implementation (app/main/services) serves both.
 *
 * Roles: the only caller is the studio page, authenticated by the boundary before any frame is dispatched (the IPC
 * sender frame, or the web-host socket's host token and Origin). So every method declares `caller: 'studio'` and
 * both boundaries dispatch as `HOST_CALLER`; the declaration keeps the method type the same as on the other contracts.
 *
 * The map below is the contract; its value types live in host/: `settings.ts` (locale, output presets,
 * `StudioSettings`), `output.ts` (restream targets, recording / target status), `output-stream.ts` (the
 * program-stream channel). They are re-exported here, the one import path of both sides.
 */
import { z } from 'zod';
import { AccountName, AccountView, Password } from '../realtime/accounts';
import { SceneCollection } from '../scene/model';
import { OutputState, RestreamTargetInput, TargetId } from './host/output';
import { OutputChunkAck, OutputSessionId } from './host/output-stream';
import { StudioSettings } from './host/settings';
import type { Caller, MethodMap } from './rpc';

export * from './host/output';
export * from './host/output-stream';
export * from './host/settings';

export const HOST_WS_PATH = '/ws/host';
export const HOST_TOKEN_PARAM = 'hostToken';

// ---- scene collections (app/main/scenes.ts) -----------------------------------------------------------------------

/** A problem with the stored collection found on load; the file was moved aside to `keptAs` (nothing is lost). */
export const SceneFileProblem = z.object({
  code: z.enum(['corrupt', 'future_version']),
  message: z.string(),
  keptAs: z.string(),
});
export type SceneFileProblem = z.infer<typeof SceneFileProblem>;

/** A screen or window the host can capture (Electron desktopCapturer). */
export const DisplaySource = z.object({
  /** desktopCapturer id, e.g. `screen:0:0` / `window:42:0` (what screen_capture's `sourceId` holds). */
  id: z.string().min(1).max(256),
  name: z.string().max(512),
  kind: z.enum(['screen', 'window']),
  /** Small PNG preview as a data: URL, or null. */
  thumbnail: z
    .string()
    .max(512 * 1024)
    .refine((u) => u.startsWith('data:image/'), 'a data:image URL')
    .nullable(),
});
export type DisplaySource = z.infer<typeof DisplaySource>;

/** Largest host-channel text message (a scene collection save / import). Other boundaries keep MAX_MESSAGE_BYTES. */
export const HOST_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

export const hostMethods = {
  'host.getInfo': {
    caller: 'studio',
    req: z.object({}),
    res: z.object({ version: z.string(), mode: z.enum(['electron', 'web']), platform: z.string() }),
  },
  /** Where to publish and with which credential. */
  'host.getConnection': {
    caller: 'studio',
    req: z.object({}),
    res: z.object({
      /** http(s) base of the server, e.g. http://127.0.0.1:8080 */
      serverUrl: z.string().url(),
      studioToken: z.string().nullable(),
    }),
  },
  'host.getSettings': { caller: 'studio', req: z.object({}), res: StudioSettings },
  'host.saveSettings': { caller: 'studio', req: z.object({ settings: StudioSettings.partial() }), res: StudioSettings },
  /** Open an http(s) URL (the viewer page) in the system browser. */
  'host.openExternal': {
    caller: 'studio',
    req: z.object({
      url: z
        .string()
        .url()
        .refine((u) => /^https?:\/\//.test(u), 'only http(s) URLs'),
    }),
    res: z.object({ opened: z.boolean() }),
  },

  // ---- screen / window capture (Electron; web mode answers supported: false and the browser's picker is used) ----
  /** Screens and windows to choose from, with thumbnails. */
  'display.listSources': {
    caller: 'studio',
    req: z.object({
      kinds: z
        .array(z.enum(['screen', 'window']))
        .min(1)
        .max(2),
    }),
    res: z.object({ supported: z.boolean(), sources: z.array(DisplaySource) }),
  },
  /**
   * The studio's next getDisplayMedia captures this source (null: the first screen). Unknown ids are refused with
   * NOT_FOUND when the capture starts, not here (windows come and go).
   */
  'display.select': {
    caller: 'studio',
    req: z.object({ sourceId: z.string().min(1).max(256).nullable() }),
    res: z.object({ supported: z.boolean() }),
  },

  // ---- output (recording + restream) ----
  /** ffmpeg availability, recordings folder, the running session / recording and every target's status. */
  'output.getState': { caller: 'studio', req: z.object({}), res: OutputState },
  /**
   * Start feeding the program: the renderer started a MediaRecorder with `mimeType` and will send its chunks on the
   * program-stream channel with this session id. One session at a time (BAD_STATE otherwise).
   */
  'output.begin': {
    caller: 'studio',
    req: z.object({ mimeType: z.string().max(200) }),
    res: z.object({ sessionId: OutputSessionId }),
  },
  /** The renderer stopped its MediaRecorder: outputs finish what they have (the recording is finalized). */
  'output.end': { caller: 'studio', req: z.object({ sessionId: OutputSessionId }), res: OutputState },
  'output.startRecording': { caller: 'studio', req: z.object({ sessionId: OutputSessionId }), res: OutputState },
  'output.stopRecording': { caller: 'studio', req: z.object({}), res: OutputState },
  /** Restream to every enabled target (each with its own process, status and reconnect backoff). */
  'output.startRestream': { caller: 'studio', req: z.object({ sessionId: OutputSessionId }), res: OutputState },
  'output.stopRestream': { caller: 'studio', req: z.object({}), res: OutputState },
  'output.saveTarget': { caller: 'studio', req: z.object({ target: RestreamTargetInput }), res: OutputState },
  'output.removeTarget': { caller: 'studio', req: z.object({ id: TargetId }), res: OutputState },
  /** Open the recordings folder in the file manager. */
  'output.openFolder': { caller: 'studio', req: z.object({}), res: z.object({ opened: z.boolean() }) },

  // ---- scene collections (the compositor loads / autosaves / imports / exports through these) ----
  /**
   * The saved collection (migrated to the current schema), or null when none was saved yet (the renderer starts
   * from `defaultCollection`). A corrupt or newer-version file is moved aside and reported in `problem`.
   */
  'scenes.load': {
    caller: 'studio',
    req: z.object({}),
    res: z.object({
      collection: SceneCollection.nullable(),
      migratedFrom: z.number().int().nullable(),
      problem: SceneFileProblem.nullable(),
    }),
  },
  /** Save atomically (temp + rename; the previous file is kept as `.bak`). Invalid collections are refused. */
  'scenes.save': { caller: 'studio', req: z.object({ collection: SceneCollection }), res: z.object({ savedAt: z.number() }) },
  /**
   * Import a collection file's text (any known schema version). Validated and migrated first: a corrupt or
   * future-version file is refused with BAD_REQUEST and nothing changes. On success it becomes the saved collection.
   */
  'scenes.import': {
    caller: 'studio',
    req: z.object({ text: z.string().max(HOST_MAX_MESSAGE_BYTES) }),
    res: z.object({ collection: SceneCollection, migratedFrom: z.number().int() }),
  },
  /** The saved collection as file text plus a suggested file name (the renderer offers it as a download). */
  'scenes.export': { caller: 'studio', req: z.object({}), res: z.object({ text: z.string(), fileName: z.string() }) },

  // ---- staff accounts on the server (main calls it with the studio token, which never reaches the renderer) ----
  /** Does the server still need its owner account (first run)? And where its moderator pane is. */
  'staff.setupState': {
    caller: 'studio',
    req: z.object({}),
    res: z.object({ needed: z.boolean(), moderatorUrl: z.string().url() }),
  },
  /**
   * First run in one click: create the server's owner account, the studio token being the proof of being the
   * operator. CONFLICT once an owner exists (the card is gone then) or when the name is taken.
   */
  'staff.claimOwner': {
    caller: 'studio',
    req: z.object({ name: AccountName, password: Password }),
    res: z.object({ account: AccountView, moderatorUrl: z.string().url() }),
  },
} as const satisfies MethodMap;
/** The host boundaries' caller: the studio page, already authenticated by the transport (see the header). */
export const HOST_CALLER: Caller = { roles: ['studio'] };
export type HostMethods = typeof hostMethods;
export type HostMethod = keyof HostMethods;
export const HOST_METHOD_NAMES = Object.keys(hostMethods) as HostMethod[];

export const hostNotifications = {
  /** Web mode: the answer to one program-stream frame. */
  'output.chunkAck': OutputChunkAck,
} as const;

/** IPC channel name for a host method (Electron). */
export function hostChannel(method: HostMethod): `host:${HostMethod}` {
  return `host:${method}`;
}
