import type { PgMigration } from './index';

/**
 * The commerce schema on PostgreSQL: what SQLite's migrations 002 (commerce), 004 (coupons), 005 (sandbox outbox) and
 * 006 (webhook applied) built, as it stands. Shows live with the rest of the node's state, so show ids are plain
 * columns here. Money is BIGINT minor units next to a currency; times are epoch milliseconds. Stock and sale caps can
 * never go below zero (CHECK), and the order state machine is enforced by the database.
 */
export const pg001Commerce: PgMigration = {
  version: 1,
  name: 'commerce',
  up: `
    CREATE TABLE commerce_meta (
      key    TEXT PRIMARY KEY,
      value  TEXT NOT NULL
    );

    CREATE TABLE products (
      id               TEXT PRIMARY KEY,
      title            TEXT NOT NULL,
      description      TEXT NOT NULL DEFAULT '',
      currency         TEXT NOT NULL,
      faq              JSONB NOT NULL DEFAULT '[]',
      attributes       JSONB NOT NULL DEFAULT '[]',
      per_buyer_limit  INTEGER CHECK (per_buyer_limit IS NULL OR per_buyer_limit > 0),
      status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
      created_at       BIGINT NOT NULL,
      updated_at       BIGINT NOT NULL
    );

    CREATE TABLE product_images (
      id          TEXT PRIMARY KEY,
      product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
      position    INTEGER NOT NULL,
      width       INTEGER NOT NULL,
      height      INTEGER NOT NULL,
      created_at  BIGINT NOT NULL
    );
    CREATE INDEX product_images_product ON product_images (product_id, position);

    CREATE TABLE skus (
      id           TEXT PRIMARY KEY,
      product_id   TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
      code         TEXT NOT NULL DEFAULT '',
      options      JSONB NOT NULL DEFAULT '{}',
      options_key  TEXT NOT NULL,
      position     INTEGER NOT NULL,
      list_price   BIGINT NOT NULL CHECK (list_price >= 0),
      live_price   BIGINT CHECK (live_price IS NULL OR live_price >= 0),
      stock        INTEGER NOT NULL CHECK (stock >= 0),
      active       BOOLEAN NOT NULL DEFAULT TRUE,
      UNIQUE (product_id, options_key)
    );
    CREATE INDEX skus_product ON skus (product_id, position);

    CREATE TABLE show_lineup (
      show_id     TEXT NOT NULL,
      product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
      position    INTEGER NOT NULL,
      PRIMARY KEY (show_id, product_id)
    );

    CREATE TABLE flash_sales (
      id               TEXT PRIMARY KEY,
      sku_id           TEXT NOT NULL REFERENCES skus(id) ON DELETE CASCADE,
      sale_price       BIGINT NOT NULL CHECK (sale_price >= 0),
      cap              INTEGER NOT NULL CHECK (cap > 0),
      remaining        INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= cap),
      per_buyer_limit  INTEGER CHECK (per_buyer_limit IS NULL OR per_buyer_limit > 0),
      starts_at        BIGINT NOT NULL,
      ends_at          BIGINT NOT NULL,
      status           TEXT NOT NULL CHECK (status IN ('active', 'ended')),
      ended_at         BIGINT
    );
    CREATE UNIQUE INDEX flash_sales_one_active ON flash_sales (sku_id) WHERE status = 'active';

    CREATE TABLE orders (
      id               TEXT PRIMARY KEY,
      buyer_id         TEXT NOT NULL,
      idempotency_key  TEXT NOT NULL,
      request_hash     TEXT NOT NULL,
      show_id          TEXT,
      status           TEXT NOT NULL,
      currency         TEXT NOT NULL,
      total            BIGINT NOT NULL CHECK (total >= 0),
      contact_name     TEXT NOT NULL,
      contact_phone    TEXT NOT NULL,
      contact_address  TEXT NOT NULL,
      created_at       BIGINT NOT NULL,
      expires_at       BIGINT NOT NULL,
      paid_at          BIGINT,
      shipped_at       BIGINT,
      carrier          TEXT,
      tracking_no      TEXT,
      completed_at     BIGINT,
      cancelled_at     BIGINT,
      refunded_at      BIGINT,
      restocked_at     BIGINT,
      UNIQUE (buyer_id, idempotency_key)
    );
    CREATE INDEX orders_pending ON orders (expires_at) WHERE status = 'pending_payment';
    CREATE INDEX orders_show ON orders (show_id, created_at);

    CREATE TABLE order_items (
      order_id       TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
      line           INTEGER NOT NULL,
      sku_id         TEXT NOT NULL REFERENCES skus(id),
      product_id     TEXT NOT NULL,
      title          TEXT NOT NULL,
      options        JSONB NOT NULL,
      qty            INTEGER NOT NULL CHECK (qty > 0),
      unit_price     BIGINT NOT NULL CHECK (unit_price >= 0),
      list_price     BIGINT NOT NULL CHECK (list_price >= 0),
      flash_sale_id  TEXT,
      PRIMARY KEY (order_id, line)
    );
    CREATE INDEX order_items_sku ON order_items (sku_id);

    CREATE TABLE order_transitions (
      from_status  TEXT NOT NULL,
      to_status    TEXT NOT NULL,
      PRIMARY KEY (from_status, to_status)
    );
    INSERT INTO order_transitions (from_status, to_status) VALUES
      ('pending_payment', 'paid'),
      ('pending_payment', 'cancelled'),
      ('paid', 'shipped'),
      ('paid', 'refund_requested'),
      ('shipped', 'completed'),
      ('shipped', 'refund_requested'),
      ('completed', 'refund_requested'),
      ('refund_requested', 'refunded'),
      ('cancelled', 'refund_requested');

    CREATE FUNCTION orders_check_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'pending_payment' THEN RAISE EXCEPTION 'orders start in pending_payment'; END IF;
      ELSIF OLD.status <> NEW.status AND NOT EXISTS (
        SELECT 1 FROM order_transitions WHERE from_status = OLD.status AND to_status = NEW.status) THEN
        RAISE EXCEPTION 'order transition not allowed';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER orders_status BEFORE INSERT OR UPDATE OF status ON orders
      FOR EACH ROW EXECUTE FUNCTION orders_check_status();

    CREATE TABLE order_events (
      order_id     TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
      seq          INTEGER NOT NULL,
      from_status  TEXT,
      to_status    TEXT NOT NULL,
      at           BIGINT NOT NULL,
      actor        TEXT NOT NULL CHECK (actor IN ('buyer', 'studio', 'system', 'provider')),
      note         TEXT,
      PRIMARY KEY (order_id, seq)
    );

    CREATE TABLE payments (
      id            TEXT PRIMARY KEY,
      order_id      TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
      provider      TEXT NOT NULL,
      provider_ref  TEXT,
      status        TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refund_pending', 'refunded')),
      amount        BIGINT NOT NULL CHECK (amount >= 0),
      currency      TEXT NOT NULL,
      action        TEXT,
      refund_ref    TEXT,
      failure       TEXT,
      created_at    BIGINT NOT NULL,
      updated_at    BIGINT NOT NULL,
      UNIQUE (provider, provider_ref)
    );
    CREATE INDEX payments_order ON payments (order_id);
    CREATE INDEX payments_pending ON payments (created_at) WHERE status IN ('pending', 'refund_pending');

    CREATE TABLE webhook_events (
      provider     TEXT NOT NULL,
      event_id     TEXT NOT NULL,
      type         TEXT NOT NULL,
      payment_id   TEXT,
      outcome      TEXT NOT NULL,
      received_at  BIGINT NOT NULL,
      payload      TEXT NOT NULL,
      applied      BOOLEAN NOT NULL DEFAULT TRUE,
      PRIMARY KEY (provider, event_id)
    );

    CREATE TABLE sandbox_ledger (
      ref           TEXT PRIMARY KEY,
      merchant_ref  TEXT NOT NULL,
      amount        BIGINT NOT NULL,
      currency      TEXT NOT NULL,
      description   TEXT NOT NULL,
      notify_url    TEXT NOT NULL,
      return_url    TEXT NOT NULL,
      status        TEXT NOT NULL CHECK (status IN ('open', 'succeeded', 'failed', 'refunded')),
      created_at    BIGINT NOT NULL,
      updated_at    BIGINT NOT NULL
    );

    CREATE TABLE sandbox_outbox (
      id               TEXT PRIMARY KEY,
      ref              TEXT NOT NULL REFERENCES sandbox_ledger(ref) ON DELETE CASCADE,
      url              TEXT NOT NULL,
      body             TEXT NOT NULL,
      attempts         INTEGER NOT NULL DEFAULT 0,
      next_attempt_at  BIGINT NOT NULL,
      delivered_at     BIGINT,
      gave_up_at       BIGINT,
      last_error       TEXT,
      created_at       BIGINT NOT NULL
    );
    CREATE INDEX sandbox_outbox_due ON sandbox_outbox (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
    CREATE INDEX sandbox_outbox_ref ON sandbox_outbox (ref);

    CREATE TABLE coupons (
      id          TEXT PRIMARY KEY,
      show_id     TEXT NOT NULL,
      title       TEXT NOT NULL,
      kind        TEXT NOT NULL CHECK (kind IN ('amount', 'percent')),
      value       BIGINT NOT NULL CHECK (value >= 1),
      currency    TEXT NOT NULL,
      min_spend   BIGINT CHECK (min_spend IS NULL OR min_spend >= 0),
      quantity    INTEGER CHECK (quantity IS NULL OR quantity >= 1),
      claimed     INTEGER NOT NULL DEFAULT 0,
      created_at  BIGINT NOT NULL,
      ends_at     BIGINT,
      ended_at    BIGINT,
      created_by  TEXT NOT NULL,
      CHECK (kind <> 'percent' OR value <= 90),
      CHECK (claimed >= 0 AND (quantity IS NULL OR claimed <= quantity))
    );
    CREATE INDEX coupons_show ON coupons (show_id, created_at);

    CREATE TABLE coupon_claims (
      coupon_id   TEXT NOT NULL REFERENCES coupons(id) ON DELETE CASCADE,
      buyer_id    TEXT NOT NULL,
      claimed_at  BIGINT NOT NULL,
      order_id    TEXT REFERENCES orders(id) ON DELETE SET NULL,
      discount    BIGINT,
      used_at     BIGINT,
      PRIMARY KEY (coupon_id, buyer_id),
      CHECK ((order_id IS NULL) = (used_at IS NULL)),
      CHECK ((order_id IS NULL) = (discount IS NULL))
    );
    CREATE UNIQUE INDEX coupon_claims_order ON coupon_claims (order_id) WHERE order_id IS NOT NULL;
    CREATE INDEX coupon_claims_buyer ON coupon_claims (buyer_id, claimed_at);
  `,
};
