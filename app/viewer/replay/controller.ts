/**
 * The replay page's controller (outside React): loads the manifest (`GET /api/replay/:showId`, checked with the
 * shared schema), plays the recording in the page's <video> — natively where the browser plays HLS, else through
 * hls.js loaded on demand (as the live page's HLS fallback does) — and, on every time update, writes the pins the
 * live show had at that moment into the viewer store, so the live page's product cards and buy sheet appear with
 * the product on screen. Seeking to a chapter is a plain `currentTime` change.
 */
import type Hls from 'hls.js';
import type { ShowId } from '../../../shared/domain/show';
import { type ReplayChapter, ReplayManifest, replayApiPath } from '../../../shared/replay/manifest';
import { attachHls } from '../controllers/hls-player';
import type { ViewerStore } from '../store';
import { pinsAt, type ReplayStore } from './store';

export interface ReplayControllerOptions {
  showId: ShowId;
  store: ViewerStore;
  replay: ReplayStore;
  video: HTMLVideoElement;
  fetch?: typeof fetch;
}

export class ReplayController {
  private hls: Hls | null = null;
  private stopped = false;
  private lastPins = '';

  constructor(private readonly opts: ReplayControllerOptions) {}

  async start(): Promise<void> {
    const { showId, store, replay, video } = this.opts;
    store.getState().setShowId(showId);
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(replayApiPath(showId), { credentials: 'same-origin' });
    } catch {
      replay.getState().failed('error');
      return;
    }
    if (res.status === 404) return replay.getState().failed('notFound');
    const parsed = res.ok ? ReplayManifest.safeParse(await res.json().catch(() => null)) : null;
    if (!parsed?.success) return replay.getState().failed('error');
    const manifest = parsed.data;
    store.getState().showChanged(manifest.show);
    // A show still on air has no replay yet (its recording grows); the page offers the live show instead.
    if (manifest.show.status !== 'ended') return replay.getState().failed('notEnded');
    replay.getState().loaded(manifest);
    video.controls = true;
    video.addEventListener('timeupdate', this.onTime);
    video.addEventListener('seeked', this.onTime);
    await this.attach(manifest.playlistUrl);
  }

  /** Play from a chapter's start. */
  seek(chapter: ReplayChapter): void {
    const { video } = this.opts;
    video.currentTime = chapter.start;
    this.onTime();
    void video.play().catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    this.opts.video.removeEventListener('timeupdate', this.onTime);
    this.opts.video.removeEventListener('seeked', this.onTime);
    this.hls?.destroy();
    this.hls = null;
  }

  private readonly onTime = (): void => {
    const { video, replay, store } = this.opts;
    const time = video.currentTime;
    replay.getState().setTime(time);
    const pins = pinsAt(replay.getState().manifest?.chapters ?? [], time);
    const key = pins.map((p) => p.id).join(',');
    if (key === this.lastPins) return;
    this.lastPins = key;
    store.getState().overlaysSynced(pins);
  };

  private async attach(url: string): Promise<void> {
    const { video, replay } = this.opts;
    const attached = await attachHls(video, url, {
      config: { backBufferLength: 60 },
      stopped: () => this.stopped,
      onUnsupported: () => replay.getState().failed('error'),
      onFatalNetwork: (hls) => hls.startLoad(),
    });
    if (attached && attached !== 'native') this.hls = attached;
  }
}
