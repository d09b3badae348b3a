/**
 * Frame clock for the compositor. Runs in a dedicated Worker because timers in a worker are not throttled when
 * the studio window is hidden or occluded (requestAnimationFrame stops, main-thread timers drop to 1 Hz).
 * Ticks are scheduled against absolute deadlines, so timer lateness does not accumulate as drift.
 */
type Command = { type: 'start'; fps: number } | { type: 'stop' };

let timer: ReturnType<typeof setTimeout> | null = null;
let generation = 0;

function run(fps: number): void {
  const gen = ++generation;
  const interval = 1000 / fps;
  const t0 = performance.now();
  let n = 0;
  const step = () => {
    if (gen !== generation) return;
    const now = performance.now();
    // If we fell far behind (machine stalled), skip the missed ticks instead of bursting.
    const due = Math.floor((now - t0) / interval);
    if (due > n + 2) n = due;
    n++;
    postMessage({ type: 'tick', n, t: performance.timeOrigin + now });
    timer = setTimeout(step, Math.max(0, t0 + n * interval - performance.now()));
  };
  step();
}

self.onmessage = (ev: MessageEvent<Command>) => {
  const cmd = ev.data;
  if (timer) clearTimeout(timer);
  timer = null;
  generation++;
  if (cmd.type === 'start' && cmd.fps > 0 && cmd.fps <= 120) run(cmd.fps);
};
