/**
 * What the weak-network scenarios measure in a viewer page, shared by weaknet*.e2e tests (and so by
 * `npm run bench:weaknet`, which runs them): a wall-clock log of presented frames, layer changes, screens and received
 * audio, the freeze / audio-gap arithmetic over it, and the per-scenario figures the bench collects.
 */
import { appendFileSync } from 'node:fs';
import type { types } from 'mediasoup';
import type { Page } from 'playwright-core';
import { poll } from './harness';

/**
 * Init script for viewer pages: `window.__wn` logs presented frames (the viewer's test handle), the forwarded layer
 * and the screen at each change, and with `audio` (its getStats polling costs the page some time) every 200 ms the
 * received audio so far: packets, samples played out and how many of those the jitter buffer concealed
 * (RTCPeerConnections are recorded as the page makes them, so getStats can be read without a handle into the player).
 */
export function pageLogScript(audio: boolean): string {
  return `(() => {
  const log = { frames: [], layers: [], screens: [], audio: [] };
  window.__wn = log;
  const pcs = [];
  if (${audio}) {
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(...args) { super(...args); pcs.push(this); }
    };
  }
  if (${audio}) setInterval(async () => {
    let a = null;
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats().catch(() => null);
      report?.forEach((r) => {
        if (r.type !== 'inbound-rtp' || r.kind !== 'audio') return;
        a = a ?? [Date.now(), 0, 0, 0];
        a[1] += r.packetsReceived ?? 0;
        a[2] += r.totalSamplesReceived ?? 0;
        a[3] += r.concealedSamples ?? 0;
      });
    }
    if (a !== null) log.audio.push(a);
  }, 200);
  const attach = () => {
    const h = window.__storecast;
    if (!h || typeof h.onFrame !== 'function') return setTimeout(attach, 20);
    const t = (now) => performance.timeOrigin + now;
    h.onFrame((s) => log.frames.push([t(s.now), s.width, s.height, s.receiveTime === undefined ? null : t(s.receiveTime)]));
    let spatial, temporal, screen;
    const check = () => {
      const st = h.store.getState();
      const sp = st.layers ? st.layers.spatial : null;
      const tp = st.layers ? st.layers.temporal : null;
      if (sp !== spatial || tp !== temporal) { spatial = sp; temporal = tp; log.layers.push([Date.now(), sp, tp]); }
      const sc = h.screen();
      if (sc !== screen) { screen = sc; log.screens.push([Date.now(), sc]); }
    };
    check();
    h.store.subscribe(check);
  };
  attach();
})();`;
}

export interface PageLog {
  /** [wall-clock ms, width, height, when its last packet arrived (null: not a WebRTC frame)] per presented frame. */
  frames: [number, number, number, number | null][];
  /** [wall-clock ms, spatial layer, temporal layer] at each change. */
  layers: [number, number | null, number | null][];
  screens: [number, string][];
  /** [wall-clock ms, audio packets received, samples played out, of which concealed] so far, every 200 ms. */
  audio: [number, number, number, number][];
}

export const TOP_LAYER = 2;
/** Width of the top layer: the studio's default output, 720p30. */
export const TOP_WIDTH = 1280;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function readLog(page: Page, since = 0): Promise<PageLog> {
  return page.evaluate((since) => {
    const l = (window as unknown as { __wn: PageLog }).__wn;
    return {
      frames: l.frames.filter((f) => f[0] >= since),
      layers: l.layers.slice(),
      screens: l.screens.slice(),
      audio: l.audio.filter((a) => a[0] >= since),
    };
  }, since);
}

/** Longest gap between consecutive presented frames in [from, to] (the edges count as frames), and when it began. */
export function longestGap(frames: PageLog['frames'], from: number, to: number): { ms: number; at: number } {
  const times = [from, ...frames.map((f) => f[0]).filter((t) => t > from && t < to), to];
  let gap = { ms: 0, at: from };
  for (let i = 1; i < times.length; i++) {
    if (times[i]! - times[i - 1]! > gap.ms) gap = { ms: times[i]! - times[i - 1]!, at: times[i - 1]! };
  }
  return gap;
}

/** Share of [from, to] spent in gaps between presented frames longer than `stallMs` (a frozen picture). */
export function frozenShare(frames: PageLog['frames'], from: number, to: number, stallMs = 200): number {
  const times = [from, ...frames.map((f) => f[0]).filter((t) => t > from && t < to), to];
  let frozen = 0;
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap > stallMs) frozen += gap;
  }
  return to > from ? frozen / (to - from) : 0;
}

/**
 * Audio in [from, to]: the longest gap in what was heard — the longest run of sampling intervals in which the jitter
 * buffer concealed most of what it played out, summed in concealed samples (48 kHz), so a late sample of the page's
 * timer does not count as a gap — and when the first packet after `after` arrived (null: none yet).
 */
export function audioGaps(audio: PageLog['audio'], from: number, to: number, after = from): { gapMs: number; firstAfter: number | null } {
  const inRange = audio.filter(([t]) => t >= from && t <= to);
  let gapMs = 0;
  let run = 0;
  let firstAfter: number | null = null;
  for (let i = 1; i < inRange.length; i++) {
    const [t, packets, played, concealed] = inRange[i]!;
    const prev = inRange[i - 1]!;
    if (firstAfter === null && t > after && packets > prev[1]) firstAfter = t;
    const dPlayed = played - prev[2];
    const dConcealed = concealed - prev[3];
    if (dPlayed > 0 && dConcealed > dPlayed / 2) {
      run += dConcealed / 48;
      gapMs = Math.max(gapMs, run);
    } else run = 0;
  }
  return { gapMs: Math.round(gapMs), firstAfter };
}

/**
 * Where the jitter buffer concealed audio in [from, to]: the start of the first and the end of the last sampling
 * interval in which it concealed any (null: none), and how much it concealed in all (ms).
 */
export function audioConcealment(
  audio: PageLog['audio'],
  from: number,
  to: number,
): { from: number | null; until: number | null; totalMs: number } {
  const inRange = audio.filter(([t]) => t >= from && t <= to);
  const out = { from: null as number | null, until: null as number | null, totalMs: 0 };
  for (let i = 1; i < inRange.length; i++) {
    const concealed = inRange[i]![3] - inRange[i - 1]![3];
    if (concealed <= 0) continue;
    out.from ??= inRange[i - 1]![0];
    out.until = inRange[i]![0];
    out.totalMs += concealed / 48;
  }
  return { ...out, totalMs: Math.round(out.totalMs) };
}

/** Times at which new audio packets had arrived (from the 200 ms samples). */
export function audioArrivals(audio: PageLog['audio']): number[] {
  return audio.filter((a, i) => i > 0 && a[1] > audio[i - 1]![1]).map((a) => a[0]);
}

/**
 * When the last uninterrupted run of `times` began (no gap over `maxGapMs` from there on), or null without any: a
 * picture that came back, stopped again and came back later resumed at the later time.
 */
export function settledSince(times: number[], maxGapMs: number): number | null {
  if (times.length === 0) return null;
  let start = times[0]!;
  for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > maxGapMs) start = times[i]!;
  return start;
}

/** Presented frames after `since`: at least `n` of them. */
export async function waitPlaying(page: Page, since: number, n: number, timeoutMs: number): Promise<PageLog['frames']> {
  return poll(
    `${n} frames presented after ${new Date(since).toISOString()}`,
    async () => {
      const { frames } = await readLog(page, since);
      return frames.length >= n ? frames : null;
    },
    timeoutMs,
    50,
  );
}

/** One scenario's key figures for the bench (null: not measured in that scenario). */
export interface ScenarioFigures {
  scenario: string;
  /** Time until a lower layer was on the viewer's screen (a, c). */
  adaptMs?: number | null;
  /** Frozen share of the judged window, percent. */
  frozenPct?: number | null;
  /** Link back → picture (and sound) again (d, f). */
  resumeMs?: number | null;
  /** Presented frames per second over the judged window. */
  fps?: number | null;
  /** Longest time without audio packets in the judged window (ms). */
  audioGapMs?: number | null;
  /** The test's own checks passed. */
  passed: boolean;
  /** Anything else worth printing. */
  extra?: Record<string, number | string | null>;
}

/** The bench sets WEAKNET_REPORT to a file: each scenario appends its figures there as one JSON line. */
export function reportFigures(figures: ScenarioFigures): void {
  const file = process.env.WEAKNET_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(figures)}\n`);
}

/**
 * The server's first sign of a filling link: reads the transports' bandwidth estimate every 100 ms until `stop()` and
 * calls `onCut` when one falls 12 % or more under the highest read (the congestion controller's cut is 15 %).
 */
export function watchEstimateCut(transports: types.WebRtcTransport[]): { onCut: (at: number) => void; stop(): void } {
  const peak = new Map<string, number>();
  const watch = {
    onCut: (_at: number) => {},
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(async () => {
    for (const t of transports) {
      const estimate = (await t.getStats().catch(() => []))[0]?.availableOutgoingBitrate ?? 0;
      const highest = Math.max(peak.get(t.id) ?? 0, estimate);
      peak.set(t.id, highest);
      if (estimate > 0 && estimate <= highest * 0.88) watch.onCut(Date.now());
    }
  }, 100);
  return watch;
}
