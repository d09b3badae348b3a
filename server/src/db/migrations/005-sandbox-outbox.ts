import type { Migration } from './index';

/**
 * The sandbox provider's outbox: a notification is written in the same transaction that settles its ledger entry and
 * POSTed from there (retried with backoff, resumed after a restart), so a crash between the buyer's approval and the
 * webhook's delivery no longer loses it.
 */
export const m005SandboxOutbox: Migration = {
  version: 5,
  name: 'sandbox-outbox',
  up(db) {
    db.exec(`
      CREATE TABLE sandbox_outbox (
        id               TEXT PRIMARY KEY,
        ref              TEXT NOT NULL REFERENCES sandbox_ledger(ref) ON DELETE CASCADE,
        url              TEXT NOT NULL,
        body             TEXT NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  INTEGER NOT NULL,
        delivered_at     INTEGER,
        gave_up_at       INTEGER,
        last_error       TEXT,
        created_at       INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sandbox_outbox_due ON sandbox_outbox (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
      CREATE INDEX sandbox_outbox_ref ON sandbox_outbox (ref);
    `);
  },
};
