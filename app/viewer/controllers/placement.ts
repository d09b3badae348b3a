/**
 * Cluster mode on the viewer page: the server that sent the page marks it (`CLUSTER_ELEMENT_ID`), and the page then
 * asks it where to watch before each connection (`GET /api/shows/:showId/placement`): the answer names the node's
 * signaling URL and the signed token its `viewer.join` presents. A reconnect — the node died, the socket dropped, the
 * node was full — asks again and tells the server to avoid the node just lost (its registry entry outlives a crash
 * by a few seconds), so the viewer is watching elsewhere within the reconnect's backoff.
 */
import { CLUSTER_ELEMENT_ID, ClusterMarker, Placement, placementPath } from '../../../shared/protocol/cluster';
import { ErrorCode, RpcError } from '../../../shared/protocol/rpc';

/** The page's cluster marker, or null on a single node. */
export function readClusterMarker(doc: Pick<Document, 'getElementById'> = document): ClusterMarker | null {
  const el = doc.getElementById(CLUSTER_ELEMENT_ID);
  if (!el?.textContent) return null;
  try {
    const parsed = ClusterMarker.safeParse(JSON.parse(el.textContent));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface PlacementOptions {
  showId: string;
  /** Injected for tests. */
  fetch?: typeof fetch;
}

export class PlacementController {
  private current: Placement | null = null;

  constructor(private readonly opts: PlacementOptions) {}

  /** The node the page watches on now (tests and diagnostics). */
  get node(): string | null {
    return this.current?.node ?? null;
  }

  /** The token for the join on the socket `wsUrl()` last returned. */
  token(): string | undefined {
    return this.current?.token;
  }

  /** Ask for a placement; throws RpcError for a typed refusal (NOT_FOUND stops the player, the rest retry). */
  async wsUrl(): Promise<string> {
    const avoid = this.current ? `?avoid=${encodeURIComponent(this.current.node)}` : '';
    const res = await (this.opts.fetch ?? fetch)(`${placementPath(this.opts.showId)}${avoid}`, {
      cache: 'no-store',
      credentials: 'same-origin',
    });
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const code = ErrorCode.safeParse(err?.code);
      throw new RpcError(
        code.success ? code.data : 'UNAVAILABLE',
        typeof err?.message === 'string' ? err.message : `placement failed (${res.status})`,
      );
    }
    const placement = Placement.safeParse(body);
    if (!placement.success) throw new RpcError('UNAVAILABLE', 'malformed placement');
    this.current = placement.data;
    return placement.data.wsUrl;
  }
}
