import type { PgMigration } from './index';

/**
 * The selling data on PostgreSQL, shared by every node: the show event log (append only; `dedupe_key` names an event
 * that several nodes may see, stored once per show), raw viewer events (one row per viewer, batch and seq, whichever
 * nodes a batch reached) and their per-minute roll-up, as SQLite's migrations 007–009 and 013 built them. Shows live
 * with the node's other state, so show ids are plain columns.
 */
export const pg005Analytics: PgMigration = {
  version: 5,
  name: 'analytics',
  up: `
    CREATE TABLE show_event_log (
      show_id      TEXT NOT NULL,
      seq          INTEGER NOT NULL CHECK (seq > 0),
      kind         TEXT NOT NULL,
      at           BIGINT NOT NULL,
      media_time   BIGINT NOT NULL,
      media_clock  TEXT NOT NULL CHECK (media_clock IN ('frame', 'studio', 'server')),
      product_id   TEXT,
      data         JSONB NOT NULL,
      dedupe_key   TEXT,
      PRIMARY KEY (show_id, seq)
    );
    CREATE UNIQUE INDEX show_event_log_key ON show_event_log (show_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
    CREATE FUNCTION show_event_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the show event log is append-only';
      END;
    $$;
    CREATE TRIGGER show_event_log_no_update BEFORE UPDATE ON show_event_log
      FOR EACH ROW EXECUTE FUNCTION show_event_log_append_only();

    CREATE TABLE viewer_events (
      viewer_id   TEXT NOT NULL,
      batch_id    TEXT NOT NULL,
      seq         INTEGER NOT NULL,
      show_id     TEXT NOT NULL,
      mode        TEXT NOT NULL CHECK (mode IN ('live', 'replay')),
      kind        TEXT NOT NULL,
      at          BIGINT NOT NULL,
      product_id  TEXT,
      buyer_id    TEXT,
      PRIMARY KEY (viewer_id, batch_id, seq)
    );
    CREATE INDEX viewer_events_show ON viewer_events (show_id);

    CREATE TABLE show_minutes (
      show_id  TEXT NOT NULL,
      minute   BIGINT NOT NULL,
      mode     TEXT NOT NULL CHECK (mode IN ('live', 'replay', 'engagement')),
      kind     TEXT NOT NULL,
      count    BIGINT NOT NULL CHECK (count >= 0),
      PRIMARY KEY (show_id, minute, mode, kind)
    );
  `,
};
