/**
 * HLS for a show: which shows are recorded, when, and where. A show is recorded while its studio publishes and
 * either HLS_RECORD is on (every live show, for its replay) or someone asked for its playlist (the viewer page's
 * fallback); an on-demand recording with nobody asking for HLS_IDLE_STOP_MS stops. The folders are
 * `<dataDir>/hls/<showId>/` and outlive the show: when it ends the playlist is closed (EXT-X-ENDLIST) and stays
 * as its VOD recording (the replay of issue 15 reads it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoomCloseReason } from '../sfu/room';
import type { Logger } from '../log';
import { PLAYLIST_FILE } from './ffmpeg-input';
import { finalizePlaylist, HlsRecorder, type RecorderMedia } from './recorder';

/** An on-demand recording nobody asked for this long stops (HLS_RECORD=on recordings run while the show does). */
export const HLS_IDLE_STOP_MS = 120_000;

/** What the service needs of a show's room. */
export interface HlsRoom {
  readonly showId: string;
  readonly isLive: boolean;
  readonly closed: boolean;
  readonly router: RecorderMedia['router'];
  /** An edge's copy of a show whose origin is another node: the origin records it; here HLS is made on demand only. */
  readonly remote: boolean;
  mediaProducers(): Iterable<RecorderMedia['video']>;
}

export interface HlsServiceOptions {
  dataDir: string;
  ffmpegBin: string;
  /** HLS_RECORD: record every live show from its first frame. */
  record: boolean;
  room(showId: string): HlsRoom | undefined;
  log: Logger;
  idleStopMs?: number;
}

export class HlsService {
  private readonly recorders = new Map<string, HlsRecorder>();
  private readonly lastDemand = new Map<string, number>();
  private readonly sweep: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(private readonly opts: HlsServiceOptions) {
    const idle = opts.idleStopMs ?? HLS_IDLE_STOP_MS;
    this.sweep = setInterval(() => this.stopIdle(idle), Math.min(idle, 15_000));
    this.sweep.unref();
  }

  dir(showId: string): string {
    return join(this.opts.dataDir, 'hls', showId);
  }

  playlistPath(showId: string): string {
    return join(this.dir(showId), PLAYLIST_FILE);
  }

  /** The show's recorder (tests, diagnostics). */
  recorder(showId: string): HlsRecorder | undefined {
    return this.recorders.get(showId);
  }

  /** A viewer wants this show's HLS: start recording it if it is live and published. */
  demand(showId: string): void {
    this.lastDemand.set(showId, Date.now());
    const room = this.opts.room(showId);
    if (room) this.onMedia(room);
  }

  /** The room's media became available (the studio published, or the show went live with media). */
  onMedia(room: HlsRoom): void {
    if (this.closed || room.closed || !room.isLive) return;
    if (!this.recordsAlways(room) && !this.lastDemand.has(room.showId)) return;
    const producers = [...room.mediaProducers()].filter((p) => !p.closed);
    const video = producers.find((p) => p.kind === 'video');
    if (!video) return;
    const audio = producers.find((p) => p.kind === 'audio') ?? null;
    let rec = this.recorders.get(room.showId);
    if (!rec) {
      rec = new HlsRecorder({
        showId: room.showId,
        dir: this.dir(room.showId),
        ffmpegBin: this.opts.ffmpegBin,
        log: this.opts.log.child({ showId: room.showId }),
      });
      this.recorders.set(room.showId, rec);
    }
    void rec.start({ router: room.router, video, audio });
  }

  /** The room closed: stop recording; a show that ended gets its playlist closed as a VOD recording. */
  async onRoomClosed(showId: string, reason: RoomCloseReason): Promise<void> {
    const rec = this.recorders.get(showId);
    // A show that goes on (its worker died: the studio republishes to a new room) keeps its recorder, so the next
    // session waits for this one's ffmpeg to finish.
    if (reason === 'ended') {
      this.lastDemand.delete(showId);
      this.recorders.delete(showId);
    }
    await rec?.stop(`room closed (${reason})`);
    if (reason === 'ended') this.finalize(showId);
  }

  /** Close an ended show's playlist (also one a crashed process left open). */
  finalize(showId: string): void {
    finalizePlaylist(this.playlistPath(showId), this.opts.log);
  }

  /** The playlist once it lists a segment, waiting at most `timeoutMs` (null: none yet). */
  async playlist(showId: string, timeoutMs: number): Promise<string | null> {
    const path = this.playlistPath(showId);
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (existsSync(path)) {
        try {
          const text = readFileSync(path, 'utf8');
          if (text.includes('#EXTINF')) return text;
        } catch {
          // replaced while read (ffmpeg writes it with a rename): read again
        }
      }
      if (Date.now() >= end || this.closed) return null;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** HLS_RECORD records the shows this node is origin of from their first frame, not those it pulls from another. */
  private recordsAlways(room: HlsRoom): boolean {
    return this.opts.record && !room.remote;
  }

  private stopIdle(idleMs: number): void {
    const now = Date.now();
    for (const [showId, at] of this.lastDemand) {
      if (now - at < idleMs) continue;
      const room = this.opts.room(showId);
      if (room && this.recordsAlways(room)) continue;
      this.lastDemand.delete(showId);
      void this.recorders.get(showId)?.stop('no HLS viewer asked for it lately');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweep);
    const all = [...this.recorders.values()];
    this.recorders.clear();
    await Promise.all(all.map((r) => r.stop('server shutting down')));
  }
}
