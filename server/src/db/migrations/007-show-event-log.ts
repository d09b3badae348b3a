import type { Migration } from './index';

/**
 * The show event log: every product action of a show (explanation start/end, card on screen, price change, sold out,
 * flash sale start/end, coupon, giveaway) with its server time and its time on the program's media clock. Append
 * only — a trigger refuses updates and deletes — so analytics, replay chapters and clips derived from it agree.
 */
export const m007ShowEventLog: Migration = {
  version: 7,
  name: 'show-event-log',
  up(db) {
    db.exec(`
      CREATE TABLE show_event_log (
        show_id      TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL CHECK (seq > 0),
        kind         TEXT NOT NULL,
        at           INTEGER NOT NULL,
        media_time   INTEGER NOT NULL,
        media_clock  TEXT NOT NULL CHECK (media_clock IN ('frame', 'studio', 'server')),
        product_id   TEXT,
        data         TEXT NOT NULL,
        PRIMARY KEY (show_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER show_event_log_no_update BEFORE UPDATE ON show_event_log
      BEGIN
        SELECT RAISE(ABORT, 'the show event log is append-only');
      END;
    `);
  },
};
