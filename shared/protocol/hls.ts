/**
 * HLS of a live show (the viewer page's fallback when WebRTC is full or cannot connect) and its recording:
 * the URLs the server serves and the show state an HLS viewer polls (it has no signaling join, so no overlay
 * DataChannel: the pinned products come from here).
 */
import { z } from 'zod';
import { ShowInfo } from '../domain/show';
import { OverlayTrigger } from './overlay';

export const hlsPlaylistPath = (showId: string): string => `/hls/${encodeURIComponent(showId)}/index.m3u8`;
/** `viewer`: the page's viewer key; a poll that names it counts the page in the show's audience. */
export const hlsStatePath = (showId: string, viewer?: string): string =>
  `/hls/${encodeURIComponent(showId)}/state.json${viewer ? `?viewer=${encodeURIComponent(viewer)}` : ''}`;

/**
 * A viewer page's random key (one per page load): its HLS polls are counted once per key, and a `viewer.join` that
 * presents it moves the page's count from HLS to WebRTC.
 */
export const HlsViewerKey = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

/** How often an HLS viewer polls the show state. */
export const HLS_STATE_POLL_MS = 2000;

export const HlsShowState = z.object({
  show: ShowInfo,
  /** The currently pinned products (newest first, like `viewer.join`'s overlays). */
  overlays: z.array(OverlayTrigger),
  viewerCount: z.number().int().min(0),
});
export type HlsShowState = z.infer<typeof HlsShowState>;
