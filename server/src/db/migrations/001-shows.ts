import type { Migration } from './index';

export const m001Shows: Migration = {
  version: 1,
  name: 'shows',
  up(db) {
    db.exec(`
      CREATE TABLE shows (
        id          TEXT PRIMARY KEY,
        title       TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('ready', 'live', 'ended')),
        created_at  INTEGER NOT NULL,
        started_at  INTEGER,
        ended_at    INTEGER
      ) STRICT;
      CREATE INDEX shows_status ON shows (status);
    `);
  },
};
