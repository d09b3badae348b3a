/**
 * Back from HLS to WebRTC when a place frees up. While the page plays HLS it tries WebRTC again now and then (every
 * RETURN_MIN_MS–2× that, jittered, growing by half per refused try up to RETURN_MAX_MS): the stopped player joins
 * into a scratch store and a hidden <video> (PlayerController.probe), so the page keeps showing HLS meanwhile. Its
 * join presents the page's viewer key, so the server counts the page once, over WebRTC, from that moment. When the
 * hidden element presents its first WebRTC frame the session is handed over to the page's <video> and store and HLS
 * stops; a refused join or no frame within PROBE_TIMEOUT_MS stops the probe and the next try is scheduled.
 */
import { createViewerStore, type ViewerStore } from '../store';

export const RETURN_MIN_MS = 15_000;
export const RETURN_MAX_MS = 120_000;
/** A probe that has not presented a frame after this long gives up (its seat is released). */
export const PROBE_TIMEOUT_MS = 15_000;

/** What the return needs of the player (PlayerController). */
export interface ReturningPlayer {
  probe(store: ViewerStore, video: HTMLVideoElement): void;
  handOver(store: ViewerStore, video: HTMLVideoElement): void;
  stop(): void;
}

export interface WebRtcReturnOptions {
  player: ReturningPlayer;
  /** The page's store and <video>. */
  store: ViewerStore;
  video: HTMLVideoElement;
  /** The probe's media plays: stop HLS, the player takes the <video> now. */
  leaveHls(): void;
  random?: () => number;
}

/** Delay before try number `tries` (0-based): the floor grows by half per refused try; jitter up to the floor again. */
export function returnDelay(tries: number, random: () => number = Math.random): number {
  const floor = Math.min(RETURN_MAX_MS / 2, RETURN_MIN_MS * 1.5 ** tries);
  return Math.round(floor * (1 + random()));
}

export class WebRtcReturn {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private tries = 0;
  private probing: { video: HTMLVideoElement; unsubscribe: () => void; timeout: ReturnType<typeof setTimeout> } | null = null;
  private stopped = false;

  constructor(private readonly opts: WebRtcReturnOptions) {}

  /** The page plays HLS: start trying WebRTC again. */
  schedule(): void {
    if (this.stopped || this.timer || this.probing) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.attempt();
      },
      returnDelay(this.tries, this.opts.random),
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.endProbe(false);
  }

  private attempt(): void {
    if (this.stopped) return;
    this.tries++;
    const scratch = createViewerStore();
    // Rendered (rVFC needs it) but invisible; muted so it can autoplay.
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute('aria-hidden', 'true');
    video.style.cssText = 'position:fixed;left:0;top:0;width:2px;height:2px;opacity:0;pointer-events:none';
    document.body.append(video);
    const unsubscribe = scratch.subscribe((s) => {
      // Refused (the show is full again, or gone) or failed: give the seat back and try later.
      if (s.fatal || s.transportState === 'failed' || s.show?.status === 'ended') this.endProbe(false);
    });
    const timeout = setTimeout(() => this.endProbe(false), PROBE_TIMEOUT_MS);
    this.probing = { video, unsubscribe, timeout };
    video.requestVideoFrameCallback(() => this.endProbe(true));
    this.opts.player.probe(scratch, video);
  }

  private endProbe(playing: boolean): void {
    const probing = this.probing;
    if (!probing) return;
    this.probing = null;
    probing.unsubscribe();
    clearTimeout(probing.timeout);
    if (playing && !this.stopped) {
      const { player, store, video } = this.opts;
      this.opts.leaveHls();
      player.handOver(store, video);
      console.warn('storecast: a place freed up; playing WebRTC again');
      this.tries = 0;
    } else {
      this.opts.player.stop();
      this.schedule();
    }
    probing.video.srcObject = null;
    probing.video.remove();
  }
}
