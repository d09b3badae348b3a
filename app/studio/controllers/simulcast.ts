/**
 * Simulcast layers of the program video, chosen for the program frame: three layers at ¼, ½ and full size of the
 * frame in its own orientation (720×1280 → 180×320, 360×640, 720×1280), with bitrates by the frame's pixel count, so
 * a portrait frame gets the same budget as the landscape frame of the same quality.
 */

export interface SimulcastLayer {
  width: number;
  height: number;
  scaleResolutionDownBy: number;
  maxBitrate: number;
  maxFramerate: number;
}

/** Bitrates (bit/s) per layer, low → high, by the full frame's pixel count (up to and including `maxPixels`). */
const LADDERS: { maxPixels: number; bitrates: [number, number, number] }[] = [
  { maxPixels: 1280 * 720, bitrates: [150_000, 500_000, 2_500_000] },
  { maxPixels: Number.POSITIVE_INFINITY, bitrates: [250_000, 800_000, 4_000_000] },
];
const SCALES = [4, 2, 1] as const;

/** Layers low → high (index = spatial layer, matches QUALITY_SPATIAL_LAYER). */
export function simulcastLayers(width: number, height: number, fps = 30): SimulcastLayer[] {
  const pixels = width * height;
  const { bitrates } = LADDERS.find((l) => pixels <= l.maxPixels)!;
  return SCALES.map((scale, i) => ({
    width: Math.floor(width / scale),
    height: Math.floor(height / scale),
    scaleResolutionDownBy: scale,
    maxBitrate: bitrates[i]!,
    maxFramerate: fps,
  }));
}

/** The layers as RTCRtpEncodingParameters for the producer. */
export function simulcastEncodings(width: number, height: number, fps = 30): RTCRtpEncodingParameters[] {
  return simulcastLayers(width, height, fps).map(({ scaleResolutionDownBy, maxBitrate, maxFramerate }) => ({
    scaleResolutionDownBy,
    maxBitrate,
    maxFramerate,
  }));
}
