/**
 * Watches the viewer's own media link for what ICE does not see (link-quality.ts): once a second, while the show is
 * live, the studio publishes and the recv transport is connected, it samples the transport's inbound RTP counters and
 * judges them. A link too poor for live video is shown as such (`mediaTooPoor`: the page's "connection too poor"
 * state; chat and shop keep working) and retried by itself: an ICE restart at once, then rejoins from scratch after
 * `REJOIN_AFTER_MS`, doubling up to `REJOIN_MAX_MS` while it stays poor. Frames flowing again end the state.
 */
import type { types as ms } from 'mediasoup-client';
import type { ViewerState, ViewerStore } from '../../store';
import { judgeLink, type KindCounters, LINK_THRESHOLDS, type LinkSample } from './link-quality';

const SAMPLE_EVERY_MS = 1_000;
export const REJOIN_AFTER_MS = 10_000;
const REJOIN_MAX_MS = 40_000;

export interface LinkWatchHost {
  store(): ViewerStore;
  /** The current recv transport (null: none). */
  transport(): ms.Transport | null;
  restartIce(transport: ms.Transport): Promise<void>;
  /** Start the session again (new socket, new transport). */
  rejoin(reason: string): void;
}

/** The state in which the link can be judged: the show plays over WebRTC and its studio is publishing. */
function judgeable(s: ViewerState): boolean {
  return (
    s.playback === 'webrtc' &&
    s.show?.status === 'live' &&
    s.publisherConnected &&
    s.connection === 'open' &&
    s.transportState === 'connected'
  );
}

export class LinkWatch {
  private timer: ReturnType<typeof setInterval> | null = null;
  private samples: LinkSample[] = [];
  private transportId: string | null = null;
  private busy = false;
  /** When the next rejoin is due while the link stays poor (null: not poor). */
  private rejoinAt: number | null = null;
  private rejoins = 0;

  constructor(private readonly host: LinkWatchHost) {}

  start(): void {
    if (this.timer === null) this.timer = setInterval(() => void this.tick(), SAMPLE_EVERY_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.samples = [];
    this.rejoinAt = null;
    this.rejoins = 0;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    const store = this.host.store();
    const transport = this.host.transport();
    if (!transport || !judgeable(store.getState())) {
      this.samples = [];
      this.maybeRejoin(store);
      return;
    }
    if (transport.id !== this.transportId) {
      this.transportId = transport.id;
      this.samples = [];
    }
    this.busy = true;
    let sample: LinkSample;
    try {
      sample = inboundSample(await transport.getStats());
    } catch {
      return; // closed meanwhile
    } finally {
      this.busy = false;
    }
    if (transport !== this.host.transport() || !judgeable(store.getState())) return;
    this.samples.push(sample);
    const keep = LINK_THRESHOLDS.windowMs + 2 * SAMPLE_EVERY_MS;
    while (this.samples.length > 1 && sample.at - this.samples[0]!.at > keep) this.samples.shift();
    const s = store.getState();
    const poor = judgeLink(s.mediaTooPoor, this.samples, s.video !== null && !s.video.paused);
    if (poor && !s.mediaTooPoor) {
      console.warn('storecast: the media connection is too poor, restarting ICE');
      s.setMediaTooPoor(true);
      this.rejoinAt = performance.now() + this.rejoinDelay();
      this.host.restartIce(transport).catch((err: unknown) => console.warn('storecast: ICE restart failed', err));
    } else if (!poor && s.mediaTooPoor) {
      s.setMediaTooPoor(false);
      this.rejoinAt = null;
      this.rejoins = 0;
    }
    this.maybeRejoin(store);
  }

  private rejoinDelay(): number {
    return Math.min(REJOIN_AFTER_MS * 2 ** this.rejoins, REJOIN_MAX_MS);
  }

  /** Still poor when the rejoin is due: start the session again, and wait longer for the next one. */
  private maybeRejoin(store: ViewerStore): void {
    if (this.rejoinAt === null || performance.now() < this.rejoinAt) return;
    const s = store.getState();
    if (!s.mediaTooPoor || s.playback !== 'webrtc') {
      this.rejoinAt = null;
      return;
    }
    if (s.connection !== 'open' || !s.publisherConnected) return; // a rejoin under way, or the studio's own outage
    this.rejoins++;
    this.rejoinAt = performance.now() + this.rejoinDelay();
    this.samples = [];
    this.host.rejoin('the media connection is too poor');
  }
}

/** Sum the inbound-rtp counters of each kind. */
export function inboundSample(report: RTCStatsReport, at = performance.now()): LinkSample {
  const sample: LinkSample = { at, audio: null, video: null };
  report.forEach((r: { type?: string; kind?: string; packetsReceived?: number; packetsLost?: number; framesDecoded?: number }) => {
    if (r.type !== 'inbound-rtp' || (r.kind !== 'audio' && r.kind !== 'video')) return;
    const c: KindCounters = sample[r.kind] ?? { packetsReceived: 0, packetsLost: 0, framesDecoded: 0 };
    c.packetsReceived += r.packetsReceived ?? 0;
    c.packetsLost += r.packetsLost ?? 0;
    c.framesDecoded += r.framesDecoded ?? 0;
    sample[r.kind] = c;
  });
  return sample;
}
