/**
 * Staff accounts HTTP contract (owner + moderators). Viewers are guests (signed buyer cookie) and have no account.
 *
 *   GET  /api/setup                       → SetupState                  (is first-run setup still open?)
 *   POST /api/setup            SetupBody  → LoginResult (+ cookie)      while no owner exists, with the one-time setup code
 *                                                                      (server log / <data dir>/setup-code); or with the studio token
 *   POST /api/auth/login       LoginBody  → LoginResult (+ cookie)      HttpOnly SameSite=Lax `sc_staff` cookie + bearer token
 *   POST /api/auth/logout                 → { ok: true }                (cookie or bearer session)
 *   GET  /api/auth/me                     → Me                          (401 when not signed in)
 *   POST /api/accounts/invites InviteBody → InviteView                  owner only; the code is shown once
 *   POST /api/accounts/accept  AcceptBody → LoginResult (+ cookie)      one-time code → moderator account
 *   GET  /api/accounts                    → AccountList                 owner only
 *   DELETE /api/accounts/:accountId       → { ok: true }                owner only; disables a moderator, ends its sessions
 *   GET  /api/staff/shows                 → StaffShowList               staff: shows to moderate (live and ready first)
 *
 * Errors: `{ error: { code, message } }` with the matching HTTP status (ErrorCode of rpc.ts).
 * Authentication: the `sc_staff` cookie (pages), `Authorization: Bearer <session token>` (studio / scripts)
 * or `Authorization: Bearer <studio token>` (counts as the owner).
 */
import { z } from 'zod';
import { ShowInfo } from '../domain/show';

export const STAFF_COOKIE = 'sc_staff';

export const StaffRole = z.enum(['owner', 'moderator']);
export type StaffRole = z.infer<typeof StaffRole>;

/** Display/login name: 2–32 characters, letters (any script), digits, space, "_", "-", ".". */
export const AccountName = z
  .string()
  .trim()
  .min(2, 'name too short')
  .max(32, 'name too long')
  .regex(/^[\p{L}\p{N}_. -]+$/u, 'name may contain letters, digits, space, "_", "-" and "."');
export const Password = z.string().min(8, 'password must have at least 8 characters').max(200, 'password too long');

export const AccountId = z.string().regex(/^a_[A-Za-z0-9_-]{12,40}$/, 'invalid account id');

export const AccountView = z.object({
  id: AccountId,
  name: z.string(),
  role: StaffRole,
  createdAt: z.number().int(),
  disabled: z.boolean(),
});
export type AccountView = z.infer<typeof AccountView>;

export const SetupState = z.object({ needed: z.boolean() });

/**
 * The one-time setup code as typed or pasted: case, spaces and dashes do not matter (`ABCDE-FGHJK-…` is how the
 * server prints it). Anything else is malformed (BAD_REQUEST), not a wrong guess.
 */
export const SetupCode = z
  .string()
  .max(64, 'setup code too long')
  .transform((s) => s.replace(/[\s-]/g, '').toUpperCase())
  .pipe(z.string().regex(/^[0-9A-Z]{1,40}$/, 'the setup code has letters and digits only'));

export const SetupBody = z.object({
  name: AccountName,
  password: Password,
  /** Required unless the request carries the studio token. */
  setupCode: SetupCode.optional(),
});
/** Client-side check of a new account's form (setup, invite) before sending; the server checks again. */
export type NewAccountCheck = { ok: true } | { ok: false; code: 'NAME' | 'PASSWORD' | 'MISMATCH' };
export function checkNewAccount(name: string, password: string, confirm: string): NewAccountCheck {
  if (!AccountName.safeParse(name).success) return { ok: false, code: 'NAME' };
  if (!Password.safeParse(password).success) return { ok: false, code: 'PASSWORD' };
  if (password !== confirm) return { ok: false, code: 'MISMATCH' };
  return { ok: true };
}

export const LoginBody = z.object({ name: z.string().trim().min(1).max(32), password: z.string().min(1).max(200) });
export const LoginResult = z.object({
  account: AccountView,
  /** Bearer token for the studio / scripts (the page uses the HttpOnly cookie instead). */
  token: z.string(),
  expiresAt: z.number().int(),
});
export type LoginResult = z.infer<typeof LoginResult>;

export const Me = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('account'), account: AccountView }),
  /** Authenticated with the studio token: acts as the owner. */
  z.object({ kind: z.literal('studio'), role: z.literal('owner') }),
]);
export type Me = z.infer<typeof Me>;

export const InviteBody = z.object({
  role: z.literal('moderator').default('moderator'),
  /** Hours the code stays valid (default 72). */
  ttlHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
});
export const InviteView = z.object({ code: z.string(), role: z.literal('moderator'), expiresAt: z.number().int() });
export type InviteView = z.infer<typeof InviteView>;

export const InviteCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{16,64}$/, 'invalid invite code');
export const AcceptBody = z.object({ code: InviteCode, name: AccountName, password: Password });

export const AccountList = z.object({ accounts: z.array(AccountView) });

/** Shows a moderator can pick: every live or ready show, then the most recent ended ones. */
export const StaffShowList = z.object({ shows: z.array(ShowInfo) });
export type StaffShowList = z.infer<typeof StaffShowList>;
