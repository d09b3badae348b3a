/**
 * The recording's timeline against the server clock: which moment of the show each second of the HLS recording
 * shows, so explanation segments (server clock) become chapter times (seconds into the recording).
 *
 * ffmpeg's EXT-X-PROGRAM-DATE-TIME is not precise enough for that: ffmpeg 5 starts it from a whole-second `time()`
 * taken after it has probed the stream (up to a few seconds after the first buffered frame). A segment file, however,
 * is written and renamed (temp_file) the moment the key frame that starts the next one arrives, so its modification
 * time is the server-clock end of its picture plus a small, one-sided delay. Within each unbroken run of segments
 * (between discontinuities: the studio paused, ffmpeg restarted) the recording's clock is shifted by the smallest
 * (mtime − end on the timeline) over the run; the program date-time is the fallback where files are missing.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SEGMENT_FILE_RE } from '../hls/ffmpeg-input';

export interface PlaylistSegment {
  uri: string;
  /** EXTINF seconds. */
  duration: number;
  /** Seconds into the recording where it starts. */
  start: number;
  /** EXT-X-PROGRAM-DATE-TIME (ms since the epoch) if the playlist gave one. */
  programDateTime: number | null;
  /** Index of its unbroken run (a discontinuity starts the next). */
  run: number;
}

export interface Playlist {
  segments: PlaylistSegment[];
  duration: number;
  ended: boolean;
}

/** Segments of an HLS media playlist (only names the recorder writes are kept). */
export function parsePlaylist(text: string): Playlist {
  const segments: PlaylistSegment[] = [];
  let duration: number | null = null;
  let pdt: number | null = null;
  let run = 0;
  let t = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
      const ms = Date.parse(line.slice(25));
      pdt = Number.isFinite(ms) ? ms : null;
    } else if (line === '#EXT-X-DISCONTINUITY') {
      if (segments.length) run++;
    } else if (line && !line.startsWith('#') && duration !== null && Number.isFinite(duration)) {
      if (SEGMENT_FILE_RE.test(line)) {
        segments.push({ uri: line, duration, start: t, programDateTime: pdt, run });
        t += duration;
      }
      duration = null;
      pdt = null;
    }
  }
  return { segments, duration: t, ended: text.includes('#EXT-X-ENDLIST') };
}

/** One unbroken stretch of the recording: [start, end) seconds showing server-clock ms `wallStart` onwards. */
export interface TimelineRun {
  start: number;
  end: number;
  wallStart: number;
}

/**
 * The runs of the recording with their server-clock start. `mtimeOf` gives a segment file's modification time
 * (ms), null when it is missing.
 */
export function timelineRuns(playlist: Playlist, mtimeOf: (uri: string) => number | null): TimelineRun[] {
  const runs: TimelineRun[] = [];
  const byRun = new Map<number, PlaylistSegment[]>();
  for (const s of playlist.segments) byRun.set(s.run, [...(byRun.get(s.run) ?? []), s]);
  for (const segs of byRun.values()) {
    const first = segs[0]!;
    const last = segs[segs.length - 1]!;
    let offset: number | null = null;
    for (const s of segs) {
      const m = mtimeOf(s.uri);
      if (m === null) continue;
      const o = m - (s.start + s.duration) * 1000;
      if (offset === null || o < offset) offset = o;
    }
    if (offset === null && first.programDateTime !== null) offset = first.programDateTime - first.start * 1000;
    if (offset === null) continue;
    runs.push({ start: first.start, end: last.start + last.duration, wallStart: Math.round(offset + first.start * 1000) });
  }
  return runs;
}

/**
 * Seconds into the recording that show server-clock moment `at`: inside a run, its position; before the first run
 * or in a gap between runs (nothing was recorded then), the start of the next run; after the last, the end.
 */
export function recordingTimeOf(runs: readonly TimelineRun[], at: number): number {
  for (const r of runs) {
    const rel = (at - r.wallStart) / 1000;
    if (rel < 0) return r.start;
    if (rel < r.end - r.start) return round3(r.start + rel);
  }
  const last = runs[runs.length - 1];
  return last ? last.end : 0;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Modification times of segment files in a show's HLS folder (ms; null when missing). */
export function segmentMtimes(dir: string): (uri: string) => number | null {
  return (uri) => {
    if (!SEGMENT_FILE_RE.test(uri)) return null;
    try {
      return statSync(join(dir, uri)).mtimeMs;
    } catch {
      return null;
    }
  };
}

/**
 * The whole segments (a clip starts and ends on key frames) nearest to [start, end) seconds of the recording: those
 * at least half inside it, or else the one most inside it. Each end is then off by at most half a segment, so the
 * clip lasts the stretch ± one key-frame interval.
 */
export function segmentsCovering(playlist: Playlist, start: number, end: number): PlaylistSegment[] {
  const overlap = (s: PlaylistSegment) => Math.min(end, s.start + s.duration) - Math.max(start, s.start);
  const inside = playlist.segments.filter((s) => overlap(s) >= s.duration / 2);
  if (inside.length > 0) return inside;
  let best: PlaylistSegment | null = null;
  for (const s of playlist.segments) if (overlap(s) > 0 && (!best || overlap(s) > overlap(best))) best = s;
  return best ? [best] : [];
}
