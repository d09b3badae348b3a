/**
 * The viewer's own early sign of a downlink filling up: the delay of each presented WebRTC frame (when its last packet
 * arrived, against the capture clock of its RTP timestamp) over the lowest delay seen lately. A link's queue that
 * grows shows here first — every frame later than the one before — half a second or more before the SFU's bandwidth
 * estimate is cut, and meanwhile the audio waits in the same queue (measured at a 600 kbit/s cap under a 1.2 Mbit/s top
 * layer: the delay rose 0.4 s after the cap by ~0.8 ms per ms; the estimate was first cut 0.5–0.9 s after it, and the
 * audio was concealed from the rise until the step down). The player reports the rise to the server, whose downlink
 * guard steps the viewer under the top layer at once (server/src/sfu/downlink.ts decides; it ignores the report on a
 * link with random loss, where the delay of a retransmitted frame is no queue).
 *
 * Not a queue: a frame that waited for a retransmission or a large key frame (one late frame, the next on time again),
 * or a studio that stalled (late frames arriving in a burst, each less late than the one before). So the sign is a run
 * of `RUN` frames each later than the last, the newest at least `RISE_MS` over the floor and the one before it half that,
 * climbed from near the floor in steps of at most `MAX_STEP_MS`: a queue fills over several frames (measured at a
 * 600 kbit/s cap: +5, 38, 44, 64, 87 ms; +8, 36, 91, 70, 87, 101 ms), while a studio whose encoder falls behind for a
 * moment jumps from on time to 100 ms late (measured on a busy machine: +1, 2, 1, 5, 94, 115 ms; +1, 1, 119, 135 ms).
 * A queue that filled while the picture stood still is left to the server's own signs (its round trip grows). The
 * floor is the lowest delay over the last `FLOOR_WINDOW_MS` of one stream: a new size (layer), a jump of the RTP clock
 * (a new consumer) or a pause in the frames starts it again.
 */
import type { FrameSample } from '../../store';

export const QUEUE_WATCH = {
  RISE_MS: 40,
  RUN: 3,
  /** "Later than the last" means by this much at least (the clocks' rounding is not a queue). */
  STEP_MS: 1,
  /** A rise counts from the last frame this close to the floor... */
  NEAR_FLOOR_MS: 10,
  /** ...and climbs no more than this from one frame to the next (a P-frame takes ~35 ms more than its slot at 600
   * kbit/s; a studio's encoder behind for a moment jumps 90–120 ms). */
  MAX_STEP_MS: 80,
  FLOOR_WINDOW_MS: 10_000,
  /** Frames of a stream before its floor is trusted. */
  MIN_FRAMES: 20,
  /** Frames further apart than this (or an RTP clock that moved this much more or less than the wall clock) start over. */
  RESET_GAP_MS: 1_000,
  /** After a report, the next one waits this long (the server holds its step down for seconds). */
  COOLDOWN_MS: 2_000,
} as const;

interface Point {
  at: number;
  delay: number;
}

export class QueueWatch {
  private points: Point[] = [];
  private size = '';
  private lastRtp = 0;
  /** Unwrapped RTP time of the last frame (ms, from the stream's first frame). */
  private media = 0;
  private lastReportAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly report: (queueMs: number) => void) {}

  /** A presented frame; frames without WebRTC timing (HLS) are ignored. Returns the queue reported, if any. */
  frame(f: Pick<FrameSample, 'receiveTime' | 'rtpTimestamp' | 'width' | 'height'>): number | null {
    if (f.receiveTime === undefined || f.rtpTimestamp === undefined) return null;
    const size = `${f.width}x${f.height}`;
    const prev = this.points.at(-1);
    // The RTP clock is 32 bits at 90 kHz: the step from the last frame, read as a signed 32-bit number.
    const step = ((f.rtpTimestamp - this.lastRtp) | 0) / 90;
    const jump = prev !== undefined && Math.abs(f.receiveTime - prev.at - step) > QUEUE_WATCH.RESET_GAP_MS;
    if (size !== this.size || prev === undefined || jump || f.receiveTime - prev.at > QUEUE_WATCH.RESET_GAP_MS) {
      this.size = size;
      this.points = [];
      this.media = 0;
    } else this.media += step;
    this.lastRtp = f.rtpTimestamp;
    const at = f.receiveTime;
    this.points.push({ at, delay: at - this.media });
    const from = at - QUEUE_WATCH.FLOOR_WINDOW_MS;
    while (this.points.length > 0 && this.points[0]!.at < from) this.points.shift();
    return this.judge(at);
  }

  private judge(at: number): number | null {
    const p = this.points;
    if (p.length < QUEUE_WATCH.MIN_FRAMES || at - this.lastReportAt < QUEUE_WATCH.COOLDOWN_MS) return null;
    const floor = Math.min(...p.map((x) => x.delay));
    const last = p.slice(-QUEUE_WATCH.RUN).map((x) => x.delay - floor);
    const rising =
      last.every((d, i) => i === 0 || d >= last[i - 1]! + QUEUE_WATCH.STEP_MS) &&
      last.at(-1)! >= QUEUE_WATCH.RISE_MS &&
      last.at(-2)! >= QUEUE_WATCH.RISE_MS / 2 &&
      this.climbed(floor);
    if (!rising) return null;
    this.lastReportAt = at;
    const queueMs = Math.round(last.at(-1)!);
    this.report(queueMs);
    return queueMs;
  }

  /** Whether the frames since the last one near the floor got later by steps no larger than a queue's. */
  private climbed(floor: number): boolean {
    const p = this.points;
    for (let i = p.length - 1; i > 0; i--) {
      if (p[i]!.delay - p[i - 1]!.delay > QUEUE_WATCH.MAX_STEP_MS) return false;
      if (p[i - 1]!.delay - floor <= QUEUE_WATCH.NEAR_FLOOR_MS) return true;
    }
    return true;
  }
}
