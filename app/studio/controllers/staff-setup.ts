/**
 * "Set up moderator access": while the server has no owner account yet, the studio creates it in one step. The
 * studio token is the proof of being the operator; it stays in main (host `staff.claimOwner`), the renderer only
 * sends the name and password. Its own small store (the card's state), written here and read by the card.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { RpcError } from '../../../shared/protocol/rpc';
import { checkNewAccount } from '../../../shared/realtime/accounts';
import type { HostBridge } from '../host-bridge';

export interface StaffSetupState {
  /** unknown: not asked yet / server unreachable (the card stays hidden); needed: no owner yet; done: an owner exists. */
  status: 'unknown' | 'needed' | 'done';
  moderatorUrl: string | null;
  busy: boolean;
  /** Form check (NAME, PASSWORD, MISMATCH) or the host's error code, with its message. */
  error: { code: string; message: string } | null;
  /** The owner this studio just created (the card then offers to open the moderator pane). */
  created: { name: string } | null;
  dismissed: boolean;
}

export type StaffSetupStore = StoreApi<StaffSetupState>;

export function createStaffSetupStore(): StaffSetupStore {
  return createStore<StaffSetupState>()(() => ({
    status: 'unknown',
    moderatorUrl: null,
    busy: false,
    error: null,
    created: null,
    dismissed: false,
  }));
}

/** Whether the card shows: setup is needed, or this studio just did it (until dismissed). */
export function selectShowCard(s: StaffSetupState): boolean {
  return !s.dismissed && (s.status === 'needed' || s.created !== null);
}

export class StaffSetupController {
  readonly store: StaffSetupStore = createStaffSetupStore();

  constructor(private readonly host: Pick<HostBridge, 'call'>) {}

  /** Ask the server (through main) whether it still needs its owner. Unreachable: the card stays hidden. */
  async refresh(): Promise<void> {
    try {
      const state = await this.host.call('staff.setupState', {});
      this.store.setState({ status: state.needed ? 'needed' : 'done', moderatorUrl: state.moderatorUrl });
    } catch {
      this.store.setState({ status: 'unknown' });
    }
  }

  async claim(name: string, password: string, confirm: string): Promise<boolean> {
    if (this.store.getState().busy) return false;
    const check = checkNewAccount(name.trim(), password, confirm);
    if (!check.ok) {
      this.store.setState({ error: { code: check.code, message: '' } });
      return false;
    }
    this.store.setState({ busy: true, error: null });
    try {
      const result = await this.host.call('staff.claimOwner', { name: name.trim(), password });
      this.store.setState({ status: 'done', created: { name: result.account.name }, moderatorUrl: result.moderatorUrl });
      return true;
    } catch (err) {
      const code = err instanceof RpcError ? err.code : 'INTERNAL';
      // CONFLICT: someone set it up meanwhile (e.g. with the setup code); the card says so and offers the pane.
      this.store.setState({ error: { code, message: err instanceof Error ? err.message : String(err) } });
      return false;
    } finally {
      this.store.setState({ busy: false });
    }
  }

  /** Open the moderator pane in the system browser; false when it could not be opened. */
  async openModerator(): Promise<boolean> {
    const url = this.store.getState().moderatorUrl;
    if (!url) return false;
    try {
      return (await this.host.call('host.openExternal', { url })).opened;
    } catch {
      return false;
    }
  }

  dismiss(): void {
    this.store.setState({ dismissed: true });
  }
}
