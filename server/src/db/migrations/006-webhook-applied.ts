import type { Migration } from './index';

/**
 * Whether a recorded provider event was applied. Only an applied event consumes its id: one that was recorded but not
 * applied (unknown payment, amount mismatch, irrelevant state) is evaluated again when the same id arrives.
 */
export const m006WebhookApplied: Migration = {
  version: 6,
  name: 'webhook-applied',
  up(db) {
    db.exec(`ALTER TABLE webhook_events ADD COLUMN applied INTEGER NOT NULL DEFAULT 1 CHECK (applied IN (0, 1))`);
  },
};
