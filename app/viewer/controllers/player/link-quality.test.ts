import { describe, expect, it } from 'vitest';
import { judgeLink, type KindCounters, type LinkSample, linkFigures } from './link-quality';

/** Per-second rates of one kind: packets that arrived, packets lost for good, frames decoded. */
type Rate = { rx: number; lost: number; fps?: number };

/** A trace of once-a-second samples, each second at the given rates (null: no such stream). */
function trace(
  seconds: { audio: Rate | null; video: Rate | null }[],
  start: LinkSample = { at: 0, audio: null, video: null },
): LinkSample[] {
  const out: LinkSample[] = [start];
  const step = (c: KindCounters | null, r: Rate | null): KindCounters | null =>
    r === null
      ? null
      : {
          packetsReceived: (c?.packetsReceived ?? 0) + r.rx,
          packetsLost: (c?.packetsLost ?? 0) + r.lost,
          framesDecoded: (c?.framesDecoded ?? 0) + (r.fps ?? 0),
        };
  for (const s of seconds) {
    const prev = out.at(-1)!;
    out.push({ at: prev.at + 1_000, audio: step(prev.audio, s.audio), video: step(prev.video, s.video) });
  }
  return out;
}

const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);
/** 720p30 and Opus at 20 ms packets, as the viewer receives them on a clean link. */
const CLEAN = { audio: { rx: 50, lost: 0 }, video: { rx: 220, lost: 0, fps: 30 } };

/** Run the judgement sample by sample, as the link watch does; the state after each sample. */
function replay(samples: LinkSample[], videoExpected = true, poor = false): boolean[] {
  const states: boolean[] = [];
  for (let i = 1; i <= samples.length; i++) {
    poor = judgeLink(poor, samples.slice(0, i), videoExpected);
    states.push(poor);
  }
  return states;
}

describe('judgeLink: is the viewer link too poor for live video?', () => {
  it('a clean link, and 15 % random loss that NACK/RTX and Opus FEC ride out, are not', () => {
    expect(replay(trace(repeat(20, CLEAN))).some(Boolean)).toBe(false);
    // 15 % of the audio lost (no retransmission for audio), 2–3 % of the video left after RTX, 24 fps.
    const lossy15 = trace(
      Array.from({ length: 30 }, (_, i) => ({
        audio: { rx: 42 + (i % 3), lost: 8 - (i % 3) },
        video: { rx: 200, lost: 5, fps: 24 },
      })),
    );
    expect(replay(lossy15).some(Boolean)).toBe(false);
  });

  it('50 % loss: poor about 5 s in, whether the SFU still forwards a slideshow or no layer at all', () => {
    const warmup = trace(repeat(3, CLEAN));
    // The SFU's estimate collapsed: no video layer forwarded, half the audio packets lost.
    const noLayer = trace(repeat(8, { audio: { rx: 25, lost: 25 }, video: { rx: 0, lost: 0, fps: 0 } }), warmup.at(-1)!);
    const states = replay([...warmup, ...noLayer.slice(1)]);
    const firstPoor = states.indexOf(true);
    expect(firstPoor).toBeGreaterThan(3 + 2); // not at the first lossy second
    expect(firstPoor).toBeLessThanOrEqual(3 + 6);
    expect(states.slice(firstPoor).every(Boolean)).toBe(true);
    // A slideshow: the lowest layer still forwarded, a quarter of it lost after RTX, 4 frames a second decoded.
    const slideshow = trace(repeat(8, { audio: { rx: 25, lost: 25 }, video: { rx: 90, lost: 30, fps: 4 } }), warmup.at(-1)!);
    expect(replay([...warmup, ...slideshow.slice(1)]).at(-1)).toBe(true);
  });

  it('a burst of loss is not (a capped link overflowing until the SFU forwards a lower layer)', () => {
    const burst = trace([
      ...repeat(4, CLEAN),
      ...repeat(3, { audio: { rx: 12, lost: 38 }, video: { rx: 60, lost: 160, fps: 3 } }),
      ...repeat(8, { audio: { rx: 50, lost: 0 }, video: { rx: 80, lost: 0, fps: 30 } }),
    ]);
    expect(replay(burst).some(Boolean)).toBe(false);
  });

  it('a slideshow on a link without loss is poor too (packets arrive, frames are not decoded)', () => {
    const samples = trace(repeat(8, { audio: { rx: 50, lost: 0 }, video: { rx: 120, lost: 2, fps: 2 } }));
    expect(replay(samples).at(-1)).toBe(true);
  });

  it('says nothing when nothing arrives (the studio stopped, the link is down) or the camera is off', () => {
    const silent = trace(repeat(10, { audio: { rx: 0, lost: 0 }, video: { rx: 0, lost: 0, fps: 0 } }));
    expect(replay(silent).some(Boolean)).toBe(false);
    const cameraOff = trace(repeat(10, { audio: { rx: 50, lost: 1 }, video: { rx: 0, lost: 0, fps: 0 } }));
    expect(replay(cameraOff, false).some(Boolean)).toBe(false);
    expect(replay(trace(repeat(10, { audio: { rx: 50, lost: 0 }, video: null }))).some(Boolean)).toBe(false);
  });

  it('needs a full window before a first verdict', () => {
    const short = trace(repeat(3, { audio: { rx: 25, lost: 25 }, video: { rx: 0, lost: 0, fps: 0 } }));
    expect(replay(short).some(Boolean)).toBe(false);
  });

  it('ends once frames flow again, not while the audio alone is back', () => {
    const poor = trace(repeat(6, { audio: { rx: 25, lost: 25 }, video: { rx: 0, lost: 0, fps: 0 } }));
    expect(replay(poor).at(-1)).toBe(true);
    // Loss lifted, but the SFU forwards no layer yet: the audio is clean, the picture still frozen.
    const audioOnly = trace(repeat(5, { audio: { rx: 50, lost: 0 }, video: { rx: 0, lost: 0, fps: 0 } }), poor.at(-1)!);
    const stillPoor = replay([...poor, ...audioOnly.slice(1)], true, false);
    expect(stillPoor.at(-1)).toBe(true);
    const back = trace(repeat(4, CLEAN), audioOnly.at(-1)!);
    const states = replay([...poor, ...audioOnly.slice(1), ...back.slice(1)]);
    const cleared = states.lastIndexOf(true) + 1;
    expect(cleared).toBe(poor.length + audioOnly.length - 1); // the first second of a flowing picture
    expect(states.at(-1)).toBe(false);
  });

  it('a new consumer (counters start over) begins the window at its first sample, not a negative delta', () => {
    const before = trace(repeat(4, CLEAN));
    const fresh = trace(repeat(6, CLEAN), {
      at: before.at(-1)!.at,
      audio: { packetsReceived: 0, packetsLost: 0, framesDecoded: 0 },
      video: { packetsReceived: 0, packetsLost: 0, framesDecoded: 0 },
    });
    const samples = [...before, ...fresh];
    expect(replay(samples).some(Boolean)).toBe(false);
    const f = linkFigures(samples, 5_000, 40)!;
    expect(f.fps).toBeCloseTo(30);
    expect(f.audioLoss).toBe(0);
  });
});
