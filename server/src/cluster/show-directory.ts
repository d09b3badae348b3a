/**
 * Shows across nodes. A show is created on the node its studio talks to and kept in that node's SQLite; behind a load
 * balancer a viewer's chat socket, viewer events and red-packet claims may reach any other node. The node that owns a
 * show writes its record to Redis on every change (`SET storecast:show:<id>`, kept 30 days); a node meeting a show it
 * does not have reads the record (`resolve`) and keeps a copy in its own database (`ShowRepository.keepCopy`: its
 * chat, engagement and analytics rows need the show's row), so every synchronous `shows.get` there sees it. `find`
 * answers from the database and refreshes a copy older than FRESH_MS in the background (a show's end reaches the
 * other nodes within about that).
 */
import { z } from 'zod';
import { ShowInfo } from '../../../shared/domain/show';
import type { ShowLookup, ShowRepository } from '../db/shows';
import type { Logger } from '../log';
import { KEY_PREFIX, type RedisConnection } from './redis';

const TTL_S = 30 * 24 * 3600;
/** How long a copy is used as is before `find` reads the owner's record again (in the background). */
export const FRESH_MS = 2000;
const MAX_TRACKED = 10_000;

const ShowRecord = z.object({ show: ShowInfo, node: z.string().min(1).max(64) });
const keyOf = (showId: string) => `${KEY_PREFIX}show:${showId}`;

export class ClusterShowDirectory implements ShowLookup {
  /** When each copy (or a miss) was last read from Redis. */
  private readonly readAt = new Map<string, number>();
  private readonly reading = new Map<string, Promise<ShowInfo | null>>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly shows: ShowRepository,
    private readonly nodeId: string,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** This node changed one of its own shows: every node may read it now. */
  publish(show: ShowInfo): void {
    const record: z.infer<typeof ShowRecord> = { show, node: this.nodeId };
    this.redis.commands.set(keyOf(show.id), JSON.stringify(record), 'EX', TTL_S).catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message, showId: show.id }, 'cannot share the show record with the cluster');
    });
  }

  find(showId: string): ShowInfo | null {
    const known = this.shows.get(showId);
    if (this.copyIsStale(showId, known)) void this.read(showId);
    return known;
  }

  /** The show from this node's database, or read from the cluster when this node does not have it. Never throws. */
  async resolve(showId: string): Promise<ShowInfo | null> {
    const known = this.shows.get(showId);
    if (known) {
      if (this.copyIsStale(showId, known)) void this.read(showId);
      return known;
    }
    const at = this.readAt.get(showId);
    if (at !== undefined && this.clock() - at < FRESH_MS) return null;
    return this.read(showId);
  }

  /** A copy of another node's show (or a miss) read more than FRESH_MS ago. Own shows are never stale. */
  private copyIsStale(showId: string, known: ShowInfo | null): boolean {
    const at = this.readAt.get(showId);
    if (known && at === undefined && !this.isCopy(showId)) return false;
    return at === undefined || this.clock() - at >= FRESH_MS;
  }

  private isCopy(showId: string): boolean {
    return this.shows.originOf(showId) !== null;
  }

  private read(showId: string): Promise<ShowInfo | null> {
    let pending = this.reading.get(showId);
    if (pending) return pending;
    pending = this.redis.commands
      .get(keyOf(showId))
      .then((text) => {
        const parsed = text ? ShowRecord.safeParse(JSON.parse(text)) : null;
        if (this.readAt.size >= MAX_TRACKED && !this.readAt.has(showId)) this.readAt.delete(this.readAt.keys().next().value as string);
        this.readAt.set(showId, this.clock());
        if (!parsed?.success || parsed.data.node === this.nodeId) return this.shows.get(showId);
        this.shows.keepCopy(parsed.data.show, parsed.data.node);
        return this.shows.get(showId);
      })
      .catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message, showId }, 'cannot read the show record from the cluster');
        return this.shows.get(showId);
      })
      .finally(() => this.reading.delete(showId));
    this.reading.set(showId, pending);
    return pending;
  }
}
