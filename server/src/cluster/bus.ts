/**
 * Node-to-node messaging over Redis pub/sub (shared/protocol/cluster-pipe.ts): typed requests to one node with replies
 * (the shared RpcClient and dispatchRequest, so validation, timeouts and typed errors are the ones every socket
 * has), and a show's event broadcast from its origin to its edges. Every message carries an HMAC with CLUSTER_SECRET
 * over sender and body: a message that fails it is dropped unread.
 *
 * Channels: `rpc:<nodeId>` (requests to the node and replies to its requests), `show:<showId>:events`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import {
  type ClusterMethods,
  type ClusterShowEvents,
  clusterMethods,
  clusterShowEvents,
  NodeMessage,
} from '../../../shared/protocol/cluster-pipe';
import {
  dispatchRequest,
  type Handlers,
  type NotificationMap,
  type ReqOf,
  type ResOf,
  RpcClient,
  RpcError,
} from '../../../shared/protocol/rpc';
import type { Logger } from '../log';
import { KEY_PREFIX, type RedisConnection } from './redis';

export const BUS_REQUEST_TIMEOUT_MS = 5000;

/** Who sent a request (authenticated by the message's MAC). */
export interface BusContext {
  from: string;
}

type ShowEvent = { [K in keyof ClusterShowEvents]: { method: K; data: z.output<ClusterShowEvents[K]> } }[keyof ClusterShowEvents];

/** Replies only: a node's requests get no notifications (show events have their own channel). */
const NO_NOTIFICATIONS: NotificationMap = {};

const rpcChannel = (nodeId: string) => `${KEY_PREFIX}rpc:${nodeId}`;
const showChannel = (showId: string) => `${KEY_PREFIX}show:${showId}:events`;

export class NodeBus {
  private readonly sub: Redis;
  private readonly clients = new Map<string, RpcClient<ClusterMethods, typeof NO_NOTIFICATIONS>>();
  private readonly showListeners = new Map<string, Set<(e: ShowEvent) => void>>();
  private handlers: Handlers<ClusterMethods, BusContext> | null = null;

  constructor(
    private readonly redis: RedisConnection,
    private readonly nodeId: string,
    private readonly secret: string,
    private readonly log: Logger,
  ) {
    this.sub = redis.subscriber();
    this.sub.on('message', (channel: string, text: string) => this.received(channel, text));
  }

  /** Serve requests addressed to this node. */
  async serve(handlers: Handlers<ClusterMethods, BusContext>): Promise<void> {
    this.handlers = handlers;
    await this.sub.subscribe(rpcChannel(this.nodeId));
  }

  request<K extends keyof ClusterMethods & string>(
    nodeId: string,
    method: K,
    data: ReqOf<ClusterMethods, K>,
  ): Promise<ResOf<ClusterMethods, K>> {
    let client = this.clients.get(nodeId);
    if (!client) {
      client = new RpcClient(clusterMethods, NO_NOTIFICATIONS, BUS_REQUEST_TIMEOUT_MS);
      client.attach({ send: (text) => this.send(rpcChannel(nodeId), text) });
      this.clients.set(nodeId, client);
    }
    return client.request(method, data);
  }

  /** Origin → edges: an event of one show. */
  publishShow<K extends keyof ClusterShowEvents & string>(method: K, data: z.input<ClusterShowEvents[K]>): void {
    const d = data as { show?: { id: string }; showId?: string };
    const showId = d.show?.id ?? d.showId ?? '';
    try {
      this.send(showChannel(showId), JSON.stringify({ t: 'ntf', method, data }));
    } catch {
      // Redis away: edges re-pipe when they next hear of the show.
    }
  }

  /** Edge: follow a show's events; returns the unsubscribe. */
  onShow(showId: string, fn: (e: ShowEvent) => void): () => void {
    let set = this.showListeners.get(showId);
    if (!set) {
      set = new Set();
      this.showListeners.set(showId, set);
      this.sub.subscribe(showChannel(showId)).catch(() => undefined);
    }
    set.add(fn);
    return () => {
      const s = this.showListeners.get(showId);
      if (!s?.delete(fn) || s.size > 0) return;
      this.showListeners.delete(showId);
      this.sub.unsubscribe(showChannel(showId)).catch(() => undefined);
    };
  }

  close(): void {
    for (const c of this.clients.values()) c.detach('node shutting down');
    this.clients.clear();
    this.showListeners.clear();
  }

  private mac(from: string, body: string): string {
    return createHmac('sha256', this.secret).update(`${from}\n${body}`).digest('hex');
  }

  /** Throws (synchronously, as a socket's send does) while Redis is away, so the request fails at once. */
  private send(channel: string, body: string): void {
    if (!this.redis.ready) throw new RpcError('UNAVAILABLE', 'cluster registry unreachable');
    const msg: NodeMessage = { from: this.nodeId, body, mac: this.mac(this.nodeId, body) };
    this.redis.commands.publish(channel, JSON.stringify(msg)).catch(() => undefined);
  }

  private received(channel: string, text: string): void {
    let parsed: ReturnType<typeof NodeMessage.safeParse>;
    try {
      parsed = NodeMessage.safeParse(JSON.parse(text));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const { from, body, mac } = parsed.data;
    const expected = Buffer.from(this.mac(from, body), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(mac, 'hex'))) {
      this.log.warn({ from, channel }, 'dropped a cluster message with a bad MAC (wrong CLUSTER_SECRET?)');
      return;
    }
    if (channel === rpcChannel(this.nodeId)) {
      void this.rpc(from, body);
      return;
    }
    const showId = channel.slice(`${KEY_PREFIX}show:`.length, -':events'.length);
    const listeners = this.showListeners.get(showId);
    if (!listeners) return;
    let env: { t?: unknown; method?: unknown; data?: unknown };
    try {
      env = JSON.parse(body);
    } catch {
      return;
    }
    const method = env.method as keyof ClusterShowEvents;
    const schema = env.t === 'ntf' ? clusterShowEvents[method] : undefined;
    const data = schema?.safeParse(env.data);
    if (!data?.success) return;
    for (const fn of listeners) fn({ method, data: data.data } as ShowEvent);
  }

  private async rpc(from: string, body: string): Promise<void> {
    let kind: unknown;
    try {
      kind = (JSON.parse(body) as { t?: unknown } | null)?.t;
    } catch {
      return;
    }
    if (kind === 'res') {
      this.clients.get(from)?.handleMessage(body);
      return;
    }
    if (!this.handlers) return;
    const reply = await dispatchRequest(clusterMethods, this.handlers, body, { from }, { roles: [] }, (err, method) =>
      this.log.error({ err, method, from }, 'cluster request failed'),
    );
    try {
      this.send(rpcChannel(from), JSON.stringify(reply));
    } catch {
      // Redis went away meanwhile: the requester times out.
    }
  }
}
