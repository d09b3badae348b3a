/**
 * Engagement controller (outside React), shared by the viewer page and the studio panel. It rides on a page's
 * RealtimeConnection — listening to `engage.sync` and to `engage` items inside batches, so it can share the socket
 * the chat uses — and writes the engagement store. Viewer actions: grab a red packet, claim a coupon, enter a keyword
 * draw (sends the keyword as a chat message), follow, verify a finished draw. Staff actions: start / end.
 */
import type { CouponCreate } from '../../../shared/commerce/coupons';
import type { GiveawayStart, RedPacketCreate } from '../../../shared/protocol/engagement';
import type { RealtimeMethods } from '../../../shared/protocol/realtime';
import type { ReqOf, ResOf } from '../../../shared/protocol/rpc';
import { type RealtimeConnection, requestErrorCode } from '../realtime/connection';
import { applyEvent, applySync, checkGiveaway, type EngagementData, type EngagementStore } from './state';

type Rt = Pick<RealtimeConnection, 'request' | 'rpc'>;

export class EngagementController {
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly store: EngagementStore,
    private readonly rt: Rt,
  ) {
    this.off.push(rt.rpc.on('engage.sync', (sync) => this.store.setState((s) => applySync(s, sync))));
    this.off.push(
      rt.rpc.on('batch', (batch) => {
        let next: EngagementData | null = null;
        for (const item of batch.items) if (item.k === 'engage') next = applyEvent(next ?? this.store.getState(), item.event);
        if (next) this.store.setState(next, true);
      }),
    );
  }

  dispose(): void {
    for (const f of this.off.splice(0)) f();
  }

  /** Run a request for one item id: pending flag while in flight, error code on failure. */
  private async run<K extends keyof RealtimeMethods & string>(
    id: string,
    method: K,
    data: ReqOf<RealtimeMethods, K>,
  ): Promise<ResOf<RealtimeMethods, K> | null> {
    const st = this.store.getState();
    if (st.pending[id]) return null;
    this.store.setState({ pending: { ...st.pending, [id]: true }, errors: omit(st.errors, id) });
    try {
      return await this.rt.request(method, data);
    } catch (err) {
      this.store.setState((s) => ({ errors: { ...s.errors, [id]: requestErrorCode(err) } }));
      return null;
    } finally {
      this.store.setState((s) => ({ pending: omit(s.pending, id) }));
    }
  }

  async refresh(): Promise<void> {
    const sync = await this.run('state', 'engage.state', {});
    if (sync) this.store.setState((s) => applySync(s, sync));
  }

  // Viewer ----------------------------------------------------------------------------------------------------

  async grab(packetId: string): Promise<void> {
    const r = await this.run(packetId, 'redpacket.claim', { packetId });
    if (!r) return;
    this.store.setState((s) => ({
      packetResults: {
        ...s.packetResults,
        [packetId]: r.outcome === 'won' ? { outcome: 'won', amountMinor: r.amountMinor, currency: r.currency } : { outcome: 'empty' },
      },
    }));
  }

  async claimCoupon(couponId: string): Promise<void> {
    const r = await this.run(couponId, 'coupon.claim', { couponId });
    if (!r) return;
    this.store.setState((s) => ({
      claimedCoupons: s.claimedCoupons.includes(couponId) ? s.claimedCoupons : [...s.claimedCoupons, couponId],
      coupons: s.coupons.map((c) => (c.id === couponId ? r.coupon : c)),
    }));
  }

  /** Enter a keyword draw by sending the keyword in chat (the server decides eligibility). */
  async sendKeyword(giveawayId: string, keyword: string): Promise<void> {
    const r = await this.run(giveawayId, 'chat.send', { text: keyword });
    if (!r) return;
    if (!r.accepted) {
      this.store.setState((s) => ({ errors: { ...s.errors, [giveawayId]: r.reason } }));
      return;
    }
    this.store.setState((s) => ({ entered: s.entered.includes(giveawayId) ? s.entered : [...s.entered, giveawayId] }));
  }

  async follow(giveawayId: string): Promise<void> {
    const r = await this.run(giveawayId, 'follow', {});
    if (r) this.store.setState((s) => ({ entered: s.entered.includes(giveawayId) ? s.entered : [...s.entered, giveawayId] }));
  }

  /** Fetch the published entrants and re-run the draw locally. */
  async verify(giveawayId: string): Promise<void> {
    this.store.setState((s) => ({ checks: { ...s.checks, [giveawayId]: 'running' } }));
    const r = await this.run(`verify:${giveawayId}`, 'giveaway.entries', { giveawayId });
    const check = r ? checkGiveaway(r.giveaway, r.entrants) : null;
    this.store.setState((s) => ({ checks: { ...s.checks, [giveawayId]: check ?? 'failed' } }));
  }

  // Staff -----------------------------------------------------------------------------------------------------

  async startGiveaway(input: GiveawayStart): Promise<boolean> {
    const r = await this.run('form', 'giveaway.start', input);
    if (r) this.store.setState((s) => applyEvent(s, { type: 'giveaway.started', giveaway: r.giveaway }));
    return r !== null;
  }

  async endGiveaway(giveawayId: string, cancel = false): Promise<void> {
    const r = await this.run(giveawayId, 'giveaway.end', { giveawayId, cancel });
    if (r) this.store.setState((s) => applyEvent(s, { type: 'giveaway.ended', giveaway: r.giveaway }));
  }

  async createRedPacket(input: RedPacketCreate): Promise<boolean> {
    const r = await this.run('form', 'redpacket.create', input);
    if (r) this.store.setState((s) => applyEvent(s, { type: 'redpacket.available', packet: r.packet }));
    return r !== null;
  }

  async endRedPacket(packetId: string): Promise<void> {
    const r = await this.run(packetId, 'redpacket.end', { packetId });
    if (r) this.store.setState((s) => applyEvent(s, { type: 'redpacket.out', packet: r.packet }));
  }

  async createCoupon(input: CouponCreate): Promise<boolean> {
    const r = await this.run('form', 'coupon.create', input);
    if (r) this.store.setState((s) => applyEvent(s, { type: 'coupon.available', coupon: r.coupon }));
    return r !== null;
  }

  async endCoupon(couponId: string): Promise<void> {
    const r = await this.run(couponId, 'coupon.end', { couponId });
    if (r) this.store.setState((s) => applyEvent(s, { type: 'coupon.ended', coupon: r.coupon }));
  }
}

function omit<T>(rec: Record<string, T>, key: string): Record<string, T> {
  if (!(key in rec)) return rec;
  const next = { ...rec };
  delete next[key];
  return next;
}
