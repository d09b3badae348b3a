/**
 * Machine-readable timestamp burned into the top strip of a program frame (test / latency-bench hook).
 *
 * Layout: a strip of MARKER_CELLS square cells across the full frame width, starting at x=0, y=0.
 * Cell size = floor(frameWidth / MARKER_CELLS): 32 px at 1280 wide, 48 px at 1920, 8 px in the 320 px simulcast layer.
 * Bits, MSB first, white = 1, black = 0:
 *   - 24 bits: wall-clock capture time `Math.round(performance.timeOrigin + performance.now()) mod 2^24` (ms)
 *   - 12 bits: frame counter mod 2^12
 *   -  4 bits: check nibble = 0b1010 XOR the nine 4-bit nibbles above (detects a misread or uniform strip)
 *
 * Pure functions only (no DOM types) so the studio, the viewer, benches and tests share them.
 */

export const MARKER_TS_BITS = 24;
export const MARKER_FRAME_BITS = 12;
export const MARKER_CHECK_BITS = 4;
export const MARKER_CELLS = MARKER_TS_BITS + MARKER_FRAME_BITS + MARKER_CHECK_BITS; // 40
export const MARKER_TS_MOD = 2 ** MARKER_TS_BITS;
export const MARKER_FRAME_MOD = 2 ** MARKER_FRAME_BITS;

export interface MarkerValue {
  /** Capture time in ms modulo 2^24 (use `unwrapMarkerTime` to get the full wall-clock time). */
  ts24: number;
  /** Frame counter modulo 2^12. */
  frame: number;
}

/** Side of one square cell for a frame of this width (0 if the frame is too narrow to carry the strip). */
export function markerCellSize(frameWidth: number): number {
  return Math.floor(frameWidth / MARKER_CELLS);
}

/** Height of the strip in pixels for a frame of this width. */
export function markerStripHeight(frameWidth: number): number {
  return markerCellSize(frameWidth);
}

function pushBits(out: boolean[], value: number, bits: number): void {
  for (let i = bits - 1; i >= 0; i--) out.push(Math.floor(value / 2 ** i) % 2 === 1);
}

function readBits(bits: readonly boolean[], start: number, count: number): number {
  let v = 0;
  for (let i = 0; i < count; i++) v = v * 2 + (bits[start + i] ? 1 : 0);
  return v;
}

/** XOR of the data nibbles, salted so that an all-black or all-white strip never checks out. */
function checkNibble(bits: readonly boolean[], count: number): number {
  let x = 0b1010;
  for (let i = 0; i < count; i += 4) x ^= readBits(bits, i, 4);
  return x;
}

/** Encode a wall-clock time (ms, any magnitude) and a frame counter into the strip's bits. */
export function encodeMarker(timeMs: number, frame: number): boolean[] {
  const ts24 = ((Math.round(timeMs) % MARKER_TS_MOD) + MARKER_TS_MOD) % MARKER_TS_MOD;
  const f = ((Math.floor(frame) % MARKER_FRAME_MOD) + MARKER_FRAME_MOD) % MARKER_FRAME_MOD;
  const bits: boolean[] = [];
  pushBits(bits, ts24, MARKER_TS_BITS);
  pushBits(bits, f, MARKER_FRAME_BITS);
  pushBits(bits, checkNibble(bits, MARKER_TS_BITS + MARKER_FRAME_BITS), MARKER_CHECK_BITS);
  return bits;
}

/** Decode strip bits; null if the count or the check nibble is wrong. */
export function decodeMarkerBits(bits: readonly boolean[]): MarkerValue | null {
  if (bits.length !== MARKER_CELLS) return null;
  const dataBits = MARKER_TS_BITS + MARKER_FRAME_BITS;
  if (checkNibble(bits, dataBits) !== readBits(bits, dataBits, MARKER_CHECK_BITS)) return null;
  return { ts24: readBits(bits, 0, MARKER_TS_BITS), frame: readBits(bits, MARKER_TS_BITS, MARKER_FRAME_BITS) };
}

/** Minimal 2D drawing surface (a CanvasRenderingContext2D or OffscreenCanvasRenderingContext2D fits). */
export interface MarkerPainter {
  fillStyle: unknown;
  fillRect(x: number, y: number, w: number, h: number): void;
}

/** Draw the strip for `timeMs`/`frame` at the top of a frame `frameWidth` wide. */
export function drawMarker(ctx: MarkerPainter, frameWidth: number, timeMs: number, frame: number): void {
  const cell = markerCellSize(frameWidth);
  if (cell < 1) return;
  const bits = encodeMarker(timeMs, frame);
  ctx.fillStyle = '#000000';
  ctx.fillRect(0, 0, frameWidth, cell);
  ctx.fillStyle = '#ffffff';
  bits.forEach((bit, i) => {
    if (bit) ctx.fillRect(i * cell, 0, cell, cell);
  });
}

/**
 * Decode the strip from RGBA pixels (e.g. ImageData.data of a decoded video frame, any resolution).
 * Averages the luma of the central half of each cell and thresholds at mid-grey, so compression noise at
 * cell edges does not flip bits. Returns null if the frame carries no (valid) strip.
 */
export function decodeMarkerRgba(data: ArrayLike<number>, width: number, height: number): MarkerValue | null {
  const cell = width / MARKER_CELLS;
  if (cell < 4 || height < cell || data.length < width * height * 4) return null;
  const bits: boolean[] = [];
  const inset = cell / 4;
  for (let i = 0; i < MARKER_CELLS; i++) {
    const x0 = Math.floor(i * cell + inset);
    const x1 = Math.max(x0 + 1, Math.floor((i + 1) * cell - inset));
    const y0 = Math.floor(inset);
    const y1 = Math.max(y0 + 1, Math.floor(cell - inset));
    let sum = 0;
    let n = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const o = (y * width + x) * 4;
        sum += 0.299 * (data[o] ?? 0) + 0.587 * (data[o + 1] ?? 0) + 0.114 * (data[o + 2] ?? 0);
        n++;
      }
    }
    bits.push(sum / n >= 128);
  }
  return decodeMarkerBits(bits);
}

/**
 * Recover the full wall-clock time (ms) from a 24-bit marker time, choosing the value nearest to `referenceMs`
 * (e.g. the receiver's own clock). Valid while |reference - capture| < 2^23 ms (~2.3 h).
 */
export function unwrapMarkerTime(ts24: number, referenceMs: number): number {
  const ref = Math.round(referenceMs);
  let t = ref - (((ref % MARKER_TS_MOD) + MARKER_TS_MOD) % MARKER_TS_MOD) + ts24;
  if (t - ref > MARKER_TS_MOD / 2) t -= MARKER_TS_MOD;
  else if (ref - t > MARKER_TS_MOD / 2) t += MARKER_TS_MOD;
  return t;
}
