import type { PgMigration } from './index';

/**
 * Engagement on PostgreSQL: giveaways / danmaku lotteries (seed secret until the draw, commitment public from the
 * start, entries, winners) and red packets pre-split into shares, as SQLite's migration 004 built them. Shows live
 * with the node's other state, so show ids are plain columns. One share per claimer and packet is a partial unique
 * index, whichever node the claims come through.
 */
export const pg003Engagement: PgMigration = {
  version: 3,
  name: 'engagement',
  up: `
    CREATE TABLE giveaways (
      id            TEXT PRIMARY KEY,
      show_id       TEXT NOT NULL,
      kind          TEXT NOT NULL CHECK (kind IN ('lucky_bag', 'lottery')),
      prize         TEXT NOT NULL,
      winner_count  INTEGER NOT NULL CHECK (winner_count BETWEEN 1 AND 100),
      eligibility   TEXT NOT NULL CHECK (eligibility IN ('keyword', 'follow')),
      keyword       TEXT,
      seed          TEXT NOT NULL,
      commitment    TEXT NOT NULL,
      status        TEXT NOT NULL CHECK (status IN ('running', 'drawn', 'cancelled')),
      started_at    BIGINT NOT NULL,
      ends_at       BIGINT NOT NULL,
      entries_hash  TEXT,
      drawn_at      BIGINT,
      created_by    TEXT NOT NULL,
      CHECK ((eligibility = 'keyword') = (keyword IS NOT NULL)),
      CHECK ((status = 'running') = (drawn_at IS NULL))
    );
    CREATE INDEX giveaways_show ON giveaways (show_id, started_at);
    CREATE INDEX giveaways_running ON giveaways (ends_at) WHERE status = 'running';

    CREATE TABLE giveaway_entries (
      giveaway_id  TEXT NOT NULL REFERENCES giveaways(id) ON DELETE CASCADE,
      user_key     TEXT NOT NULL,
      public_id    TEXT NOT NULL,
      name         TEXT NOT NULL,
      entered_at   BIGINT NOT NULL,
      PRIMARY KEY (giveaway_id, user_key)
    );

    CREATE TABLE giveaway_winners (
      giveaway_id  TEXT NOT NULL REFERENCES giveaways(id) ON DELETE CASCADE,
      rank         INTEGER NOT NULL,
      user_key     TEXT NOT NULL,
      public_id    TEXT NOT NULL,
      name         TEXT NOT NULL,
      PRIMARY KEY (giveaway_id, rank),
      UNIQUE (giveaway_id, user_key)
    );

    CREATE TABLE red_packets (
      id          TEXT PRIMARY KEY,
      show_id     TEXT NOT NULL,
      amount      BIGINT NOT NULL,
      currency    TEXT NOT NULL,
      count       INTEGER NOT NULL CHECK (count BETWEEN 1 AND 1000),
      note        TEXT NOT NULL,
      status      TEXT NOT NULL CHECK (status IN ('open', 'empty', 'closed')),
      created_at  BIGINT NOT NULL,
      ends_at     BIGINT NOT NULL,
      closed_at   BIGINT,
      created_by  TEXT NOT NULL,
      CHECK (amount >= count)
    );
    CREATE INDEX red_packets_show ON red_packets (show_id, created_at);
    CREATE INDEX red_packets_open ON red_packets (ends_at) WHERE status = 'open';

    CREATE TABLE red_packet_shares (
      packet_id       TEXT NOT NULL REFERENCES red_packets(id) ON DELETE CASCADE,
      idx             INTEGER NOT NULL,
      amount          BIGINT NOT NULL CHECK (amount >= 1),
      claimer_key     TEXT,
      claimer_public  TEXT,
      claimer_name    TEXT,
      claimed_at      BIGINT,
      PRIMARY KEY (packet_id, idx),
      CHECK ((claimer_key IS NULL) = (claimed_at IS NULL))
    );
    CREATE UNIQUE INDEX red_packet_shares_claimer ON red_packet_shares (packet_id, claimer_key) WHERE claimer_key IS NOT NULL;
    CREATE INDEX red_packet_shares_claimer_show ON red_packet_shares (claimer_key) WHERE claimer_key IS NOT NULL;
  `,
};
