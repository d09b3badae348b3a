import type { Migration } from './index';

/**
 * Commerce schema: catalog (products, images, SKUs, show lineups), flash sales, orders with an event log and a
 * state-machine table the database itself enforces, payments, webhook de-duplication and the sandbox provider's ledger.
 * Money is integer minor units next to a currency column.
 */
export const m002Commerce: Migration = {
  version: 2,
  name: 'commerce',
  up(db) {
    db.exec(`
      CREATE TABLE commerce_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE products (
        id               TEXT PRIMARY KEY,
        title            TEXT NOT NULL,
        description      TEXT NOT NULL DEFAULT '',
        currency         TEXT NOT NULL,
        faq              TEXT NOT NULL DEFAULT '[]',
        attributes       TEXT NOT NULL DEFAULT '[]',
        per_buyer_limit  INTEGER CHECK (per_buyer_limit IS NULL OR per_buyer_limit > 0),
        status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE product_images (
        id          TEXT PRIMARY KEY,
        product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        width       INTEGER NOT NULL,
        height      INTEGER NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX product_images_product ON product_images (product_id, position);

      CREATE TABLE skus (
        id               TEXT PRIMARY KEY,
        product_id       TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
        code             TEXT NOT NULL DEFAULT '',
        options          TEXT NOT NULL DEFAULT '{}',
        options_key      TEXT NOT NULL,
        position         INTEGER NOT NULL,
        list_price       INTEGER NOT NULL CHECK (list_price >= 0),
        live_price       INTEGER CHECK (live_price IS NULL OR live_price >= 0),
        stock            INTEGER NOT NULL CHECK (stock >= 0),
        active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        UNIQUE (product_id, options_key)
      ) STRICT;
      CREATE INDEX skus_product ON skus (product_id, position);

      CREATE TABLE show_lineup (
        show_id     TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        PRIMARY KEY (show_id, product_id)
      ) STRICT;

      CREATE TABLE flash_sales (
        id               TEXT PRIMARY KEY,
        sku_id           TEXT NOT NULL REFERENCES skus(id) ON DELETE CASCADE,
        sale_price       INTEGER NOT NULL CHECK (sale_price >= 0),
        cap              INTEGER NOT NULL CHECK (cap > 0),
        remaining        INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= cap),
        per_buyer_limit  INTEGER CHECK (per_buyer_limit IS NULL OR per_buyer_limit > 0),
        starts_at        INTEGER NOT NULL,
        ends_at          INTEGER NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('active', 'ended')),
        ended_at         INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX flash_sales_one_active ON flash_sales (sku_id) WHERE status = 'active';

      CREATE TABLE orders (
        id               TEXT PRIMARY KEY,
        buyer_id         TEXT NOT NULL,
        idempotency_key  TEXT NOT NULL,
        request_hash     TEXT NOT NULL,
        show_id          TEXT REFERENCES shows(id) ON DELETE SET NULL,
        status           TEXT NOT NULL,
        currency         TEXT NOT NULL,
        total            INTEGER NOT NULL CHECK (total >= 0),
        contact_name     TEXT NOT NULL,
        contact_phone    TEXT NOT NULL,
        contact_address  TEXT NOT NULL,
        created_at       INTEGER NOT NULL,
        expires_at       INTEGER NOT NULL,
        paid_at          INTEGER,
        shipped_at       INTEGER,
        carrier          TEXT,
        tracking_no      TEXT,
        completed_at     INTEGER,
        cancelled_at     INTEGER,
        refunded_at      INTEGER,
        -- set when the order's units went back on sale (cancel, expiry or refund with restock); guards against doing it twice
        restocked_at     INTEGER,
        UNIQUE (buyer_id, idempotency_key)  -- also serves "orders of a buyer"
      ) STRICT, WITHOUT ROWID;
      -- Order ids start with their creation time (base36), so the primary key doubles as the time index.
      CREATE INDEX orders_pending ON orders (expires_at) WHERE status = 'pending_payment';
      CREATE INDEX orders_show ON orders (show_id, created_at);

 -- Few b-trees per order: every page an insert touches is written to the WAL at commit (checkout hot path).
      CREATE TABLE order_items (
        order_id       TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        line           INTEGER NOT NULL,
        sku_id         TEXT NOT NULL REFERENCES skus(id),
        product_id     TEXT NOT NULL,
        title          TEXT NOT NULL,
        options        TEXT NOT NULL,
        qty            INTEGER NOT NULL CHECK (qty > 0),
        unit_price     INTEGER NOT NULL CHECK (unit_price >= 0),
        list_price     INTEGER NOT NULL CHECK (list_price >= 0),
        flash_sale_id  TEXT,
        PRIMARY KEY (order_id, line)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX order_items_sku ON order_items (sku_id);

      -- The order state machine. A status change not listed here is rejected by the trigger below.
      CREATE TABLE order_transitions (
        from_status  TEXT NOT NULL,
        to_status    TEXT NOT NULL,
        PRIMARY KEY (from_status, to_status)
      ) STRICT;
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

      CREATE TRIGGER orders_insert_status BEFORE INSERT ON orders
      WHEN NEW.status != 'pending_payment'
      BEGIN
        SELECT RAISE(ABORT, 'orders start in pending_payment');
      END;

      CREATE TRIGGER orders_transition BEFORE UPDATE OF status ON orders
      WHEN OLD.status != NEW.status AND NOT EXISTS (
        SELECT 1 FROM order_transitions WHERE from_status = OLD.status AND to_status = NEW.status)
      BEGIN
        SELECT RAISE(ABORT, 'order transition not allowed');
      END;

      CREATE TABLE order_events (
        order_id     TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        from_status  TEXT,
        to_status    TEXT NOT NULL,
        at           INTEGER NOT NULL,
        actor        TEXT NOT NULL CHECK (actor IN ('buyer', 'studio', 'system', 'provider')),
        note         TEXT,
        PRIMARY KEY (order_id, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE payments (
        id            TEXT PRIMARY KEY,
        order_id      TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        provider      TEXT NOT NULL,
        provider_ref  TEXT,
        status        TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refund_pending', 'refunded')),
        amount        INTEGER NOT NULL CHECK (amount >= 0),
        currency      TEXT NOT NULL,
        action        TEXT,
        refund_ref    TEXT,
        failure       TEXT,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        UNIQUE (provider, provider_ref)
      ) STRICT;
      CREATE INDEX payments_order ON payments (order_id);
      CREATE INDEX payments_pending ON payments (created_at) WHERE status IN ('pending', 'refund_pending');

      CREATE TABLE webhook_events (
        provider     TEXT NOT NULL,
        event_id     TEXT NOT NULL,
        type         TEXT NOT NULL,
        payment_id   TEXT,
        outcome      TEXT NOT NULL,
        received_at  INTEGER NOT NULL,
        payload      TEXT NOT NULL,
        PRIMARY KEY (provider, event_id)
      ) STRICT;

      -- Provider-side state of the embedded sandbox provider (what a real provider keeps on its own servers).
      CREATE TABLE sandbox_ledger (
        ref         TEXT PRIMARY KEY,
        merchant_ref TEXT NOT NULL,
        amount      INTEGER NOT NULL,
        currency    TEXT NOT NULL,
        description TEXT NOT NULL,
        notify_url  TEXT NOT NULL,
        return_url  TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('open', 'succeeded', 'failed', 'refunded')),
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
