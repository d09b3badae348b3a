/** Studio settings of the host contract (shared/protocol/host.ts): UI locale, output presets, `StudioSettings`. */
import { z } from 'zod';
import { ShowId } from '../../domain/show';

export const Locale = z.enum(['zh-CN', 'en']);
export type Locale = z.infer<typeof Locale>;

/**
 * The UI locale for a list of preferred languages, best first (BCP 47 `zh-Hans-CN`, `en-US`, or POSIX `zh_CN.UTF-8`):
 * the first Chinese or English one wins; zh-CN when none is either.
 */
export function localeFor(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const l = lang.toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

/** Program output: 16:9 or 9:16 (portrait, phones held upright) at 720p or 1080p. */
export const OutputPreset = z.enum(['720p30', '1080p30', '720x1280p30', '1080x1920p30']);
export type OutputPreset = z.infer<typeof OutputPreset>;
export const OUTPUT_PRESETS: Record<OutputPreset, { width: number; height: number; fps: number }> = {
  '720p30': { width: 1280, height: 720, fps: 30 },
  '1080p30': { width: 1920, height: 1080, fps: 30 },
  '720x1280p30': { width: 720, height: 1280, fps: 30 },
  '1080x1920p30': { width: 1080, height: 1920, fps: 30 },
};
/** The same quality in the other orientation. */
const TURNED: Record<OutputPreset, OutputPreset> = {
  '720p30': '720x1280p30',
  '1080p30': '1080x1920p30',
  '720x1280p30': '720p30',
  '1080x1920p30': '1080p30',
};
const LONGEST_SIDE = 3840;

/**
 * The preset the program is sent at: the chosen quality in the orientation of the scene collection's canvas (the
 * frame belongs to the collection; undoing a frame change turns the output back with it).
 */
export function effectivePreset(preset: OutputPreset, canvas: { width: number; height: number }): OutputPreset {
  const p = OUTPUT_PRESETS[preset];
  return p.height > p.width === canvas.height > canvas.width ? preset : TURNED[preset];
}

/**
 * Program frame size: the preset's short side, the canvas's aspect ratio (even sizes, long side capped), so a
 * 16:9 canvas gives exactly the 16:9 preset and a 9:16 canvas the portrait one.
 */
export function programFrame(
  preset: OutputPreset,
  canvas: { width: number; height: number },
): { width: number; height: number; fps: number } {
  const p = OUTPUT_PRESETS[preset];
  const short = Math.min(p.width, p.height);
  const portrait = canvas.height > canvas.width;
  const aspect = Math.max(canvas.width, canvas.height) / Math.min(canvas.width, canvas.height);
  const long = Math.min(LONGEST_SIDE, Math.max(short, Math.round((short * aspect) / 2) * 2));
  return portrait ? { width: short, height: long, fps: p.fps } : { width: long, height: short, fps: p.fps };
}

export const StudioSettings = z.object({
  locale: Locale,
  output: OutputPreset,
  cameraId: z.string().max(256).nullable(),
  micId: z.string().max(256).nullable(),
  showTitle: z.string().max(120),
  /** Text layer drawn over the camera (shop name, slogan). */
  overlayText: z.string().max(120),
  /** Logo layer: a data: URL of a small image chosen by the streamer, or null. */
  logoDataUrl: z
    .string()
    .max(512 * 1024)
    .nullable(),
  /** Last show opened, so a studio restart can resume it. */
  lastShowId: ShowId.nullable(),
  /** Server to publish to. null = the local server started with the studio. */
  serverUrl: z.string().url().nullable(),
  /** Studio token for a remote server (the local one is read from its data dir). */
  studioToken: z.string().max(256).nullable(),
});
export type StudioSettings = z.infer<typeof StudioSettings>;

export const DEFAULT_SETTINGS: StudioSettings = {
  locale: 'zh-CN',
  output: '720p30',
  cameraId: null,
  micId: null,
  showTitle: '',
  overlayText: '',
  logoDataUrl: null,
  lastShowId: null,
  serverUrl: null,
  studioToken: null,
};
