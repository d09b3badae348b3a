/**
 * Cross-node contracts (cluster mode, `REDIS_URL` set): the node record every node keeps in the Redis registry, the
 * placement a viewer page asks any node for (`GET /api/shows/:showId/placement`), and the marker the live page
 * carries so it knows to ask. Nothing here exists in single-node mode.
 */
import { z } from 'zod';
import { ShowId } from '../domain/show';

/** A node's id (NODE_ID): short, URL- and Redis-key-safe. */
export const NodeId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'node id: 1–64 of A–Z a–z 0–9 _ . -');
export type NodeId = z.infer<typeof NodeId>;

/** What a node carries right now; placement compares nodes by it. */
export const NodeLoad = z.object({
  viewers: z.number().int().min(0),
  /** WebRTC transports open, and how many the node accepts in total (SFU_MAX_TRANSPORTS). */
  transports: z.number().int().min(0),
  maxTransports: z.number().int().min(1),
  /** Process CPU over the last heartbeat interval, 0–1 per core (so up to the core count). */
  cpu: z.number().min(0),
});
export type NodeLoad = z.infer<typeof NodeLoad>;

/** One live node as the registry holds it (refreshed by its heartbeat, gone when the heartbeat stops). */
export const NodeRecord = z.object({
  nodeId: NodeId,
  /** Random per process: tells a restarted node (or an impostor) from the one that holds the id. */
  instance: z.string().min(8).max(64),
  /** http(s) base URL viewers reach the node at (NODE_PUBLIC_URL). */
  publicUrl: z.string().url(),
  /** Its signaling WebSocket URL (derived from publicUrl). */
  wsUrl: z.string().url(),
  load: NodeLoad,
  /** Shows this node carries (origin or edge) — placement prefers them. */
  shows: z.array(ShowId).max(10_000),
  /**
   * Viewers this node seats, per show it carries (shows without viewers left out). A show's audience is the sum over
   * the live nodes' records, so a node that died drops out with its record. Optional: a node of an older release
   * sends none.
   */
  showViewers: z
    .record(ShowId, z.number().int().min(0))
    .refine((r) => Object.keys(r).length <= 10_000, 'at most 10000 shows')
    .optional(),
  /**
   * Pages' realtime sockets (chat and app events) this node holds, per show (shows without sockets left out): a show's
   * online count is the sum over the live nodes' records, like showViewers. Optional, as showViewers.
   */
  showSockets: z
    .record(ShowId, z.number().int().min(0))
    .refine((r) => Object.keys(r).length <= 10_000, 'at most 10000 shows')
    .optional(),
  updatedAt: z.number().int(),
});
export type NodeRecord = z.infer<typeof NodeRecord>;

/**
 * A placement: which node a viewer watches the show on, and the signed token its `viewer.join` must present there.
 * The token binds show, node and expiry (HMAC-SHA256 with CLUSTER_SECRET).
 */
export const Placement = z.object({
  showId: ShowId,
  node: NodeId,
  publicUrl: z.string().url(),
  wsUrl: z.string().url(),
  token: z.string().min(1).max(512),
  expiresAt: z.number().int(),
  /**
   * The other live nodes' public base URLs: a page whose own node died asks one of them for its next placement
   * (their origins are in the page's CSP connect-src, and the placement route answers them with CORS).
   */
  alternatives: z.array(z.string().url()).max(64).optional(),
});
export type Placement = z.infer<typeof Placement>;

/** How long a placement token stays valid: long enough for a slow page to connect, short enough not to be hoarded. */
export const PLACEMENT_TTL_MS = 60_000;

/**
 * Id of the inert JSON element a node in cluster mode embeds in the live viewer page (`ClusterMarker`): the page
 * then asks for a placement before it joins. Absent in single-node mode, where the page joins its own server.
 */
export const CLUSTER_ELEMENT_ID = 'storecast-cluster';
export const ClusterMarker = z.object({ node: NodeId });
export type ClusterMarker = z.infer<typeof ClusterMarker>;

export const placementPath = (showId: string) => `/api/shows/${encodeURIComponent(showId)}/placement`;
