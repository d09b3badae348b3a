/**
 * The shoppable replay of an ended show (and the clips of a live one): `GET /api/replay/:showId` answers a
 * `ReplayManifest` — the recording's playlist, its length, and one chapter per explanation segment of the show event
 * log mapped onto the recording's own timeline (seconds from its start). The viewer page at `/replay/<showId>` plays
 * it with the chapter list and shows each chapter's product card while the playhead is inside it.
 * A chapter's clip (`clipUrl`) is its stretch of the recording cut on segment boundaries (key frames), copied, never
 * re-encoded: `GET /api/replay/:showId/clips/:clipId.mp4`.
 */
import { z } from 'zod';
import { Currency, MinorUnits } from '../domain/money';
import { ShowId, ShowInfo } from '../domain/show';

/** A chapter is named by the log position (`seq`) of the `explain.start` that opened it: stable, one per show. */
export const ClipId = z.coerce.number().int().positive().max(1_000_000_000);
export type ClipId = z.infer<typeof ClipId>;

export const ReplayChapter = z.object({
  clipId: z.number().int().positive(),
  productId: z.string().min(1).max(64),
  name: z.string(),
  priceMinor: MinorUnits,
  currency: Currency,
  /** Seconds on the recording's timeline (0 = its first frame). */
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  /** Server clock of the explanation (ms since the epoch). */
  startedAt: z.number().int(),
  endedAt: z.number().int(),
  /** Still being explained (live show): no end yet, no clip yet. */
  open: z.boolean(),
  /** Product clicks during the explanation (live and replay viewers): highlights are ranked by it. */
  clicks: z.number().int().nonnegative(),
  /** The chapter's clip, once the explanation has ended and its stretch is recorded. */
  clipUrl: z.string().nullable(),
});
export type ReplayChapter = z.infer<typeof ReplayChapter>;

export const ReplayManifest = z.object({
  show: ShowInfo,
  /** The recording (HLS VOD once the show ended; still growing while it is live). */
  playlistUrl: z.string(),
  /** Recording length in seconds (sum of its segments). */
  duration: z.number().nonnegative(),
  /** Oldest first. */
  chapters: z.array(ReplayChapter),
});
export type ReplayManifest = z.infer<typeof ReplayManifest>;

export const ReplayParams = z.object({ showId: ShowId });
export const ClipParams = z.object({ showId: ShowId, clip: z.string().regex(/^\d{1,10}\.mp4$/, 'invalid clip name') });

export const replayApiPath = (showId: string): string => `/api/replay/${encodeURIComponent(showId)}`;
export const clipPath = (showId: string, clipId: number): string => `${replayApiPath(showId)}/clips/${clipId}.mp4`;
export const replayPagePath = (showId: string): string => `/replay/${encodeURIComponent(showId)}`;

/** Chapters ranked as highlights: most product clicks first, then the earlier one. */
export function rankHighlights(chapters: readonly ReplayChapter[]): ReplayChapter[] {
  return [...chapters].sort((a, b) => b.clicks - a.clicks || a.start - b.start);
}

/** The chapter the playhead (seconds) is in: the latest one started at or before it and not yet over. */
export function chapterAt(chapters: readonly ReplayChapter[], time: number): ReplayChapter | null {
  let found: ReplayChapter | null = null;
  for (const c of chapters) if (c.start <= time + 0.05 && time < c.end) found = c;
  return found;
}
