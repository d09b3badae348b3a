/**
 * The replay of a show, derived from two things that already exist: its HLS recording (server/src/hls, the folder
 * `<dataDir>/hls/<showId>/`) and its explanation segments (server/src/analytics, from the show event log). A chapter
 * is one explanation segment placed on the recording's timeline (timeline.ts); its clip is made on first request
 * (clips.ts). Nothing is stored but the clips and, once the show has ended, the timeline as a sidecar
 * (`replay.json`), so later reads do not depend on the segment files' times.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clipPath, type ReplayChapter, type ReplayManifest } from '../../../shared/replay/manifest';
import type { AnalyticsService } from '../analytics/service';
import type { ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import type { HlsService } from '../hls/service';
import { ClipMaker } from './clips';
import { type Playlist, parsePlaylist, recordingTimeOf, segmentMtimes, segmentsCovering, type TimelineRun, timelineRuns } from './timeline';

export type ReplayErrorCode = 'NOT_FOUND' | 'BAD_STATE' | 'UNAVAILABLE';
const STATUS: Record<ReplayErrorCode, number> = { NOT_FOUND: 404, BAD_STATE: 409, UNAVAILABLE: 503 };

export class ReplayError extends Error {
  readonly status: number;
  constructor(
    readonly code: ReplayErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ReplayError';
    this.status = STATUS[code];
  }
}

const SIDECAR = 'replay.json';
/** How long a manifest answer is reused (a chapter's clip shows up at most this late). */
export const MANIFEST_TTL_MS = 2000;

interface Sidecar {
  version: 1;
  runs: TimelineRun[];
}

export interface ReplayDeps {
  hls: HlsService | null;
  shows: ShowRepository;
  analytics: AnalyticsService;
  ffmpegBin: string;
  log: Logger;
}

export class ReplayService {
  private readonly clips: ClipMaker;
  private readonly cache = new Map<string, { at: number; manifest: ReplayManifest }>();

  constructor(private readonly d: ReplayDeps) {
    this.clips = new ClipMaker({ ffmpegBin: d.ffmpegBin, log: d.log });
  }

  /** Whether this node holds the show (in a cluster, another node may). */
  knows(showId: string): boolean {
    return this.d.shows.get(showId) !== null;
  }

  /**
   * The replay of a show: throws ReplayError for an unknown show or one with no recording. Live pages ask for it when
   * an explanation ends (its clip appears), all at once: answers are kept MANIFEST_TTL_MS.
   */
  async manifest(showId: string): Promise<ReplayManifest> {
    const now = Date.now();
    const cached = this.cache.get(showId);
    if (cached && now - cached.at < MANIFEST_TTL_MS) return cached.manifest;
    const { show, playlist, runs } = this.recording(showId);
    const chapters = await this.chapters(showId, playlist, runs);
    const manifest = { show, playlistUrl: `/hls/${encodeURIComponent(showId)}/index.m3u8`, duration: round3(playlist.duration), chapters };
    this.cache.set(showId, { at: now, manifest });
    if (this.cache.size > 200) this.cache.delete(this.cache.keys().next().value as string);
    return manifest;
  }

  /** The clip of explanation `clipId` (the log seq of its start) in this show: its MP4 path, made if needed. */
  async clip(showId: string, clipId: number): Promise<string> {
    const { playlist, runs } = this.recording(showId);
    const chapter = (await this.chapters(showId, playlist, runs)).find((c) => c.clipId === clipId);
    if (!chapter) throw new ReplayError('NOT_FOUND', `no explanation ${clipId} in this show`);
    if (chapter.open) throw new ReplayError('BAD_STATE', 'this product is still being explained');
    const segs = segmentsCovering(playlist, chapter.start, chapter.end);
    if (segs.length === 0) throw new ReplayError('NOT_FOUND', 'this explanation was not recorded');
    try {
      return await this.clips.clip(this.d.hls!.dir(showId), {
        clipId,
        segments: segs.map((s) => s.uri),
        duration: round3(segs.reduce((t, s) => t + s.duration, 0)),
      });
    } catch {
      throw new ReplayError('UNAVAILABLE', 'the clip could not be made; try again later');
    }
  }

  private recording(showId: string): { show: ReplayManifest['show']; playlist: Playlist; runs: TimelineRun[] } {
    const show = this.d.shows.get(showId);
    if (!show) throw new ReplayError('NOT_FOUND', `unknown show ${showId}`);
    const hls = this.d.hls;
    if (!hls) throw new ReplayError('NOT_FOUND', 'replays need HLS (HLS=on)');
    if (show.status === 'ended') hls.finalize(showId);
    let text: string;
    try {
      text = readFileSync(hls.playlistPath(showId), 'utf8');
    } catch {
      throw new ReplayError('NOT_FOUND', 'this show has no recording');
    }
    const playlist = parsePlaylist(text);
    if (playlist.segments.length === 0) throw new ReplayError('NOT_FOUND', 'this show has no recording');
    return { show, playlist, runs: this.runs(showId, playlist, show.status === 'ended') };
  }

  /** The recording's timeline: from the sidecar once the show has ended (written the first time it is needed). */
  private runs(showId: string, playlist: Playlist, ended: boolean): TimelineRun[] {
    const dir = this.d.hls!.dir(showId);
    const file = join(dir, SIDECAR);
    if (ended) {
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8')) as Sidecar;
        if (saved.version === 1 && Array.isArray(saved.runs)) return saved.runs;
      } catch {
        // none yet (or unreadable: computed again below and rewritten)
      }
    }
    const runs = timelineRuns(playlist, segmentMtimes(dir));
    if (ended && playlist.ended) {
      try {
        const body: Sidecar = { version: 1, runs };
        writeFileSync(`${file}.tmp`, `${JSON.stringify(body)}\n`);
        renameSync(`${file}.tmp`, file);
      } catch (err) {
        this.d.log.warn({ err, showId }, 'cannot save the replay timeline');
      }
    }
    return runs;
  }

  private async chapters(showId: string, playlist: Playlist, runs: readonly TimelineRun[]): Promise<ReplayChapter[]> {
    const rows = (await this.d.analytics.segmentSpans(showId)) ?? [];
    const log = (await this.d.analytics.log(showId)) ?? [];
    const out: ReplayChapter[] = [];
    for (const row of rows) {
      const startEntry = log.find((e) => e.kind === 'explain.start' && e.productId === row.productId && e.at === row.start);
      if (!startEntry) continue;
      const data = startEntry.data as { name?: unknown; priceMinor?: unknown; currency?: unknown };
      const start = recordingTimeOf(runs, row.start);
      const end = row.open ? playlist.duration : recordingTimeOf(runs, row.end);
      out.push({
        clipId: startEntry.seq,
        productId: row.productId,
        name: typeof data.name === 'string' ? data.name : row.productId,
        priceMinor: typeof data.priceMinor === 'number' ? data.priceMinor : 0,
        currency: typeof data.currency === 'string' && /^[A-Z]{3}$/.test(data.currency) ? data.currency : 'XXX',
        start,
        end: Math.max(start, round3(end)),
        startedAt: row.start,
        endedAt: row.end,
        open: row.open,
        clicks: row.clicks,
        clipUrl: !row.open && end > start ? clipPath(showId, startEntry.seq) : null,
      });
    }
    return out;
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
