import type { Migration } from './index';

/** Marks a question the room answered on its own, so staff see it as automatic and may retract or correct it. */
export const m011AnsweredAuto: Migration = {
  version: 11,
  name: 'answered-auto',
  up(db) {
    db.exec(`
      ALTER TABLE realtime_questions
        ADD COLUMN answered_auto INTEGER NOT NULL DEFAULT 0 CHECK (answered_auto IN (0, 1));
    `);
  },
};
