/** User Timing marks (visible in devtools' performance panel; the latency bench prints them) for the join path. */
export function mark(name: string): void {
  performance.mark(`storecast:${name}`);
}
