/**
 * Session controller (outside React): decides which screen the pane starts on — first-run owner setup, invite
 * acceptance (`#invite=<code>` in the link), login, or signed in — and runs those forms and logout. The session
 * itself is the HttpOnly `sc_staff` cookie the server sets; the page never sees the token.
 */
import { checkNewAccount, InviteCode, SetupCode } from '../../../shared/realtime/accounts';
import { type StaffApi, StaffApiError } from '../api';
import type { ModeratorStore } from '../store';

/** Server refusals of the setup form that mean something else there than at login. */
const SETUP_ERRORS: Record<string, string> = {
  UNAUTHORIZED: 'SETUP_CODE_WRONG',
  RATE_LIMITED: 'SETUP_RATE_LIMITED',
  CONFLICT: 'SETUP_CONFLICT',
};

/** The invite code from a link fragment (`#invite=<code>`), validated; null when absent or malformed. */
export function inviteFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const parsed = InviteCode.safeParse(params.get('invite') ?? '');
  return parsed.success ? parsed.data : null;
}

export { checkNewAccount };

export class SessionController {
  /** Called after sign-in / sign-out (the moderation controller loads shows or disconnects). */
  onSignedIn: () => void = () => {};
  onSignedOut: () => void = () => {};

  constructor(
    private readonly store: ModeratorStore,
    private readonly api: StaffApi,
    private readonly location: { hash: string; clearHash(): void },
  ) {}

  async boot(): Promise<void> {
    const s = this.store.getState();
    const invite = inviteFromHash(this.location.hash);
    s.setSession({ inviteCode: invite, phase: 'loading', authError: null });
    try {
      const setup = await this.api.setupState();
      if (setup.needed) {
        s.setSession({ phase: 'setup' });
        return;
      }
      if (invite) {
        s.setSession({ phase: 'accept' });
        return;
      }
      await this.loadMe();
    } catch (err) {
      s.setSession({ phase: 'unreachable', authError: errorOf(err) });
    }
  }

  private async loadMe(): Promise<void> {
    const s = this.store.getState();
    try {
      const me = await this.api.me();
      s.setSession({ me, phase: 'signedIn', authError: null });
      this.onSignedIn();
    } catch (err) {
      if (err instanceof StaffApiError && err.status === 401) s.setSession({ phase: 'login', me: null });
      else throw err;
    }
  }

  private async run(fn: () => Promise<unknown>): Promise<boolean> {
    const s = this.store.getState();
    if (s.authBusy) return false;
    s.setSession({ authBusy: true, authError: null });
    try {
      await fn();
      await this.loadMe();
      return true;
    } catch (err) {
      s.setSession({ authError: errorOf(err) });
      return false;
    } finally {
      this.store.getState().setSession({ authBusy: false });
    }
  }

  login(name: string, password: string): Promise<boolean> {
    if (!name.trim() || !password) {
      this.store.getState().setSession({ authError: { code: 'MISSING', message: '' } });
      return Promise.resolve(false);
    }
    return this.run(() => this.api.login(name.trim(), password));
  }

  /**
   * First-run owner setup. The setup code (server log / `<data dir>/setup-code`) proves the operator is creating
   * the owner; its refusals get their own messages (a wrong code is not a wrong password).
   */
  async setup(name: string, password: string, confirm: string, setupCode: string): Promise<boolean> {
    const s = this.store.getState();
    const code = SetupCode.safeParse(setupCode);
    if (!setupCode.trim()) {
      s.setSession({ authError: { code: 'SETUP_CODE_MISSING', message: '' } });
      return false;
    }
    if (!code.success) {
      s.setSession({ authError: { code: 'SETUP_CODE_FORMAT', message: '' } });
      return false;
    }
    const check = checkNewAccount(name.trim(), password, confirm);
    if (!check.ok) {
      s.setSession({ authError: { code: check.code, message: '' } });
      return false;
    }
    const ok = await this.run(() => this.api.setup(name.trim(), password, code.data));
    const err = this.store.getState().authError;
    if (!ok && err && SETUP_ERRORS[err.code]) this.store.getState().setSession({ authError: { ...err, code: SETUP_ERRORS[err.code]! } });
    return ok;
  }

  accept(name: string, password: string, confirm: string): Promise<boolean> {
    const code = this.store.getState().inviteCode;
    const check = checkNewAccount(name.trim(), password, confirm);
    if (!code) {
      this.store.getState().setSession({ authError: { code: 'INVITE', message: '' } });
      return Promise.resolve(false);
    }
    if (!check.ok) {
      this.store.getState().setSession({ authError: { code: check.code, message: '' } });
      return Promise.resolve(false);
    }
    return this.run(async () => {
      await this.api.accept(code, name.trim(), password);
      // The code is spent: drop it from the address bar so a reload does not show the form again.
      this.location.clearHash();
      this.store.getState().setSession({ inviteCode: null });
    });
  }

  /** Leave the invite form for the login form (e.g. the code was already used). */
  toLogin(): void {
    this.location.clearHash();
    this.store.getState().setSession({ phase: 'login', inviteCode: null, authError: null });
  }

  async logout(): Promise<void> {
    try {
      await this.api.logout();
    } catch {
      // the cookie is cleared server-side when reachable; the page forgets the session either way
    }
    this.store.getState().setSession({ me: null, phase: 'login', authError: null });
    this.onSignedOut();
  }
}

export function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof StaffApiError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
