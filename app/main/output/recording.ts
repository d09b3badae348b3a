/**
 * The recording: one ffmpeg process writing the program as fragmented MP4 into the recordings folder (playable after
 * a crash), its status kept up to date from the process's progress and exit.
 */
import type { OutputError, RecordingStatus } from '../../../shared/protocol/host';
import { type EncodeOptions, recordingArgs } from './args';
import type { MkvTrack } from './mkv-stream';
import { nowMs, type OutputLogger, Tap } from './program-stream';
import { FfmpegSink } from './sink';

export interface Recording {
  status: RecordingStatus;
  tap: Tap | null;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function recordingName(d: Date): string {
  return `Storecast-${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}.mp4`;
}

export interface RecordingSinkOptions {
  bin: string;
  tracks: MkvTrack[];
  encode: EncodeOptions;
  maxQueuedBytes: number;
  log: OutputLogger;
  /** The service's current recording: progress of a replaced one is ignored. */
  current: () => Recording | null;
  detach: (tap: Tap) => void;
}

/** Spawn the recording's ffmpeg; its tap joins the program stream at the next video keyframe. */
export function recordingTap(rec: Recording, { bin, tracks, encode, maxQueuedBytes, log, current, detach }: RecordingSinkOptions): Tap {
  const sink = new FfmpegSink({
    bin,
    args: recordingArgs(tracks, rec.status.file, encode),
    secrets: [],
    maxQueuedBytes,
    kind: 'recording',
    onProgress: (p) => {
      if (current() !== rec) return;
      rec.status = {
        ...rec.status,
        bytes: p.bytes,
        mediaMs: p.mediaMs,
        state: rec.status.state === 'starting' && p.bytes > 0 ? 'recording' : rec.status.state,
      };
    },
    onExit: (e) => {
      if (rec.tap) detach(rec.tap);
      rec.tap = null;
      const last = sink.last;
      const ok = e.error === null;
      if (!ok) log.warn(`recording stopped: ${e.error!.code}: ${e.error!.message}`);
      rec.status = {
        ...rec.status,
        bytes: Math.max(rec.status.bytes, last.bytes),
        mediaMs: Math.max(rec.status.mediaMs, last.mediaMs),
        state: ok ? 'stopped' : 'error',
        endedAt: nowMs(),
        error: ok ? rec.status.error : e.error,
      };
    },
  });
  return new Tap(sink);
}

/** Stop the recording: its ffmpeg finalizes the file (its exit sets the final state), or it ends at once if none ran. */
export async function finishRecording(rec: Recording | null, reason: OutputError | null, detach: (tap: Tap) => void): Promise<void> {
  if (!rec || rec.status.state === 'stopped' || rec.status.state === 'error') return;
  rec.status = { ...rec.status, state: 'stopping', error: reason };
  const tap = rec.tap;
  if (tap) {
    detach(tap);
    await tap.sink.end();
  } else {
    rec.status = { ...rec.status, state: 'stopped', endedAt: nowMs() };
  }
}
