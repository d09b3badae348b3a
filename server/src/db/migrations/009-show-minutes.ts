import type { Migration } from './index';

/**
 * Per-minute counts per show: the roll-up of viewer events (by kind and mode) and of engagement (likes, chat,
 * follows), incremented in the same transaction that stores the raw rows, so the two never disagree.
 */
export const m009ShowMinutes: Migration = {
  version: 9,
  name: 'show-minutes',
  up(db) {
    db.exec(`
      CREATE TABLE show_minutes (
        show_id  TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        minute   INTEGER NOT NULL,
        mode     TEXT NOT NULL CHECK (mode IN ('live', 'replay', 'engagement')),
        kind     TEXT NOT NULL,
        count    INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (show_id, minute, mode, kind)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
