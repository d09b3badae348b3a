/**
 * The publisher's once-a-second look at its send transport: the stats shown to the streamer, and the uplink policy
 * (uplink.ts) applied to the program producer's simulcast layers.
 */
import type { types } from 'mediasoup-client';
import type { StudioStore } from '../store';
import type { Session } from './publisher-session';
import { type SendSample, summarizeSendStats } from './stats';
import { initialUplink, step as uplinkStep } from './uplink';

/**
 * Between telling the server a layer is about to stop and stopping it: the viewers moved off it need the lower
 * layer's key frame first (asked for at once; one frame interval plus a round trip on a loaded uplink).
 */
export const LAYER_HANDOVER_MS = 500;

export class SendMonitor {
  private lastSample: SendSample | null = null;
  /** A layer change is being applied (it spans the handover): samples meanwhile only update the stats. */
  private changing = false;

  constructor(private readonly store: StudioStore) {}

  /** Forget the previous sample: rates are computed afresh from the next one. */
  reset(): void {
    this.lastSample = null;
  }

  /** The transport (re)connected: the estimate restarts, so judge it only after a fresh warm-up. */
  restartUplink(session: Session): void {
    const now = performance.now();
    session.uplink = session.uplink
      ? { ...session.uplink, startedAt: now, warm: false, shortSince: null }
      : initialUplink(session.videoLayers, now);
  }

  async collect(session: Session): Promise<void> {
    if (session.closed || !session.transport || session.transport.closed) return;
    try {
      const report = await session.transport.getStats();
      const entries: Array<Record<string, unknown> & { type: string; id: string }> = [];
      report.forEach((v: Record<string, unknown> & { type: string; id: string }) => {
        entries.push(v);
      });
      const now = performance.now();
      const { stats, sample } = summarizeSendStats(entries, this.lastSample, now);
      this.lastSample = sample;
      if (session.closed) return;
      this.store.setState({ stats });
      await this.adaptUplink(session, stats.estimateBps, now);
    } catch {
      // transport closing
    }
  }

  /** Run the uplink policy on one sample and send only the layers it allows (see uplink.ts). */
  private async adaptUplink(session: Session, estimateBps: number | null, now: number): Promise<void> {
    const video = session.video;
    if (!session.uplink || !video || video.closed || session.videoLayers.length === 0 || this.changing) return;
    const next = uplinkStep(session.uplink, session.videoLayers, estimateBps, now);
    if (next.maxLayer !== session.uplink.maxLayer) {
      this.changing = true;
      try {
        await this.changeLayers(session, video, session.uplink.maxLayer, next.maxLayer);
      } finally {
        this.changing = false;
      }
    }
    if (session.closed) return;
    session.uplink = next;
    // What is sent: the encoder's resolution once the stats show only the allowed layers (it scales them down under
    // CPU load), the layer's nominal size until then.
    const nominal = session.videoLayers[next.maxLayer]!;
    const stats = this.store.getState().stats;
    const size =
      stats && stats.layers === next.maxLayer + 1 && stats.width && stats.height ? { width: stats.width, height: stats.height } : nominal;
    this.store.setState({
      uplink: {
        maxLayer: next.maxLayer,
        layers: session.videoLayers.length,
        estimateBps: next.estimateBps,
        width: size.width,
        height: size.height,
      },
    });
  }

  /**
   * Stop or resume sending the layers above `to`. The server hears first when layers stop (it moves their viewers
   * down and seats new ones below, so nobody waits for a key frame that will not come) and last when they resume
   * (the layer flows before viewers are sent to it). A server that cannot be told does not hold the policy back.
   */
  private async changeLayers(session: Session, video: types.Producer, from: number, to: number): Promise<void> {
    const top = session.videoLayers.length - 1;
    const tell = () =>
      session.client
        .request('producer.setMaxSpatialLayer', { producerId: video.id, spatialLayer: to >= top ? null : to })
        .catch(() => undefined);
    if (to < from) {
      await tell();
      await new Promise((r) => setTimeout(r, LAYER_HANDOVER_MS));
      if (session.closed || video.closed) return;
      await video.setMaxSpatialLayer(to);
    } else {
      await video.setMaxSpatialLayer(to);
      await tell();
    }
  }
}
