import type { Migration } from './index';

/**
 * Raw viewer events from the viewer page (POST /api/events). (viewer, batch, seq) is the key, so a batch sent twice
 * is stored once. `buyer_id` is the guest buyer session the batch came with: it joins viewers to their orders.
 */
export const m008ViewerEvents: Migration = {
  version: 8,
  name: 'viewer-events',
  up(db) {
    db.exec(`
      CREATE TABLE viewer_events (
        viewer_id   TEXT NOT NULL,
        batch_id    TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        show_id     TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        mode        TEXT NOT NULL CHECK (mode IN ('live', 'replay')),
        kind        TEXT NOT NULL,
        at          INTEGER NOT NULL,
        product_id  TEXT,
        buyer_id    TEXT,
        PRIMARY KEY (viewer_id, batch_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX viewer_events_show ON viewer_events (show_id, at);
    `);
  },
};
