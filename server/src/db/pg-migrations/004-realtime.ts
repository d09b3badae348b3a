import type { PgMigration } from './index';

/**
 * The realtime module on PostgreSQL, as SQLite's migrations 003, 010 and 011 built it: per-show room settings and
 * like totals, follows, the question queue, canned replies, bans (by identity and device), timed mutes, filter
 * settings and the moderation audit log. Shows live in each node's own file, so show ids are plain columns.
 */
export const pg004Realtime: PgMigration = {
  version: 4,
  name: 'realtime',
  up: `
    CREATE TABLE realtime_settings (
      key    TEXT PRIMARY KEY,
      value  TEXT NOT NULL
    );

    CREATE TABLE realtime_rooms (
      show_id          TEXT PRIMARY KEY,
      likes            BIGINT NOT NULL DEFAULT 0 CHECK (likes >= 0),
      slow_mode_s      INTEGER NOT NULL DEFAULT 0 CHECK (slow_mode_s >= 0),
      announcement     TEXT,
      announcement_by  TEXT,
      announcement_at  BIGINT,
      pinned_answer    TEXT,
      auto_reply       TEXT NOT NULL DEFAULT 'off' CHECK (auto_reply IN ('off', 'public', 'private'))
    );

    CREATE TABLE realtime_follows (
      user_key    TEXT PRIMARY KEY,
      name        TEXT NOT NULL,
      created_at  BIGINT NOT NULL
    );

    CREATE TABLE realtime_questions (
      id               TEXT PRIMARY KEY,
      show_id          TEXT NOT NULL,
      asker_key        TEXT NOT NULL,
      asker_public     TEXT NOT NULL,
      asker_name       TEXT NOT NULL,
      text             TEXT NOT NULL,
      product_id       TEXT,
      status           TEXT NOT NULL CHECK (status IN ('unanswered', 'claimed', 'answered')),
      claimed_by       TEXT,
      claimed_by_name  TEXT,
      claimed_at       BIGINT,
      answer           TEXT,
      answered_by      TEXT,
      visibility       TEXT CHECK (visibility IS NULL OR visibility IN ('public', 'private')),
      created_at       BIGINT NOT NULL,
      answered_at      BIGINT,
      answered_auto    INTEGER NOT NULL DEFAULT 0 CHECK (answered_auto IN (0, 1)),
      CHECK ((status = 'claimed') = (claimed_by IS NOT NULL)),
      CHECK ((status = 'answered') = (answer IS NOT NULL))
    );
    CREATE INDEX realtime_questions_show ON realtime_questions (show_id, status, created_at);
    CREATE INDEX realtime_questions_asker ON realtime_questions (asker_public, created_at);

    CREATE TABLE realtime_canned (
      id          TEXT PRIMARY KEY,
      title       TEXT NOT NULL,
      text        TEXT NOT NULL,
      created_by  TEXT NOT NULL,
      updated_at  BIGINT NOT NULL
    );

    CREATE TABLE realtime_bans (
      id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      public_id   TEXT NOT NULL,
      name        TEXT NOT NULL,
      reason      TEXT,
      created_by  TEXT NOT NULL,
      created_at  BIGINT NOT NULL,
      lifted_at   BIGINT,
      lifted_by   TEXT
    );
    CREATE INDEX realtime_bans_public ON realtime_bans (public_id);

    CREATE TABLE realtime_ban_keys (
      ban_id  BIGINT NOT NULL REFERENCES realtime_bans(id) ON DELETE CASCADE,
      kind    TEXT NOT NULL CHECK (kind IN ('user', 'device')),
      value   TEXT NOT NULL,
      PRIMARY KEY (ban_id, kind, value)
    );
    CREATE INDEX realtime_ban_keys_value ON realtime_ban_keys (kind, value);

    CREATE TABLE realtime_mutes (
      show_id  TEXT NOT NULL,
      kind     TEXT NOT NULL CHECK (kind IN ('user', 'device')),
      value    TEXT NOT NULL,
      until    BIGINT NOT NULL,
      PRIMARY KEY (show_id, kind, value)
    );

    CREATE TABLE realtime_audit (
      id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      show_id     TEXT,
      actor_id    TEXT NOT NULL,
      actor_name  TEXT NOT NULL,
      actor_role  TEXT NOT NULL,
      action      TEXT NOT NULL,
      target      TEXT,
      reason      TEXT,
      detail      TEXT,
      created_at  BIGINT NOT NULL
    );
    CREATE INDEX realtime_audit_show ON realtime_audit (show_id, id);
  `,
};
