/**
 * The ICE watchdog of a mediasoup transport (studio send transport, viewer recv transport). Fed the transport's
 * `connectionstatechange` states, it
 *  - restarts ICE once the transport has been `disconnected` for `restartAfterMs` (a `disconnected` transport often
 *    recovers by itself), or at once when it is `failed`;
 *  - restarts again every `retryEveryMs` while it has not reconnected;
 *  - gives up after `giveUpAfterMs` without `connected` since it was lost: the caller then rejoins from scratch
 *    (new socket, new transport) and can tell the user the connection is too poor.
 * `new` / `connecting` are not watched (a viewer's transport waits for media that may not exist); a transport that
 * goes from there to `failed` is.
 */

export interface IceWatchdogOptions {
  restartAfterMs: number;
  retryEveryMs: number;
  giveUpAfterMs: number;
  /** Ask the server for new ICE parameters and apply them (`transport.restartIce`); a throw is retried. */
  restartIce: () => Promise<void>;
  /** The transport did not come back in time. Called once; the watchdog is disposed first. */
  giveUp: (reason: string) => void;
  /** `recovering` when the transport is lost, `connected` when it is back. */
  onHealth?: (health: 'connected' | 'recovering') => void;
}

export const ICE_WATCHDOG_DEFAULTS = { restartAfterMs: 2_000, retryEveryMs: 5_000 } as const;

export class IceWatchdog {
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private giveUpTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private restarting = false;

  constructor(private readonly opts: IceWatchdogOptions) {}

  /** Feed one `connectionstatechange` state. */
  update(state: string): void {
    if (this.disposed) return;
    if (state === 'connected') {
      const wasLost = this.giveUpTimer !== null;
      this.clear();
      if (wasLost) this.opts.onHealth?.('connected');
      return;
    }
    if (state === 'closed') {
      this.dispose();
      return;
    }
    if (state !== 'disconnected' && state !== 'failed') return;
    if (!this.giveUpTimer) {
      this.opts.onHealth?.('recovering');
      this.giveUpTimer = setTimeout(() => {
        this.giveUpTimer = null;
        if (this.disposed) return;
        this.dispose();
        this.opts.giveUp(`ICE did not reconnect within ${this.opts.giveUpAfterMs} ms`);
      }, this.opts.giveUpAfterMs);
    }
    if (state === 'failed') this.schedule(0);
    else if (!this.restartTimer && !this.restarting) this.schedule(this.opts.restartAfterMs);
  }

  /** Stop watching (transport closed or replaced). */
  dispose(): void {
    this.disposed = true;
    this.clear();
  }

  private schedule(delay: number): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.restart();
    }, delay);
  }

  private async restart(): Promise<void> {
    if (this.disposed || this.restarting || !this.giveUpTimer) return;
    this.restarting = true;
    try {
      await this.opts.restartIce();
    } catch {
      // retried below until the give-up deadline
    } finally {
      this.restarting = false;
    }
    if (!this.disposed && this.giveUpTimer && !this.restartTimer) this.schedule(this.opts.retryEveryMs);
  }

  private clear(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    this.restartTimer = null;
    this.giveUpTimer = null;
  }
}
