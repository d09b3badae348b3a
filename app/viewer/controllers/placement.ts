/**
 * Cluster mode on the viewer page: the server that sent the page marks it (`CLUSTER_ELEMENT_ID`), and the page then
 * asks it where to watch before each connection (`GET /api/shows/:showId/placement`): the answer names the node's
 * signaling URL and the signed token its `viewer.join` presents. A reconnect — the node died, the socket dropped, the
 * node was full — asks again and tells the server to avoid the node just lost (its registry entry outlives a crash
 * by a few seconds), so the viewer is watching elsewhere within the reconnect's backoff. When the node that served
 * the page does not answer at all (it died), the page asks the other nodes the last placement listed, in turn
 * (their origins are in the page's CSP connect-src, and they answer it with CORS).
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
  /** Other nodes' public base URLs, from the last placement. */
  private alternatives: string[] = [];

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
    const path = `${placementPath(this.opts.showId)}${avoid}`;
    // This page's own node first; only when it cannot be reached, the others.
    const bases = ['', ...this.alternatives.filter((b) => b.replace(/\/+$/, '') !== globalThis.location?.origin)];
    for (const base of bases) {
      let res: Response;
      try {
        res = await (this.opts.fetch ?? fetch)(`${base.replace(/\/+$/, '')}${path}`, {
          cache: 'no-store',
          credentials: base ? 'omit' : 'same-origin',
        });
      } catch {
        continue; // unreachable (dead node, network): the next one
      }
      return this.accept(res, base);
    }
    throw new RpcError('UNAVAILABLE', 'no node of the cluster answers right now');
  }

  private async accept(res: Response, base: string): Promise<string> {
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
    // The answering node lists the others; one asked in place of this page's own node is an alternative too.
    if (placement.data.alternatives) this.alternatives = [...new Set([...(base ? [base] : []), ...placement.data.alternatives])];
    return placement.data.wsUrl;
  }
}
