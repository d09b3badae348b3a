import type { Migration } from './index';

/**
 * Cluster mode: a show this node met but another node owns is kept here as a copy (its rows in chat, engagement and
 * analytics need it), marked with the owner's node id. NULL = this node's own show. Only own shows are recovered at
 * start-up and shared with the cluster.
 */
export const m012ShowOrigin: Migration = {
  version: 12,
  name: 'show-origin',
  up(db) {
    db.exec(`ALTER TABLE shows ADD COLUMN origin_node TEXT;`);
  },
};
