import type { Migration } from './index';

/** The owner's per-show automatic replies: off (the default), or answers sent publicly or privately to the asker. */
export const m010AutoReply: Migration = {
  version: 10,
  name: 'auto-reply',
  up(db) {
    db.exec(`
      ALTER TABLE realtime_rooms
        ADD COLUMN auto_reply TEXT NOT NULL DEFAULT 'off' CHECK (auto_reply IN ('off', 'public', 'private'));
    `);
  },
};
