/**
 * Settings controller: loads the host's settings into the store and saves edits (optimistic in the store,
 * coalesced and debounced to the host; on failure the banner says so and the host's copy is reloaded).
 */
import type { StudioSettings } from '../../../shared/protocol/host';
import { RpcError } from '../../../shared/protocol/rpc';
import type { HostBridge } from '../host-bridge';
import type { StudioStore } from '../store';

export class SettingsController {
  private pending: Partial<StudioSettings> = {};
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: StudioStore,
    private readonly host: HostBridge,
  ) {}

  /** Connect to the host and load info + settings. Returns false (with a banner) if the host is unavailable. */
  async load(): Promise<boolean> {
    try {
      const info = await this.host.call('host.getInfo', {});
      const settings = await this.host.call('host.getSettings', {});
      this.store.setState({ host: { status: 'ready', mode: info.mode, version: info.version }, settings });
      this.store.getState().clearError('hostUnavailable');
      return true;
    } catch (err) {
      this.store.setState((s) => ({ host: { ...s.host, status: 'error' } }));
      const unauthorized = err instanceof RpcError && err.code === 'UNAUTHORIZED';
      this.store
        .getState()
        .pushError(unauthorized ? 'hostUnauthorized' : 'hostUnavailable', err instanceof Error ? err.message : String(err));
      return false;
    }
  }

  /** Apply an edit now and persist it (text fields are debounced, choices are saved at once). */
  update(patch: Partial<StudioSettings>, debounceMs = 0): void {
    this.store.setState((s) => ({ settings: { ...s.settings, ...patch } }));
    this.pending = { ...this.pending, ...patch };
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), debounceMs);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const patch = this.pending;
    this.pending = {};
    if (Object.keys(patch).length === 0) return;
    try {
      await this.host.call('host.saveSettings', { settings: patch });
      this.store.getState().clearError('saveFailed');
    } catch (err) {
      this.store.getState().pushError('saveFailed', err instanceof Error ? err.message : String(err));
      try {
        const settings = await this.host.call('host.getSettings', {});
        this.store.setState({ settings: { ...settings, ...this.pending } });
      } catch {
        // host unreachable: keep the local copy
      }
    }
  }
}
