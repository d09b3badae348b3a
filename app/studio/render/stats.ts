/** Frame-time statistics (pure): percentiles over a window of render durations and frame gaps. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface FrameWindow {
  frames: number;
  fps: number;
  meanMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  gapMaxMs: number;
}

/** Summary of one window: `durations` (ms per frame), `starts` (frame start times, ms), window length `elapsedMs`. */
export function summarize(durations: readonly number[], starts: readonly number[], elapsedMs: number): FrameWindow {
  const sorted = [...durations].sort((a, b) => a - b);
  let gapMax = 0;
  for (let i = 1; i < starts.length; i++) gapMax = Math.max(gapMax, starts[i]! - starts[i - 1]!);
  const sum = durations.reduce((a, b) => a + b, 0);
  const r2 = (v: number) => Math.round(v * 100) / 100;
  return {
    frames: durations.length,
    fps: elapsedMs > 0 ? Math.round(((durations.length * 1000) / elapsedMs) * 10) / 10 : 0,
    meanMs: durations.length ? r2(sum / durations.length) : 0,
    maxMs: r2(sorted.at(-1) ?? 0),
    p50Ms: r2(percentile(sorted, 50)),
    p95Ms: r2(percentile(sorted, 95)),
    gapMaxMs: Math.round(gapMax),
  };
}
