/**
 * Where staff accounts, their login sessions and invites are kept: the node's SQLite file (default) or PostgreSQL
 * (`DATABASE_URL`, store-postgres.ts), so that in a cluster a moderator signed in on one node is signed in on all
 * and a disabled account is locked out everywhere at once. The rules (who may do what, throttles, the setup code) stay
 * in accounts.ts; a store only keeps rows, and the two writes that must not race (the first owner, an invite used
 * once) are single units here.
 */
import type { Database } from 'better-sqlite3';
import { RpcError } from '../../../shared/protocol/rpc';
import type { StaffRole } from '../../../shared/realtime/accounts';

export interface AccountRow {
  id: string;
  name: string;
  name_key: string;
  role: StaffRole;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

export interface SessionRow extends AccountRow {
  expires_at: number;
}

export interface AccountsStore {
  enabledOwners(): Promise<number>;
  byId(id: string): Promise<AccountRow | null>;
  byName(nameKey: string): Promise<AccountRow | null>;
  list(): Promise<AccountRow[]>;
  /**
   * Insert an owner; with `onlyIfNone`, only while no enabled owner exists (CONFLICT otherwise, also when another
   * node set up at the same moment). A taken name is CONFLICT.
   */
  insertOwner(row: AccountRow, onlyIfNone: boolean): Promise<void>;
  /** Insert a moderator and spend invite `codeHash` with it, or neither (NOT_FOUND: invalid, used or expired). */
  insertInvited(row: AccountRow, codeHash: string, now: number): Promise<void>;
  insertInvite(codeHash: string, createdBy: string, createdAt: number, expiresAt: number): Promise<void>;
  /** Disable the account and end its sessions (one unit). */
  disable(id: string, at: number): Promise<void>;
  /** Store a session (expired ones are purged on the way). */
  openSession(tokenHash: string, accountId: string, now: number, expiresAt: number): Promise<void>;
  session(tokenHash: string): Promise<SessionRow | null>;
  deleteSession(tokenHash: string): Promise<void>;
  close(): Promise<void>;
}

const nameTaken = () => new RpcError('CONFLICT', 'an account with this name exists');
const setupDone = () => new RpcError('CONFLICT', 'setup is already done; sign in instead');
const inviteInvalid = () => new RpcError('NOT_FOUND', 'invite code is invalid, used or expired');

export { inviteInvalid, nameTaken, setupDone };

/** The node's SQLite file (tables from migration 003-realtime). */
export class SqliteAccountsStore implements AccountsStore {
  private readonly q;

  constructor(private readonly db: Database) {
    this.q = {
      ownerCount: db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM accounts WHERE role = 'owner' AND disabled_at IS NULL`),
      byId: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?'),
      byName: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name_key = ?'),
      insert: db.prepare(
        'INSERT INTO accounts (id, name, name_key, role, password_hash, created_at) VALUES (@id, @name, @name_key, @role, @password_hash, @created_at)',
      ),
      list: db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY created_at, id'),
      disable: db.prepare<[number, string]>('UPDATE accounts SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL'),
      insertSession: db.prepare<[string, string, number, number]>(
        'INSERT INTO auth_sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      ),
      session: db.prepare<[string], SessionRow>(
        'SELECT a.*, s.expires_at FROM auth_sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?',
      ),
      deleteSession: db.prepare<[string]>('DELETE FROM auth_sessions WHERE token_hash = ?'),
      deleteSessionsOf: db.prepare<[string]>('DELETE FROM auth_sessions WHERE account_id = ?'),
      purgeSessions: db.prepare<[number]>('DELETE FROM auth_sessions WHERE expires_at <= ?'),
      insertInvite: db.prepare<[string, string, number, number]>(
        `INSERT INTO account_invites (code_hash, role, created_by, created_at, expires_at) VALUES (?, 'moderator', ?, ?, ?)`,
      ),
      useInvite: db.prepare<[number, string, string, number]>(
        'UPDATE account_invites SET used_at = ?, used_by = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?',
      ),
    };
  }

  async enabledOwners(): Promise<number> {
    return this.q.ownerCount.get()!.n;
  }
  async byId(id: string): Promise<AccountRow | null> {
    return this.q.byId.get(id) ?? null;
  }
  async byName(key: string): Promise<AccountRow | null> {
    return this.q.byName.get(key) ?? null;
  }
  async list(): Promise<AccountRow[]> {
    return this.q.list.all();
  }

  async insertOwner(row: AccountRow, onlyIfNone: boolean): Promise<void> {
    this.db.transaction(() => {
      if (onlyIfNone && this.q.ownerCount.get()!.n > 0) throw setupDone();
      if (this.q.byName.get(row.name_key)) throw nameTaken();
      this.q.insert.run(row);
    })();
  }

  async insertInvited(row: AccountRow, codeHash: string, now: number): Promise<void> {
    this.db.transaction(() => {
      if (this.q.byName.get(row.name_key)) throw nameTaken();
      this.q.insert.run(row);
      if (this.q.useInvite.run(now, row.id, codeHash, now).changes !== 1) throw inviteInvalid();
    })();
  }

  async insertInvite(codeHash: string, createdBy: string, createdAt: number, expiresAt: number): Promise<void> {
    this.q.insertInvite.run(codeHash, createdBy, createdAt, expiresAt);
  }

  async disable(id: string, at: number): Promise<void> {
    this.db.transaction(() => {
      this.q.disable.run(at, id);
      this.q.deleteSessionsOf.run(id);
    })();
  }

  async openSession(tokenHash: string, accountId: string, now: number, expiresAt: number): Promise<void> {
    this.q.purgeSessions.run(now);
    this.q.insertSession.run(tokenHash, accountId, now, expiresAt);
  }
  async session(tokenHash: string): Promise<SessionRow | null> {
    return this.q.session.get(tokenHash) ?? null;
  }
  async deleteSession(tokenHash: string): Promise<void> {
    this.q.deleteSession.run(tokenHash);
  }
  async close(): Promise<void> {
    // the node's database is closed by its owner
  }
}
