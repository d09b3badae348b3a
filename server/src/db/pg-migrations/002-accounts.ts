import type { PgMigration } from './index';

/**
 * Staff accounts on PostgreSQL (SQLite's migration 003 built them in the node's file): accounts, their login sessions
 * (SHA-256 of the bearer token) and one-time moderator invites. Times are epoch milliseconds.
 */
export const pg002Accounts: PgMigration = {
  version: 2,
  name: 'accounts',
  up: `
    CREATE TABLE accounts (
      id             TEXT PRIMARY KEY,
      name           TEXT NOT NULL,
      name_key       TEXT NOT NULL UNIQUE,
      role           TEXT NOT NULL CHECK (role IN ('owner', 'moderator')),
      password_hash  TEXT NOT NULL,
      created_at     BIGINT NOT NULL,
      disabled_at    BIGINT
    );

    CREATE TABLE auth_sessions (
      token_hash  TEXT PRIMARY KEY,
      account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      created_at  BIGINT NOT NULL,
      expires_at  BIGINT NOT NULL
    );
    CREATE INDEX auth_sessions_account ON auth_sessions (account_id);
    CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);

    CREATE TABLE account_invites (
      code_hash   TEXT PRIMARY KEY,
      role        TEXT NOT NULL CHECK (role IN ('moderator')),
      created_by  TEXT NOT NULL,
      created_at  BIGINT NOT NULL,
      expires_at  BIGINT NOT NULL,
      used_at     BIGINT,
      used_by     TEXT REFERENCES accounts(id) ON DELETE SET NULL
    );
  `,
};
