/**
 * Is the viewer's link too poor for live video? A pure judgement over samples of the recv transport's inbound RTP
 * counters (getStats), taken about once a second while the studio is known to publish and the transport is connected.
 *
 * ICE alone cannot tell: at 50 % random loss the transport stays `connected`, the audio keeps arriving at half its
 * packets and the picture is a few frames a second or none (the SFU's estimate collapses and it forwards no layer).
 * The page then has to say so and retry by itself (link-watch.ts), instead of a frozen picture that blames the studio.
 *
 *  - poor: in every second of the last `windowMs`, more than `maxLoss` of one kind's packets were lost (after
 *    retransmission), or video packets arrived but fewer than `minFps` frames a second were decoded — a burst (a
 *    capped link's queue overflowing until the SFU lowers the layer) is not a poor link;
 *  - back to normal (with hysteresis): over the last `recoverMs`, at most `recoverLoss` lost and, when a playing video
 *    is expected, at least `recoverFps` frames a second decoded — the picture flows again.
 * A kind with fewer than `minPackets` packets a second says nothing about loss: nothing arriving at all is the
 * ICE watchdog's case (the transport goes `disconnected`) or the studio's (its stream stopped).
 */

/** Cumulative counters of one kind, summed over its inbound-rtp stats. */
export interface KindCounters {
  packetsReceived: number;
  packetsLost: number;
  framesDecoded: number;
}

export interface LinkSample {
  /** ms, monotonic (performance.now()) */
  at: number;
  audio: KindCounters | null;
  video: KindCounters | null;
}

export interface LinkThresholds {
  windowMs: number;
  maxLoss: number;
  minFps: number;
  minPackets: number;
  recoverMs: number;
  recoverLoss: number;
  recoverFps: number;
}

/**
 * 25 % loss: a second of audio (50 packets) at 15 % random loss (which NACK/RTX and Opus FEC ride out) exceeds it about
 * once in 40, five seconds in a row practically never; at 50 % a second stays under it about once in 5000.
 */
export const LINK_THRESHOLDS: LinkThresholds = {
  windowMs: 5_000,
  maxLoss: 0.25,
  minFps: 5,
  minPackets: 8,
  recoverMs: 2_000,
  recoverLoss: 0.1,
  recoverFps: 10,
};

export interface LinkFigures {
  spanMs: number;
  /** Lost share per kind (null: too few packets to say). */
  audioLoss: number | null;
  videoLoss: number | null;
  /** Video packets received or lost in the span. */
  videoPackets: number;
  /** Frames decoded per second (null: no video counters). */
  fps: number | null;
}

const delta = (a: number, b: number) => Math.max(0, b - a);

function loss(from: KindCounters | null, to: KindCounters | null, minPackets: number): number | null {
  if (!from || !to) return null;
  const lost = delta(from.packetsLost, to.packetsLost);
  const total = delta(from.packetsReceived, to.packetsReceived) + lost;
  return total >= minPackets ? lost / total : null;
}

const reset = (a: KindCounters | null, b: KindCounters | null) =>
  !!a && !!b && (b.packetsReceived < a.packetsReceived || b.framesDecoded < a.framesDecoded);

/**
 * Figures over the newest `spanMs` of `samples` (oldest first). Counters that went back (a new consumer replaced the
 * old one) start the span over at that sample.
 */
export function linkFigures(samples: readonly LinkSample[], spanMs: number, minPackets: number): LinkFigures | null {
  const last = samples.at(-1);
  if (!last) return null;
  let first = last;
  for (let i = samples.length - 2; i >= 0; i--) {
    const s = samples[i]!;
    const next = samples[i + 1]!;
    if (last.at - s.at > spanMs + 500 || reset(s.audio, next.audio) || reset(s.video, next.video)) break;
    if ((s.audio === null) !== (next.audio === null) || (s.video === null) !== (next.video === null)) break;
    first = s;
    if (last.at - s.at >= spanMs) break;
  }
  const ms = last.at - first.at;
  const video = first.video && last.video ? { from: first.video, to: last.video } : null;
  return {
    spanMs: ms,
    audioLoss: loss(first.audio, last.audio, minPackets),
    videoLoss: loss(first.video, last.video, minPackets),
    videoPackets: video
      ? delta(video.from.packetsReceived, video.to.packetsReceived) + delta(video.from.packetsLost, video.to.packetsLost)
      : 0,
    fps: video && ms > 0 ? (delta(video.from.framesDecoded, video.to.framesDecoded) * 1000) / ms : null,
  };
}

/**
 * The verdict for the newest sample: `wasPoor` is the current state (hysteresis); `videoExpected`: a playing video
 * track (not paused by the studio) should bring frames. Too short a history keeps the current state.
 */
export function judgeLink(wasPoor: boolean, samples: readonly LinkSample[], videoExpected: boolean, t = LINK_THRESHOLDS): boolean {
  if (!wasPoor) {
    const f = linkFigures(samples, t.windowMs, t.minPackets);
    if (!f || f.spanMs < t.windowMs - 500) return false;
    const recent = samples.filter((s) => s.at >= samples.at(-1)!.at - f.spanMs);
    for (let i = 1; i < recent.length; i++) {
      const step = linkFigures([recent[i - 1]!, recent[i]!], Number.POSITIVE_INFINITY, t.minPackets);
      if (!step) return false;
      const perSecond = (t.minPackets * step.spanMs) / 1_000;
      const lossy = (step.audioLoss ?? 0) > t.maxLoss || (step.videoLoss ?? 0) > t.maxLoss;
      const slideshow = videoExpected && step.videoPackets >= perSecond && step.fps !== null && step.fps < t.minFps;
      if (!lossy && !slideshow) return false;
    }
    return true;
  }
  const f = linkFigures(samples, t.recoverMs, t.minPackets * 2);
  if (!f || f.spanMs < t.recoverMs - 500) return true;
  if (f.audioLoss === null && f.videoLoss === null) return true; // nothing arriving: nothing recovered yet
  const clean = (f.audioLoss ?? 0) <= t.recoverLoss && (f.videoLoss ?? 0) <= t.recoverLoss;
  const flowing = !videoExpected || (f.fps !== null && f.fps >= t.recoverFps);
  return !(clean && flowing);
}
