/**
 * Test helper: one throwaway PostgreSQL cluster per test file, started before its tests and stopped after them, for
 * suites that run on both engines. Where the PostgreSQL binaries are missing the PostgreSQL half is skipped (with a
 * warning naming why) and the SQLite half still runs.
 */
import { afterAll, beforeAll } from 'vitest';
import { pgUnavailable, startTestPostgres, type TestPostgres } from './pg-testing';

export type Engine = 'sqlite' | 'postgres';

export interface PostgresSuite {
  /** Why the PostgreSQL half cannot run here, or null when it can. */
  readonly unavailable: string | null;
  /** The engines to run on, as `describe.each` rows. */
  readonly engines: [Engine][];
  /** A fresh empty database named `<prefix>_<n>` on the file's cluster; returns its URL. */
  createDatabase(prefix: string): Promise<string>;
}

/** Call at the top level of a test file; `what` names the suite in the skip warning. */
export function postgresSuite(what: string): PostgresSuite {
  const unavailable = pgUnavailable();
  if (unavailable) console.warn(`skipping the PostgreSQL half of ${what}: ${unavailable}`);
  let cluster: TestPostgres | null = null;
  let databases = 0;
  beforeAll(async () => {
    if (!unavailable) cluster = await startTestPostgres();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return {
    unavailable,
    engines: unavailable ? [['sqlite']] : [['sqlite'], ['postgres']],
    async createDatabase(prefix) {
      if (!cluster) throw new Error(unavailable ?? 'the test PostgreSQL cluster is not started (call from a test or hook)');
      return cluster.createDatabase(`${prefix}_${++databases}`);
    },
  };
}
