import { describe, expect, it } from 'vitest';
import { simulcastEncodings } from './simulcast';
import { affordableLayer, initialUplink, layerNeed, step, UPLINK_TUNING, type UplinkState } from './uplink';

const layers = simulcastEncodings(1280, 720).map((e) => ({ maxBitrate: e.maxBitrate ?? 0 }));

/** Feed one sample a second from `from` for `seconds`, the estimate given per second. */
function run(s: UplinkState, from: number, seconds: number, estimate: (t: number) => number | null): UplinkState {
  for (let i = 0; i < seconds; i++) s = step(s, layers, estimate(from + i * 1000), from + i * 1000);
  return s;
}

describe('uplink policy', () => {
  it('prices each layer: the ones below at full rate, its own at a share, plus the reserve', () => {
    expect(layerNeed(layers, 2)).toBe(100_000 + 150_000 + 500_000 + 2_500_000 * UPLINK_TUNING.minShare);
    expect(affordableLayer(layers, 5_000_000)).toBe(2);
    expect(affordableLayer(layers, 1_500_000)).toBe(1); // the 1.5 Mbps uplink of the weak-network scenario
    expect(affordableLayer(layers, 300_000)).toBe(0);
    expect(affordableLayer(layers, 50_000)).toBe(0); // the lowest layer is always sent
  });

  it('keeps every layer on a good uplink and judges nothing during the warm-up', () => {
    let s = initialUplink(layers, 0);
    s = run(s, 0, 4, () => 400_000); // ramping up after connect
    expect(s.maxLayer).toBe(2);
    s = run(s, 5_000, 60, () => 4_000_000);
    expect(s).toMatchObject({ maxLayer: 2, shortSince: null, probingSince: null });
  });

  it('pauses the top layer once the estimate stays short, not on a single dip', () => {
    let s = run(initialUplink(layers, 0), 5_000, 10, () => 4_000_000);
    s = step(s, layers, 1_200_000, 15_000);
    s = step(s, layers, 4_000_000, 16_000);
    expect(s.maxLayer).toBe(2);
    s = step(s, layers, 1_300_000, 17_000);
    s = step(s, layers, 1_200_000, 18_000);
    expect(s.maxLayer).toBe(2);
    s = step(s, layers, 1_250_000, 19_000); // short for 2 s ≥ dropAfterMs
    expect(s.maxLayer).toBe(1);
    expect(s.nextProbeAt).toBe(19_000 + UPLINK_TUNING.holdMs);
  });

  it('drops straight to the layer the estimate affords', () => {
    let s = run(initialUplink(layers, 0), 5_000, 5, () => 4_000_000);
    s = run(s, 10_000, 3, () => 400_000);
    expect(s.maxLayer).toBe(0);
  });

  it('tries a paused layer after its hold, keeps it when the estimate covers it, backs off when it does not', () => {
    let s = run(initialUplink(layers, 0), 5_000, 5, () => 4_000_000);
    s = run(s, 10_000, 3, () => 1_200_000);
    expect(s.maxLayer).toBe(1);
    const probeAt = s.nextProbeAt!;
    // Still weak: the try starts on time, fails after probeMs, and the next hold is twice as long.
    s = run(s, 13_000, (probeAt - 13_000) / 1000 + 1, () => 1_200_000);
    expect(s).toMatchObject({ maxLayer: 2, probingSince: probeAt });
    s = run(s, probeAt + 1000, UPLINK_TUNING.probeMs / 1000, () => 1_200_000);
    expect(s).toMatchObject({ maxLayer: 1, probingSince: null, holdMs: UPLINK_TUNING.holdMs * 2 });
    // The uplink is back: the next try keeps the top layer and the hold resets.
    const next = s.nextProbeAt!;
    s = run(s, next, 3, () => 4_000_000);
    expect(s).toMatchObject({ maxLayer: 2, probingSince: null, nextProbeAt: null, holdMs: UPLINK_TUNING.holdMs });
  });

  it('raises a paused layer at once when the estimate already covers it', () => {
    let s = run(initialUplink(layers, 0), 5_000, 5, () => 4_000_000);
    s = run(s, 10_000, 3, () => 1_200_000);
    s = step(s, layers, 3_000_000, 14_000);
    expect(s.maxLayer).toBe(2);
    s = step(s, layers, 3_000_000, 15_000);
    expect(s).toMatchObject({ maxLayer: 2, probingSince: null });
  });

  it('does not judge an estimate that is still climbing after connect, and judges it once the climb stops', () => {
    // The bench studio on loopback: the estimate starts near 1 Mbit/s and grows ~6 % a second; it paused the top
    // layer 8 s after connecting, while the estimate was still on its way up.
    let s = initialUplink(layers, 0);
    let est = 1_000_000;
    for (let t = 1000; t <= 14_000; t += 1000) {
      est *= 1.06;
      s = step(s, layers, est, t);
    }
    expect(s).toMatchObject({ maxLayer: 2, warm: false, shortSince: null });
    // A capped link: the estimate stops climbing under the top layer's need.
    for (let t = 15_000; t <= 17_000; t += 1000) s = step(s, layers, 1_400_000, t);
    expect(s).toMatchObject({ maxLayer: 1, warm: true });
    // A climb is not waited out for ever.
    let c = initialUplink(layers, 0);
    for (let t = 1000; t <= UPLINK_TUNING.maxWarmupMs + 3000; t += 1000) c = step(c, layers, 100_000 + t * 20, t);
    expect(c.warm).toBe(true);
    expect(c.maxLayer).toBeLessThan(2);
  });
});
