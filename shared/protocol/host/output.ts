/**
 * Output types of the host contract (shared/protocol/host.ts): restream targets (the stream key kept apart), the
 * stored output settings file, and recording / target / output status (app/main/output).
 */
import { z } from 'zod';

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
