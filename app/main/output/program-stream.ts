/**
 * The program stream as the outputs see it: the running session (MediaRecorder chunks split at element boundaries by
 * mkv-stream.ts) and one `Tap` per output process, which joins the stream at a video keyframe with the init segment
 * in front and then gets every element in order.
 */
import type { FfmpegSink } from './sink';
import { CLUSTER_UNKNOWN_SIZE_HEADER, ID, type MkvEvent, type MkvStreamSplitter, type MkvTrack } from './mkv-stream';

export interface OutputLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export function nowMs(): number {
  return Date.now();
}

/** One output's view of the program stream: starts at a video keyframe with the init segment in front. */
export class Tap {
  flowing = false;
  constructor(readonly sink: FfmpegSink) {}
}

export interface Session {
  id: string;
  startedAt: number;
  mimeType: string;
  splitter: MkvStreamSplitter;
  nextSeq: number;
  init: Buffer | null;
  tracks: MkvTrack[];
  videoTrack: number | null;
  /** Unknown-size cluster header + the current cluster's Timestamp element: how a joining tap starts mid-cluster. */
  clusterPrefix: Buffer[];
  lastChunkAt: number;
  idleTimer: ReturnType<typeof setInterval>;
}

/** Pass one element after the init segment to the taps; a tap that is not flowing yet joins at a video keyframe. */
export function fanOut(s: Session, ev: Exclude<MkvEvent, { kind: 'init' }>, taps: Iterable<Tap>): void {
  if (ev.kind === 'cluster') {
    s.clusterPrefix = [CLUSTER_UNKNOWN_SIZE_HEADER];
    for (const tap of taps) if (tap.flowing) tap.sink.write(ev.bytes);
    return;
  }
  if (ev.inCluster && ev.id === ID.Timestamp) s.clusterPrefix.push(ev.bytes);
  const isKey = ev.block !== null && ev.block.track === s.videoTrack && ev.block.keyframe;
  for (const tap of taps) {
    if (tap.flowing) {
      tap.sink.write(ev.bytes);
    } else if (isKey && s.init) {
      // join here: init segment, a cluster header with this cluster's timestamp, then the keyframe
      tap.flowing = tap.sink.write(s.init);
      for (const b of s.clusterPrefix) tap.sink.write(b);
      tap.sink.write(ev.bytes);
    }
  }
}
