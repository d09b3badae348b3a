/** Small value schemas shared by the source kinds and the collection model. */
import { z } from 'zod';

/** Ids of sources, scenes and items: URL-safe, short, stable across saves. */
export const EntityId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid id');
export type EntityId = z.infer<typeof EntityId>;

/** Display name of a source or scene. */
export const DisplayName = z.string().trim().min(1, 'name required').max(80, 'name too long');

/** `#rrggbb` or `#rrggbbaa`. */
export const Color = z.string().regex(/^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, 'colour must be #rrggbb or #rrggbbaa');
export type Color = z.infer<typeof Color>;

/** Where a media file comes from: a remote URL, or a file on the studio machine (Electron / web-host file service). */
export const MediaRef = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url'), url: z.url({ protocol: /^https?$/ }).max(2048) }),
  z.object({ type: z.literal('file'), path: z.string().min(1).max(4096) }),
]);
export type MediaRef = z.infer<typeof MediaRef>;

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/**
 * Nine-way alignment (OBS `OBS_ALIGN_*` combinations, spelled out so an impossible LEFT|RIGHT cannot be stored).
 * For a scene item it names the point of the item that sits at `position` (and that rotation turns about);
 * for bounds it names where the content sits inside the bounds box.
 */
export const Alignment = z.enum(['top_left', 'top', 'top_right', 'left', 'center', 'right', 'bottom_left', 'bottom', 'bottom_right']);
export type Alignment = z.infer<typeof Alignment>;

/** libobs alignment bits (obs-defs.h). CENTER is 0. */
export const OBS_ALIGN = { CENTER: 0, LEFT: 1, RIGHT: 2, TOP: 4, BOTTOM: 8 } as const;

/** Fraction of the width / height at which the alignment point sits (0, ½ or 1). */
export function alignmentFactors(a: Alignment): { fx: number; fy: number } {
  const fx = a.endsWith('left') ? 0 : a.endsWith('right') ? 1 : 0.5;
  const fy = a.startsWith('top') ? 0 : a.startsWith('bottom') ? 1 : 0.5;
  return { fx, fy };
}

export function alignmentToObs(a: Alignment): number {
  const { fx, fy } = alignmentFactors(a);
  return (fx === 0 ? OBS_ALIGN.LEFT : fx === 1 ? OBS_ALIGN.RIGHT : 0) | (fy === 0 ? OBS_ALIGN.TOP : fy === 1 ? OBS_ALIGN.BOTTOM : 0);
}

/** OBS bitmask → alignment. RIGHT wins over LEFT and BOTTOM over TOP, as libobs' `add_alignment` tests them first. */
export function alignmentFromObs(bits: number): Alignment {
  const h = bits & OBS_ALIGN.RIGHT ? 'right' : bits & OBS_ALIGN.LEFT ? 'left' : '';
  const v = bits & OBS_ALIGN.BOTTOM ? 'bottom' : bits & OBS_ALIGN.TOP ? 'top' : '';
  if (h === '' && v === '') return 'center';
  if (v === '') return h as Alignment;
  if (h === '') return v as Alignment;
  return `${v}_${h}` as Alignment;
}
