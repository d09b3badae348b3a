/**
 * Uplink policy: which simulcast layers the studio sends, decided from the send side's own bandwidth estimate
 * (the selected ICE candidate pair's `availableOutgoingBitrate`, i.e. the browser's congestion controller fed by the
 * SFU's transport-wide feedback).
 *
 * Left alone, the browser keeps every layer on a thin uplink and starves the top one: it is encoded at a fraction of
 * its bitrate (blocky), competes with the layers below for the same queue, and viewers on it see stalls. So when the
 * estimate stays below what a layer needs, the studio stops sending that layer on purpose (the SFU moves its viewers
 * to the layer below, which then gets its full bitrate) and says so. A paused layer is tried again after a hold that
 * doubles after every failed try, since an application-limited estimate never rises on its own; the try keeps the
 * layer only if the estimate then covers it.
 *
 * An estimate that is still climbing is no shortfall: after (re)connecting the browser starts near 1 Mbit/s and grows
 * some 6 % a second, so the 720p ladder is judged only once the climb stops (or `maxWarmupMs` after connecting).
 * Judged earlier, the top layer was paused on a free link and a viewer joining then waited for a key frame of a
 * layer that had just stopped until the SFU noticed (2.5 s).
 *
 * Pure state machine (`step`), so the thresholds are unit-tested without a browser; the publisher applies its
 * decisions with `Producer.setMaxSpatialLayer`.
 */

export interface UplinkLayer {
  /** The encoding's maxBitrate (bits/s). */
  maxBitrate: number;
}

export interface UplinkTuning {
  /** A layer is affordable when the estimate covers the layers below at full rate plus this share of its own. */
  minShare: number;
  /** Kept free for audio, the data channel and RTP/RTCP overhead (bits/s). */
  reserveBps: number;
  /** The estimate must stay short this long before a layer is paused. */
  dropAfterMs: number;
  /** No judgement this soon after the transport connected: the estimate is still ramping up. */
  warmupMs: number;
  /** …nor later while the estimate keeps rising by at least `climbStep` a sample, up to this long after connecting. */
  maxWarmupMs: number;
  climbStep: number;
  /** First hold before a paused layer is tried again; doubles after each failed try up to maxHoldMs. */
  holdMs: number;
  maxHoldMs: number;
  /** How long a try lasts before it is judged. */
  probeMs: number;
}

export const UPLINK_TUNING: UplinkTuning = {
  minShare: 0.6,
  reserveBps: 100_000,
  dropAfterMs: 1_500,
  warmupMs: 5_000,
  maxWarmupMs: 30_000,
  climbStep: 0.01,
  holdMs: 15_000,
  maxHoldMs: 120_000,
  probeMs: 5_000,
};

export interface UplinkState {
  /** Highest spatial layer being sent (layers.length - 1 = all). */
  maxLayer: number;
  /** Since when the estimate has been short of the current layer's need (null: it is not). */
  shortSince: number | null;
  /** A paused layer is being tried since this time (null: no try running). */
  probingSince: number | null;
  /** The next try of a paused layer, and the hold that led to it. */
  nextProbeAt: number | null;
  holdMs: number;
  /** When the transport (re)connected: the warm-up counts from here. */
  startedAt: number;
  /** The warm-up is over (the estimate stopped climbing): shortfalls count. */
  warm: boolean;
  /** The last estimate seen (bits/s). */
  estimateBps: number | null;
}

export function initialUplink(layers: readonly UplinkLayer[], now: number, tuning = UPLINK_TUNING): UplinkState {
  return {
    maxLayer: layers.length - 1,
    shortSince: null,
    probingSince: null,
    nextProbeAt: null,
    holdMs: tuning.holdMs,
    startedAt: now,
    warm: false,
    estimateBps: null,
  };
}

/** Bits/s the layers 0‥`layer` need: the ones below at full rate, `layer` itself at `minShare`, plus the reserve. */
export function layerNeed(layers: readonly UplinkLayer[], layer: number, tuning = UPLINK_TUNING): number {
  let need = tuning.reserveBps;
  for (let i = 0; i < layer; i++) need += layers[i]!.maxBitrate;
  return need + layers[layer]!.maxBitrate * tuning.minShare;
}

/** The highest layer the estimate affords (0 at least: the lowest layer is always sent). */
export function affordableLayer(layers: readonly UplinkLayer[], estimateBps: number, tuning = UPLINK_TUNING): number {
  let layer = 0;
  while (layer + 1 < layers.length && estimateBps >= layerNeed(layers, layer + 1, tuning)) layer++;
  return layer;
}

/**
 * One stats sample (about one a second) → the next state. `estimateBps` null (no estimate reported yet) changes
 * nothing but the clock.
 */
export function step(
  s: UplinkState,
  layers: readonly UplinkLayer[],
  estimateBps: number | null,
  now: number,
  tuning = UPLINK_TUNING,
): UplinkState {
  const top = layers.length - 1;
  if (estimateBps === null || now - s.startedAt < tuning.warmupMs) return { ...s, estimateBps };
  if (!s.warm) {
    const climbing = s.estimateBps !== null && estimateBps > s.estimateBps * (1 + tuning.climbStep);
    if (climbing && now - s.startedAt < tuning.maxWarmupMs) return { ...s, estimateBps };
    s = { ...s, warm: true };
  }
  const affordable = affordableLayer(layers, estimateBps, tuning);

  // A try of a paused layer: kept once the estimate covers it, given up when its time is over.
  if (s.probingSince !== null) {
    if (affordable >= s.maxLayer) {
      const done = s.maxLayer >= top;
      return {
        ...s,
        estimateBps,
        shortSince: null,
        probingSince: null,
        holdMs: done ? tuning.holdMs : s.holdMs,
        nextProbeAt: done ? null : now + s.holdMs,
      };
    }
    if (now - s.probingSince < tuning.probeMs) return { ...s, estimateBps };
    const holdMs = Math.min(s.holdMs * 2, tuning.maxHoldMs);
    return {
      ...s,
      estimateBps,
      maxLayer: Math.min(s.maxLayer - 1, affordable),
      probingSince: null,
      shortSince: null,
      holdMs,
      nextProbeAt: now + holdMs,
    };
  }

  if (affordable < s.maxLayer) {
    const shortSince = s.shortSince ?? now;
    if (now - shortSince < tuning.dropAfterMs) return { ...s, estimateBps, shortSince };
    return { ...s, estimateBps, maxLayer: affordable, shortSince: null, nextProbeAt: now + s.holdMs };
  }

  // Try the layer above when its hold is over, or at once when the estimate already covers it.
  if (s.maxLayer < top && (affordable > s.maxLayer || (s.nextProbeAt !== null && now >= s.nextProbeAt))) {
    return { ...s, estimateBps, maxLayer: s.maxLayer + 1, shortSince: null, probingSince: now, nextProbeAt: null };
  }
  return { ...s, estimateBps, shortSince: null };
}
