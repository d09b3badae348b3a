/**
 * Studio side of engagement: while the studio's show is live, one realtime socket to the server authenticated with
 * the studio token (hello.token), carrying an EngagementController. The panel reads the engagement store and calls
 * the forwarding methods below; results (winners, seed, claim counts) arrive as realtime events.
 */
import { EngagementController } from '../../ui/engagement/controller';
import { createEngagementStore, type EngagementStore } from '../../ui/engagement/state';
import { RealtimeConnection } from '../../ui/realtime/connection';
import type { HostBridge } from '../host-bridge';
import type { StudioStore } from '../store';
import type { EngageRequest } from './engagement-form';

export class StudioEngagement {
  readonly store: EngagementStore = createEngagementStore();
  private conn: RealtimeConnection | null = null;
  private ctl: EngagementController | null = null;
  private showId: string | null = null;
  private token: string | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly studio: StudioStore,
    private readonly host: HostBridge,
  ) {}

  start(): void {
    if (this.unsubscribe) return;
    const follow = () => {
      const show = this.studio.getState().publish.show;
      const liveId = show?.status === 'live' ? show.id : null;
      if (liveId !== this.showId) void this.switchTo(liveId);
    };
    this.unsubscribe = this.studio.subscribe(follow);
    follow();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    void this.switchTo(null);
  }

  private async switchTo(showId: string | null): Promise<void> {
    this.showId = showId;
    this.ctl?.dispose();
    this.ctl = null;
    this.conn?.stop();
    this.conn = null;
    if (!showId) return;
    let serverUrl: string;
    try {
      const c = await this.host.call('host.getConnection', {});
      serverUrl = c.serverUrl;
      this.token = c.studioToken;
    } catch {
      this.store.setState({ status: 'closed' });
      return;
    }
    if (this.showId !== showId) return;
    this.store.setState({ showId, giveaways: [], redPackets: [], coupons: [], errors: {}, pending: {} });
    const conn = new RealtimeConnection({
      origin: serverUrl,
      showId,
      // getRandomValues works outside secure contexts too (a studio reaching a LAN server over http).
      deviceId: `studio-${Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => b.toString(16).padStart(2, '0')).join('')}`,
      token: () => this.token ?? undefined,
      events: { status: (status) => this.store.setState({ status }) },
    });
    this.conn = conn;
    this.ctl = new EngagementController(this.store, conn);
    conn.start();
  }

  /** Start a giveaway / lottery / red packet / coupon; false (with errors.form set) when refused. */
  async submit(req: EngageRequest): Promise<boolean> {
    const ctl = this.ctl;
    if (!ctl) {
      this.store.setState((s) => ({ errors: { ...s.errors, form: 'NOT_LIVE' } }));
      return false;
    }
    if (req.kind === 'giveaway') return ctl.startGiveaway(req.body);
    if (req.kind === 'redpacket') return ctl.createRedPacket(req.body);
    return ctl.createCoupon(req.body);
  }

  endGiveaway(id: string, cancel = false): void {
    void this.ctl?.endGiveaway(id, cancel);
  }
  endRedPacket(id: string): void {
    void this.ctl?.endRedPacket(id);
  }
  endCoupon(id: string): void {
    void this.ctl?.endCoupon(id);
  }
  verify(id: string): void {
    void this.ctl?.verify(id);
  }
}
