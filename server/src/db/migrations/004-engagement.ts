import type { Migration } from './index';

/**
 * Engagement: giveaways / danmaku lotteries (seed kept secret until the draw, commitment published at start, entries,
 * winners), red packets pre-split into shares (one share per claimer, enforced by a partial unique index), and
 * live-only coupons with one claim per buyer whose use is tied to at most one order (released when that order is
 * cancelled or expires unpaid).
 */
export const m004Engagement: Migration = {
  version: 4,
  name: 'engagement',
  up(db) {
    db.exec(`
      CREATE TABLE giveaways (
        id            TEXT PRIMARY KEY,
        show_id       TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        kind          TEXT NOT NULL CHECK (kind IN ('lucky_bag', 'lottery')),
        prize         TEXT NOT NULL,
        winner_count  INTEGER NOT NULL CHECK (winner_count BETWEEN 1 AND 100),
        eligibility   TEXT NOT NULL CHECK (eligibility IN ('keyword', 'follow')),
        keyword       TEXT,
        -- secret until the draw; commitment = hex(SHA-256(seed)) is public from the start
        seed          TEXT NOT NULL,
        commitment    TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('running', 'drawn', 'cancelled')),
        started_at    INTEGER NOT NULL,
        ends_at       INTEGER NOT NULL,
        entries_hash  TEXT,
        drawn_at      INTEGER,
        created_by    TEXT NOT NULL,
        CHECK ((eligibility = 'keyword') = (keyword IS NOT NULL)),
        CHECK ((status = 'running') = (drawn_at IS NULL))
      ) STRICT;
      CREATE INDEX giveaways_show ON giveaways (show_id, started_at);
      CREATE INDEX giveaways_running ON giveaways (ends_at) WHERE status = 'running';

      CREATE TABLE giveaway_entries (
        giveaway_id  TEXT NOT NULL REFERENCES giveaways(id) ON DELETE CASCADE,
        user_key     TEXT NOT NULL,
        public_id    TEXT NOT NULL,
        name         TEXT NOT NULL,
        entered_at   INTEGER NOT NULL,
        PRIMARY KEY (giveaway_id, user_key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE giveaway_winners (
        giveaway_id  TEXT NOT NULL REFERENCES giveaways(id) ON DELETE CASCADE,
        rank         INTEGER NOT NULL,
        user_key     TEXT NOT NULL,
        public_id    TEXT NOT NULL,
        name         TEXT NOT NULL,
        PRIMARY KEY (giveaway_id, rank),
        UNIQUE (giveaway_id, user_key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE red_packets (
        id          TEXT PRIMARY KEY,
        show_id     TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        amount      INTEGER NOT NULL,
        currency    TEXT NOT NULL,
        count       INTEGER NOT NULL CHECK (count BETWEEN 1 AND 1000),
        note        TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('open', 'empty', 'closed')),
        created_at  INTEGER NOT NULL,
        ends_at     INTEGER NOT NULL,
        closed_at   INTEGER,
        created_by  TEXT NOT NULL,
        CHECK (amount >= count)
      ) STRICT;
      CREATE INDEX red_packets_show ON red_packets (show_id, created_at);

      CREATE TABLE red_packet_shares (
        packet_id       TEXT NOT NULL REFERENCES red_packets(id) ON DELETE CASCADE,
        idx             INTEGER NOT NULL,
        amount          INTEGER NOT NULL CHECK (amount >= 1),
        claimer_key     TEXT,
        claimer_public  TEXT,
        claimer_name    TEXT,
        claimed_at      INTEGER,
        PRIMARY KEY (packet_id, idx),
        CHECK ((claimer_key IS NULL) = (claimed_at IS NULL))
      ) STRICT, WITHOUT ROWID;
      -- one share per claimer and packet, whatever the interleaving of requests
      CREATE UNIQUE INDEX red_packet_shares_claimer ON red_packet_shares (packet_id, claimer_key) WHERE claimer_key IS NOT NULL;

      CREATE TABLE coupons (
        id          TEXT PRIMARY KEY,
        show_id     TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        title       TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('amount', 'percent')),
        value       INTEGER NOT NULL CHECK (value >= 1),
        currency    TEXT NOT NULL,
        min_spend   INTEGER CHECK (min_spend IS NULL OR min_spend >= 0),
        quantity    INTEGER CHECK (quantity IS NULL OR quantity >= 1),
        claimed     INTEGER NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL,
        ends_at     INTEGER,
        ended_at    INTEGER,
        created_by  TEXT NOT NULL,
        CHECK (kind <> 'percent' OR value <= 90),
        CHECK (claimed >= 0 AND (quantity IS NULL OR claimed <= quantity))
      ) STRICT;
      CREATE INDEX coupons_show ON coupons (show_id, created_at);

      CREATE TABLE coupon_claims (
        coupon_id   TEXT NOT NULL REFERENCES coupons(id) ON DELETE CASCADE,
        buyer_id    TEXT NOT NULL,
        claimed_at  INTEGER NOT NULL,
        -- the order that used it (null: unused, or its unpaid order was cancelled / expired)
        order_id    TEXT REFERENCES orders(id) ON DELETE SET NULL,
        discount    INTEGER,
        used_at     INTEGER,
        PRIMARY KEY (coupon_id, buyer_id),
        CHECK ((order_id IS NULL) = (used_at IS NULL)),
        CHECK ((order_id IS NULL) = (discount IS NULL))
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX coupon_claims_order ON coupon_claims (order_id) WHERE order_id IS NOT NULL;
      CREATE INDEX coupon_claims_buyer ON coupon_claims (buyer_id, claimed_at);
    `);
  },
};
