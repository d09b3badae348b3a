import type { Migration } from './index';

/**
 * Staff accounts (owner + invited moderators, scrypt password hashes, login sessions, one-time invites) and the
 * realtime interaction state: per-show room settings and like totals, follows, the question queue, canned replies,
 * bans (by identity and device id), timed mutes, filter settings and the moderation audit log.
 * Secrets (session tokens, invite codes) are stored as SHA-256 hashes only.
 */
export const m003Realtime: Migration = {
  version: 3,
  name: 'realtime',
  up(db) {
    db.exec(`
      CREATE TABLE accounts (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        name_key       TEXT NOT NULL UNIQUE,
        role           TEXT NOT NULL CHECK (role IN ('owner', 'moderator')),
        password_hash  TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        disabled_at    INTEGER
      ) STRICT;

      CREATE TABLE auth_sessions (
        token_hash  TEXT PRIMARY KEY,
        account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX auth_sessions_account ON auth_sessions (account_id);

      CREATE TABLE account_invites (
        code_hash   TEXT PRIMARY KEY,
        role        TEXT NOT NULL CHECK (role IN ('moderator')),
        created_by  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        used_at     INTEGER,
        used_by     TEXT REFERENCES accounts(id) ON DELETE SET NULL
      ) STRICT;

      CREATE TABLE realtime_settings (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE realtime_rooms (
        show_id          TEXT PRIMARY KEY REFERENCES shows(id) ON DELETE CASCADE,
        likes            INTEGER NOT NULL DEFAULT 0 CHECK (likes >= 0),
        slow_mode_s      INTEGER NOT NULL DEFAULT 0 CHECK (slow_mode_s >= 0),
        announcement     TEXT,
        announcement_by  TEXT,
        announcement_at  INTEGER,
        pinned_answer    TEXT
      ) STRICT;

      CREATE TABLE realtime_follows (
        user_key    TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE realtime_questions (
        id               TEXT PRIMARY KEY,
        show_id          TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        asker_key        TEXT NOT NULL,
        asker_public     TEXT NOT NULL,
        asker_name       TEXT NOT NULL,
        text             TEXT NOT NULL,
        product_id       TEXT,
        status           TEXT NOT NULL CHECK (status IN ('unanswered', 'claimed', 'answered')),
        claimed_by       TEXT,
        claimed_by_name  TEXT,
        claimed_at       INTEGER,
        answer           TEXT,
        answered_by      TEXT,
        visibility       TEXT CHECK (visibility IS NULL OR visibility IN ('public', 'private')),
        created_at       INTEGER NOT NULL,
        answered_at      INTEGER,
        CHECK ((status = 'claimed') = (claimed_by IS NOT NULL)),
        CHECK ((status = 'answered') = (answer IS NOT NULL))
      ) STRICT;
      CREATE INDEX realtime_questions_show ON realtime_questions (show_id, status, created_at);

      CREATE TABLE realtime_canned (
        id          TEXT PRIMARY KEY,
        title       TEXT NOT NULL,
        text        TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE realtime_bans (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        public_id   TEXT NOT NULL,
        name        TEXT NOT NULL,
        reason      TEXT,
        created_by  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        lifted_at   INTEGER,
        lifted_by   TEXT
      ) STRICT;
      CREATE INDEX realtime_bans_public ON realtime_bans (public_id);

      CREATE TABLE realtime_ban_keys (
        ban_id  INTEGER NOT NULL REFERENCES realtime_bans(id) ON DELETE CASCADE,
        kind    TEXT NOT NULL CHECK (kind IN ('user', 'device')),
        value   TEXT NOT NULL,
        PRIMARY KEY (ban_id, kind, value)
      ) STRICT;
      CREATE INDEX realtime_ban_keys_value ON realtime_ban_keys (kind, value);

      CREATE TABLE realtime_mutes (
        show_id  TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        kind     TEXT NOT NULL CHECK (kind IN ('user', 'device')),
        value    TEXT NOT NULL,
        until    INTEGER NOT NULL,
        PRIMARY KEY (show_id, kind, value)
      ) STRICT;

      CREATE TABLE realtime_audit (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        show_id     TEXT,
        actor_id    TEXT NOT NULL,
        actor_name  TEXT NOT NULL,
        actor_role  TEXT NOT NULL,
        action      TEXT NOT NULL,
        target      TEXT,
        reason      TEXT,
        detail      TEXT,
        created_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX realtime_audit_show ON realtime_audit (show_id, id);
    `);
  },
};
