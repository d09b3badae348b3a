import { describe, expect, it } from 'vitest';
import { summarizeSendStats } from './stats';

const outbound = (id: string, rid: string, bytes: number, w: number, fps: number, extra: Record<string, unknown> = {}) => ({
  type: 'outbound-rtp',
  id,
  kind: 'video',
  rid,
  bytesSent: bytes,
  headerBytesSent: 1000,
  frameWidth: w,
  frameHeight: (w * 9) / 16,
  framesPerSecond: fps,
  framesEncoded: bytes / 100,
  qualityLimitationReason: 'none',
  ...extra,
});

describe('summarizeSendStats', () => {
  it('computes media bitrate over the interval, top layer, RTT of the selected pair and mean loss', () => {
    const t0 = [
      outbound('v0', 'r0', 10_000, 320, 30),
      outbound('v1', 'r1', 20_000, 640, 30),
      outbound('v2', 'r2', 50_000, 1280, 29),
      { type: 'outbound-rtp', id: 'a', kind: 'audio', bytesSent: 4000 },
    ];
    const first = summarizeSendStats(t0, null, 1000);
    expect(first.stats.bitrate).toBe(0); // no previous sample yet
    const t1 = [
      outbound('v0', 'r0', 30_000, 320, 30),
      outbound('v1', 'r1', 80_000, 640, 30),
      outbound('v2', 'r2', 300_000, 1280, 28, { qualityLimitationReason: 'cpu' }),
      { type: 'outbound-rtp', id: 'a', kind: 'audio', bytesSent: 8000 },
      { type: 'transport', id: 't', selectedCandidatePairId: 'p1' },
      { type: 'candidate-pair', id: 'p0', nominated: true, state: 'succeeded', currentRoundTripTime: 0.5 },
      {
        type: 'candidate-pair',
        id: 'p1',
        nominated: true,
        state: 'succeeded',
        currentRoundTripTime: 0.042,
        availableOutgoingBitrate: 1_234_567.8,
      },
      { type: 'remote-inbound-rtp', id: 'r0', kind: 'video', fractionLost: 0.02, roundTripTime: 0.05 },
      { type: 'remote-inbound-rtp', id: 'r1', kind: 'video', fractionLost: 0.04, roundTripTime: 0.05 },
    ];
    const { stats } = summarizeSendStats(t1, first.sample, 2000);
    // (20k + 60k + 250k + 4k) bytes in 1 s, header/padding bytes excluded
    expect(stats.bitrate).toBe(334_000 * 8);
    expect(stats).toMatchObject({
      fps: 28,
      width: 1280,
      height: 720,
      rttMs: 42,
      lossPct: 3,
      layers: 3,
      limitation: 'cpu',
      estimateBps: 1_234_568,
    });
  });

  it('falls back to framesEncoded for fps, RTCP RTT without a pair, and nulls when nothing is known', () => {
    const a = summarizeSendStats([outbound('v', 'r2', 1000, 1280, Number.NaN, { framesEncoded: 100 })], null, 0);
    const b = summarizeSendStats(
      [
        outbound('v', 'r2', 2000, 1280, Number.NaN, { framesEncoded: 125 }),
        { type: 'remote-inbound-rtp', id: 'x', kind: 'video', roundTripTime: 0.08 },
      ],
      a.sample,
      1000,
    );
    expect(b.stats).toMatchObject({ fps: 25, rttMs: 80, lossPct: null, bitrate: 8000 });
    const empty = summarizeSendStats([], null, 0).stats;
    expect(empty).toEqual({
      bitrate: 0,
      fps: null,
      width: null,
      height: null,
      rttMs: null,
      lossPct: null,
      layers: 0,
      limitation: null,
      estimateBps: null,
    });
  });
});
