/**
 * Turns the send transport's WebRTC stats (RTCStatsReport entries) into the live status bar figures.
 * Pure: no DOM types needed (entries are plain records), so it is unit-tested in Node.
 */
import type { LiveStats } from '../store';

type StatEntry = Record<string, unknown> & { type: string; id: string };

export interface SendSample {
  at: number;
  bytesSent: number;
  /** Per outbound-rtp id: framesEncoded (to compute fps when framesPerSecond is missing). */
  framesEncoded: Record<string, number>;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function summarizeSendStats(
  entries: Iterable<StatEntry>,
  prev: SendSample | null,
  now: number,
): { stats: LiveStats; sample: SendSample } {
  let bytesSent = 0;
  let top: StatEntry | null = null;
  let layers = 0;
  const framesEncoded: Record<string, number> = {};
  const lossFractions: number[] = [];
  let rttFromRtcp: number | null = null;
  let pairRtt: number | null = null;
  let selectedPairId: string | null = null;
  const pairs = new Map<string, StatEntry>();

  for (const e of entries) {
    switch (e.type) {
      case 'outbound-rtp': {
        // Media payload only: header bytes also count the BWE's padding probes, which would show as bursts.
        bytesSent += num(e.bytesSent) ?? 0;
        if (e.kind !== 'video') break;
        const fe = num(e.framesEncoded);
        if (fe !== null) framesEncoded[e.id] = fe;
        if (e.active === false) break;
        if ((num(e.bytesSent) ?? 0) > 0) layers++;
        if (!top || (num(e.frameWidth) ?? 0) > (num(top.frameWidth) ?? 0)) top = e;
        break;
      }
      case 'remote-inbound-rtp': {
        const fl = num(e.fractionLost);
        if (e.kind === 'video' && fl !== null) lossFractions.push(fl);
        const rtt = num(e.roundTripTime);
        if (rtt !== null) rttFromRtcp = Math.max(rttFromRtcp ?? 0, rtt);
        break;
      }
      case 'transport':
        if (typeof e.selectedCandidatePairId === 'string') selectedPairId = e.selectedCandidatePairId;
        break;
      case 'candidate-pair':
        pairs.set(e.id, e);
        break;
    }
  }
  const pair = selectedPairId
    ? pairs.get(selectedPairId)
    : [...pairs.values()].find((p) => p.nominated === true && p.state === 'succeeded');
  if (pair) pairRtt = num(pair.currentRoundTripTime);
  const estimateBps = pair ? num(pair.availableOutgoingBitrate) : null;

  const dt = prev ? (now - prev.at) / 1000 : 0;
  const bitrate = prev && dt > 0 ? Math.max(0, ((bytesSent - prev.bytesSent) * 8) / dt) : 0;
  let fps: number | null = null;
  if (top) {
    fps = num(top.framesPerSecond);
    const before = prev?.framesEncoded[top.id];
    const fe = framesEncoded[top.id];
    if (fps === null && before !== undefined && fe !== undefined && dt > 0) fps = (fe - before) / dt;
  }
  const rtt = pairRtt ?? rttFromRtcp;
  const limitation =
    top && typeof top.qualityLimitationReason === 'string' && top.qualityLimitationReason !== 'none' ? top.qualityLimitationReason : null;
  return {
    stats: {
      bitrate: Math.round(bitrate),
      fps: fps === null ? null : Math.round(fps * 10) / 10,
      width: top ? num(top.frameWidth) : null,
      height: top ? num(top.frameHeight) : null,
      rttMs: rtt === null ? null : Math.round(rtt * 1000),
      lossPct: lossFractions.length ? Math.round((lossFractions.reduce((a, b) => a + b, 0) / lossFractions.length) * 1000) / 10 : null,
      layers,
      limitation,
      estimateBps: estimateBps === null ? null : Math.round(estimateBps),
    },
    sample: { at: now, bytesSent, framesEncoded },
  };
}
