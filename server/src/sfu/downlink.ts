/**
 * The downlink guard: keeps a viewer's top simulcast layer from starving its link while mediasoup catches up.
 *
 * mediasoup re-shares a transport's estimated bandwidth across its consumers only when its estimate has fallen by a
 * quarter since the last share or once a second, and it steps down the temporal layers of the top spatial layer before
 * the spatial layer itself; on a link capped just below the top layer the viewer so kept a top layer that did not fit
 * for 3–5 s while the estimate fell in steps of 15 % from wherever it was (up to the 3 Mbit/s start value), and the
 * picture all but stopped. The guard reads the estimate (the transport's `availableOutgoingBitrate`, always fresh)
 * ten times a second, with the round-trip time of the viewer's last receiver report. At a sign of congestion that
 * matters — a cut of the controller's estimate (a fall of `fastFall` within `fallWindowMs`: it saw the link's queue
 * grow) leaving it under `fallHeadroom` times the top layer's rate, two cuts in a row (`deepFall`) from a link that lost
 * nothing, even in the consumer's first seconds, a round trip grown by `rttRiseNearMs` (the queue,
 * often seen first) with the estimate under `rttHeadroom` times that rate, or grown by `rttRiseMs` whatever the
 * estimate (a deep queue; the estimate may still be the unprobed start value), or the viewer's own report of its queue
 * (`consumer.queueing`: every frame later than the last, seen 0.1–0.5 s before the estimate's first cut) on a link that
 * loses nothing at random — it lowers the consumer's preferred spatial layer by one at once. Below the top layer mediasoup's own allocation decides. A low estimate alone is no sign: while a lower layer flows the estimate stays
 * near what is sent (the controller does not probe past it).
 *
 * Stepping down also flushes the consumer (a pause, and a resume `drainMs` later): by the time a full link shows on the server
 * (about a second after a cap), the viewer has lost a good part of the top layer in the link's queue and NACKs it, and
 * mediasoup kept retransmitting those packets of a layer being left — measured: 400 retransmissions in 1.5 s, three
 * times what a 600 kbit/s link carries, so the lower layer's key frame waited behind them for 2 s, the estimate
 * collapsed to 140 kbit/s under the loss and took more than 20 s to climb back. A pause empties the consumer's
 * retransmission buffer, and the resume forwards the lower layer from its next key frame.
 *
 * Coming back: the guard does what mediasoup does after its own downgrades, sooner: after a hold of `minHoldMs`
 * (mediasoup's is 10 s) and a calm second it lifts its cap, and mediasoup forwards the top layer again if its estimate
 * allows. A lift knocked down again within `relapseMs` doubles the next hold, so a link that stays capped costs one
 * short try per hold, not a flip between layers. Only for viewers on "auto" quality: a pinned layer is the viewer's
 * choice.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { parseScalabilityMode, type types } from 'mediasoup';
import type { Logger } from '../log';

export const DOWNLINK_GUARD = {
  /**
   * How often the estimate is read. The controller's first cut is the earliest sign a capped link gives the server
   * (measured 0.5–0.7 s after a 600 kbit/s cap; the viewer's receiver reports show the queue a second or more later, its
   * transport-cc loss later still), and until the step down the viewer's audio waits in the same queue behind the top
   * layer: read every 250 ms, the step came 0.2–0.3 s after the cut and the audio was concealed for 250–300 ms at a
   * stretch; read every 100 ms, 130–175 ms. (The transport's `bwe` trace events come only once a second or at a fall
   * of a quarter, after the reading.) A reading costs the worker ~5 µs and this process ~25 µs.
   */
  intervalMs: 100,
  /**
   * A viewer's report of its queue (app/viewer/controllers/player/queue-watch.ts) steps down from this size, while it is
   * this fresh. The earliest sign there is: at a 600 kbit/s cap the viewer's frames queued from 0.4 s after the cap and
   * its audio, in the same queue, was concealed from then until the step down; the estimate's first cut came at 0.5–0.9 s.
   * Under random loss the viewer's delays are those of retransmissions, no queue: a report then counts for nothing.
   */
  viewerQueueMs: 40,
  viewerQueueFreshMs: 500,
  /** The consumer's round trip changes only with a receiver report (about once a second): read this often. */
  rttEveryMs: 250,
  /** The window in which a fall of `fastFall` counts as congestion. */
  fallWindowMs: 1_500,
  /** A fall of this share of the window's highest estimate (one cut of the congestion controller is 15 %). */
  fastFall: 0.12,
  /** ...while the estimate is under this many times the top layer's rate (far above it, a cut is the jitter of a busy
   * machine or network, not a link about to fill). */
  fallHeadroom: 2.5,
  /**
   * A fall of this share (two of the controller's cuts in a row) that began on a link losing at most `deepMaxLoss` is a
   * queue filling, however young the consumer: a link capped 6.4 s after joining was cut from 3.15 to 1.01 Mbit/s in
   * 0.8 s while the single cut waited out its warm-up and then took the full queue's drops for random loss; the step
   * down came from the round trip, 2.3 s after the cap (measured). A full queue drops only after the first cuts (0.4–0.8 s
   * later, measured); random loss shows in the transport's loss within 0.2 s.
   */
  deepFall: 0.25,
  deepMaxLoss: 0.005,
  /** ...with the estimate under this many times the top layer's rate (two cuts in a row are no busy machine's jitter). */
  deepHeadroom: 3,
  /**
   * A cut while the transport's own loss (transport-cc feedback) is at least this share came from random loss, which
   * NACK and RTX repair on the layer being sent; a layer switch would only add a key frame to get through it.
   */
  cutMaxLoss: 0.02,
  /**
   * A round trip this much over the lowest seen means the link queues deep enough that the top layer does not fit,
   * whatever the estimate says: a link capped under a top layer that never needed probing keeps the transport's start
   * estimate (3 Mbit/s) for 2 s or more after the cap, while the viewer's receiver reports show the queue (measured: a
   * round trip of 3 → 82 → 200 ms in the 2 s after a 600 kbit/s cap, the estimate still 3.15 Mbit/s).
   */
  rttRiseMs: 150,
  /** A smaller rise, the queue still filling, steps down too... */
  rttRiseNearMs: 80,
  /** ...while the estimate is under this many times the top layer's rate. */
  rttHeadroom: 2,
  /**
   * In a consumer's first seconds the estimate falls from the transport's start value (3 Mbit/s) to what the link
   * carries: no cut counts. (4 s was measured too short: at the onset of 5 % random loss 4.5 s after joining, a cut
   * read before the transport's loss rose stepped the viewer down.)
   */
  warmupMs: 8_000,
  /**
   * A grown round trip needs no settled estimate (the rise counts from the lowest round trip seen, so a slow start-up
   * report only raises that floor), only a first report or two: a link capped 4 s after joining queued for 4 s behind
   * the 8 s warm-up (measured: a round trip of 409 ms at 2.5 s after the cap, the step down at 5.2 s, the viewer's
   * NACKs meanwhile retransmitted at 3.4 Mbit/s into the 600 kbit/s link).
   */
  rttWarmupMs: 2_000,
  /** After the hold the link must have shown no congestion this long before the cap is lifted. */
  upSustainMs: 1_000,
  /** Shortest time a step down is held; doubled when a lift is knocked down within `relapseMs`, up to `maxHoldMs`. */
  minHoldMs: 10_000,
  maxHoldMs: 15_000,
  relapseMs: 5_000,
  /**
   * After a flush the consumer forwards no layer until the lower layer's key frame (measured 0.2–0.3 s, longer when the
   * studio's machine is busy or a key frame was just asked for); for this long that is not news for the viewer (no layer
   * otherwise means the studio's stream stopped).
   */
  flushMs: 3_000,
  /**
   * How long the flushed consumer stays paused: what an access link queues (the weak-network harness's: 200 ms) drains
   * meanwhile, so the lower layer's key frame and the frames after it meet an empty queue. Resumed at once, the lower
   * layer met the queue still full of the top layer, and its lost packets froze the picture for 0.4–0.5 s at a time,
   * three times in its first 1.5 s.
   */
  drainMs: 250,
} as const;

export interface DownlinkState {
  /** The guard holds the consumer one spatial layer under the top. */
  capped: boolean;
  cappedAt: number;
  holdMs: number;
  liftedAt: number;
  /** Since when the link has shown no congestion (null: it does now). */
  calmSince: number | null;
  /** Recent readings [time, estimate bit/s, loss 0‥1], newest last, within `fallWindowMs`. */
  history: [number, number, number][];
  startedAt: number;
  /** Lowest round trip seen (ms). */
  minRttMs: number;
}

export function initialDownlinkState(now: number): DownlinkState {
  return {
    capped: false,
    cappedAt: 0,
    holdMs: DOWNLINK_GUARD.minHoldMs,
    liftedAt: Number.NEGATIVE_INFINITY,
    calmSince: null,
    history: [],
    startedAt: now,
    minRttMs: Number.POSITIVE_INFINITY,
  };
}

export interface DownlinkReading {
  /** The transport's bandwidth estimate (bit/s). */
  estimate: number;
  /** The top layer's rate (bit/s; 0 = the top layer is not sent). */
  topBitrate: number;
  /** Round trip of the consumer's last receiver report (ms), if any. */
  rttMs?: number | undefined;
  /** The transport's recent packet loss (0‥1) from transport-cc feedback, if known. */
  loss?: number | undefined;
  /** The viewer's fresh report of its downlink queue (ms), if any. */
  queueMs?: number | undefined;
}

/** One reading → the next state; `capped` says whether to hold the consumer under the top layer. */
export function downlinkStep(s: DownlinkState, r: DownlinkReading, now: number, cfg = DOWNLINK_GUARD): DownlinkState {
  const { estimate, topBitrate, rttMs } = r;
  const loss = r.loss ?? 0;
  const reading: [number, number, number] = [now, estimate, loss];
  const history = [...s.history.filter(([t]) => now - t <= cfg.fallWindowMs), reading];
  const hasRtt = rttMs !== undefined && rttMs > 0;
  const next: DownlinkState = { ...s, history, minRttMs: hasRtt ? Math.min(s.minRttMs, rttMs) : s.minRttMs };
  if (topBitrate <= 0) return { ...next, calmSince: null }; // nothing to guard: the studio does not send the top layer
  // Congestion: the controller cut its estimate, or the round trip grew (the link's queue fills).
  const peak = Math.max(...history.map(([, e]) => e));
  const fell = estimate <= peak * (1 - cfg.fastFall);
  const cut = fell && loss < cfg.cutMaxLoss;
  // The fall's start: the last reading at the highest estimate since the round-trip warm-up (before, the start value
  // settles).
  const settled = history.filter(([t]) => t - s.startedAt >= cfg.rttWarmupMs);
  const from = settled.length ? settled.reduce((a, b) => (b[1] >= a[1] ? b : a)) : reading;
  const deep = estimate <= from[1] * (1 - cfg.deepFall) && from[2] <= cfg.deepMaxLoss && loss < cfg.cutMaxLoss;
  const rise = hasRtt ? rttMs - s.minRttMs : 0;
  const queueing = rise >= cfg.rttRiseNearMs;
  const reported = (r.queueMs ?? 0) >= cfg.viewerQueueMs && loss < cfg.cutMaxLoss;
  next.calmSince = cut || deep || queueing || reported ? null : (s.calmSince ?? now);
  if (!s.capped) {
    const age = now - s.startedAt;
    // ...that matters where the estimate leaves the top layer little room, or where the queue is deep.
    const full =
      (deep && estimate < topBitrate * cfg.deepHeadroom) ||
      (age >= cfg.warmupMs && cut && estimate < topBitrate * cfg.fallHeadroom) ||
      (age >= cfg.rttWarmupMs && ((queueing && estimate < topBitrate * cfg.rttHeadroom) || rise >= cfg.rttRiseMs || reported));
    if (!full) return next;
    const relapse = now - s.liftedAt < cfg.relapseMs;
    return { ...next, capped: true, cappedAt: now, holdMs: relapse ? Math.min(s.holdMs * 2, cfg.maxHoldMs) : cfg.minHoldMs };
  }
  const held = now - s.cappedAt >= s.holdMs;
  if (held && next.calmSince !== null && now - next.calmSince >= cfg.upSustainMs) {
    return { ...next, capped: false, liftedAt: now, history: [] };
  }
  return next;
}

/** Runs `downlinkStep` for one video consumer of a viewer's receive transport and applies it. */
export class DownlinkGuard {
  private state: DownlinkState;
  private auto = true;
  private busy = false;
  /** Readings start once media flows (the consumer is made paused and resumed by the viewer). */
  private started = false;
  private readonly timer: NodeJS.Timeout;
  private readonly topSpatial: number;
  /** Until when the consumer forwards no layer because the guard flushed it. */
  private flushedUntil = 0;
  /** The consumer's last round trip read (ms), and when it was read. */
  private rttMs: number | undefined;
  private rttReadAt = Number.NEGATIVE_INFINITY;
  /** The viewer's last report of its queue (ms), and when it came. */
  private queue = { ms: 0, at: Number.NEGATIVE_INFINITY };

  constructor(
    private readonly transport: types.WebRtcTransport,
    private readonly consumer: types.Consumer,
    /** The producer the consumer forwards (null once it is gone). */
    private readonly producer: () => types.Producer | null,
    /** Ask for a spatial layer (the consumer's owner holds it under the layers the studio sends). */
    private readonly prefer: (spatialLayer: number) => Promise<void>,
    private readonly log: Logger,
  ) {
    const { spatialLayers } = parseScalabilityMode(consumer.rtpParameters.encodings?.[0]?.scalabilityMode);
    this.topSpatial = Math.max(0, spatialLayers - 1);
    this.state = initialDownlinkState(Date.now());
    this.timer = setInterval(() => void this.tick(), DOWNLINK_GUARD.intervalMs);
    this.timer.unref();
  }

  /** The viewer chose auto quality (the guard may lower the layer) or pinned one (the guard stands aside). */
  setAuto(auto: boolean): void {
    this.auto = auto;
    if (!auto) this.state = { ...initialDownlinkState(Date.now()), startedAt: this.state.startedAt };
  }

  close(): void {
    clearInterval(this.timer);
  }

  /**
   * The viewer reports its downlink queue: read it with the next estimate, now. Only a consumer forwarding the top
   * layer under the guard's watch has anything to step down from; a report more often than the readings waits for one.
   */
  queueing(queueMs: number, now = Date.now()): void {
    const c = this.consumer;
    if (!this.auto || !this.started || this.state.capped || c.currentLayers?.spatialLayer !== this.topSpatial) return;
    const early = now - this.queue.at < DOWNLINK_GUARD.intervalMs;
    this.queue = { ms: queueMs, at: now };
    if (!early) void this.tick();
  }

  /** How much longer (ms) the consumer may forward no layer because the guard flushed it (0: no flush going on). */
  flushRemainingMs(now = Date.now()): number {
    return Math.max(0, this.flushedUntil - now);
  }

  private async tick(): Promise<void> {
    if (this.busy || !this.auto || this.topSpatial === 0) return;
    const c = this.consumer;
    if (c.closed || this.transport.closed) return this.close();
    if (c.paused || c.producerPaused) return;
    if (!this.started) {
      this.started = true;
      this.state = initialDownlinkState(Date.now());
    }
    this.busy = true;
    try {
      const now = Date.now();
      const readRtt = now - this.rttReadAt >= DOWNLINK_GUARD.rttEveryMs;
      const [[stats], consumerStats] = await Promise.all([this.transport.getStats(), readRtt ? c.getStats() : null]);
      if (consumerStats) {
        this.rttReadAt = now;
        this.rttMs = consumerStats.find((x) => x.type === 'outbound-rtp')?.roundTripTime;
      }
      const producer = this.producer();
      const estimate = stats?.availableOutgoingBitrate;
      // 0: the controller has no estimate yet
      if (!producer || producer.closed || !estimate || !this.auto) return;
      const topBitrate = await topLayerBitrate(producer);
      const before = this.state.capped;
      const queueMs = now - this.queue.at <= DOWNLINK_GUARD.viewerQueueFreshMs ? this.queue.ms : undefined;
      const reading = { estimate, topBitrate, rttMs: this.rttMs, loss: stats.rtpPacketLossSent, queueMs };
      this.state = downlinkStep(this.state, reading, Date.now());
      if (this.state.capped === before || c.closed || !this.auto) return;
      const spatialLayer = this.state.capped ? this.topSpatial - 1 : this.topSpatial;
      if (this.state.capped) {
        // Paused before the layer changes: the lower layer's key frame is asked for once, at the resume. Asked for at
        // the change as well, the first request's key frame arrived during the pause and was dropped, and the resume's
        // was held back by the producer's key-frame request delay (measured +500–580 ms to the lower layer).
        this.flushedUntil = Date.now() + DOWNLINK_GUARD.flushMs;
        await c.pause();
        await this.prefer(spatialLayer);
        await delay(DOWNLINK_GUARD.drainMs);
        if (!c.closed) await c.resume();
      } else await this.prefer(spatialLayer);
      this.log.debug({ consumerId: c.id, estimate, topBitrate, queueMs, spatialLayer, holdMs: this.state.holdMs }, 'downlink guard');
    } catch {
      // the consumer or transport closed meanwhile; the next tick stops
    } finally {
      this.busy = false;
    }
  }
}

/**
 * The rate of a producer's top layer: its fastest stream (the top layer is the largest). Read at most twice a second
 * per producer, however many viewers' guards ask.
 */
const topRates = new WeakMap<types.Producer, { at: number; bitrate: Promise<number> }>();
function topLayerBitrate(producer: types.Producer): Promise<number> {
  const now = Date.now();
  const cached = topRates.get(producer);
  if (cached && now - cached.at < 500) return cached.bitrate;
  const bitrate = producer
    .getStats()
    .then((streams) => Math.max(0, ...streams.map((s) => s.bitrate)))
    .catch(() => 0);
  topRates.set(producer, { at: now, bitrate });
  return bitrate;
}
