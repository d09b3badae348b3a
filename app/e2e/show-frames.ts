/**
 * The show frames that the frame-sensitive e2e suites run on (frame-synced cards, the live loop's latency check,
 * checkout): the studio's default 16:9 output and the 9:16 portrait one. Each suite gets one stack per frame, so
 * the studio's saved output and canvas from one run cannot leak into the other.
 */
import { DEFAULT_SETTINGS, OUTPUT_PRESETS, type OutputPreset } from '../../shared/protocol/host';

export interface ShowFrame {
  /** For the test name. */
  label: string;
  /** What the studio chooses before going live; undefined keeps its default output (no reframe prompt to answer). */
  output: OutputPreset | undefined;
  width: number;
  height: number;
}

const PORTRAIT: OutputPreset = '720x1280p30';

export const SHOW_FRAMES: readonly ShowFrame[] = [
  { label: '16:9 show', output: undefined, ...OUTPUT_PRESETS[DEFAULT_SETTINGS.output] },
  { label: '9:16 show', output: PORTRAIT, ...OUTPUT_PRESETS[PORTRAIT] },
];

/**
 * Whether a received frame has the show's picture: the show's aspect ratio (within rounding of a simulcast layer or
 * an encoder's resolution step-down), in its orientation.
 */
export function hasShowAspect(frame: ShowFrame, size: { width: number; height: number }): boolean {
  if (size.width <= 0 || size.height <= 0) return false;
  if (size.height > size.width !== frame.height > frame.width) return false;
  return Math.abs(size.width / size.height / (frame.width / frame.height) - 1) < 0.03;
}
