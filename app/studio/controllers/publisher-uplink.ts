/**
 * The publisher's once-a-second look at its send transport: the stats shown to the streamer, and the uplink policy
 * (uplink.ts) applied to the program producer's simulcast layers.
 */
import type { StudioStore } from '../store';
import type { Session } from './publisher-session';
import { type SendSample, summarizeSendStats } from './stats';
import { initialUplink, step as uplinkStep } from './uplink';

export class SendMonitor {
  private lastSample: SendSample | null = null;

  constructor(private readonly store: StudioStore) {}

  /** Forget the previous sample: rates are computed afresh from the next one. */
  reset(): void {
    this.lastSample = null;
  }

  /** The transport (re)connected: the estimate restarts, so judge it only after a fresh warm-up. */
  restartUplink(session: Session): void {
    const now = performance.now();
    session.uplink = session.uplink ? { ...session.uplink, startedAt: now, shortSince: null } : initialUplink(session.videoLayers, now);
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
    if (!session.uplink || !video || video.closed || session.videoLayers.length === 0) return;
    const next = uplinkStep(session.uplink, session.videoLayers, estimateBps, now);
    if (next.maxLayer !== session.uplink.maxLayer) await video.setMaxSpatialLayer(next.maxLayer);
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
}
