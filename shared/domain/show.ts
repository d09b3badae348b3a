import { z } from 'zod';

/** Show ids are URL-safe: they appear in the viewer URL `/live/<showId>`. */
export const ShowId = z.string().regex(/^[A-Za-z0-9_-]{6,40}$/, 'invalid show id');
export type ShowId = z.infer<typeof ShowId>;

/** ready = opened by the studio, not yet live ("not started" for viewers). */
export const ShowStatus = z.enum(['ready', 'live', 'ended']);
export type ShowStatus = z.infer<typeof ShowStatus>;

export const ShowInfo = z.object({
  id: ShowId,
  title: z.string(),
  status: ShowStatus,
  createdAt: z.number().int(),
  startedAt: z.number().int().nullable(),
  endedAt: z.number().int().nullable(),
});
export type ShowInfo = z.infer<typeof ShowInfo>;

export const ShowTitle = z.string().trim().min(1, 'title required').max(120, 'title too long');

/** Viewer quality choice. auto = follow the bandwidth estimate. */
export const Quality = z.enum(['auto', 'high', 'medium', 'low']);
export type Quality = z.infer<typeof Quality>;

/** Simulcast layer index for each pinned quality (layers are encoded low → high). */
export const QUALITY_SPATIAL_LAYER: Record<Exclude<Quality, 'auto'>, number> = { low: 0, medium: 1, high: 2 };
