/**
 * The downlink guard: keeps a viewer's top simulcast layer from starving its link while mediasoup catches up.
 *
 * mediasoup re-shares a transport's estimated bandwidth across its consumers only when its estimate has fallen by a
 * quarter since the last share or once a second, and it steps down the temporal layers of the top spatial layer before
 * the spatial layer itself; on a link capped just below the top layer the viewer so kept a top layer that did not fit
 * for 3–5 s while the estimate fell in steps of 15 % from wherever it was (up to the 3 Mbit/s start value), and the
 * picture all but stopped. The guard follows the estimate (the transport's `availableOutgoingBitrate`) from mediasoup's
 * 'bwe' trace event — sent at each re-share: once a second, and at once on a fall of a quarter — and the round-trip
 * time of the viewer's last receiver report. At a sign of congestion that
 * matters — a cut of the controller's estimate (a fall of `fastFall` within `fallWindowMs`: it saw the link's queue
 * grow) leaving it under `fallHeadroom` times the top layer's rate, or a round trip grown by `rttRiseMs` (the queue,
 * often seen first) with the estimate under `rttHeadroom` times that rate — it lowers the consumer's preferred
 * spatial layer by one at once (the consumer switches and asks for a key frame of the lower layer). Below the top
 * layer mediasoup's own allocation decides. A low estimate alone is no sign: while a lower layer flows the estimate
 * stays near what is sent (the controller does not probe past it).
 *
 * Coming back: the guard does what mediasoup does after its own downgrades, sooner: after a hold of `minHoldMs`
 * (mediasoup's is 10 s) and a calm second it lifts its cap, and mediasoup forwards the top layer again if its estimate
 * allows. A lift knocked down again within `relapseMs` doubles the next hold, so a link that stays capped costs one
 * short try per hold, not a flip between layers. Only for viewers on "auto" quality: a pinned layer is the viewer's
 * choice.
 *
 * Cost: a guard runs per viewer, hundreds per worker, and every stats read is a request the worker answers. The
 * estimate comes with the trace event (a notification, no request); near the top layer's rate each event is followed
 * by one read of the transport's stats (its loss, which tells a cut from random loss) and the round trip is read
 * twice a second (receiver reports come about once a second); far above it, where no step down can happen, only the
 * round trip is read, every few seconds, to know the link's lowest.
 */
import { parseScalabilityMode, type types } from 'mediasoup';
import type { Logger } from '../log';

export const DOWNLINK_GUARD = {
  /** How often the round trip is read while the estimate is under `fallHeadroom` times the top layer's rate... */
  rttIntervalMs: 500,
  /** ...and how often far above it (only the link's lowest round trip matters there). */
  farRttIntervalMs: 4_000,
  /** The window in which a fall of `fastFall` counts as congestion. */
  fallWindowMs: 1_500,
  /** A fall of this share of the window's highest estimate (one cut of the congestion controller is 15 %). */
  fastFall: 0.12,
  /** ...while the estimate is under this many times the top layer's rate (far above it, a cut is the jitter of a busy
   * machine or network, not a link about to fill). */
  fallHeadroom: 2.5,
  /**
   * A cut while the transport's own loss (transport-cc feedback) is at least this share came from random loss, which
   * NACK and RTX repair on the layer being sent; a layer switch would only add a key frame to get through it.
   */
  cutMaxLoss: 0.02,
  /** A round trip this much over the lowest seen means the link queues... */
  rttRiseMs: 150,
  /** ...which steps down while the estimate is under this many times the top layer's rate. */
  rttHeadroom: 2,
  /**
   * In a consumer's first seconds the estimate falls from the transport's start value (3 Mbit/s) to what the link
   * carries and the first round trips include the start-up: not congestion.
   */
  warmupMs: 8_000,
  /** After the hold the link must have shown no congestion this long before the cap is lifted. */
  upSustainMs: 1_000,
  /** Shortest time a step down is held; doubled when a lift is knocked down within `relapseMs`, up to `maxHoldMs`. */
  minHoldMs: 10_000,
  maxHoldMs: 15_000,
  relapseMs: 5_000,
} as const;

export interface DownlinkState {
  /** The guard holds the consumer one spatial layer under the top. */
  capped: boolean;
  cappedAt: number;
  holdMs: number;
  liftedAt: number;
  /** Since when the link has shown no congestion (null: it does now). */
  calmSince: number | null;
  /** Recent estimates [time, bit/s], newest last, within `fallWindowMs`. */
  history: [number, number][];
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
}

/** One reading → the next state; `capped` says whether to hold the consumer under the top layer. */
export function downlinkStep(s: DownlinkState, r: DownlinkReading, now: number, cfg = DOWNLINK_GUARD): DownlinkState {
  const { estimate, topBitrate, rttMs } = r;
  const history = [...s.history.filter(([t]) => now - t <= cfg.fallWindowMs), [now, estimate] as [number, number]];
  const hasRtt = rttMs !== undefined && rttMs > 0;
  const next: DownlinkState = { ...s, history, minRttMs: hasRtt ? Math.min(s.minRttMs, rttMs) : s.minRttMs };
  if (topBitrate <= 0) return { ...next, calmSince: null }; // nothing to guard: the studio does not send the top layer
  // Congestion: the controller cut its estimate, or the round trip grew (the link's queue fills).
  const cut = estimate <= Math.max(...history.map(([, e]) => e)) * (1 - cfg.fastFall) && (r.loss ?? 0) < cfg.cutMaxLoss;
  const queueing = hasRtt && rttMs - s.minRttMs >= cfg.rttRiseMs;
  next.calmSince = cut || queueing ? null : (s.calmSince ?? now);
  if (!s.capped) {
    const warm = now - s.startedAt >= cfg.warmupMs;
    // ...that matters only where the estimate leaves the top layer little room.
    const full = (cut && estimate < topBitrate * cfg.fallHeadroom) || (queueing && estimate < topBitrate * cfg.rttHeadroom);
    if (!full || !warm) return next;
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
  private closed = false;
  /** Readings start once media flows (the consumer is made paused and resumed by the viewer). */
  private started = false;
  private readingEstimate = false;
  private readingRtt = false;
  /** The latest reading's parts: the estimate (0: none yet) and loss from the transport, the consumer's round trip. */
  private estimate = 0;
  private loss: number | undefined;
  private rttMs: number | undefined;
  /** The estimate leaves the top layer little room: read often. */
  private near = false;
  private rttReadAt = Number.NEGATIVE_INFINITY;
  private readonly timer: NodeJS.Timeout;
  private readonly topSpatial: number;
  private readonly topTemporal: number;
  private readonly onTrace = (trace: types.TransportTraceEventData): void => {
    const estimate = trace.type === 'bwe' ? (trace.info as { availableBitrate?: number }).availableBitrate : undefined;
    if (estimate) void this.readEstimate(estimate);
  };

  constructor(
    private readonly transport: types.WebRtcTransport,
    private readonly consumer: types.Consumer,
    /** The producer the consumer forwards (null once it is gone). */
    private readonly producer: () => types.Producer | null,
    private readonly log: Logger,
  ) {
    const { spatialLayers, temporalLayers } = parseScalabilityMode(consumer.rtpParameters.encodings?.[0]?.scalabilityMode);
    this.topSpatial = Math.max(0, spatialLayers - 1);
    this.topTemporal = Math.max(0, temporalLayers - 1);
    this.state = initialDownlinkState(Date.now());
    transport.on('trace', this.onTrace);
    // Only the receive transport's own estimate is traced (one transport per viewer); failing, it closed meanwhile.
    transport.enableTraceEvent(['bwe']).catch(() => undefined);
    this.timer = setInterval(() => void this.readRtt(), DOWNLINK_GUARD.rttIntervalMs);
    this.timer.unref();
  }

  /** The viewer chose auto quality (the guard may lower the layer) or pinned one (the guard stands aside). */
  setAuto(auto: boolean): void {
    this.auto = auto;
    if (!auto) this.state = { ...initialDownlinkState(Date.now()), startedAt: this.state.startedAt };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.transport.off('trace', this.onTrace);
  }

  /** Whether readings count now (the first time: media starts flowing, so the warm-up starts). */
  private active(): boolean {
    if (this.closed || !this.auto || this.topSpatial === 0) return false;
    const c = this.consumer;
    if (c.closed || this.transport.closed) {
      this.close();
      return false;
    }
    if (c.paused || c.producerPaused) return false;
    if (!this.started) {
      this.started = true;
      this.state = initialDownlinkState(Date.now());
    }
    return true;
  }

  private async readEstimate(traced: number): Promise<void> {
    if (this.readingEstimate || !this.active()) return;
    this.readingEstimate = true;
    try {
      const producer = this.producer();
      if (!producer || producer.closed) return;
      const topBitrate = await topLayerBitrate(producer);
      this.near = topBitrate > 0 && traced < topBitrate * DOWNLINK_GUARD.fallHeadroom;
      let estimate = traced;
      if (this.near) {
        const [stats] = await this.transport.getStats();
        estimate = stats?.availableOutgoingBitrate || traced;
        this.loss = stats?.rtpPacketLossSent;
      }
      this.estimate = estimate;
      await this.step(topBitrate);
    } catch {
      // the consumer or transport closed meanwhile; the next reading stops
    } finally {
      this.readingEstimate = false;
    }
  }

  private async readRtt(): Promise<void> {
    const now = Date.now();
    if (this.readingRtt || (!this.near && now - this.rttReadAt < DOWNLINK_GUARD.farRttIntervalMs) || !this.active()) return;
    this.readingRtt = true;
    this.rttReadAt = now;
    try {
      const consumerStats = await this.consumer.getStats();
      this.rttMs = consumerStats.find((x) => x.type === 'outbound-rtp')?.roundTripTime;
      const producer = this.producer();
      // 0: the controller has no estimate yet
      if (!producer || producer.closed || !this.estimate) return;
      await this.step(await topLayerBitrate(producer));
    } catch {
      // as above
    } finally {
      this.readingRtt = false;
    }
  }

  private async step(topBitrate: number): Promise<void> {
    const c = this.consumer;
    if (c.closed || !this.auto) return;
    const { estimate, rttMs, loss } = this;
    const before = this.state.capped;
    this.state = downlinkStep(this.state, { estimate, topBitrate, rttMs, loss }, Date.now());
    if (this.state.capped === before) return;
    const spatialLayer = this.state.capped ? this.topSpatial - 1 : this.topSpatial;
    await c.setPreferredLayers({ spatialLayer, temporalLayer: this.topTemporal });
    this.log.debug({ consumerId: c.id, estimate, topBitrate, spatialLayer, holdMs: this.state.holdMs }, 'downlink guard');
  }
}

/**
 * The rate of a producer's top layer: its fastest stream (the top layer is the largest). Read at most twice a second
 * per producer, however many viewers' guards ask.
 */
const TOP_RATE_MAX_AGE_MS = 500;
const topRates = new WeakMap<types.Producer, { at: number; bitrate: Promise<number> }>();
function topLayerBitrate(producer: types.Producer): Promise<number> {
  const now = Date.now();
  const cached = topRates.get(producer);
  if (cached && now - cached.at < TOP_RATE_MAX_AGE_MS) return cached.bitrate;
  const bitrate = producer
    .getStats()
    .then((streams) => Math.max(0, ...streams.map((s) => s.bitrate)))
    .catch(() => 0);
  topRates.set(producer, { at: now, bitrate });
  return bitrate;
}
