import { OrderId } from '../../shared/commerce/common';
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

export type ViewerRoute =
  | { page: 'live'; route: RouteResult }
  | { page: 'replay'; showId: ShowId | null }
  | { page: 'orders' }
  | { page: 'order'; orderId: OrderId | null; raw: string };

/**
 * Which viewer page a path is: `/replay/<showId>` (an ended show's replay; an invalid id yields `showId: null`),
 * `/orders` (my orders), `/orders/<orderId>` (one order; an invalid id yields
 * `orderId: null`); `/live/<showId>` and anything else is the live page (validated by parseShowPath).
 */
export function parseViewerPath(pathname: string): ViewerRoute {
  const live = parseShowPath(pathname);
  if (live.ok) return { page: 'live', route: live };
  const parts = pathname.split('/').filter((p) => p.length > 0);
  const replayAt = parts.lastIndexOf('replay');
  if (replayAt >= 0 && replayAt === parts.length - 2) {
    let raw = parts[replayAt + 1]!;
    try {
      raw = decodeURIComponent(raw);
    } catch {
      return { page: 'replay', showId: null };
    }
    const parsed = ShowId.safeParse(raw);
    return { page: 'replay', showId: parsed.success ? parsed.data : null };
  }
  const at = parts.lastIndexOf('orders');
  if (at >= 0 && at === parts.length - 1) return { page: 'orders' };
  if (at >= 0 && at === parts.length - 2) {
    const seg = parts[at + 1]!;
    let raw = seg;
    try {
      raw = decodeURIComponent(seg);
    } catch {
      return { page: 'order', orderId: null, raw: seg };
    }
    const parsed = OrderId.safeParse(raw);
    return { page: 'order', orderId: parsed.success ? parsed.data : null, raw };
  }
  return { page: 'live', route: live };
}

/** The show an order page came from (`?showId=`), validated; null when absent or invalid. */
export function showIdFromQuery(search: string): ShowId | null {
  const raw = new URLSearchParams(search).get('showId');
  const parsed = ShowId.safeParse(raw ?? '');
  return parsed.success ? parsed.data : null;
}

export const ordersPath = (showId?: string | null): string => (showId ? `/orders?showId=${encodeURIComponent(showId)}` : '/orders');
export const orderPath = (orderId: string, showId?: string | null): string =>
  `/orders/${encodeURIComponent(orderId)}${showId ? `?showId=${encodeURIComponent(showId)}` : ''}`;
export const livePath = (showId: string): string => `/live/${encodeURIComponent(showId)}`;
