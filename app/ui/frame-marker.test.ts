import { describe, expect, it } from 'vitest';
import {
  decodeMarkerBits,
  decodeMarkerRgba,
  drawMarker,
  encodeMarker,
  MARKER_CELLS,
  MARKER_TS_MOD,
  markerCellSize,
  type MarkerPainter,
  unwrapMarkerTime,
} from './frame-marker';

/** A real RGBA raster implementing the painter interface (what a canvas does, minus everything else). */
class Raster implements MarkerPainter {
  readonly data: Uint8ClampedArray;
  fillStyle: unknown = '#000000';
  constructor(
    readonly width: number,
    readonly height: number,
    background = 90,
  ) {
    this.data = new Uint8ClampedArray(width * height * 4).fill(background);
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    const v = this.fillStyle === '#ffffff' ? 255 : 0;
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      for (let xx = Math.max(0, x); xx < Math.min(this.width, x + w); xx++) {
        const o = (yy * this.width + xx) * 4;
        this.data[o] = v;
        this.data[o + 1] = v;
        this.data[o + 2] = v;
        this.data[o + 3] = 255;
      }
    }
  }
  /** Box-filter downscale by an integer factor (what a simulcast layer does to the strip). */
  downscale(f: number): Raster {
    const out = new Raster(Math.floor(this.width / f), Math.floor(this.height / f));
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        for (let c = 0; c < 4; c++) {
          let s = 0;
          for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += this.data[((y * f + dy) * this.width + x * f + dx) * 4 + c]!;
          out.data[(y * out.width + x) * 4 + c] = s / (f * f);
        }
      }
    }
    return out;
  }
}

/** Deterministic pseudo-random noise (LCG) so the test is reproducible. */
function addNoise(r: Raster, amplitude: number, seed = 7): void {
  let s = seed;
  for (let i = 0; i < r.data.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    r.data[i] = r.data[i]! + ((s / 2 ** 31) * 2 - 1) * amplitude;
  }
}

describe('frame marker', () => {
  it('round-trips bits for many times and frame counters', () => {
    const now = 1_760_000_000_123;
    for (const [t, f] of [
      [now, 0],
      [now + 1, 1],
      [now + 999_999, 4095],
      [now + 16_777_215, 4096],
      [0, 17],
    ] as const) {
      const bits = encodeMarker(t, f);
      expect(bits).toHaveLength(MARKER_CELLS);
      expect(decodeMarkerBits(bits)).toEqual({ ts24: t % MARKER_TS_MOD, frame: f % 4096 });
    }
  });

  it('rejects a strip with a flipped bit or a wrong length', () => {
    const bits = encodeMarker(1_760_000_000_123, 42);
    for (let i = 0; i < MARKER_CELLS; i++) {
      const bad = [...bits];
      bad[i] = !bad[i];
      expect(decodeMarkerBits(bad)).toBeNull();
    }
    expect(decodeMarkerBits(bits.slice(1))).toBeNull();
  });

  it('decodes a drawn 1280x720 frame with compression-like noise, and its 320x180 simulcast layer', () => {
    expect(markerCellSize(1280)).toBe(32);
    const t = 1_760_000_123_456;
    const frame = new Raster(1280, 720);
    drawMarker(frame, 1280, t, 1234);
    const low = frame.downscale(4);
    addNoise(frame, 60);
    addNoise(low, 40, 11);
    expect(decodeMarkerRgba(frame.data, 1280, 720)).toEqual({ ts24: t % MARKER_TS_MOD, frame: 1234 });
    expect(decodeMarkerRgba(low.data, 320, 180)).toEqual({ ts24: t % MARKER_TS_MOD, frame: 1234 });
  });

  it('returns null for a frame without a strip', () => {
    const plain = new Raster(640, 360, 200);
    addNoise(plain, 80);
    expect(decodeMarkerRgba(plain.data, 640, 360)).toBeNull();
    expect(decodeMarkerRgba(new Raster(640, 360, 5).data, 640, 360)).toBeNull(); // all black
    expect(decodeMarkerRgba(new Uint8Array(16), 2, 2)).toBeNull();
  });

  it('unwraps a 24-bit time near the reference, across the wrap boundary', () => {
    const capture = 3 * MARKER_TS_MOD - 20; // just before a wrap
    const ts24 = capture % MARKER_TS_MOD;
    expect(unwrapMarkerTime(ts24, capture + 150)).toBe(capture); // receiver clock already wrapped
    expect(unwrapMarkerTime(ts24, capture - 150)).toBe(capture);
    const t2 = 1_760_000_000_000;
    expect(unwrapMarkerTime(t2 % MARKER_TS_MOD, t2 + 80.4)).toBe(t2);
  });
});
