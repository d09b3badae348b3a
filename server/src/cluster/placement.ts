/**
 * Placement: which node a viewer of a show should watch on (pure; the registry supplies the nodes), and the signed
 * token that lets the viewer join there. Nodes already carrying the show come first (their pipe from the origin
 * exists), nodes over the load threshold are skipped, and among the rest the least loaded wins.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NodeLoad, NodeRecord } from '../../../shared/protocol/cluster';
import { RpcError } from '../../../shared/protocol/rpc';

/** A node at this share of its transport cap, or this CPU (per core, of the one-process SFU), takes no new viewers. */
export const LOAD_THRESHOLD = 0.9;
export const CPU_THRESHOLD = 0.9;

/** 0…1+: how full a node is (the larger of transports and CPU). */
export function loadOf(load: NodeLoad): number {
  return Math.max(load.transports / load.maxTransports, load.cpu);
}

export function overloaded(load: NodeLoad): boolean {
  return load.transports >= load.maxTransports * LOAD_THRESHOLD || load.cpu >= CPU_THRESHOLD;
}

/**
 * The node for a new viewer of `showId`, or null when every node is over the threshold. A tie goes to the node id
 * that sorts first, so concurrent placements agree.
 */
export function choosePlacement(nodes: readonly NodeRecord[], showId: string): NodeRecord | null {
  const open = nodes.filter((n) => !overloaded(n.load));
  const carrying = open.filter((n) => n.shows.includes(showId));
  const pool = carrying.length > 0 ? carrying : open;
  let best: NodeRecord | null = null;
  for (const n of pool) {
    if (!best) best = n;
    else {
      const d = loadOf(n.load) - loadOf(best.load);
      if (d < 0 || (d === 0 && n.nodeId < best.nodeId)) best = n;
    }
  }
  return best;
}

// ---- tokens ----------------------------------------------------------------------------------------------------

function mac(secret: string, showId: string, nodeId: string, expiresAt: number): Buffer {
  return createHmac('sha256', secret).update(`storecast-placement\n${showId}\n${nodeId}\n${expiresAt}`).digest();
}

/** `<expiresAt>.<base64url HMAC-SHA256(secret, showId, nodeId, expiresAt)>`. */
export function signPlacement(secret: string, showId: string, nodeId: string, expiresAt: number): string {
  return `${expiresAt}.${mac(secret, showId, nodeId, expiresAt).toString('base64url')}`;
}

/**
 * Check a viewer's placement token for joining `showId` on node `nodeId`; throws a typed RpcError (the client's
 * mistake: UNAUTHORIZED for a forged, expired or other node's token, BAD_REQUEST for one that is not a token).
 */
export function verifyPlacement(secret: string, token: string | undefined, showId: string, nodeId: string, now = Date.now()): void {
  if (!token) throw new RpcError('UNAUTHORIZED', 'this server is part of a cluster: ask for a placement first (placement token missing)');
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) throw new RpcError('BAD_REQUEST', 'malformed placement token');
  const expiresAt = Number(m[1]);
  const given = Buffer.from(m[2]!, 'base64url');
  const expected = mac(secret, showId, nodeId, expiresAt);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new RpcError('UNAUTHORIZED', 'placement token is not valid for this show on this node; ask for a placement again');
  }
  if (expiresAt <= now) throw new RpcError('UNAUTHORIZED', 'placement token expired; ask for a placement again');
}
