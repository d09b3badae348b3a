import type { Migration } from './index';

/**
 * A show's viewer events are found by show alone (nothing reads them in time order), so the index no longer carries
 * `at`. Ordered by time, each stored batch of rows landed on a page of its own across the last seconds' part of the
 * index (viewers' batches cover overlapping times): ~250 pages rewritten to the WAL per 500 rows, four times what
 * the rows themselves take, and a WAL checkpoint on the server's thread every few flushes, beside the checkout.
 */
export const m013ViewerEventsShowIndex: Migration = {
  version: 13,
  name: 'viewer-events-show-index',
  up(db) {
    db.exec(`
      DROP INDEX viewer_events_show;
      CREATE INDEX viewer_events_show ON viewer_events (show_id);
    `);
  },
};
