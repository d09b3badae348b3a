import { ShowId } from '../../shared/domain/show';

export type RouteResult = { ok: true; showId: ShowId } | { ok: false; reason: 'missing' | 'invalid'; raw: string };

/**
 * Read the show id from the viewer URL path `/live/<showId>` (a trailing slash, a mount prefix such as
 * `/app/live/<id>` and percent-encoding are tolerated). The id is validated with the shared `ShowId` schema.
 */
export function parseShowPath(pathname: string): RouteResult {
  const parts = pathname.split('/').filter((p) => p.length > 0);
  const at = parts.lastIndexOf('live');
  const rawSegment = at >= 0 ? parts[at + 1] : undefined;
  if (rawSegment === undefined || at + 2 !== parts.length) return { ok: false, reason: 'missing', raw: rawSegment ?? '' };
  let raw: string;
  try {
    raw = decodeURIComponent(rawSegment);
  } catch {
    return { ok: false, reason: 'invalid', raw: rawSegment };
  }
  const parsed = ShowId.safeParse(raw);
  return parsed.success ? { ok: true, showId: parsed.data } : { ok: false, reason: 'invalid', raw };
}

/** WebSocket URL of a same-origin path: ws: for http:, wss: for https:. */
export function sameOriginWsUrl(location: { protocol: string; host: string }, path: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}
