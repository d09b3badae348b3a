/**
 * HLS of a live show (the viewer page's fallback when WebRTC is full or cannot connect) and its recording:
 * the URLs the server serves and the show state an HLS viewer polls (it has no signaling join, so no overlay
 * DataChannel: the pinned products come from here).
 */
import { z } from 'zod';
import { ShowInfo } from '../domain/show';
import { OverlayTrigger } from './overlay';

export const hlsPlaylistPath = (showId: string): string => `/hls/${encodeURIComponent(showId)}/index.m3u8`;
export const hlsStatePath = (showId: string): string => `/hls/${encodeURIComponent(showId)}/state.json`;

/** How often an HLS viewer polls the show state. */
export const HLS_STATE_POLL_MS = 2000;

export const HlsShowState = z.object({
  show: ShowInfo,
  /** The currently pinned products (newest first, like `viewer.join`'s overlays). */
  overlays: z.array(OverlayTrigger),
  viewerCount: z.number().int().min(0),
});
export type HlsShowState = z.infer<typeof HlsShowState>;
