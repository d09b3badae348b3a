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
import { type AccountRow, type AccountsStore, SqliteAccountsStore } from './store';

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
  /** Where accounts live: `store` (e.g. PostgreSQL in a cluster), else the node's SQLite `db`. */
  db?: Database;
  store?: AccountsStore;
  studioToken: string;
  /**
   * The server's data dir: while no owner exists it holds the one-time `setup-code` (created here at start-up).
   * Without it, only the studio token can create the owner.
   */
  dataDir?: string | null;
  clock?: () => number;
}

export class Accounts {
  private readonly store: AccountsStore;
  private readonly studioToken: string;
  private readonly clock: () => number;
  private readonly throttle = new LoginThrottle();
  private readonly setupThrottle = new LoginThrottle(SETUP_GUESSES, SETUP_GUESS_WINDOW_MS);
  private readonly setupCode: SetupCodeFile | null;

  private constructor(opts: AccountsOptions, store: AccountsStore) {
    this.store = store;
    this.studioToken = opts.studioToken;
    this.clock = opts.clock ?? Date.now;
    this.setupCode = opts.dataDir ? new SetupCodeFile(opts.dataDir) : null;
  }

  /** The service, with the setup code opened (no owner yet) or spent. */
  static async open(opts: AccountsOptions): Promise<Accounts> {
    const store = opts.store ?? (opts.db ? new SqliteAccountsStore(opts.db) : null);
    if (!store) throw new Error('Accounts needs a store or a database');
    const accounts = new Accounts(opts, store);
    if (await accounts.needsSetup()) accounts.setupCode?.open();
    else accounts.setupCode?.spend();
    return accounts;
  }

  async needsSetup(): Promise<boolean> {
    return (await this.store.enabledOwners()) === 0;
  }

  /**
   * First-run setup: create the owner. Open only while no owner exists, to whoever proves to be the operator (the
   * studio token or the setup code); with the studio token it may also add another owner later (recovery when the
   * password is lost). Wrong codes count against the client address.
   */
  async setup(name: string, password: string, proof: SetupProof): Promise<LoginResult> {
    const viaStudio = proof.kind === 'studio';
    if (!viaStudio && (await this.needsSetup()) === false) throw new RpcError('CONFLICT', 'setup is already done; sign in instead');
    if (proof.kind === 'code') this.checkSetupCode(proof.code, proof.clientKey);
    const hash = await hashPassword(password);
    const account = this.newRow(name, 'owner', hash);
    await this.store.insertOwner(account, !viaStudio);
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

  private newRow(name: string, role: StaffRole, passwordHash: string): AccountRow {
    return {
      id: `a_${randomBytes(12).toString('base64url')}`,
      name: name.trim(),
      name_key: nameKey(name),
      role,
      password_hash: passwordHash,
      created_at: this.clock(),
      disabled_at: null,
    };
  }

  private async openSession(row: AccountRow): Promise<LoginResult> {
    const token = newToken();
    const now = this.clock();
    const expiresAt = now + SESSION_TTL_MS;
    await this.store.openSession(sha256(token), row.id, now, expiresAt);
    return { account: view(row), token, expiresAt };
  }

  async login(name: string, password: string, clientKey: string): Promise<LoginResult> {
    const now = this.clock();
    const key = nameKey(name);
    const keys = [`n:${key}`, `c:${clientKey}`];
    if (this.throttle.blocked(keys, now)) throw new RpcError('RATE_LIMITED', 'too many failed sign-ins; try again later');
    const row = await this.store.byName(key);
    // Verify against a dummy hash for unknown names so the response time does not reveal which names exist.
    const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()));
    if (!row || !ok || row.disabled_at !== null) {
      this.throttle.fail(keys, now);
      throw new RpcError('UNAUTHORIZED', 'wrong name or password');
    }
    this.throttle.clear([`n:${key}`]);
    return this.openSession(row);
  }

  async logout(token: string): Promise<void> {
    await this.store.deleteSession(sha256(token));
  }

  /** Principal of a bearer/cookie token: the studio token (owner) or a live session of an enabled account. */
  async resolveToken(token: string | null | undefined): Promise<Principal | null> {
    if (!token || token.length < 16 || token.length > 256) return null;
    if (tokensEqual(token, this.studioToken)) return { kind: 'studio', id: 'studio', role: 'owner', name: 'Studio' };
    const row = await this.store.session(sha256(token));
    if (!row || row.expires_at <= this.clock() || row.disabled_at !== null) return null;
    return { kind: 'account', id: row.id, role: row.role, name: row.name };
  }

  isStudioToken(token: string | null | undefined): boolean {
    return !!token && tokensEqual(token, this.studioToken);
  }

  async account(id: string): Promise<AccountView | null> {
    const row = await this.store.byId(id);
    return row ? view(row) : null;
  }

  async createInvite(by: Principal, ttlHours: number): Promise<InviteView> {
    if (by.role !== 'owner') throw new RpcError('FORBIDDEN', 'only the owner can invite moderators');
    const code = randomBytes(18).toString('base64url');
    const now = this.clock();
    const expiresAt = now + ttlHours * 3600_000;
    await this.store.insertInvite(sha256(code), by.id, now, expiresAt);
    return { code, role: 'moderator', expiresAt };
  }

  /** Redeem a one-time invite code: creates a moderator and signs it in (the code is spent with the account). */
  async accept(code: string, name: string, password: string): Promise<LoginResult> {
    const hash = await hashPassword(password);
    const row = this.newRow(name, 'moderator', hash);
    await this.store.insertInvited(row, sha256(code), this.clock());
    return this.openSession(row);
  }

  async list(): Promise<AccountView[]> {
    return (await this.store.list()).map(view);
  }

  /** Disable a moderator (owner only) and end its sessions. Owners cannot be disabled here. */
  async disable(by: Principal, accountId: string): Promise<void> {
    if (by.role !== 'owner') throw new RpcError('FORBIDDEN', 'only the owner can remove accounts');
    const row = await this.store.byId(accountId);
    if (!row) throw new RpcError('NOT_FOUND', 'no such account');
    if (row.role === 'owner') throw new RpcError('FORBIDDEN', 'the owner account cannot be removed');
    await this.store.disable(accountId, this.clock());
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
