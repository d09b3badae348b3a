/**
 * Staff accounts module: `registerAccounts(app, opts)` mounts the HTTP API (see shared/realtime/accounts.ts) in its own
 * encapsulated scope and returns the Accounts service (principal resolution for other modules, e.g. realtime).
 */
import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { Accounts } from './accounts';
import { accountRoutes } from './routes';

export { Accounts, type Principal } from './accounts';
export { bearerOf, principalOf, sameOrigin } from './routes';

export interface AccountsModuleOptions {
  db: Database;
  studioToken: string;
  /** Holds the first-run setup code while no owner exists. */
  dataDir?: string;
  secureCookies?: boolean;
  clock?: () => number;
}

export async function registerAccounts(app: FastifyInstance, opts: AccountsModuleOptions): Promise<Accounts> {
  const accounts = await Accounts.open({ db: opts.db, studioToken: opts.studioToken, dataDir: opts.dataDir ?? null, clock: opts.clock });
  await app.register(accountRoutes, { accounts, secureCookies: opts.secureCookies ?? false });
  return accounts;
}
