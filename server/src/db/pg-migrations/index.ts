/**
 * PostgreSQL schema migrations, numbered on their own (SQLite's are ../migrations). Each is one SQL script run in one
 * transaction under the migration lock (../postgres.ts) and recorded in `schema_migrations`. Append only: never edit
 * a migration that has shipped.
 */
import { pg001Commerce } from './001-commerce';
import { pg002Accounts } from './002-accounts';
import { pg003Engagement } from './003-engagement';
import { pg004Realtime } from './004-realtime';
import { pg005Analytics } from './005-analytics';

export interface PgMigration {
  version: number;
  name: string;
  /** SQL run inside the migration's transaction. */
  up: string;
}

export const pgMigrations: readonly PgMigration[] = [pg001Commerce, pg002Accounts, pg003Engagement, pg004Realtime, pg005Analytics];
