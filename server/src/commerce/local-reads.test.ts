/**
 * The synchronous catalog reads (suggested answers, analytics) work on both engines: on PostgreSQL from a copy of the
 * catalog that follows this node's changes, so answer suggestions get the catalog's facts there too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ShowRepository } from '../db/shows';
import { postgresSuite } from '../db/pg-suite';
import { migratePostgres, openPostgresPool } from '../db/postgres';
import { catalogForSuggestions } from '../realtime/catalog';
import { createPostgresStore } from './store/postgres/index';
import { type Harness, startHarness } from './testing';

const suite = postgresSuite('the local catalog read tests');

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function harnessOn(engine: 'sqlite' | 'postgres'): Promise<Harness> {
  if (engine === 'sqlite') return startHarness();
  const pool = openPostgresPool(await suite.createDatabase('reads'), 4);
  await migratePostgres(pool);
  return startHarness({
    storeFor: (db) => {
      const shows = new ShowRepository(db);
      return createPostgresStore(pool, { status: (id) => shows.get(id)?.status ?? null });
    },
  });
}

const engines = suite.engines;

describe.each(engines)('local catalog reads on %s', { timeout: 60_000 }, (engine) => {
  it('give suggested answers the catalog’s facts and follow its changes', async () => {
    const harness = await harnessOn(engine);
    h = harness;
    const created = await harness.studio('/api/studio/products', {
      method: 'POST',
      body: JSON.stringify({
        title: 'Thermos',
        currency: 'CNY',
        faq: [{ q: 'How long does it keep tea hot?', a: 'Twelve hours.' }],
        defaults: { listPriceMinor: 20000, livePriceMinor: 15000, stock: 5 },
      }),
    });
    expect(created.status).toBe(201);
    const p = (await created.json()) as { id: string; skus: { id: string }[] };
    const catalog = catalogForSuggestions(harness.core.localReads);
    await until(() => catalog.product(p.id) !== null);
    expect(catalog.product(p.id)).toMatchObject({
      title: 'Thermos',
      faq: [{ q: 'How long does it keep tea hot?', a: 'Twelve hours.' }],
      skus: [expect.objectContaining({ priceMinor: 15000, available: 5 })],
    });

    const patched = await harness.studio(`/api/studio/skus/${p.skus[0]!.id}`, { method: 'PATCH', body: JSON.stringify({ stock: 2 }) });
    expect(patched.status).toBe(200);
    await until(() => catalog.product(p.id)?.skus[0]?.available === 2);

    const show = new ShowRepository(harness.db).create('Tea time', harness.now());
    const lineup = await harness.studio(`/api/studio/shows/${show.id}/lineup`, {
      method: 'PUT',
      body: JSON.stringify({ productIds: [p.id] }),
    });
    expect(lineup.status).toBe(200);
    await until(() => harness.core.localReads.lineupIds(show.id).length === 1);
    expect(catalog.showProducts(show.id).map((x) => x.id)).toEqual([p.id]);
  });
});
