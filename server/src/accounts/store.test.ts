/**
 * Staff accounts on both engines, as two nodes see them: two Accounts services on one store (SQLite: the node's
 * file; PostgreSQL: one database, a pool per node). A sign-in on one node counts on the other, logging out or
 * disabling on one ends it on both, the first owner and an invite are made once even when both nodes try at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../../shared/protocol/rpc';
import { readSetupCode } from '../auth/setup-code';
import { openDatabase } from '../db/database';
import { postgresSuite } from '../db/pg-suite';
import { openPostgresPool, postgresSchemaVersion } from '../db/postgres';
import { pgMigrations } from '../db/pg-migrations/index';
import { Accounts } from './accounts';
import { type AccountsStore, SqliteAccountsStore } from './store';
import { openPostgresAccountsStore } from './store-postgres';

const STUDIO_TOKEN = 'studio-token-for-the-accounts-contract';
const suite = postgresSuite('the accounts contract');

interface TwoNodes {
  a: Accounts;
  b: Accounts;
  /** Node i's store (for more services on the same nodes). */
  store(i: number): AccountsStore;
  close(): Promise<void>;
}

const engines: Array<{ name: string; skip: boolean; start: () => Promise<TwoNodes> }> = [
  {
    name: 'sqlite',
    skip: false,
    async start() {
      const dir = mkdtempSync(join(tmpdir(), 'storecast-accounts-'));
      const db = openDatabase(join(dir, 'storecast.db'));
      const stores = [new SqliteAccountsStore(db), new SqliteAccountsStore(db)];
      const a = await Accounts.open({ store: stores[0], studioToken: STUDIO_TOKEN });
      const b = await Accounts.open({ store: stores[1], studioToken: STUDIO_TOKEN });
      return {
        a,
        b,
        store: (i) => stores[i]!,
        async close() {
          db.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: suite.unavailable !== null,
    async start() {
      const url = await suite.createDatabase('accounts');
      // Both nodes start at once: the migration lock makes one of them create the tables.
      const [sa, sb] = await Promise.all([openPostgresAccountsStore(url), openPostgresAccountsStore(url)]);
      const a = await Accounts.open({ store: sa, studioToken: STUDIO_TOKEN });
      const b = await Accounts.open({ store: sb, studioToken: STUDIO_TOKEN });
      return {
        a,
        b,
        store: (i) => [sa, sb][i]!,
        async close() {
          await Promise.all([a.close(), b.close()]);
        },
      };
    },
  },
];

const codeOf = (err: unknown) => (err instanceof RpcError ? err.code : String(err));

describe.each(engines)('staff accounts contract: $name', { timeout: 60_000 }, ({ skip, start }) => {
  let nodes: TwoNodes | null = null;
  afterEach(async () => {
    await nodes?.close();
    nodes = null;
  });

  it.skipIf(skip)('a sign-in on one node counts on the other; logging out on either ends it', async () => {
    nodes = await start();
    const { a, b } = nodes;
    expect(await b.needsSetup()).toBe(true);
    const owner = await a.setup('Owner', 'owner-password-1', { kind: 'studio' });
    expect(await b.needsSetup()).toBe(false);
    expect(await b.resolveToken(owner.token)).toMatchObject({ kind: 'account', id: owner.account.id, role: 'owner' });
    const again = await b.login('owner', 'owner-password-1', '10.0.0.1');
    expect(await a.resolveToken(again.token)).toMatchObject({ id: owner.account.id });
    await b.logout(owner.token);
    expect(await a.resolveToken(owner.token)).toBeNull();
    expect(await a.resolveToken(again.token)).not.toBeNull();
    expect(await b.resolveToken(STUDIO_TOKEN)).toMatchObject({ kind: 'studio', role: 'owner' });
    expect(await b.resolveToken('x'.repeat(40))).toBeNull();
  });

  it('makes one owner when both nodes finish first-run setup at once, each with its own setup code', async () => {
    if (skip) return;
    nodes = await start();
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'storecast-setup-')));
    try {
      // Each node keeps its own one-time code in its data dir while no owner exists.
      const [a, b] = await Promise.all(
        dirs.map((dataDir, i) => Accounts.open({ store: nodes!.store(i), studioToken: STUDIO_TOKEN, dataDir })),
      );
      const [codeA, codeB] = dirs.map((d) => readSetupCode(d));
      expect(codeA && codeB && codeA !== codeB).toBeTruthy();
      const results = await Promise.allSettled([
        a!.setup('Ana', 'password-ana-1', { kind: 'code', code: codeA!, clientKey: '10.0.0.1' }),
        b!.setup('Bob', 'password-bob-1', { kind: 'code', code: codeB!, clientKey: '10.0.0.2' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(codeOf((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toBe('CONFLICT');
      expect((await a!.list()).filter((x) => x.role === 'owner')).toHaveLength(1);
      // The winner's name is taken on either node, whatever its case.
      const winner = (await a!.list())[0]!.name;
      await expect(nodes.b.setup(winner.toUpperCase(), 'password-x-3', { kind: 'studio' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(nodes.a.setup(` ${winner.toLowerCase()}`, 'password-x-4', { kind: 'studio' })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });

  it('lets exactly one of many simultaneous "first owner" writes through, across both nodes', async () => {
    if (skip) return;
    nodes = await start();
    const row = (i: number) => ({
      id: `a_race_${i}`,
      name: `Owner ${i}`,
      name_key: `owner ${i}`,
      role: 'owner' as const,
      password_hash: 'x',
      created_at: i,
      disabled_at: null,
    });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => nodes!.store(i % 2).insertOwner(row(i), true)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(new Set(results.flatMap((r) => (r.status === 'rejected' ? [codeOf(r.reason)] : [])))).toEqual(new Set(['CONFLICT']));
    expect(await nodes.store(1).enabledOwners()).toBe(1);
  });

  it('spends an invite once when two nodes redeem it at the same moment; disabling ends every session', async () => {
    if (skip) return;
    nodes = await start();
    const { a, b } = nodes;
    const owner = await a.setup('Owner', 'owner-password-1', { kind: 'studio' });
    const ownerP = (await a.resolveToken(owner.token))!;
    const invite = await a.createInvite(ownerP, 24);
    const results = await Promise.allSettled([
      a.accept(invite.code, 'Mod One', 'mod-password-1'),
      b.accept(invite.code, 'Mod Two', 'mod-password-2'),
    ]);
    const won = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<Accounts['accept']>>> => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(codeOf((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toBe('NOT_FOUND');
    expect((await b.list()).map((x) => x.role).sort()).toEqual(['moderator', 'owner']);
    const mod = won[0]!.value;
    expect(await b.resolveToken(mod.token)).toMatchObject({ role: 'moderator' });
    await b.disable((await b.resolveToken(owner.token))!, mod.account.id);
    expect(await a.resolveToken(mod.token)).toBeNull();
    await expect(a.login('Mod One', 'mod-password-1', '10.0.0.3')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await a.account(mod.account.id))?.disabled).toBe(true);
  });
});

it.skipIf(suite.unavailable !== null)('records the accounts migration on PostgreSQL', async () => {
  const url = await suite.createDatabase('accounts');
  const store = await openPostgresAccountsStore(url);
  const pool = openPostgresPool(url, 1);
  try {
    expect(await postgresSchemaVersion(pool)).toBe(pgMigrations.length);
    expect(pgMigrations.find((m) => m.name === 'accounts')).toBeDefined();
  } finally {
    await pool.end();
    await store.close();
  }
});
