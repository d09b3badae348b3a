/**
 * Wait for the viewer store to reach a state, with a deadline.
 *
 * Used to keep the join's critical window free: on a phone (or a busy machine) the page's main thread is the
 * bottleneck of time-to-first-frame, so work that is not needed for the first picture (the joined page's render,
 * the overlay DataChannel's renegotiation, shop fetches, the chat socket) waits for it, but never longer than
 * `timeoutMs`.
 */
import type { ViewerState, ViewerStore } from '../store';

/** Resolves `true` when the predicate holds (at once if it already does), `false` at the deadline. */
export function whenState(store: ViewerStore, predicate: (s: ViewerState) => boolean, timeoutMs: number): Promise<boolean> {
  if (predicate(store.getState())) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const finish = (reached: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(reached);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const unsubscribe = store.subscribe((s) => {
      if (predicate(s)) finish(true);
    });
  });
}
