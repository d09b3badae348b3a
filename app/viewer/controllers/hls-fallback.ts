/**
 * The HLS fallback: when the join is refused because every place is taken (UNAVAILABLE) or WebRTC cannot connect
 * at all on the first try (ICE failed, or no connection after ICE_FALLBACK_MS), the page stops the WebRTC player
 * and plays the show's HLS (GET /hls/<showId>/index.m3u8) in the same <video>: natively where the browser plays HLS
 * (Safari / iOS), else through hls.js, loaded by dynamic import only now. The badge says "standard latency".
 *
 * Without a join there is no signaling state and no overlay DataChannel: the show, its viewer count and the pinned
 * products come from /hls/<showId>/state.json every HLS_STATE_POLL_MS. A pin is held until the picture being played
 * (its EXT-X-PROGRAM-DATE-TIME) reaches the time it was pinned, so the card appears with the product on screen.
 * Chat, product cards and buying use the realtime socket and HTTP, which do not depend on the media path.
 */
import type Hls from 'hls.js';
import type { ShowId } from '../../../shared/domain/show';
import { HLS_STATE_POLL_MS, HlsShowState, hlsPlaylistPath, hlsStatePath } from '../../../shared/protocol/hls';
import type { OverlayTrigger } from '../../../shared/protocol/overlay';
import type { HlsReason } from '../playback-slice';
import type { ViewerState, ViewerStore } from '../store';
import { attachHls } from './hls-player';
import { type ReturningPlayer, WebRtcReturn } from './webrtc-return';

/** A first WebRTC connection that is not up after this long is not coming: play HLS instead. */
export const ICE_FALLBACK_MS = 10_000;
const RETRY_MS = 3000;

export interface HlsFallbackOptions {
  store: ViewerStore;
  showId: ShowId;
  video: HTMLVideoElement;
  /** The WebRTC player, stopped when the page switches (and tried again from HLS, webrtc-return.ts). */
  player: ReturningPlayer | null;
  /** This page's viewer key: its state polls count it in the show's audience (newViewerKey). */
  viewerKey: string;
}

/** A random viewer key for this page load (shared/protocol/hls.ts `HlsViewerKey`; no secure context needed). */
export function newViewerKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Why the page should leave WebRTC for HLS now (null: it should not). Pure, for the store subscription. */
export function fallbackReason(s: ViewerState, connectTimedOut: boolean): HlsReason | null {
  if (s.playback === 'hls' || s.show?.status === 'ended') return null;
  if (s.fatal?.kind === 'error' && s.fatal.code === 'UNAVAILABLE') return 'full';
  const neverPlayed = s.firstFrameMs === null;
  if (neverPlayed && (s.transportState === 'failed' || s.poorConnection)) return 'unreachable';
  if (neverPlayed && connectTimedOut && s.transportState !== 'connected' && s.transportState !== 'none') return 'unreachable';
  return null;
}

export class HlsFallbackController {
  private unsubscribe: (() => void) | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimedOut = false;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private hls: Hls | null = null;
  private stopped = false;
  private latest: HlsShowState | null = null;
  private readonly returner: WebRtcReturn | null;
  private listening = false;

  constructor(private readonly opts: HlsFallbackOptions) {
    const { player, store, video } = opts;
    this.returner = player ? new WebRtcReturn({ player, store, video, leaveHls: () => this.leave() }) : null;
  }

  start(): void {
    const { store } = this.opts;
    this.unsubscribe = store.subscribe((s) => this.check(s));
    this.check(store.getState());
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.returner?.stop();
    this.hls?.destroy();
    this.hls = null;
  }

  /** WebRTC plays again (webrtc-return.ts hands the <video> to the player): stop HLS, watch for the next fall. */
  private leave(): void {
    const { store, video } = this.opts;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.latest = null;
    this.hls?.destroy();
    this.hls = null;
    video.removeAttribute('src');
    store.getState().returnedToWebRtc();
    this.unsubscribe = store.subscribe((s) => this.check(s));
  }

  private check(s: ViewerState): void {
    if (this.stopped || s.playback === 'hls') return;
    // The first transport's connection is timed once, from when it exists until it connects.
    if (!this.connectTimer && s.transportState !== 'none' && s.firstFrameMs === null) {
      this.connectTimer = setTimeout(() => {
        this.connectTimedOut = true;
        this.check(this.opts.store.getState());
      }, ICE_FALLBACK_MS);
    }
    const reason = fallbackReason(s, this.connectTimedOut);
    if (reason) void this.activate(reason);
  }

  private async activate(reason: HlsReason): Promise<void> {
    const { store, video, player } = this.opts;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    // A server with HLS off has no state.json: the player then keeps retrying WebRTC ("this show is full").
    // Not counted yet: the player may still hold its WebRTC seat.
    const first = await this.fetchState(false);
    if (!first || this.stopped) {
      console.warn('storecast: no HLS for this show; staying on WebRTC');
      return;
    }
    console.warn(`storecast: playing HLS (${reason === 'full' ? 'the show is full' : 'WebRTC cannot connect'})`);
    player?.stop();
    store.getState().switchedToHls(reason);
    video.srcObject = null;
    if (!this.listening) {
      this.listening = true;
      // The stopped player no longer follows the element's mute state.
      video.addEventListener('volumechange', () => store.getState().setMuted(video.muted));
      video.addEventListener('timeupdate', () => this.applyPins());
    }
    this.applyState(first);
    void this.pollState();
    this.pollTimer = setInterval(() => void this.pollState(), HLS_STATE_POLL_MS);
    void this.attach();
    this.returner?.schedule();
  }

  private async attach(): Promise<void> {
    const { video, store, showId } = this.opts;
    const attached = await attachHls(video, hlsPlaylistPath(showId), {
      config: { liveSyncDurationCount: 2, backBufferLength: 30 },
      stopped: () => this.stopped,
      onUnsupported: () => store.getState().setHlsFailed(true),
      onParsed: () => {
        store.getState().setHlsFailed(false);
        this.play();
      },
      onFatalNetwork: (hls) => {
        if (this.hls !== hls) return;
        // The stream is starting (503) or the network dropped: start over after a pause.
        console.warn('storecast: HLS error, retrying');
        hls.destroy();
        this.hls = null;
        setTimeout(() => {
          if (!this.stopped && this.latest && this.latest.show.status !== 'ended') void this.attach();
        }, RETRY_MS);
      },
    });
    if (attached === 'native') this.play();
    else if (attached) this.hls = attached;
  }

  private play(): void {
    const { video, store } = this.opts;
    video.play().then(
      () => store.getState().setPlayBlocked(false),
      (err: unknown) => {
        if (err instanceof DOMException && err.name === 'NotAllowedError') store.getState().setPlayBlocked(true);
      },
    );
  }

  private async fetchState(counted: boolean): Promise<HlsShowState | null> {
    try {
      // Naming the key counts this page as an HLS viewer of the show for a few polls.
      const res = await fetch(hlsStatePath(this.opts.showId, counted ? this.opts.viewerKey : undefined), { cache: 'no-store' });
      if (!res.ok) return null;
      return HlsShowState.parse(await res.json());
    } catch (err) {
      console.warn('storecast: show state unavailable', err);
      return null;
    }
  }

  private async pollState(): Promise<void> {
    const state = await this.fetchState(true);
    if (state && !this.stopped && this.pollTimer) this.applyState(state);
  }

  private applyState(state: HlsShowState): void {
    const { store, showId } = this.opts;
    const first = this.latest === null;
    this.latest = state;
    const s = store.getState();
    if (first) s.joined(state.show, state.viewerCount, this.playedPins(state.overlays));
    else {
      s.showChanged(state.show);
      s.setViewerCount(showId, state.viewerCount);
      this.applyPins();
    }
    if (state.show.status === 'ended' && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = null;
    }
  }

  private applyPins(): void {
    if (!this.latest || this.opts.store.getState().playback !== 'hls') return;
    const pins = this.playedPins(this.latest.overlays);
    const current = this.opts.store.getState().pinned;
    const same = pins.length === current.length && pins.every((p, i) => p.id === current[i]?.id);
    if (!same) this.opts.store.getState().overlaysSynced(pins);
  }

  /** The pins whose moment the picture being played has reached (all of them when that moment is unknown). */
  private playedPins(overlays: readonly OverlayTrigger[]): OverlayTrigger[] {
    const at = this.playingDate();
    return at === null ? [...overlays] : overlays.filter((t) => t.at <= at);
  }

  private playingDate(): number | null {
    const date = this.hls?.playingDate;
    if (date) return date.getTime();
    const v = this.opts.video as HTMLVideoElement & { getStartDate?: () => Date };
    const start = v.getStartDate?.().getTime();
    return start && Number.isFinite(start) ? start + v.currentTime * 1000 : null;
  }
}
