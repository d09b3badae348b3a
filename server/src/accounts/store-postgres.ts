/**
 * Staff accounts in PostgreSQL (DATABASE_URL): every node reads the same accounts and sessions, so a sign-in on one
 * node counts on all and disabling an account ends its sessions everywhere. The first owner is created under a
 * transaction-scoped advisory lock (two nodes finishing setup at once make one owner); an invite is spent by a
 * conditional UPDATE in the same transaction as the account it creates.
 */
import type pg from 'pg';
import { migratePostgres, openPostgresPool } from '../db/postgres';
import { type AccountRow, type AccountsStore, inviteInvalid, nameTaken, type SessionRow, setupDone } from './store';

/** Key of the advisory lock held while the first owner is created ("scsetup" in ASCII). */
const SETUP_LOCK_KEY = '0x73637365747570';

const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === '23505';

export class PgAccountsStore implements AccountsStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ownsPool = true,
  ) {}

  private async unit<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw isUniqueViolation(err) ? nameTaken() : err;
    } finally {
      client.release();
    }
  }

  async enabledOwners(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM accounts WHERE role = 'owner' AND disabled_at IS NULL`,
    );
    return rows[0]?.n ?? 0;
  }
  async byId(id: string): Promise<AccountRow | null> {
    return (await this.pool.query<AccountRow>('SELECT * FROM accounts WHERE id = $1', [id])).rows[0] ?? null;
  }
  async byName(key: string): Promise<AccountRow | null> {
    return (await this.pool.query<AccountRow>('SELECT * FROM accounts WHERE name_key = $1', [key])).rows[0] ?? null;
  }
  async list(): Promise<AccountRow[]> {
    return (await this.pool.query<AccountRow>('SELECT * FROM accounts ORDER BY created_at, id')).rows;
  }

  insertOwner(row: AccountRow, onlyIfNone: boolean): Promise<void> {
    return this.unit(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(${BigInt(SETUP_LOCK_KEY).toString()})`);
      if (onlyIfNone) {
        const { rows } = await c.query<{ n: number }>(
          `SELECT COUNT(*)::int AS n FROM accounts WHERE role = 'owner' AND disabled_at IS NULL`,
        );
        if ((rows[0]?.n ?? 0) > 0) throw setupDone();
      }
      await insert(c, row);
    });
  }

  insertInvited(row: AccountRow, codeHash: string, now: number): Promise<void> {
    return this.unit(async (c) => {
      await insert(c, row);
      const used = await c.query(
        'UPDATE account_invites SET used_at = $1, used_by = $2 WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1',
        [now, row.id, codeHash],
      );
      if (used.rowCount !== 1) throw inviteInvalid();
    });
  }

  async insertInvite(codeHash: string, createdBy: string, createdAt: number, expiresAt: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO account_invites (code_hash, role, created_by, created_at, expires_at) VALUES ($1, 'moderator', $2, $3, $4)`,
      [codeHash, createdBy, createdAt, expiresAt],
    );
  }

  disable(id: string, at: number): Promise<void> {
    return this.unit(async (c) => {
      await c.query('UPDATE accounts SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL', [at, id]);
      await c.query('DELETE FROM auth_sessions WHERE account_id = $1', [id]);
    });
  }

  async openSession(tokenHash: string, accountId: string, now: number, expiresAt: number): Promise<void> {
    await this.pool.query('DELETE FROM auth_sessions WHERE expires_at <= $1', [now]);
    await this.pool.query('INSERT INTO auth_sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
      tokenHash,
      accountId,
      now,
      expiresAt,
    ]);
  }
  async session(tokenHash: string): Promise<SessionRow | null> {
    const { rows } = await this.pool.query<SessionRow>(
      'SELECT a.*, s.expires_at FROM auth_sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1',
      [tokenHash],
    );
    return rows[0] ?? null;
  }
  async deleteSession(tokenHash: string): Promise<void> {
    await this.pool.query('DELETE FROM auth_sessions WHERE token_hash = $1', [tokenHash]);
  }
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

/** A pool of its own on `url` (migrated under the lock, like every node's first connection); closed with the store. */
export async function openPostgresAccountsStore(url: string): Promise<PgAccountsStore> {
  const pool = openPostgresPool(url, 4);
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return new PgAccountsStore(pool);
}

async function insert(c: pg.PoolClient, row: AccountRow): Promise<void> {
  await c.query(
    'INSERT INTO accounts (id, name, name_key, role, password_hash, created_at, disabled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [row.id, row.name, row.name_key, row.role, row.password_hash, row.created_at, row.disabled_at],
  );
}
