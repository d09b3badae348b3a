/**
 * Studio host contract: what the studio renderer asks of the main-process services.
 * In Electron it travels over IPC (one preload method per message, channel = `host:<method>`);
 * in web mode over the authenticated local WebSocket HOST_WS_PATH served by the web host.
 * The same handler implementation (app/main/services) serves both.
 *
 * Roles: the only caller is the studio page, authenticated by the boundary before any frame is dispatched (the IPC
 * sender frame, or the web-host socket's host token and Origin). So every method declares `caller: 'studio'` and
 * both boundaries dispatch as `HOST_CALLER`; the declaration keeps the method type the same as on the other contracts.
 */
import { z } from 'zod';
import { ShowId } from '../domain/show';
import { AccountName, AccountView, Password } from '../realtime/accounts';
import { SceneCollection } from '../scene/model';
import type { Caller, MethodMap } from './rpc';

export const HOST_WS_PATH = '/ws/host';
export const HOST_TOKEN_PARAM = 'hostToken';

export const Locale = z.enum(['zh-CN', 'en']);
export type Locale = z.infer<typeof Locale>;

/**
 * The UI locale for a list of preferred languages, best first (BCP 47 `zh-Hans-CN`, `en-US`, or POSIX `zh_CN.UTF-8`):
 * the first Chinese or English one wins; zh-CN when none is either.
 */
export function localeFor(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const l = lang.toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

/** Program output: 16:9 or 9:16 (portrait, phones held upright) at 720p or 1080p. */
export const OutputPreset = z.enum(['720p30', '1080p30', '720x1280p30', '1080x1920p30']);
export type OutputPreset = z.infer<typeof OutputPreset>;
export const OUTPUT_PRESETS: Record<OutputPreset, { width: number; height: number; fps: number }> = {
  '720p30': { width: 1280, height: 720, fps: 30 },
  '1080p30': { width: 1920, height: 1080, fps: 30 },
  '720x1280p30': { width: 720, height: 1280, fps: 30 },
  '1080x1920p30': { width: 1080, height: 1920, fps: 30 },
};
/** The same quality in the other orientation. */
const TURNED: Record<OutputPreset, OutputPreset> = {
  '720p30': '720x1280p30',
  '1080p30': '1080x1920p30',
  '720x1280p30': '720p30',
  '1080x1920p30': '1080p30',
};
const LONGEST_SIDE = 3840;

/**
 * The preset the program is sent at: the chosen quality in the orientation of the scene collection's canvas (the
 * frame belongs to the collection; undoing a frame change turns the output back with it).
 */
export function effectivePreset(preset: OutputPreset, canvas: { width: number; height: number }): OutputPreset {
  const p = OUTPUT_PRESETS[preset];
  return p.height > p.width === canvas.height > canvas.width ? preset : TURNED[preset];
}

/**
 * Program frame size: the preset's short side, the canvas's aspect ratio (even sizes, long side capped), so a
 * 16:9 canvas gives exactly the 16:9 preset and a 9:16 canvas the portrait one.
 */
export function programFrame(
  preset: OutputPreset,
  canvas: { width: number; height: number },
): { width: number; height: number; fps: number } {
  const p = OUTPUT_PRESETS[preset];
  const short = Math.min(p.width, p.height);
  const portrait = canvas.height > canvas.width;
  const aspect = Math.max(canvas.width, canvas.height) / Math.min(canvas.width, canvas.height);
  const long = Math.min(LONGEST_SIDE, Math.max(short, Math.round((short * aspect) / 2) * 2));
  return portrait ? { width: short, height: long, fps: p.fps } : { width: long, height: short, fps: p.fps };
}

export const StudioSettings = z.object({
  locale: Locale,
  output: OutputPreset,
  cameraId: z.string().max(256).nullable(),
  micId: z.string().max(256).nullable(),
  showTitle: z.string().max(120),
  /** Text layer drawn over the camera (shop name, slogan). */
  overlayText: z.string().max(120),
  /** Logo layer: a data: URL of a small image chosen by the streamer, or null. */
  logoDataUrl: z
    .string()
    .max(512 * 1024)
    .nullable(),
  /** Last show opened, so a studio restart can resume it. */
  lastShowId: ShowId.nullable(),
  /** Server to publish to. null = the local server started with the studio. */
  serverUrl: z.string().url().nullable(),
  /** Studio token for a remote server (the local one is read from its data dir). */
  studioToken: z.string().max(256).nullable(),
});
export type StudioSettings = z.infer<typeof StudioSettings>;

export const DEFAULT_SETTINGS: StudioSettings = {
  locale: 'zh-CN',
  output: '720p30',
  cameraId: null,
  micId: null,
  showTitle: '',
  overlayText: '',
  logoDataUrl: null,
  lastShowId: null,
  serverUrl: null,
  studioToken: null,
};

// ---- output: recording + restream (app/main/output) ---------------------------------------------------------------

/** Where a restream target sends to: rtmp(s)://host[:port]/app — the stream key is kept apart (it is a secret). */
export const RtmpUrl = z
  .string()
  .trim()
  .max(512)
  .regex(/^rtmps?:\/\/[^\s/?#]+(?::\d{1,5})?(?:\/[^\s?#]*)?$/i, 'must be an rtmp:// or rtmps:// URL');
/** Stream key: printable ASCII without spaces (platforms add `?` query parts, so `?&=` are allowed). */
export const StreamKey = z
  .string()
  .max(512)
  .regex(/^[\x21-\x7e]*$/, 'stream key must be printable ASCII without spaces');
export const RestreamPlatform = z.enum(['custom', 'youtube', 'twitch', 'bilibili', 'douyin', 'kuaishou', 'facebook']);
export type RestreamPlatform = z.infer<typeof RestreamPlatform>;
export const TargetId = z.string().regex(/^[A-Za-z0-9_-]{6,40}$/, 'invalid target id');

/** A restream target as the renderer sees it: the stream key is never sent back, only whether one is set + its last 4 chars. */
export const RestreamTargetView = z.object({
  id: TargetId,
  name: z.string().trim().min(1).max(60),
  platform: RestreamPlatform,
  url: RtmpUrl,
  enabled: z.boolean(),
  hasKey: z.boolean(),
  keyHint: z.string().max(8),
});
export type RestreamTargetView = z.infer<typeof RestreamTargetView>;

/** Create (no id) or edit a target. `streamKey` omitted = keep the stored key. */
export const RestreamTargetInput = z.object({
  id: TargetId.optional(),
  name: z.string().trim().min(1).max(60),
  platform: RestreamPlatform,
  url: RtmpUrl,
  enabled: z.boolean(),
  streamKey: StreamKey.optional(),
});
export type RestreamTargetInput = z.infer<typeof RestreamTargetInput>;

/** `<settings dir>/output-settings.json`: restream targets with their stream keys (main process only, mode 0600). */
export const StoredRestreamTarget = RestreamTargetView.omit({ hasKey: true, keyHint: true }).extend({ streamKey: StreamKey });
export type StoredRestreamTarget = z.infer<typeof StoredRestreamTarget>;
export const OutputSettingsFile = z.object({
  version: z.literal(1),
  targets: z.array(StoredRestreamTarget).max(20),
});
export type OutputSettingsFile = z.infer<typeof OutputSettingsFile>;

/**
 * Why an output stopped or is retrying. `no_ffmpeg`: no ffmpeg binary; `disk`: the recording could not be written
 * (full disk, permissions); `refused`: nothing accepts connections at the target; `rejected`: the server closed the
 * stream (wrong key / app); `dropped`: the connection broke while live; `too_slow`: the sink could not keep up;
 * `input`: the program stream stopped arriving or is not decodable; `ffmpeg`: anything else ffmpeg reported.
 */
export const OutputErrorCode = z.enum(['no_ffmpeg', 'disk', 'refused', 'rejected', 'dropped', 'too_slow', 'input', 'ffmpeg']);
export type OutputErrorCode = z.infer<typeof OutputErrorCode>;
export const OutputError = z.object({ code: OutputErrorCode, message: z.string().max(1000) });
export type OutputError = z.infer<typeof OutputError>;

export const RecordingState = z.enum(['starting', 'recording', 'stopping', 'stopped', 'error']);
export const RecordingStatus = z.object({
  state: RecordingState,
  /** Absolute path of the fragmented MP4. */
  file: z.string(),
  /** Wall-clock ms the recording started (elapsed time is derived from it). */
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  /** Bytes written so far. */
  bytes: z.number().nonnegative(),
  /** Media time written so far (ms). */
  mediaMs: z.number().nonnegative(),
  error: OutputError.nullable(),
});
export type RecordingStatus = z.infer<typeof RecordingStatus>;

export const TargetState = z.enum(['idle', 'connecting', 'live', 'retrying', 'failed']);
export type TargetState = z.infer<typeof TargetState>;
export const TargetStatus = z.object({
  id: TargetId,
  state: TargetState,
  /** Outgoing bitrate over the last seconds (kbit/s), 0 when not live. */
  kbps: z.number().nonnegative(),
  /** Consecutive failed attempts (0 while live). */
  attempt: z.number().int().nonnegative(),
  /** Wall-clock ms of the next retry while retrying. */
  retryAt: z.number().nullable(),
  /** Wall-clock ms the target went live (this connection). */
  liveSince: z.number().nullable(),
  error: OutputError.nullable(),
});
export type TargetStatus = z.infer<typeof TargetStatus>;

export const OutputState = z.object({
  ffmpeg: z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), path: z.string(), source: z.enum(['env', 'ffmpeg-static', 'path']) }),
    z.object({ ok: z.literal(false), message: z.string() }),
  ]),
  recordingsDir: z.string(),
  /** The program stream the renderer is feeding (null when no output runs). */
  session: z.object({ id: z.string(), startedAt: z.number(), receivedBytes: z.number(), videoCodec: z.string().nullable() }).nullable(),
  /** The current (or last) recording of this run of the studio. */
  recording: RecordingStatus.nullable(),
  restreaming: z.boolean(),
  targets: z.array(RestreamTargetView),
  /** Status per target while restreaming (targets not listed are idle). */
  targetStatus: z.array(TargetStatus),
});
export type OutputState = z.infer<typeof OutputState>;

/**
 * The program-stream channel (renderer → main): MediaRecorder chunks of one output session, in order.
 * Electron: `ipcRenderer.invoke(OUTPUT_STREAM_CHANNEL, header, bytes)`; web mode: one binary WebSocket frame per
 * chunk (`encodeOutputFrame`), acknowledged by the `output.chunkAck` notification. Either way main answers each
 * chunk with an `OutputChunkAck`; the renderer keeps at most `maxInFlightBytes` unacknowledged.
 */
export const OUTPUT_STREAM = {
  /** Largest chunk (a 250 ms timeslice at 8 Mbit/s is ~250 KB). */
  maxChunkBytes: 4 * 1024 * 1024,
  /** Unacknowledged bytes the renderer may have in flight before it waits. */
  maxInFlightBytes: 8 * 1024 * 1024,
  /** A session that receives nothing for this long is ended by main (the renderer is gone). */
  idleTimeoutMs: 15_000,
} as const;
export const OUTPUT_STREAM_CHANNEL = 'host-stream:output.chunk';
export const OutputSessionId = z.string().regex(/^[0-9a-f]{32}$/, 'invalid session id');
export const OutputChunkHeader = z.object({ sessionId: OutputSessionId, seq: z.number().int().nonnegative().max(0xffffffff) });
export type OutputChunkHeader = z.infer<typeof OutputChunkHeader>;
export const OutputChunkAck = z.object({
  sessionId: OutputSessionId,
  seq: z.number().int().nonnegative(),
  ok: z.boolean(),
  /** Set when !ok: the session is over (the renderer stops its MediaRecorder). */
  error: OutputError.nullable(),
});
export type OutputChunkAck = z.infer<typeof OutputChunkAck>;

const FRAME_MAGIC = [0x53, 0x43, 0x4f, 0x31]; // "SCO1"
const FRAME_HEADER_BYTES = 4 + 16 + 4;

/** Binary WebSocket frame of the program-stream channel: "SCO1" | session id (16 bytes) | seq (u32 BE) | chunk. */
export function encodeOutputFrame(header: OutputChunkHeader, chunk: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + chunk.byteLength);
  out.set(FRAME_MAGIC, 0);
  for (let i = 0; i < 16; i++) out[4 + i] = Number.parseInt(header.sessionId.slice(i * 2, i * 2 + 2), 16);
  new DataView(out.buffer).setUint32(20, header.seq);
  out.set(chunk, FRAME_HEADER_BYTES);
  return out;
}

export type DecodedOutputFrame = { ok: true; header: OutputChunkHeader; chunk: Uint8Array } | { ok: false; message: string };

export function decodeOutputFrame(frame: Uint8Array): DecodedOutputFrame {
  if (frame.byteLength < FRAME_HEADER_BYTES) return { ok: false, message: 'frame too short' };
  if (frame.byteLength > FRAME_HEADER_BYTES + OUTPUT_STREAM.maxChunkBytes) return { ok: false, message: 'chunk too large' };
  if (FRAME_MAGIC.some((b, i) => frame[i] !== b)) return { ok: false, message: 'not a program-stream frame' };
  let sessionId = '';
  for (let i = 0; i < 16; i++) sessionId += frame[4 + i]!.toString(16).padStart(2, '0');
  const seq = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(20);
  return { ok: true, header: { sessionId, seq }, chunk: frame.subarray(FRAME_HEADER_BYTES) };
}

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
