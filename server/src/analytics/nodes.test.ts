/**
 * Two servers on one DATABASE_URL (two nodes of a cluster, each with its own data directory): viewer batches posted to
 * either node count in the show's metrics on both, once each, and the questions of the shared realtime store count in
 * the explanation rows.
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShowMetrics } from '../../../shared/analytics/metrics';
import type { SegmentRow } from '../../../shared/analytics/segments';
import type { OverlayTrigger } from '../../../shared/protocol/overlay';
import { postgresSuite } from '../db/pg-suite';
import { openPostgresPool } from '../db/postgres';
import { PgRealtimeStore } from '../realtime/store-postgres';
import { startTestServer, type TestServer } from '../testing/harness';

const suite = postgresSuite('the analytics two-node server test');

const servers: TestServer[] = [];
const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.close();
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

/** Post a viewer's one-event batch; returns the status and the viewer cookie the node set (if any). */
async function post(server: TestServer, showId: string, viewerId: string, at: number, cookie = ''): Promise<[number, string]> {
  const res = await fetch(`${server.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({
      showId,
      viewerId,
      batchId: `batch-${viewerId}`,
      mode: 'live',
      sentAt: at,
      events: [{ seq: 0, kind: 'enter', at }],
    }),
  });
  return [res.status, (res.headers.get('set-cookie') ?? '').split(';')[0]!];
}

async function read<T>(server: TestServer, showId: string, what: string): Promise<T> {
  const res = await fetch(`${server.url}/api/analytics/shows/${showId}/${what}`, {
    headers: { authorization: `Bearer ${server.studioToken}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe.runIf(suite.unavailable === null)('selling data of two servers on one PostgreSQL', { timeout: 90_000 }, () => {
  it('counts both nodes’ viewers once each and the shared queue’s questions', async () => {
    const databaseUrl = await suite.createDatabase('analytics_nodes');
    // The nodes of one shop share the key that signs the viewer cookie.
    const sessionSecret = 'analytics-two-nodes-session-secret-0123456789';
    const a = await startTestServer({ databaseUrl, sessionSecret });
    servers.push(a);
    const b = await startTestServer({ databaseUrl, sessionSecret });
    servers.push(b);
    const now = Date.now();
    const show = a.shows.markLive(a.shows.create('Two-node show', now).id, now);
    b.shows.keepCopy(show, 'node-a');
    const trigger = {
      type: 'product.pin',
      id: 'trig-0001',
      at: now,
      product: { productId: 'p-a', name: 'A', priceMinor: 100, currency: 'CNY' },
    };
    a.analytics.showLog.onOverlay(show.id, trigger as OverlayTrigger);

    expect((await post(a, show.id, 'viewer-on-a', now))[0]).toBe(200);
    const [status, cookie] = await post(b, show.id, 'viewer-on-b', now);
    expect([status, cookie]).toEqual([200, expect.stringMatching(/^sc_viewer=/)]);
    // A page whose batch reached both nodes (a retry through the balancer) is one viewer.
    expect((await post(a, show.id, 'viewer-on-b', now, cookie))[0]).toBe(200);

    // Asked after the pin (during its explanation), through the shared queue.
    const pool = openPostgresPool(databaseUrl, 1);
    pools.push(pool);
    const questions = new PgRealtimeStore(pool);
    const asker = { show_id: show.id, asker_key: 'k', asker_public: 'p', asker_name: 'n', text: 'size?', product_id: null };
    await questions.insertQuestion({ ...asker, id: 'q-1', created_at: Date.now() });
    await questions.insertQuestion({ ...asker, id: 'q-2', created_at: Date.now() });
    await questions.answer('q-1', 'M', { id: 'staff-1', name: 'Staff', role: 'moderator' }, 'public', Date.now());

    for (const node of [a, b]) {
      const m = await read<ShowMetrics>(node, show.id, 'metrics');
      expect(m.live.views).toBe(2);
    }
    const { segments } = await read<{ segments: SegmentRow[] }>(b, show.id, 'segments');
    expect(segments.map((s) => [s.productId, s.questionsAsked, s.questionsAnswered])).toEqual([['p-a', 2, 1]]);
  });
});
