/**
 * Studio side of engagement: an EngagementController on the chat dock's realtime socket (controllers/chat.ts keeps
 * one socket per open show, authenticated with the studio token). The panel reads the engagement store and calls the
 * forwarding methods below; results (winners, seed, claim counts) arrive as realtime events. Starting anything needs
 * the show to be live.
 */
import { EngagementController } from '../../ui/engagement/controller';
import { createEngagementStore, type EngagementStore } from '../../ui/engagement/state';
import type { RealtimeConnection } from '../../ui/realtime/connection';
import type { ChatStore } from '../chat-store';
import type { StudioStore } from '../store';
import type { StudioChatController } from './chat';
import type { EngageRequest } from './engagement-form';

export class StudioEngagement {
  readonly store: EngagementStore = createEngagementStore();
  private ctl: EngagementController | null = null;
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly studio: StudioStore,
    private readonly chat: StudioChatController,
    private readonly chatStore: ChatStore,
  ) {}

  start(): void {
    if (this.off.length) return;
    this.off.push(this.chat.onConnection((conn, showId) => this.attach(conn, showId)));
    // The socket's state is the chat dock's.
    const mirror = () => {
      const status = this.chatStore.getState().rtStatus;
      if (this.store.getState().status !== status) this.store.setState({ status });
    };
    mirror();
    this.off.push(this.chatStore.subscribe(mirror));
  }

  stop(): void {
    for (const f of this.off.splice(0)) f();
    this.attach(null, null);
  }

  private attach(conn: RealtimeConnection | null, showId: string | null): void {
    this.ctl?.dispose();
    this.ctl = null;
    if (!conn || !showId) return;
    if (this.store.getState().showId !== showId) {
      this.store.setState({ showId, giveaways: [], redPackets: [], coupons: [], errors: {}, pending: {} });
    }
    this.ctl = new EngagementController(this.store, conn);
  }

  /** Start a giveaway / lottery / red packet / coupon; false (with errors.form set) when refused. */
  async submit(req: EngageRequest): Promise<boolean> {
    const ctl = this.ctl;
    if (!ctl || this.studio.getState().publish.show?.status !== 'live') {
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
