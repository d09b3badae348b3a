/**
 * Staff accounts: the owner (first-run setup), moderators (invited by the owner with a one-time code), login
 * sessions (random bearer tokens, stored as SHA-256 hashes, 30 days) and principal resolution for HTTP requests
 * and realtime sockets. The studio token counts as the owner. Creating the owner needs proof of being the operator:
 * the studio token, or the one-time setup code kept in the data dir while no owner exists (auth/setup-code.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { AccountView, InviteView, LoginResult, StaffRole } from '../../../shared/realtime/accounts';
import { RpcError } from '../../../shared/protocol/rpc';
import { SetupCodeFile } from '../auth/setup-code';
import { tokensEqual } from '../auth/studio-token';
import { dummyHash, hashPassword, verifyPassword } from './passwords';

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

/** What proves a first-run setup request comes from the operator. */
export type SetupProof =
  | { kind: 'studio' }
  /** `code`: the normalized setup code presented (absent → UNAUTHORIZED); `clientKey`: the client address (throttle). */
  | { kind: 'code'; code: string | undefined; clientKey: string };

/** Wrong setup codes per client address before RATE_LIMITED, and the window they are counted in. */
const SETUP_GUESSES = 10;
const SETUP_GUESS_WINDOW_MS = 15 * 60_000;

export type Principal =
  | { kind: 'studio'; id: 'studio'; role: 'owner'; name: string }
  | { kind: 'account'; id: string; role: StaffRole; name: string };

interface AccountRow {
  id: string;
  name: string;
  name_key: string;
  role: StaffRole;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const newToken = () => randomBytes(32).toString('base64url');
/** Login names compare case-insensitively and width-insensitively. */
export const nameKey = (name: string) => name.normalize('NFKC').trim().toLowerCase();

function view(row: AccountRow): AccountView {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at, disabled: row.disabled_at !== null };
}

/** Failed logins per name and per client address: after `max` failures within `windowMs`, RATE_LIMITED. */
class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly max = 8,
    private readonly windowMs = 15 * 60_000,
  ) {}
  blocked(keys: string[], now: number): boolean {
    return keys.some((k) => (this.failures.get(k) ?? []).filter((t) => now - t < this.windowMs).length >= this.max);
  }
  fail(keys: string[], now: number): void {
    if (this.failures.size > 50_000) this.failures.clear();
    for (const k of keys) {
      const list = (this.failures.get(k) ?? []).filter((t) => now - t < this.windowMs);
      list.push(now);
      this.failures.set(k, list);
    }
  }
  clear(keys: string[]): void {
    for (const k of keys) this.failures.delete(k);
  }
}

export interface AccountsOptions {
  db: Database;
  studioToken: string;
  /**
   * The server's data dir: while no owner exists it holds the one-time `setup-code` (created here at start-up).
   * Without it, only the studio token can create the owner.
   */
  dataDir?: string | null;
  clock?: () => number;
}

export class Accounts {
  private readonly db: Database;
  private readonly studioToken: string;
  private readonly clock: () => number;
  private readonly throttle = new LoginThrottle();
  private readonly setupThrottle = new LoginThrottle(SETUP_GUESSES, SETUP_GUESS_WINDOW_MS);
  private readonly setupCode: SetupCodeFile | null;
  private readonly q;

  constructor(opts: AccountsOptions) {
    this.db = opts.db;
    this.studioToken = opts.studioToken;
    this.clock = opts.clock ?? Date.now;
    const db = this.db;
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
      session: db.prepare<[string], AccountRow & { expires_at: number }>(
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
    this.setupCode = opts.dataDir ? new SetupCodeFile(opts.dataDir) : null;
    if (this.needsSetup()) this.setupCode?.open();
    else this.setupCode?.spend();
  }

  needsSetup(): boolean {
    return this.q.ownerCount.get()!.n === 0;
  }

  /**
   * First-run setup: create the owner. Open only while no owner exists, to whoever proves to be the operator (the
   * studio token or the setup code); with the studio token it may also add another owner later (recovery when the
   * password is lost). Wrong codes count against the client address.
   */
  async setup(name: string, password: string, proof: SetupProof): Promise<LoginResult> {
    const viaStudio = proof.kind === 'studio';
    if (!viaStudio && !this.needsSetup()) throw new RpcError('CONFLICT', 'setup is already done; sign in instead');
    if (proof.kind === 'code') this.checkSetupCode(proof.code, proof.clientKey);
    const hash = await hashPassword(password);
    const account = this.db.transaction(() => {
      if (!viaStudio && !this.needsSetup()) throw new RpcError('CONFLICT', 'setup is already done; sign in instead');
      return this.insertAccount(name, 'owner', hash);
    })();
    // An owner exists now: the code is spent whichever proof was used.
    this.setupCode?.spend();
    return this.openSession(account);
  }

  private checkSetupCode(code: string | undefined, clientKey: string): void {
    const now = this.clock();
    const keys = [`c:${clientKey}`];
    if (this.setupThrottle.blocked(keys, now)) throw new RpcError('RATE_LIMITED', 'too many wrong setup codes; try again later');
    if (!code) throw new RpcError('UNAUTHORIZED', 'setup code required: it is in the server log and in <data dir>/setup-code');
    if (!this.setupCode?.matches(code)) {
      this.setupThrottle.fail(keys, now);
      throw new RpcError('UNAUTHORIZED', 'wrong setup code');
    }
  }

  private insertAccount(name: string, role: StaffRole, passwordHash: string): AccountRow {
    const key = nameKey(name);
    if (this.q.byName.get(key)) throw new RpcError('CONFLICT', 'an account with this name exists');
    const row: AccountRow = {
      id: `a_${randomBytes(12).toString('base64url')}`,
      name: name.trim(),
      name_key: key,
      role,
      password_hash: passwordHash,
      created_at: this.clock(),
      disabled_at: null,
    };
    this.q.insert.run(row);
    return row;
  }

  private openSession(row: AccountRow): LoginResult {
    const token = newToken();
    const now = this.clock();
    const expiresAt = now + SESSION_TTL_MS;
    this.q.purgeSessions.run(now);
    this.q.insertSession.run(sha256(token), row.id, now, expiresAt);
    return { account: view(row), token, expiresAt };
  }

  async login(name: string, password: string, clientKey: string): Promise<LoginResult> {
    const now = this.clock();
    const key = nameKey(name);
    const keys = [`n:${key}`, `c:${clientKey}`];
    if (this.throttle.blocked(keys, now)) throw new RpcError('RATE_LIMITED', 'too many failed sign-ins; try again later');
    const row = this.q.byName.get(key);
    // Verify against a dummy hash for unknown names so the response time does not reveal which names exist.
    const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()));
    if (!row || !ok || row.disabled_at !== null) {
      this.throttle.fail(keys, now);
      throw new RpcError('UNAUTHORIZED', 'wrong name or password');
    }
    this.throttle.clear([`n:${key}`]);
    return this.openSession(row);
  }

  logout(token: string): void {
    this.q.deleteSession.run(sha256(token));
  }

  /** Principal of a bearer/cookie token: the studio token (owner) or a live session of an enabled account. */
  resolveToken(token: string | null | undefined): Principal | null {
    if (!token || token.length < 16 || token.length > 256) return null;
    if (tokensEqual(token, this.studioToken)) return { kind: 'studio', id: 'studio', role: 'owner', name: 'Studio' };
    const row = this.q.session.get(sha256(token));
    if (!row || row.expires_at <= this.clock() || row.disabled_at !== null) return null;
    return { kind: 'account', id: row.id, role: row.role, name: row.name };
  }

  isStudioToken(token: string | null | undefined): boolean {
    return !!token && tokensEqual(token, this.studioToken);
  }

  account(id: string): AccountView | null {
    const row = this.q.byId.get(id);
    return row ? view(row) : null;
  }

  createInvite(by: Principal, ttlHours: number): InviteView {
    if (by.role !== 'owner') throw new RpcError('FORBIDDEN', 'only the owner can invite moderators');
    const code = randomBytes(18).toString('base64url');
    const now = this.clock();
    const expiresAt = now + ttlHours * 3600_000;
    this.q.insertInvite.run(sha256(code), by.id, now, expiresAt);
    return { code, role: 'moderator', expiresAt };
  }

  /** Redeem a one-time invite code: creates a moderator and signs it in. */
  async accept(code: string, name: string, password: string): Promise<LoginResult> {
    const hash = await hashPassword(password);
    const row = this.db.transaction(() => {
      const now = this.clock();
      if (this.q.byName.get(nameKey(name))) throw new RpcError('CONFLICT', 'an account with this name exists');
      // Reserve the code first (one-time even under concurrent accepts), then create the account and link it.
      const id = `a_${randomBytes(12).toString('base64url')}`;
      const acc: AccountRow = {
        id,
        name: name.trim(),
        name_key: nameKey(name),
        role: 'moderator',
        password_hash: hash,
        created_at: now,
        disabled_at: null,
      };
      this.q.insert.run(acc);
      const used = this.q.useInvite.run(now, id, sha256(code), now);
      if (used.changes !== 1) throw new RpcError('NOT_FOUND', 'invite code is invalid, used or expired');
      return acc;
    })();
    return this.openSession(row);
  }

  list(): AccountView[] {
    return this.q.list.all().map(view);
  }

  /** Disable a moderator (owner only) and end its sessions. Owners cannot be disabled here. */
  disable(by: Principal, accountId: string): void {
    if (by.role !== 'owner') throw new RpcError('FORBIDDEN', 'only the owner can remove accounts');
    const row = this.q.byId.get(accountId);
    if (!row) throw new RpcError('NOT_FOUND', 'no such account');
    if (row.role === 'owner') throw new RpcError('FORBIDDEN', 'the owner account cannot be removed');
    this.db.transaction(() => {
      this.q.disable.run(this.clock(), accountId);
      this.q.deleteSessionsOf.run(accountId);
    })();
  }
}
